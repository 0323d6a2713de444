"""The critique node and the router that bounds the revision loop."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.agents import briefs
from mlsd.agents.budgets import CRITIC_MAX_TOKENS, fit_max_tokens, shrink_note, structured_max_tokens
from mlsd.agents.critic import check_report_markdown, fixes_by_section, review
from mlsd.agents.plan import InterviewPlan
from mlsd.evals.checks import CheckParams, check_document
from mlsd.graph.assemble import assemble_markdown, section_body
from mlsd.graph.context import RunContext
from mlsd.graph.nodes import write_task
from mlsd.graph.state import DocState
from mlsd.graph.usage import usage_entry
from mlsd.llm.models import with_trace_fields
from mlsd.llm.tokens import count_tokens
from mlsd.prompts import load_template
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


def check_params(record: Record, params: Params) -> CheckParams:
    """Deterministic-check parameters for this run."""
    focus = params.focus_area.value if params.focus_area else None
    return CheckParams(params.seniority.value, params.duration, focus, record.company_name)


def _fit_document(document: str, room_tokens: int) -> str:
    # A small local model cannot read a whole 5,000-word draft; keep the head of it so the
    # critic still sees every heading it can and the call fits the context window.
    if count_tokens(document) <= room_tokens:
        return document
    return document[: max(2000, room_tokens * 3)] + "\n\n[… draft shortened to fit the model's context …]"


async def critique(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Deterministic checks, then one LLM review; decide which sections to rewrite and how."""
    ctx = runtime.context
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    latest = latest_drafts(state["drafts"])
    round_ = max(d["round"] for d in latest.values())
    document = assemble_markdown({}, "Draft", draft_bodies(state))
    words = {b["number"]: b["words"] for b in state["budgets"]}
    checker = ctx.checker or check_document
    checks = checker(document, check_params(record, params), target_words=words)
    plan = InterviewPlan.model_validate(state["plan"])
    values = {
        **briefs.common_values(record, params),
        "fact_sheet": briefs.fact_sheet(plan),
        "check_report": check_report_markdown(checks),
        "round": str(round_),
        "max_revisions": str(ctx.max_revisions),
    }
    template_tokens = count_tokens(load_template("critic").render(**values, document=""))
    context = ctx.models.context_length
    if context:
        # A small context is split: half for the (shortened) draft, half for the verdicts.
        room = context - template_tokens - max(CRITIC_MAX_TOKENS, context // 2) - 64
        document = _fit_document(document, room)
    wanted = structured_max_tokens(CRITIC_MAX_TOKENS, context)
    max_tokens = fit_max_tokens(wanted, template_tokens + count_tokens(document), context)
    model = with_trace_fields(ctx.models.chat("critic", max_tokens), round=round_)
    report, raw = await review(model, **values, document=document)
    fixes = fixes_by_section(report, checks, set(range(1, 13)))
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
        "report": report.model_dump(mode="json"),
        "flagged": flagged,
    }
    return {
        "reviews": [entry],
        "revision_round": round_,
        "flagged": flagged,
        "usage": [usage_entry("critique", ctx.models.model_names["critic"], raw, None, round_)],
        "notes": shrink_note(f"critique round {round_}", CRITIC_MAX_TOKENS, max_tokens, context),
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
