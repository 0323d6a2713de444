"""``mlsd generate``: one record → one saved document."""

from __future__ import annotations

import contextlib
import importlib
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlsd.commands import options as opt
from mlsd.commands.common import err_console, one_line_errors, warn
from mlsd.errors import InputError

if TYPE_CHECKING:
    from mlsd.records import Params, Record

# Strategy → (module, function) that runs it; modules load only when their strategy is chosen.
STRATEGY_RUNNERS = {
    "multi-agent": ("mlsd.runs.runner", "run_document"),
    "single-shot": ("mlsd.runs.single_shot", "run_single_shot"),
}
STRATEGIES = tuple(STRATEGY_RUNNERS)


def _record_and_params(record: str | None, seniority, focus_area, duration) -> tuple[Record, Params]:
    # pydantic is imported on first use, so `mlsd --help` stays fast.
    from mlsd.records import load_record, make_params

    if record is None:
        raise InputError("RECORD", "is required (or give --resume RUN_ID)")
    rec, warnings = load_record(record, sys.stdin)
    for message in warnings:
        warn(message)
    return rec, make_params(seniority, focus_area, duration)


@one_line_errors()
def generate(
    record: Annotated[str | None, typer.Argument(help="Record JSON file, or - for stdin.")] = None,
    seniority: opt.Seniority = "E7",
    focus_area: opt.FocusArea = None,
    duration: opt.Duration = "60min",
    out_dir: opt.OutDir = Path("content"),
    model: opt.Model = None,
    planner_model: opt.PlannerModel = None,
    writer_model: opt.WriterModel = None,
    critic_model: opt.CriticModel = None,
    base_url: opt.BaseUrl = None,
    provider: opt.Provider = "auto",
    local_model: opt.LocalModel = None,
    max_revisions: opt.MaxRevisions = None,
    timeout: opt.Timeout = 120.0,
    writer_concurrency: opt.WriterConcurrency = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing document.")] = False,
    fresh: Annotated[bool, typer.Option(help="Start over instead of resuming an interrupted run.")] = False,
    resume: Annotated[
        str | None, typer.Option(help="Finish an interrupted run by id (or prefix, or latest).")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 4 if the critic still flags sections.")] = False,
    dry_run: Annotated[bool, typer.Option(help="No LLM call: show time plan, budgets, estimate.")] = False,
    strategy: Annotated[
        str, typer.Option(help="multi-agent, or single-shot (the seed's prompt in one call: the baseline).")
    ] = "multi-agent",
    log_prompts: opt.LogPrompts = None,
    archetype: opt.Archetype = None,
    verify: opt.Verify = None,
    review_plan: opt.ReviewPlan = False,
    plan: opt.PlanFile = None,
    accept_plan: opt.AcceptPlan = False,
    plan_feedback: opt.PlanFeedback = None,
    debug: opt.Debug = False,
) -> None:
    """Generate one interview-prep document from a JSON record."""
    from mlsd.commands.expectations import expectation
    from mlsd.commands.plan_review import resume_decision
    from mlsd.settings import choose_endpoint, mlsd_home, prompt_logging

    archetype = opt.checked_archetype(archetype)
    if (review_plan or plan) and strategy != "multi-agent":
        raise InputError("--review-plan" if review_plan else "--plan", "only with --strategy multi-agent")
    decision = resume_decision(mlsd_home(), resume, accept_plan, plan, plan_feedback)
    endpoint = choose_endpoint(provider, model, base_url)
    rounds = opt.revisions_default(max_revisions, endpoint.provider)
    roles = {"planner": planner_model, "writer": writer_model, "critic": critic_model}
    if resume:
        rec, params, stored_out_dir = _resumed_inputs(resume, mlsd_home())
        # A resumed run saves where it was started; check that folder, not today's default.
        out_dir = stored_out_dir or out_dir
    else:
        rec, params = _record_and_params(record, seniority, focus_area, duration)
    given_plan = None
    if plan is not None and not resume:
        from mlsd.commands.plan_file import load_plan_file

        given_plan = load_plan_file(plan, archetype, need_archetype=True)
    if dry_run:
        from mlsd.commands.dry_run import print_dry_run

        model_name = endpoint.model if endpoint.provider == "openai" else "local"
        verifying = opt.verify_default(verify, endpoint.provider)
        own = None
        if endpoint.provider == "local" and local_model is None:
            own = [expectation(endpoint, local_model, params, rounds)[0]]
        print_dry_run(rec, params, model_name, archetype, verifying, max_revisions=rounds, estimate=own)
        return
    from mlsd.paths import document_path

    if strategy not in STRATEGIES:
        raise InputError("--strategy", f"must be one of {', '.join(STRATEGIES)}")
    suffix = "single-shot" if strategy == "single-shot" else ""
    path = document_path(out_dir, rec.company_name, rec.ml_topic, params, suffix)
    if path.exists() and not force:
        err_console.print(f"exists: {path} (use --force to overwrite)", markup=False)
        print(path)
        return
    if endpoint.notice:
        warn(endpoint.notice)
    from mlsd.runs.runner import RunRequest

    line, expect = expectation(endpoint, local_model, params, rounds)
    err_console.print(line, markup=False, highlight=False)

    request = RunRequest(
        record=rec,
        params=params,
        out_dir=out_dir,
        home=mlsd_home(),
        max_revisions=rounds,
        force=force,
        fresh=fresh,
        resume_id=resume,
        provider=endpoint.provider,
        writer_concurrency=writer_concurrency,
        strategy=strategy,
        log_prompts=prompt_logging(log_prompts),
        archetype=archetype,
        verify=opt.verify_default(verify, endpoint.provider),
        review_plan=review_plan,
        resume_value=decision,
        plan=given_plan,
    )
    import asyncio

    from mlsd.runs.interrupts import Interrupted, Terminated

    started: list[str] = []  # the run id, once the runner has one
    began = time.monotonic()
    try:
        outcome = asyncio.run(_run(request, endpoint, roles, local_model, timeout, expect, started))
    except (KeyboardInterrupt, Terminated) as exc:
        resume = f"resume with: mlsd generate --resume {started[0]}" if started else "rerun to resume"
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        raise Interrupted(signum, resume) from None
    seconds = time.monotonic() - began
    _finish(outcome, strict, rounds, seconds, endpoint.provider, record or "record.json")


def _resumed_inputs(ref: str, home: Path) -> tuple[Record, Params, Path | None]:
    from mlsd.runs.runner import stored_inputs
    from mlsd.runs.store import RunStore

    _run_id, record, params, out_dir = stored_inputs(RunStore(home / "runs.db"), ref)
    return record, params, out_dir


async def _run(request, endpoint, roles, local_model, timeout, expect, started: list[str]):
    from dataclasses import replace

    from mlsd.commands.plan_review import review
    from mlsd.commands.progress import RunProgress
    from mlsd.llm.models import OpenAIChatFactory
    from mlsd.runs.interrupts import sigterm_cancels

    with sigterm_cancels(), contextlib.ExitStack() as stack:
        config = opt.model_config(stack, endpoint, roles, local_model, timeout)

        def on_start(run_id: str, resumed: bool) -> None:
            started.append(run_id)
            verb = "resuming interrupted run" if resumed else "run"
            hint = " (--fresh starts over)" if resumed else ""
            err_console.print(f"{verb} {run_id}{hint}", markup=False)

        run = _runner(request.strategy)
        while True:
            # One display per leg, so a plan review talks to a terminal no live table is drawing on.
            with RunProgress(err_console, err_console.is_terminal, expect) as progress:
                outcome = await run(request, OpenAIChatFactory(config), progress, on_start)
            if getattr(outcome, "review", None) is None:
                return outcome
            # Paused for the plan review: decide here and continue the same run (same local server).
            decision = review(outcome.review, outcome.run_id)
            request = replace(request, resume_id=outcome.run_id, resume_value=decision, fresh=False)
            on_start = None


def _runner(strategy: str):
    """The run function of a strategy, from the table (imported only when chosen)."""
    module, name = STRATEGY_RUNNERS[strategy]
    return getattr(importlib.import_module(module), name)


def _summary(outcome, seconds: float, provider: str, record: str) -> list[str]:
    """The closing lines: where the document is, what it took, and what to do next."""
    from mlsd.commands.expectations import next_steps
    from mlsd.commands.progress import clock_text
    from mlsd.graph.usage import totals

    used = totals(outcome.state.get("usage", []))
    rate = used["output_tokens"] / seconds if seconds > 0 else 0.0
    lines = [
        f"saved {outcome.output_path} in {clock_text(seconds)} · {used['calls']} calls · "
        f"{used['input_tokens']:,} input + {used['output_tokens']:,} output tokens ({rate:.0f} tokens/s)",
        f"inspect: mlsd runs show {outcome.run_id} · score: mlsd eval '{outcome.output_path}'",
    ]
    return lines + (next_steps(record) if provider == "local" else [])


def _finish(outcome, strict: bool, max_revisions: int, seconds: float, provider: str, record: str) -> None:
    reviews = outcome.state.get("reviews") or []
    last = reviews[-1] if reviews else {}
    unresolved = [f["number"] for f in last.get("flagged", [])]
    if unresolved:
        err_console.print(unresolved_line(last, max_revisions), markup=False)
    for line in _summary(outcome, seconds, provider, record):
        err_console.print(line, markup=False, highlight=False)
    print(outcome.output_path)
    if strict and unresolved:
        raise typer.Exit(4)


def unresolved_line(review: dict, max_revisions: int) -> str:
    """Which sections the last review still flags, by whom, and whether a rewrite was ever asked for."""
    from mlsd.graph.review import TRUNCATED_FIX

    waived = {(w["check_id"], w["section"]) for w in review.get("waivers", [])}
    revise = {
        s["number"] for s in (review.get("report") or {}).get("sections", []) if s["verdict"] == "revise"
    }
    told = []
    for flagged in review["flagged"]:
        number = flagged["number"]
        failed = [
            c["id"]
            for c in review.get("failed_checks", [])
            if c["section"] == number and (c["id"], number) not in waived
        ]
        # Beyond three ids the count says enough; `mlsd runs show` lists them all.
        named = f"checks {', '.join(failed)}" if len(failed) <= 3 else f"{len(failed)} failed checks"
        who = ([named] if failed else []) + (["critic"] if number in revise else [])
        if TRUNCATED_FIX in flagged.get("fixes", []):
            who.append("cut off at its length limit")
        told.append(f"§{number} ({'; '.join(who) or 'verifier'})")
    listed = ", ".join(told)
    if max_revisions == 0:
        return (
            f"flagged: {listed}; no rewrite round was asked for (--max-revisions 0); "
            "--max-revisions N rewrites flagged sections in up to N rounds"
        )
    done = review.get("round", max_revisions)
    return f"still flagged after revision round {done} of {max_revisions}: {listed}"
