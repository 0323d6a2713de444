"""The graph's state: what every node reads and writes, checkpointed after each step."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict


class DocState(TypedDict, total=False):
    """State of one document run; lists written by parallel branches use reducers."""

    record: dict  # the validated input record, JSON form
    params: dict  # seniority, focus_area, duration
    time_plan: list[dict]  # phases with integer minutes summing to the duration (code, not LLM)
    budgets: list[dict]  # per-section words, tokens and max_tokens
    archetype: dict  # {"id", "reason", "source": "planner" | "user"}
    plan: dict  # the planner's InterviewPlan
    given_plan: dict  # input only: a plan the user prepared (`--plan`); no archetype or planner call
    review_requested: bool  # input only: pause for the plan review, so a resumed run keeps reviewing
    plan_review: dict  # the last review decision: {"action": accept, edit, feedback, invalid or off}
    plan_reused_from: str  # run whose framing, facts and architecture this plan reuses (batch only)
    writer_prefix: list[str]  # [system, user]: byte-identical for all twelve writers
    drafts: Annotated[list[dict], operator.add]  # every section draft of every round
    verifications: Annotated[list[dict], operator.add]  # per section and round: the verifier's findings
    reviews: Annotated[list[dict], operator.add]  # per round: failed checks, critic report, fixes
    failures: Annotated[list[dict], operator.add]  # sections whose writer failed after retries
    notes: Annotated[list[str], operator.add]  # budget changes and other facts for the trace
    usage: Annotated[list[dict], operator.add]  # one entry per LLM answer: node, section, tokens
    revision_round: int  # the round the critic last reviewed (0 = first drafts)
    flagged: list[dict]  # sections to rewrite next: {"number", "fixes"}
    document: str  # the assembled markdown
    output_path: str  # where save wrote it


class WriteTask(TypedDict):
    """What one ``write_section`` branch receives through ``Send``."""

    record: dict
    params: dict
    plan: dict
    budgets: list[dict]
    writer_prefix: list[str]
    number: int
    round: int
    fixes: list[str]
    previous: str
