"""The critique node and the router that bounds the revision loop."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.agents import briefs
from mlsd.agents.budgets import CRITIC_MAX_TOKENS, call_budget, message_tokens
from mlsd.agents.critic import (
    CriticReport,
    accepted_waivers,
    check_report_markdown,
    critic_messages,
    fixes_by_section,
    review,
)
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.small_model import is_small_model
from mlsd.agents.verifier import as_fix
from mlsd.evals.checks import CheckParams, check_document
from mlsd.graph.assemble import assemble_markdown, section_body
from mlsd.graph.context import RunContext
from mlsd.graph.nodes import write_task
from mlsd.graph.state import DocState
from mlsd.graph.usage import usage_entry
from mlsd.graph.verify import round_findings
from mlsd.llm.models import ChatFactory, with_trace_fields
from mlsd.llm.tokens import count_tokens
from mlsd.prompts.timeplan import PhaseSlot
from mlsd.records import Params, Record

TRUNCATED_FIX = "The section was cut off by the length limit: write it complete and shorter."


def latest_drafts(drafts: list[dict]) -> dict[int, dict]:
    """The newest draft of each section."""
    latest: dict[int, dict] = {}
    for draft in drafts:
        if draft["number"] not in latest or draft["round"] >= latest[draft["number"]]["round"]:
            latest[draft["number"]] = draft
    return latest


def draft_bodies(state: DocState) -> dict[int, str]:
    """Each section's newest body with what code adds (time table, diagram)."""
    plan = InterviewPlan.model_validate(state["plan"])
    slots = [PhaseSlot(s["name"], s["minutes"], tuple(s["sections"]), s["goal"]) for s in state["time_plan"]]
    return {n: section_body(n, d["markdown"], slots, plan) for n, d in latest_drafts(state["drafts"]).items()}


def check_params(record: Record, params: Params, archetype: str) -> CheckParams:
    """Deterministic-check parameters for this run, in its archetype's vocabulary."""
    focus = params.focus_area.value if params.focus_area else None
    return CheckParams(
        params.seniority.value, params.duration, focus, record.company_name, archetype=archetype
    )


def _fit_document(document: str, room_tokens: int) -> str:
    # A small local model cannot read a whole 5,000-word draft; keep the head of it so the
    # critic still sees every heading it can and the call fits the context window.
    if count_tokens(document) <= room_tokens:
        return document
    return document[: max(2000, room_tokens * 3)] + "\n\n[… draft shortened to fit the model's context …]"


async def critic_review(
    models: ChatFactory, values: dict[str, str], document: str, round_: int, failed_checks: list | None = None
) -> tuple[CriticReport, object, list[str]]:
    """One critic call over a whole draft, fitted to the model's context: (report, answer, notes)."""
    context = models.context_length
    if context:
        # A small context is split: half for the (shortened) draft, half for the verdicts.
        template_tokens = message_tokens(critic_messages({**values, "document": ""}))
        room = context - template_tokens - max(CRITIC_MAX_TOKENS, context // 2) - 64
        document = _fit_document(document, room)
    messages = critic_messages({**values, "document": document})
    max_tokens, notes = call_budget(
        f"critique round {round_}", CRITIC_MAX_TOKENS, message_tokens(messages), context, structured=True
    )
    model = with_trace_fields(models.chat("critic", max_tokens), round=round_, checks=failed_checks or [])
    report, raw = await review(model, messages)
    return report, raw, notes


async def critique(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Deterministic checks, then one LLM review; decide which sections to rewrite and how."""
    ctx = runtime.context
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    latest = latest_drafts(state["drafts"])
    round_ = max(d["round"] for d in latest.values())
    document = assemble_markdown({}, "Draft", draft_bodies(state))
    words = {b["number"]: b["words"] for b in state["budgets"]}
    checker = ctx.checker or check_document
    plan = InterviewPlan.model_validate(state["plan"])
    archetype = briefs.plan_archetype(plan)
    checks = checker(document, check_params(record, params, archetype.id), target_words=words)
    values = {
        **briefs.common_values(record, params),
        **briefs.archetype_values(archetype),
        "fact_sheet": briefs.fact_sheet(plan),
        "check_report": check_report_markdown(checks),
        "round": str(round_),
        "max_revisions": str(ctx.max_revisions),
    }
    if is_small_model(ctx.models.context_length):
        # A small model cannot review a document (it would only return noise at the cost of its
        # longest call): the deterministic checks are the whole critique there.
        note = f"critique round {round_}: deterministic checks only (no LLM review on a small model)"
        return _review_entry(latest, round_, checks, CriticReport(sections=[]), {}, [], [note])
    # The trace keeps each section's failed checks next to the critic's verdict (mlsd runs show).
    failed_checks = [[c.section, c.id, c.gate] for c in checks if not c.passed]
    report, raw, notes = await critic_review(ctx.models, values, document, round_, failed_checks)
    verifier_fixes = {n: [as_fix(f) for f in found] for n, found in round_findings(state, round_).items()}
    usage = [usage_entry("critique", ctx.models.model_names["critic"], raw, None, round_)]
    return _review_entry(latest, round_, checks, report, verifier_fixes, usage, notes)


def _review_entry(latest, round_, checks, report, verifier_fixes, usage, notes) -> dict:
    """The critique node's update: fixes per section from checks, critic and verifiers."""
    fixes = fixes_by_section(report, checks, set(range(1, 13)), verifier_fixes)
    for number, draft in latest.items():
        if draft["truncated"]:
            fixes.setdefault(number, []).insert(0, TRUNCATED_FIX)
    failed = [
        {"id": c.id, "section": c.section, "fix": c.fix, "gate": c.gate} for c in checks if not c.passed
    ]
    flagged = [{"number": n, "fixes": f} for n, f in fixes.items()]
    entry = {
        "round": round_,
        "failed_checks": failed,
        "waivers": [w.model_dump(mode="json") for w in accepted_waivers(report, checks)],
        "verifier_findings": sum(len(f) for f in verifier_fixes.values()),
        "report": report.model_dump(mode="json"),
        "flagged": flagged,
    }
    return {
        "reviews": [entry],
        "revision_round": round_,
        "flagged": flagged,
        "usage": usage,
        "notes": notes,
    }


def after_critique(state: DocState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """Rewrite only flagged sections, while rounds remain; otherwise assemble."""
    if not state["flagged"] or state["revision_round"] >= runtime.context.max_revisions:
        return "assemble"
    latest = latest_drafts(state["drafts"])
    next_round = state["revision_round"] + 1
    return [
        write_task(state, f["number"], next_round, f["fixes"], latest[f["number"]]["markdown"])
        for f in state["flagged"]
    ]
