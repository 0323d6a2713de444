"""Nodes before review: prepare, plan and write_section."""

from __future__ import annotations

import contextlib
from dataclasses import asdict

from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.agents import briefs
from mlsd.agents.budgets import (
    PLANNER_MAX_TOKENS,
    fit_max_tokens,
    section_budgets,
    shrink_note,
    structured_max_tokens,
)
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.planner import make_plan
from mlsd.agents.writer import prefix_messages
from mlsd.agents.writer import write_section as write_one
from mlsd.graph.context import RunContext
from mlsd.graph.state import DocState, WriteTask
from mlsd.graph.usage import usage_entry
from mlsd.llm.failures import TRANSIENT
from mlsd.llm.models import with_trace_fields
from mlsd.llm.tokens import count_tokens
from mlsd.prompts import load_catalogue, load_template
from mlsd.prompts.timeplan import time_plan_for
from mlsd.records import Params, Record


def prepare(state: DocState) -> dict:
    """Validate the input and compute, in code, the time plan and the token budgets."""
    record = Record.model_validate(state["record"])
    params = Params.model_validate(state["params"])
    level = params.seniority.value
    focus = params.focus_area.value if params.focus_area else None
    slots = time_plan_for(params.duration, level)
    budgets = section_budgets(params.duration, level, focus)
    return {
        "record": record.model_dump(mode="json"),
        "params": params.model_dump(mode="json"),
        "time_plan": [asdict(s) for s in slots],
        "budgets": [asdict(b) for b in budgets.values()],
    }


async def plan(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Ask the planner for framing, the shared fact sheet and key points; build the writer prefix."""
    ctx = runtime.context
    if ctx.plan_library is not None:
        from mlsd.graph.plan_reuse import plan_with_library

        return await plan_with_library(state, ctx, lambda: _fresh_plan(state, ctx))
    return await _fresh_plan(state, ctx)


async def _fresh_plan(state: DocState, ctx: RunContext) -> dict:
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    values = briefs.planner_values(record, params)
    prompt_tokens = count_tokens(load_template("planner").render(**values))
    context = ctx.models.context_length
    max_tokens = fit_max_tokens(structured_max_tokens(PLANNER_MAX_TOKENS, context), prompt_tokens, context)
    result, raw = await make_plan(ctx.models.chat("planner", max_tokens), **values)
    system, user = load_template("writer_system").render_pair(
        **briefs.writer_prefix_values(record, params, result)
    )
    return {
        "plan": result.model_dump(mode="json"),
        "writer_prefix": [system, user],
        "usage": [usage_entry("plan", ctx.models.model_names["planner"], raw)],
        "notes": shrink_note("plan", PLANNER_MAX_TOKENS, max_tokens, context),
    }


def write_task(state: DocState, number: int, round_: int, fixes: list[str], previous: str) -> Send:
    """A Send to write_section carrying everything one branch needs."""
    task: WriteTask = {
        "record": state["record"],
        "params": state["params"],
        "plan": state["plan"],
        "budgets": state["budgets"],
        "writer_prefix": state["writer_prefix"],
        "number": number,
        "round": round_,
        "fixes": fixes,
        "previous": previous,
    }
    return Send("write_section", task)


def fan_out(state: DocState) -> list[Send]:
    """All twelve sections, first drafts, in parallel."""
    return [write_task(state, n, 0, [], "") for n in range(1, 13)]


async def write_section(task: WriteTask, runtime: Runtime[RunContext]) -> dict:
    """Write (or rewrite, with the critic's fixes) one section."""
    ctx = runtime.context
    number, round_ = task["number"], task["round"]
    spec = load_catalogue().section(number)
    params = Params.model_validate(task["params"])
    budget = next(b for b in task["budgets"] if b["number"] == number)
    brief = briefs.section_brief(spec, params, InterviewPlan.model_validate(task["plan"]), budget["words"])
    if round_ > 0:
        brief = briefs.revision_brief(brief, task["previous"], task["fixes"])
    prefix = prefix_messages(*task["writer_prefix"])
    prompt_tokens = count_tokens("".join(task["writer_prefix"]) + brief)
    context = ctx.models.context_length
    max_tokens = fit_max_tokens(budget["max_tokens"], prompt_tokens, context)
    notes = shrink_note(f"§{number} round {round_}", budget["max_tokens"], max_tokens, context)
    model = with_trace_fields(ctx.models.chat("writer", max_tokens), section=number, round=round_)
    slots = ctx.writer_slots or contextlib.nullcontext()
    try:
        async with slots:
            draft, answers = await write_one(
                model,
                prefix,
                brief,
                number=number,
                round_=round_,
                title=spec.title,
                target_words=budget["words"],
            )
    except TRANSIENT as exc:
        # Raising here would make LangGraph cancel the sibling writers mid-call and pay for them
        # again on resume; recording the failure lets them finish and be checkpointed.
        error = f"{type(exc).__name__}: {exc}"[:300]
        return {"notes": notes, "failures": [{"number": number, "round": round_, "error": error}]}
    name = ctx.models.model_names["writer"]
    usage = [usage_entry("write_section", name, answer, number, round_) for answer in answers]
    return {"drafts": [asdict(draft)], "usage": usage, "notes": notes}
