"""``mlsd generate``: one record → one saved document."""

from __future__ import annotations

import contextlib
import importlib
import signal
import sys
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
    seniority: Annotated[str, typer.Option(help="E5, E6, E7 or E8.")] = "E7",
    focus_area: Annotated[
        str | None, typer.Option(help="deep_learning, optimization, evaluation or algorithms.")
    ] = None,
    duration: Annotated[str, typer.Option(help="Interview length: 45, 60 or 90 (minutes).")] = "60min",
    out_dir: opt.OutDir = Path("content"),
    model: opt.Model = None,
    planner_model: opt.PlannerModel = None,
    writer_model: opt.WriterModel = None,
    critic_model: opt.CriticModel = None,
    base_url: opt.BaseUrl = None,
    provider: opt.Provider = "auto",
    local_model: opt.LocalModel = None,
    max_revisions: opt.MaxRevisions = 2,
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
    log_prompts: Annotated[
        bool | None,
        typer.Option(
            "--log-prompts/--no-log-prompts",
            help="Store prompt and answer text in runs.db (env MLSD_NO_LOG_PROMPTS=1 turns it off).",
        ),
    ] = None,
    archetype: opt.Archetype = None,
    verify: opt.Verify = None,
    debug: opt.Debug = False,
) -> None:
    """Generate one interview-prep document from a JSON record."""
    from mlsd.settings import choose_endpoint, mlsd_home, prompt_logging

    archetype = opt.checked_archetype(archetype)
    endpoint = choose_endpoint(provider, model, base_url)
    roles = {"planner": planner_model, "writer": writer_model, "critic": critic_model}
    if resume:
        rec, params, stored_out_dir = _resumed_inputs(resume, mlsd_home())
        # A resumed run saves where it was started; check that folder, not today's default.
        out_dir = stored_out_dir or out_dir
    else:
        rec, params = _record_and_params(record, seniority, focus_area, duration)
    if dry_run:
        from mlsd.commands.dry_run import print_dry_run

        model_name = endpoint.model if endpoint.provider == "openai" else "local"
        verifying = opt.verify_default(verify, endpoint.provider)
        print_dry_run(rec, params, model_name, archetype, verifying, max_revisions=max_revisions)
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

    request = RunRequest(
        record=rec,
        params=params,
        out_dir=out_dir,
        home=mlsd_home(),
        max_revisions=max_revisions,
        force=force,
        fresh=fresh,
        resume_id=resume,
        provider=endpoint.provider,
        writer_concurrency=writer_concurrency,
        strategy=strategy,
        log_prompts=prompt_logging(log_prompts),
        archetype=archetype,
        verify=opt.verify_default(verify, endpoint.provider),
    )
    import asyncio

    from mlsd.runs.interrupts import Interrupted, Terminated

    started: list[str] = []  # the run id, once the runner has one
    try:
        outcome = asyncio.run(_run(request, endpoint, roles, local_model, timeout, started))
    except (KeyboardInterrupt, Terminated) as exc:
        resume = f"resume with: mlsd generate --resume {started[0]}" if started else "rerun to resume"
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        raise Interrupted(signum, resume) from None
    _finish(outcome, strict, max_revisions)


def _resumed_inputs(ref: str, home: Path) -> tuple[Record, Params, Path | None]:
    from mlsd.runs.runner import stored_inputs
    from mlsd.runs.store import RunStore

    _run_id, record, params, out_dir = stored_inputs(RunStore(home / "runs.db"), ref)
    return record, params, out_dir


async def _run(request, endpoint, roles, local_model, timeout, started: list[str]):
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

        progress = stack.enter_context(RunProgress(err_console, live=err_console.is_terminal))
        run = _runner(request.strategy)
        return await run(request, OpenAIChatFactory(config), progress, on_start)


def _runner(strategy: str):
    """The run function of a strategy, from the table (imported only when chosen)."""
    module, name = STRATEGY_RUNNERS[strategy]
    return getattr(importlib.import_module(module), name)


def _finish(outcome, strict: bool, max_revisions: int) -> None:
    reviews = outcome.state.get("reviews") or []
    last = reviews[-1] if reviews else {}
    unresolved = [f["number"] for f in last.get("flagged", [])]
    if unresolved:
        err_console.print(unresolved_line(last, max_revisions), markup=False)
    print(outcome.output_path)
    if strict and unresolved:
        raise typer.Exit(4)


def unresolved_line(review: dict, max_revisions: int) -> str:
    """Which sections the last review still flags, by whom, and whether a rewrite was ever asked for."""
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
        who = ([f"checks {', '.join(failed)}"] if failed else []) + (["critic"] if number in revise else [])
        told.append(f"§{number} ({'; '.join(who) or 'verifier'})")
    listed = ", ".join(told)
    if max_revisions == 0:
        return (
            f"flagged: {listed}; no rewrite round was asked for (--max-revisions 0); "
            "--max-revisions N rewrites flagged sections in up to N rounds"
        )
    done = review.get("round", max_revisions)
    return f"still flagged after revision round {done} of {max_revisions}: {listed}"
