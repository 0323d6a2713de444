"""Nodes before review: prepare, plan and write_section."""

from __future__ import annotations

import contextlib
from dataclasses import asdict

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.agents import briefs
from mlsd.agents.archetype import ARCHETYPE_MAX_TOKENS, archetype_messages, choose_archetype
from mlsd.agents.budgets import (
    PLANNER_MAX_TOKENS,
    call_budget,
    message_tokens,
    section_budgets,
    writer_max_tokens,
    writer_target_words,
)
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.planner import make_plan, make_small_plan, planner_messages
from mlsd.agents.small_model import is_small_model
from mlsd.agents.writer import prefix_messages, writer_prefix
from mlsd.agents.writer import write_section as write_one
from mlsd.graph.context import RunContext
from mlsd.graph.state import DocState, WriteTask
from mlsd.graph.usage import usage_entry
from mlsd.llm.failures import TRANSIENT
from mlsd.llm.models import with_trace_fields
from mlsd.prompts import infer_archetype, load_archetype, load_catalogue
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


async def archetype(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Choose the problem archetype (forced by --archetype, else one short classification call).

    The time plan is recomputed with the archetype's phase names; its minutes do not change.
    """
    ctx = runtime.context
    params = Params.model_validate(state["params"])
    record = Record.model_validate(state["record"])
    given = state.get("given_plan")
    if ctx.archetype:
        choice, update = {"id": ctx.archetype, "reason": "forced with --archetype", "source": "user"}, {}
    elif given:
        reason = given.get("archetype_reason") or "from the user's plan file"
        choice, update = {"id": given["archetype"], "reason": reason, "source": "user"}, {}
    elif ctx.plan_library is not None:
        from mlsd.graph.plan_reuse import plan_key

        key = plan_key(record, ctx.models.model_names["planner"])
        choice, update = await ctx.plan_library.shared_archetype(key, lambda: _classify(record, ctx))
    else:
        choice, update = await _classify(record, ctx)
    slots = time_plan_for(params.duration, params.seniority.value, load_archetype(choice["id"]))
    return {**update, "archetype": choice, "time_plan": [asdict(s) for s in slots]}


async def _classify(record: Record, ctx: RunContext) -> tuple[dict, dict]:
    """One classification call: the choice and the state update carrying its usage.

    A small model is not asked: the embedded 135M model filed a news feed under the generic
    fallback, so the archetype's own match terms decide (ARCHITECTURE.md, "Small models").
    """
    if is_small_model(ctx.models.context_length):
        guess, reason = infer_archetype(briefs.record_json(record))
        note = f"archetype: {guess} by keyword match (no classification call on a small model)"
        return {"id": guess, "reason": reason, "source": "keywords"}, {"notes": [note]}
    messages = archetype_messages(briefs.record_json(record))
    max_tokens, notes = call_budget(
        "archetype", ARCHETYPE_MAX_TOKENS, message_tokens(messages), ctx.models.context_length
    )
    answer, raw = await choose_archetype(ctx.models.chat("planner", max_tokens), messages)
    choice = {"id": answer.archetype, "reason": answer.reason, "source": "planner"}
    name = ctx.models.model_names["planner"]
    return choice, {"usage": [usage_entry("archetype", name, raw)], "notes": notes}


async def plan(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Ask the planner for framing, the shared fact sheet and key points; build the writer prefix."""
    ctx = runtime.context
    if state.get("given_plan"):
        return _given_plan(state, is_small_model(ctx.models.context_length))
    if ctx.plan_library is not None:
        from mlsd.graph.plan_reuse import plan_with_library

        return await plan_with_library(state, ctx, lambda: _fresh_plan(state, ctx))
    return await _fresh_plan(state, ctx)


def _given_plan(state: DocState, small: bool) -> dict:
    """The plan the user prepared (``--plan``), already validated by the CLI: no planner call."""
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    chosen = state["archetype"]
    given = InterviewPlan.model_validate(
        {**state["given_plan"], "archetype": chosen["id"], "archetype_reason": chosen["reason"]}
    )
    note = "plan: from the user's plan file (no planner call, no plan check)"
    return {**plan_update(record, params, given, small), "notes": [note]}


def plan_update(record: Record, params: Params, plan: InterviewPlan, small: bool = False) -> dict:
    """The state update for a new plan: the plan and the writers' shared prefix built from it.

    Every node that sets a plan (planning, its reuse in a batch, the plan check's repair, the
    plan review) goes through here, so the prefix always matches the plan it was built from.
    """
    system, user = writer_prefix(record, params, plan, small)
    return {"plan": plan.model_dump(mode="json"), "writer_prefix": [system, user]}


async def _fresh_plan(state: DocState, ctx: RunContext) -> dict:
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    chosen = state["archetype"]
    context = ctx.models.context_length
    small = is_small_model(context)
    archetype = load_archetype(chosen["id"])
    values_for = briefs.small_planner_values if small else briefs.planner_values
    messages = planner_messages(values_for(record, params, archetype), small)
    max_tokens, notes = call_budget(
        "plan", PLANNER_MAX_TOKENS, message_tokens(messages), context, structured=True
    )
    model = ctx.models.chat("planner", max_tokens)
    if small:
        result, raw = await make_small_plan(model, messages, archetype)
    else:
        result, raw = await make_plan(model, messages)
    result = InterviewPlan.model_validate(
        {**result.model_dump(), "archetype": chosen["id"], "archetype_reason": chosen["reason"]}
    )
    return {
        **plan_update(record, params, result, small),
        "usage": [usage_entry("plan", ctx.models.model_names["planner"], raw)],
        "notes": notes,
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
    context = ctx.models.context_length
    small = is_small_model(context)
    words = writer_target_words(budget, context)
    plan = InterviewPlan.model_validate(task["plan"])
    if small:
        brief = briefs.small_section_brief(spec, Record.model_validate(task["record"]), plan, words)
    else:
        brief = briefs.section_brief(spec, params, plan, words)
    if round_ > 0:
        brief = briefs.revision_brief(brief, task["previous"], task["fixes"])
    prefix = prefix_messages(*task["writer_prefix"])
    max_tokens, notes = call_budget(
        f"§{number} round {round_}",
        writer_max_tokens(budget, context),
        message_tokens([*prefix, HumanMessage(brief)]),
        context,
    )
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
                target_words=words,
                # A small model asked again for a shorter section rambles to the limit again
                # and echoes the request: its cut-off draft is trimmed to the last paragraph.
                retry_when_cut=not small,
            )
    except TRANSIENT as exc:
        # Raising here would make LangGraph cancel the sibling writers mid-call and pay for them
        # again on resume; recording the failure lets them finish and be checkpointed.
        error = f"{type(exc).__name__}: {exc}"[:300]
        return {"notes": notes, "failures": [{"number": number, "round": round_, "error": error}]}
    name = ctx.models.model_names["writer"]
    usage = [usage_entry("write_section", name, answer, number, round_) for answer in answers]
    return {"drafts": [asdict(draft)], "usage": usage, "notes": notes}
