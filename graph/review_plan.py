"""The plan review: the user accepts, edits or comments on the plan before any writer runs.

The plan decides everything downstream (ARCHITECTURE.md, "Plan review"), so with review on the run
pauses here with LangGraph's ``interrupt()``: the pause is a checkpoint, so it survives the process,
and Studio shows it as a human-in-the-loop step. The run continues with ``Command(resume=answer)``:

- ``{"action": "accept"}``: the plan as it is;
- ``{"action": "edit", "plan": {...}}``: the user's plan, checked again here (Studio sends anything);
- ``{"action": "feedback", "text": "..."}``: the planner applies it in one more call, then the
  revised plan is reviewed again.

A node that calls ``interrupt()`` runs again from its start when resumed, so nothing before the
interrupt may cost anything: the planner call comes after it, and a revised plan loops back here
as a new step instead of a second interrupt in this one.
"""

from __future__ import annotations

from dataclasses import asdict

from langgraph.runtime import Runtime
from langgraph.types import Send, interrupt

from mlsd.agents.plan import InterviewPlan, checked_plan, plan_error
from mlsd.agents.small_model import is_small_model
from mlsd.graph.check_plan import revise_plan
from mlsd.graph.context import RunContext
from mlsd.graph.nodes import fan_out, plan_update
from mlsd.graph.state import DocState
from mlsd.prompts import load_archetype
from mlsd.prompts.timeplan import time_plan_for
from mlsd.records import Params, Record

ACTIONS = ("accept", "edit", "feedback")


def feedback_request(text: str) -> str:
    """The planner's extra turn: the reviewer's words, and what to return."""
    return (
        "A domain expert reviewed your plan and asks for these changes:\n"
        f"<feedback>\n{text}\n</feedback>\n\nReturn the revised plan as one JSON object with the same "
        "schema. Apply each requested change, then every fact, derivation, key point and edge label "
        "that depends on it, so the fact sheet stays internally consistent. Change nothing else."
    )


async def review_plan(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Pause for the user's decision on the plan (review on), or pass the plan through (review off)."""
    ctx = runtime.context
    if not (ctx.review_plan or state.get("review_requested")):
        return {"plan_review": {"action": "off"}}
    last = state.get("plan_review") or {}
    answer = interrupt(
        {
            "plan": state["plan"],
            "archetype": state.get("archetype") or {},
            "error": last.get("error") if last.get("action") == "invalid" else None,
        }
    )
    action = answer.get("action") if isinstance(answer, dict) else None
    if action not in ACTIONS:
        return _invalid(f"action: must be one of {', '.join(ACTIONS)} (got {action!r})")
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    current = InterviewPlan.model_validate(state["plan"])
    if action == "accept":
        return {"plan_review": {"action": "accept"}, "notes": ["plan: accepted in review"]}
    if action == "edit":
        try:
            edited = checked_plan(answer.get("plan"), current.archetype)
        except ValueError as exc:
            return _invalid(plan_error(exc))
        return {
            **_with_archetype(state, params, edited),
            **plan_update(record, params, edited, is_small_model(ctx.models.context_length)),
            "plan_review": {"action": "edit"},
            "notes": ["plan: edited in review"],
        }
    text = str(answer.get("text") or "").strip()
    if not text:
        return _invalid("text: the feedback is empty")
    update = await revise_plan(
        record, params, current, ctx, feedback_request(text), node="review_plan", label="plan feedback"
    )
    note = "plan: revised by the planner from review feedback"
    return {**update, "plan_review": {"action": "feedback", "text": text}, "notes": [*update["notes"], note]}


def _invalid(error: str) -> dict:
    """An answer the plan cannot take: review again, showing why."""
    return {"plan_review": {"action": "invalid", "error": error}}


def _with_archetype(state: DocState, params: Params, plan: InterviewPlan) -> dict:
    """An edit that changes the archetype changes the phase names of the time plan with it."""
    if plan.archetype == (state.get("archetype") or {}).get("id"):
        return {}
    slots = time_plan_for(params.duration, params.seniority.value, load_archetype(plan.archetype))
    choice = {"id": plan.archetype, "reason": plan.archetype_reason or "edited in review", "source": "user"}
    return {"archetype": choice, "time_plan": [asdict(s) for s in slots]}


def after_review(state: DocState) -> list[Send] | str:
    """A revised or rejected answer is reviewed again; otherwise the twelve writers start."""
    if (state.get("plan_review") or {}).get("action") in ("feedback", "invalid"):
        return "review_plan"
    return fan_out(state)
