"""Verify the plan before twelve writers copy it: its fact sheet and derivations, then one repair.

A wrong derivation in the fact sheet reaches every section, and section verifiers then pull the
sections away from the fact sheet they must reuse (ARCHITECTURE.md, "The graph"). So the plan gets
the same verifier first; when it finds errors, the planner corrects the plan in one more call.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from mlsd.agents import briefs
from mlsd.agents.budgets import PLANNER_MAX_TOKENS, VERIFIER_MAX_TOKENS, call_budget, message_tokens
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.planner import make_plan, planner_messages
from mlsd.agents.small_model import is_small_model
from mlsd.agents.verifier import PlanVerification, as_fix, verifier_messages, verify_section
from mlsd.graph.context import RunContext
from mlsd.graph.nodes import plan_update
from mlsd.graph.state import DocState
from mlsd.graph.usage import usage_entry
from mlsd.llm.models import with_trace_fields
from mlsd.prompts import load_archetype
from mlsd.records import Params, Record

PLAN_TITLE = "The plan: framing, objective and the fact sheet every section reuses"


def plan_text(plan: InterviewPlan) -> str:
    """What the plan verifier checks: framing, objective, facts with derivations, key points."""
    return (
        f"**Framing:** {plan.framing}\n\n**ML objective:** {plan.ml_objective}\n\n"
        f"**Fact sheet:**\n{briefs.fact_sheet(plan)}\n\n"
        f"**Key points per section:**\n{briefs.plan_outline(plan)}"
    )


def repair_request(findings: list[dict]) -> str:
    """The planner's second turn: the verifier's findings, and what to return."""
    listed = "\n".join(f"- {as_fix(f)}" for f in findings)
    return (
        "A fact-checker found these errors in your plan:\n"
        f"{listed}\n\nReturn the corrected plan as one JSON object with the same schema. Correct each "
        "error, then every fact, derivation, key point and edge label that depends on a corrected number, "
        "so the fact sheet stays internally consistent. Change nothing else."
    )


async def check_plan(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """One verifier call over the plan; with findings, one planner call that corrects it.

    A plan the user prepared (``--plan``) is not checked: the user is its authority, and the
    planner would otherwise rewrite their numbers without asking (they can ask for a review).
    """
    ctx = runtime.context
    if not ctx.verify or state.get("given_plan"):
        return {}
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    plan = InterviewPlan.model_validate(state["plan"])
    messages = verifier_messages(
        {
            **briefs.common_values(record, params),
            "fact_sheet": briefs.fact_sheet(plan),
            "plan_outline": "(the plan itself is the text to check)",
            "section_number": "0",
            "section_title": PLAN_TITLE,
            "section_text": plan_text(plan),
            "deterministic_findings": "none",
        }
    )
    context = ctx.models.context_length
    max_tokens, notes = call_budget(
        "verify plan", VERIFIER_MAX_TOKENS, message_tokens(messages), context, structured=True
    )
    model = with_trace_fields(ctx.models.chat("critic", max_tokens), section=0, round=0, role="verifier")
    answer, raw = await verify_section(model, messages, PlanVerification)
    findings = [f.model_dump(mode="json") for f in answer.findings]
    usage = [usage_entry("check_plan", ctx.models.model_names["critic"], raw, 0, 0)]
    entry = {"number": 0, "round": 0, "findings": findings}
    if not findings:
        return {"verifications": [entry], "usage": usage, "notes": notes}
    update = await revise_plan(
        record, params, plan, ctx, repair_request(findings), node="check_plan", label="plan repair"
    )
    note = f"plan: the verifier found {len(findings)} error(s); the planner corrected the plan"
    return {
        **update,
        "verifications": [entry],
        "usage": [*usage, *update["usage"]],
        "notes": [*notes, *update["notes"], note],
    }


async def revise_plan(
    record: Record,
    params: Params,
    plan: InterviewPlan,
    ctx: RunContext,
    request: str,
    *,
    node: str,
    label: str,
) -> dict:
    """One more planner call: the first prompt, the plan as its answer, then ``request``.

    Used for the verifier's findings here and for the user's feedback in the plan review; the
    archetype stays the one the plan was made for. Returns the state update (plan, writer prefix,
    usage, notes).
    """
    archetype = load_archetype(plan.archetype or "ranking")
    first = planner_messages(briefs.planner_values(record, params, archetype))
    messages = [*first, AIMessage(plan.model_dump_json(exclude={"archetype", "archetype_reason"})),
                HumanMessage(request)]  # fmt: skip
    context = ctx.models.context_length
    max_tokens, notes = call_budget(
        label, PLANNER_MAX_TOKENS, message_tokens(messages), context, structured=True
    )
    fixed, raw = await make_plan(ctx.models.chat("planner", max_tokens), messages)
    fixed = fixed.model_copy(update={"archetype": plan.archetype, "archetype_reason": plan.archetype_reason})
    usage = [usage_entry(node, ctx.models.model_names["planner"], raw)]
    update = plan_update(record, params, fixed, is_small_model(context))
    return {**update, "usage": usage, "notes": notes}
