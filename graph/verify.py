"""The verification fan-out: one verifier per section written in this round, all in parallel."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.agents import briefs
from mlsd.agents.budgets import VERIFIER_MAX_TOKENS, call_budget, message_tokens
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.verifier import deterministic_findings, verifier_messages, verify_section
from mlsd.graph.context import RunContext
from mlsd.graph.state import DocState
from mlsd.graph.usage import usage_entry
from mlsd.llm.failures import TRANSIENT
from mlsd.llm.models import with_trace_fields
from mlsd.llm.structured import StructuredOutputError
from mlsd.prompts import load_catalogue
from mlsd.records import Params, Record


def verify_tasks(state: DocState, round_: int, numbers: list[int]) -> list[Send]:
    """A Send to verify_section for each section drafted in this round."""
    drafts = {d["number"]: d["markdown"] for d in state["drafts"] if d["round"] == round_}
    shared = {"record": state["record"], "params": state["params"], "plan": state["plan"]}
    return [
        Send("verify_section", {**shared, "number": n, "round": round_, "markdown": drafts[n]})
        for n in numbers
        if n in drafts
    ]


async def verify(task: dict, runtime: Runtime[RunContext]) -> dict:
    """Check one section's derivations, definitions, causal claims and citations."""
    ctx = runtime.context
    number, round_ = task["number"], task["round"]
    record, params = Record.model_validate(task["record"]), Params.model_validate(task["params"])
    plan = InterviewPlan.model_validate(task["plan"])
    messages = verifier_messages(
        {
            **briefs.common_values(record, params),
            "fact_sheet": briefs.fact_sheet(plan),
            "plan_outline": briefs.plan_outline(plan),
            "section_number": str(number),
            "section_title": load_catalogue().section(number).title,
            "section_text": task["markdown"],
            "deterministic_findings": deterministic_findings(task["markdown"]),
        }
    )
    max_tokens, notes = call_budget(
        f"verify §{number} round {round_}",
        VERIFIER_MAX_TOKENS,
        message_tokens(messages),
        ctx.models.context_length,
        structured=True,
    )
    # The critic's model, traced under its own role so run reports tell verifiers from the critic.
    critic_model = ctx.models.chat("critic", max_tokens)
    model = with_trace_fields(critic_model, section=number, round=round_, role="verifier")
    entry = {"number": number, "round": round_, "findings": []}
    try:
        answer, raw = await verify_section(model, messages)
    except (*TRANSIENT, StructuredOutputError) as exc:
        # Verification is advice: a failed verifier must not cancel its siblings or fail the run.
        error = f"{type(exc).__name__}: {exc}"[:300]
        return {"verifications": [{**entry, "error": error}], "notes": notes}
    entry["findings"] = [f.model_dump(mode="json") for f in answer.findings]
    usage = [usage_entry("verify_section", ctx.models.model_names["critic"], raw, number, round_)]
    return {"verifications": [entry], "usage": usage, "notes": notes}


def round_findings(state: DocState, round_: int) -> dict[int, list[dict]]:
    """The verifier's findings of one round, by section."""
    found: dict[int, list[dict]] = {}
    for entry in state.get("verifications") or []:
        if entry["round"] == round_ and entry["findings"]:
            found.setdefault(entry["number"], []).extend(entry["findings"])
    return found


def verification_summary(state: DocState, final_bodies: dict[int, str]) -> dict:
    """Found, fixed (the quoted passage is gone from the final text) and still open."""
    found = [(e["number"], f) for e in state.get("verifications") or [] for f in e["findings"]]
    still = sum(1 for n, f in found if f["quote"].strip() and f["quote"].strip() in final_bodies.get(n, ""))
    failed = sum(1 for e in state.get("verifications") or [] if e.get("error"))
    summary = {"found": len(found), "fixed": len(found) - still, "open": still}
    return summary | ({"verifier_failures": failed} if failed else {})
