"""``mlsd plan``: only the plan of a record, as YAML to read, edit and write from with ``--plan``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from mlsd.commands import options as opt
from mlsd.commands.common import err_console, one_line_errors, warn
from mlsd.errors import InputError


@one_line_errors()
def plan(
    record: Annotated[str, typer.Argument(help="Record JSON file, or - for stdin.")],
    seniority: opt.Seniority = "E7",
    focus_area: opt.FocusArea = None,
    duration: opt.Duration = "60min",
    out: Annotated[Path | None, typer.Option(help="Write the YAML here (default: stdout).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing --out file.")] = False,
    model: opt.Model = None,
    planner_model: opt.PlannerModel = None,
    critic_model: opt.CriticModel = None,
    base_url: opt.BaseUrl = None,
    provider: opt.Provider = "auto",
    local_model: opt.LocalModel = None,
    timeout: opt.Timeout = 120.0,
    archetype: opt.Archetype = None,
    verify: opt.Verify = None,
    debug: opt.Debug = False,
) -> None:
    """Make only the plan (archetype, framing, fact sheet, key points, diagram) and print it as YAML."""
    from mlsd.commands.generate import _record_and_params
    from mlsd.settings import choose_endpoint, mlsd_home

    archetype = opt.checked_archetype(archetype)
    rec, params = _record_and_params(record, seniority, focus_area, duration)
    if out is not None and out.exists() and not force:
        raise InputError("--out", f"{out} exists (use --force to overwrite)")
    endpoint = choose_endpoint(provider, model, base_url)
    if endpoint.notice:
        warn(endpoint.notice)
    from mlsd.runs.runner import RunRequest

    request = RunRequest(
        record=rec,
        params=params,
        out_dir=Path("content"),
        home=mlsd_home(),
        provider=endpoint.provider,
        archetype=archetype,
        verify=opt.verify_default(verify, endpoint.provider),
        plan_only=True,
    )
    roles = {"planner": planner_model, "critic": critic_model}
    import asyncio

    outcome = asyncio.run(_plan(request, endpoint, roles, local_model, timeout))
    from mlsd.commands.plan_file import plan_yaml

    text = plan_yaml(outcome.state["plan"])
    if out is None:
        sys.stdout.write(text)
        return
    from mlsd.paths import write_atomically

    write_atomically(out, text, overwrite=force)
    print(out)


async def _plan(request, endpoint, roles, local_model, timeout):
    from mlsd.commands.progress import RunProgress
    from mlsd.llm.models import OpenAIChatFactory
    from mlsd.runs.runner import run_document

    with contextlib.ExitStack() as stack:
        config = opt.model_config(stack, endpoint, roles, local_model, timeout)

        def on_start(run_id: str, resumed: bool) -> None:
            err_console.print(f"{'resuming interrupted run' if resumed else 'run'} {run_id} (plan only)")

        # Plain lines: the twelve-section table has nothing to show when no section is written.
        progress = RunProgress(err_console, live=False)
        return await run_document(request, OpenAIChatFactory(config), progress, on_start)
