"""``mlsd revise``: rewrite chosen sections of a saved document with a note (mlsd/runs/revise.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from mlsd.commands import options as opt
from mlsd.commands.common import err_console, one_line_errors, warn


@one_line_errors()
def revise(
    document: Annotated[Path, typer.Argument(help="A saved mlsd document (markdown with front matter).")],
    section: Annotated[
        list[int] | None, typer.Option("--section", help="Section number to rewrite, 1–12; repeat for more.")
    ] = None,
    note: Annotated[str, typer.Option(help="What to fix, in your words: the writer's instruction.")] = "",
    max_revisions: Annotated[
        int, typer.Option(min=0, max=5, help="Extra rounds for sections the critic still flags.")
    ] = 1,
    backup: Annotated[
        bool, typer.Option("--backup/--no-backup", help="Keep the old file as DOCUMENT.md.bak.")
    ] = True,
    model: opt.Model = None,
    writer_model: opt.WriterModel = None,
    critic_model: opt.CriticModel = None,
    base_url: opt.BaseUrl = None,
    provider: opt.Provider = "auto",
    local_model: opt.LocalModel = None,
    timeout: opt.Timeout = 120.0,
    log_prompts: opt.LogPrompts = None,
    debug: opt.Debug = False,
) -> None:
    """Rewrite only the given sections of a saved document, following your note; saved in place."""
    from mlsd.runs.revise import ReviseRequest, load_revision
    from mlsd.settings import choose_endpoint, mlsd_home, prompt_logging

    sections = list(section or [])
    load_revision(document, sections, note)  # bad input fails here, before any model starts
    endpoint = choose_endpoint(provider, model, base_url)
    if endpoint.notice:
        warn(endpoint.notice)
    request = ReviseRequest(
        path=document,
        sections=sections,
        note=note,
        home=mlsd_home(),
        max_revisions=max_revisions,
        backup=backup,
        provider=endpoint.provider,
        log_prompts=prompt_logging(log_prompts),
    )
    roles = {"writer": writer_model, "critic": critic_model}
    import asyncio

    outcome = asyncio.run(_run(request, endpoint, roles, local_model, timeout))
    _report(outcome)


async def _run(request, endpoint, roles, local_model, timeout):
    from mlsd.llm.models import OpenAIChatFactory
    from mlsd.runs.revise import revise_document

    def on_start(run_id: str, source: str | None) -> None:
        told = f"run {run_id}: revising {', '.join(f'§{n}' for n in sorted(set(request.sections)))}"
        err_console.print(told + (f" with the plan of run {source}" if source else ""), markup=False)

    with contextlib.ExitStack() as stack:
        config = opt.model_config(stack, endpoint, roles, local_model, timeout)
        return await revise_document(request, OpenAIChatFactory(config), warn, on_start)


def _report(outcome) -> None:
    from mlsd.graph.usage import totals
    from mlsd.runs.run_report import money

    used = totals(outcome.usage)
    cost = outcome.cost_usd
    err_console.print(
        f"revised in {outcome.rounds} round(s), {used['calls']} calls: {used['input_tokens']} input + "
        f"{used['output_tokens']} output tokens ({used['cached_tokens']} cached), "
        f"{money(cost, 0 if cost is not None else 1)}",
        markup=False,
    )
    if outcome.backup_path:
        err_console.print(f"old version kept as {outcome.backup_path}", markup=False)
    if outcome.unresolved:
        listed = ", ".join(f"§{n}" for n in outcome.unresolved)
        err_console.print(f"critic still flags {listed} after the last round", markup=False)
    print(outcome.output_path)
