"""``mlsd batch``: many records × a grid of parameters → many documents, concurrently."""

from __future__ import annotations

import contextlib
import shlex
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from mlsd.commands import options as opt
from mlsd.commands.common import err_console, fail, one_line_errors, warn
from mlsd.errors import InputError


@one_line_errors()
def batch(
    records: Annotated[Path, typer.Argument(help="JSONL file of records, or a file holding a JSON array.")],
    seniority: Annotated[str, typer.Option(help="Levels, comma-separated: E5,E6,E7,E8.")] = "E7",
    focus_area: Annotated[
        str | None, typer.Option(help="Focus areas, comma-separated; 'none' means no focus.")
    ] = None,
    duration: Annotated[str, typer.Option(help="Interview lengths, comma-separated: 45,60,90.")] = "60min",
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
    concurrency: Annotated[int, typer.Option(min=1, help="Documents in progress at once.")] = 4,
    max_in_flight: Annotated[
        int, typer.Option(min=1, help="LLM requests in flight at once, over all documents.")
    ] = 32,
    rpm: Annotated[int | None, typer.Option(min=1, help="Requests per rolling minute at most.")] = None,
    tpm: Annotated[
        int | None, typer.Option(min=1, help="Tokens (prompt + output) per rolling minute at most.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(min=0, help="USD: start no new document once this batch spent it.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Regenerate documents that already exist.")] = False,
    strict: Annotated[bool, typer.Option(help="Abort on any bad input line, before any model call.")] = False,
    archetype: opt.Archetype = None,
    verify: opt.Verify = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and every rate-limit wait.")] = False,
) -> None:
    """Generate many documents: records × levels × lengths × focus areas, resumable."""
    from mlsd.commands.batch_input import params_grid, read_records
    from mlsd.runs.batch import plan_jobs
    from mlsd.settings import choose_endpoint

    archetype = opt.checked_archetype(archetype)
    endpoint = choose_endpoint(provider, model, base_url)
    good, bad = read_records(records)
    for item in good:
        for message in item.warnings:
            warn(f"line {item.line}: {message}")
    for line in bad:
        warn(f"{line} ({'aborting' if strict else 'skipped'})")
    if bad and strict:
        raise fail(f"{len(bad)} bad record(s) in {records} (--strict); nothing was generated", 2)
    grid = params_grid(seniority, duration, focus_area)
    jobs, duplicates = plan_jobs(good, grid, out_dir)
    for message in duplicates:
        warn(f"{message} (listed once)")
    if not jobs:
        raise InputError("records", f"no valid record in {records}")
    if endpoint.notice:
        warn(endpoint.notice)
    if debug:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
        logging.getLogger("mlsd.ratelimit").setLevel(logging.INFO)
    roles = {"planner": planner_model, "writer": writer_model, "critic": critic_model}
    limits = {"max_in_flight": max_in_flight, "rpm": rpm, "tpm": tpm}
    settings = {
        "out_dir": out_dir,
        "concurrency": concurrency,
        "max_cost": max_cost,
        "max_revisions": opt.revisions_default(max_revisions, endpoint.provider),
        "archetype": archetype,
        "verify": opt.verify_default(verify, endpoint.provider),
        "force": force,
        "writer_concurrency": writer_concurrency,
    }
    import asyncio

    from mlsd.runs.interrupts import Interrupted, Terminated

    try:
        report, limiter = asyncio.run(_run(jobs, endpoint, roles, local_model, timeout, limits, settings))
    except (KeyboardInterrupt, Terminated) as exc:
        # Each unfinished document was recorded as interrupted; rerunning resumes them all.
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        raise Interrupted(signum, f"resume with: {_rerun_command()}") from None
    _report(report, limiter, bad, max_cost)


async def _run(jobs, endpoint, roles, local_model, timeout, limits, settings):
    from mlsd.commands.batch_progress import BatchProgress
    from mlsd.llm.models import OpenAIChatFactory
    from mlsd.llm.ratelimit import RateLimiter
    from mlsd.runs.batch import BatchSettings, run_batch
    from mlsd.runs.interrupts import sigterm_cancels
    from mlsd.settings import mlsd_home

    with sigterm_cancels(), contextlib.ExitStack() as stack:
        config = opt.model_config(stack, endpoint, roles, local_model, timeout)
        limiter = RateLimiter(**limits)
        options = BatchSettings(home=mlsd_home(), provider=endpoint.provider, **settings)
        display = BatchProgress(err_console, len(jobs), live=err_console.is_terminal, limiter=limiter)
        with display:
            report = await run_batch(
                jobs, lambda: OpenAIChatFactory(config, limiter=limiter), options, display
            )
        return report, limiter


def _rerun_command() -> str:
    if sys.argv[1:2] == ["batch"]:
        return "mlsd " + shlex.join(sys.argv[1:])
    return "the same mlsd batch command"


def _report(report, limiter, bad, max_cost) -> None:
    from mlsd.commands.batch_progress import summary_table

    err_console.print(summary_table(report))
    say = lambda text: err_console.print(text, markup=False, highlight=False)  # noqa: E731
    reused = [r for r in report.results if r.plan_reused_from]
    if reused:
        say(f"plans: {len(reused)} document(s) reused the framing and facts of an earlier variant")
    stats = limiter.stats
    if stats.waited_requests or stats.throttled:
        say(
            f"rate limits: {stats.waited_requests} of {stats.requests} requests waited "
            f"{stats.waited_seconds:.1f}s in total; {stats.throttled} answered 429"
        )
    if report.meter.unpriced_calls and max_cost is not None:
        say(
            f"cost: {report.meter.unpriced_calls} call(s) used a model with no known price;"
            " --max-cost ignores them"
        )
    if bad:
        say(f"input: {len(bad)} bad record(s) skipped")
    for result in report.results:
        if result.status in ("saved", "skipped"):
            print(result.job.path)
    if report.capped:
        waiting = sum(1 for r in report.results if r.status == "not started")
        say(
            f"cost cap: ${report.meter.spent:.4f} spent of --max-cost ${max_cost:.4f}; {waiting} document(s) "
            f"not started; rerun to continue: {_rerun_command()}"
        )
    if report.failed:
        for result in report.failed:
            say(f"failed: {result.job.label} (line {result.job.line}): {result.error}")
        raise fail(f"{len(report.failed)} document(s) failed; resume with: {_rerun_command()}", 3)
