"""``mlsd eval``: score documents against the rubric, run datasets, compare reports.

Typer has no default command (tiangolo/typer#18), and a group callback with a variadic PATH
argument would swallow the subcommand names. So the group routes any first argument that is not
a subcommand to ``run``: ``mlsd eval a.md docs/`` is ``mlsd eval run a.md docs/``. A file literally
named ``dataset`` or ``compare`` needs ``./dataset`` or the explicit ``run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from mlsd.clock import stamp
from mlsd.commands.common import err_console, one_line_errors
from mlsd.errors import InputError

FORMATS = ("table", "json", "md")
STRATEGIES = ("multi-agent", "single-shot")


class _PathsByDefault(TyperGroup):
    """Send ``mlsd eval PATH...`` to the ``run`` command."""

    def parse_args(self, ctx, args):
        """Prepend ``run`` unless the first argument names a subcommand or asks for help."""
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_PathsByDefault,
    no_args_is_help=True,
    help="Score documents against the rubric (mlsd eval PATH...), run datasets, compare reports.",
)

Model = Annotated[str | None, typer.Option(help="Model for every role (env MLSD_MODEL).")]
JudgeModel = Annotated[str | None, typer.Option(help="Model for the judge (default: --model).")]
BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (env OPENAI_BASE_URL).")]
Provider = Annotated[str, typer.Option(help="auto, openai or local (embedded model).")]
LocalModel = Annotated[Path | None, typer.Option(help="GGUF file for --provider local.")]
Timeout = Annotated[float, typer.Option(min=1, help="Seconds per model call.")]
Judge = Annotated[bool, typer.Option("--judge/--no-judge", help="Also ask the LLM judge (D-only without).")]
Debug = Annotated[bool, typer.Option(help="Show tracebacks.")]


@contextlib.contextmanager
def _factory(
    provider: str,
    model: str | None,
    base_url: str | None,
    local_model: Path | None,
    timeout: float,
    judge_model: str | None = None,
    temperature: float | None = 0.4,
):
    """A chat-model factory from the same flags as ``mlsd generate``."""
    from mlsd.commands.common import warn
    from mlsd.commands.options import model_config
    from mlsd.llm.models import OpenAIChatFactory
    from mlsd.settings import choose_endpoint

    endpoint = choose_endpoint(provider, model, base_url)
    if endpoint.notice:
        warn(endpoint.notice)
    with contextlib.ExitStack() as stack:
        config = model_config(stack, endpoint, {"judge": judge_model}, local_model, timeout)
        yield OpenAIChatFactory(replace(config, temperature=temperature)), endpoint


def _check_choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(flag, f"must be one of {', '.join(choices)}")


async def _score_all(docs, factory) -> list:
    from mlsd.agents.judge import judged_score
    from mlsd.evals.evaluate import deterministic_score

    try:
        if factory is None:
            return [deterministic_score(doc) for doc in docs]
        judge = factory.chat("judge", _judge_tokens())
        return [await judged_score(doc, judge) for doc in docs]
    finally:
        if factory is not None:
            await factory.aclose()


def _judge_tokens() -> int:
    from mlsd.agents.judge import JUDGE_MAX_TOKENS

    return JUDGE_MAX_TOKENS


@eval_app.command("run")
@one_line_errors()
def run(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files or folders of them.")],
    seniority: Annotated[str | None, typer.Option(help="Override or supply the level.")] = None,
    duration: Annotated[str | None, typer.Option(help="Override or supply the duration.")] = None,
    focus_area: Annotated[str | None, typer.Option(help="Override or supply the focus area.")] = None,
    archetype: Annotated[
        str | None,
        typer.Option(help="Check as this archetype (default: front matter, else inferred and printed)."),
    ] = None,
    judge: Judge = False,
    format: Annotated[str, typer.Option("--format", help="table, json or md.")] = "table",  # noqa: A002
    min_score: Annotated[float | None, typer.Option(help="Exit 1 if any document scores below.")] = None,
    model: Model = None,
    judge_model: JudgeModel = None,
    base_url: BaseUrl = None,
    provider: Provider = "auto",
    local_model: LocalModel = None,
    timeout: Timeout = 120.0,
    debug: Debug = False,
) -> None:
    """Score documents: deterministic checks, and the LLM judge with --judge."""
    from mlsd.evals.documents import find_documents, load_document
    from mlsd.evals.report import document_entry, format_json, format_markdown, render_table

    _check_choice("--format", format, FORMATS)
    files = find_documents(paths)
    if not files:
        raise InputError("PATH", "no markdown documents found")
    from mlsd.commands.options import checked_archetype

    archetype = checked_archetype(archetype)
    docs = [load_document(f, seniority, duration, focus_area, archetype) for f in files]
    for doc in docs:
        if doc.archetype_source == "inferred":
            err_console.print(f"{doc.path.name}: archetype {doc.archetype_note}", markup=False)
    with contextlib.ExitStack() as stack:
        factory = None
        if judge:
            factory, _ = stack.enter_context(
                _factory(provider, model, base_url, local_model, timeout, judge_model, temperature=0.0)
            )
        scores = asyncio.run(_score_all(docs, factory))
    entries = [document_entry(d, s) for d, s in zip(docs, scores, strict=True)]
    if format == "json":
        print(format_json(entries))
    elif format == "md":
        print(format_markdown(entries), end="")
    else:
        from rich.console import Console

        render_table(entries, Console(soft_wrap=True))
    below = [e for e in entries if min_score is not None and e["score"]["overall"] < min_score]
    if below:
        err_console.print(
            f"{len(below)} of {len(entries)} documents score below --min-score {min_score}", markup=False
        )
        raise typer.Exit(1)


@eval_app.command("dataset")
@one_line_errors()
def dataset(
    dataset: Annotated[Path, typer.Argument(help="Dataset JSONL: record + seniority, duration, focus_area.")],
    strategy: Annotated[str, typer.Option(help="multi-agent or single-shot.")] = "multi-agent",
    report_dir: Annotated[
        Path | None, typer.Option(help="Report folder (default evals/reports/<dataset>-<strategy>).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N rows.")] = None,
    max_revisions: Annotated[int, typer.Option(min=0, max=5, help="Critic rounds (multi-agent).")] = 2,
    judge: Judge = False,
    model: Model = None,
    judge_model: JudgeModel = None,
    base_url: BaseUrl = None,
    provider: Provider = "auto",
    local_model: LocalModel = None,
    timeout: Timeout = 120.0,
    debug: Debug = False,
) -> None:
    """Generate every row with a strategy, score it and write a report folder (resumable)."""
    from mlsd.evals.dataset import load_dataset

    _check_choice("--strategy", strategy, STRATEGIES)
    if not dataset.is_file():
        raise InputError(str(dataset), "no such dataset file")
    rows = load_dataset(dataset)[:limit]
    folder = report_dir or Path("evals") / "reports" / f"{dataset.stem}-{strategy}"
    with _factory(provider, model, base_url, local_model, timeout, judge_model) as (factory, endpoint):
        meta = {
            "dataset": str(dataset),
            "strategy": strategy,
            "judged": judge,
            "provider": endpoint.provider,
            "models": factory.model_names,
            "max_revisions": max_revisions,
            "started": stamp(),
        }
        agg = asyncio.run(_run_dataset(rows, folder, meta, factory, endpoint.provider, max_revisions, judge))
    print(json.dumps({"report": str(folder), **{k: agg.get(k) for k in ("documents", "overall_mean")}}))


async def _run_dataset(rows, folder, meta, factory, provider, max_revisions, judge):
    from mlsd.agents.judge import judged_score
    from mlsd.evals.dataset import run_dataset
    from mlsd.evals.documents import front_matter
    from mlsd.evals.evaluate import deterministic_score
    from mlsd.paths import document_path
    from mlsd.runs.runner import RunRequest, run_document
    from mlsd.runs.single_shot import run_single_shot
    from mlsd.settings import mlsd_home

    single = meta["strategy"] == "single-shot"
    judge_factory = replace_factory_temperature(factory) if judge else None

    async def generate(record, params, out_dir):
        path = document_path(
            out_dir, record.company_name, record.ml_topic, params, "single-shot" if single else ""
        )
        if path.exists():  # generated before an interruption, not yet scored
            return str(path), front_matter(path.read_text("utf-8"))["run_id"]
        req = RunRequest(
            record=record,
            params=params,
            out_dir=out_dir,
            home=mlsd_home(),
            max_revisions=max_revisions,
            strategy=meta["strategy"],
            provider=provider,
        )
        outcome = await (run_single_shot if single else run_document)(req, factory)
        return outcome.output_path, outcome.run_id

    async def score(doc):
        if judge_factory is None:
            return deterministic_score(doc)
        try:
            return await judged_score(doc, judge_factory.chat("judge", _judge_tokens()))
        finally:
            await judge_factory.aclose()

    def say(line: str) -> None:
        err_console.print(line, markup=False)

    return await run_dataset(rows, folder, meta, generate, score, say)


def replace_factory_temperature(factory, temperature: float = 0.0):
    """A second factory on the same endpoint for the judge, deterministic where the server allows."""
    from mlsd.llm.models import OpenAIChatFactory

    return OpenAIChatFactory(replace(factory.config, temperature=temperature))


@eval_app.command("compare")
@one_line_errors()
def compare(
    report_a: Annotated[Path, typer.Argument(help="Baseline report folder (A).")],
    report_b: Annotated[Path, typer.Argument(help="Candidate report folder (B).")],
    judge: Judge = False,
    format: Annotated[str, typer.Option("--format", help="md or json.")] = "md",  # noqa: A002
    model: Model = None,
    judge_model: JudgeModel = None,
    base_url: BaseUrl = None,
    provider: Provider = "auto",
    local_model: LocalModel = None,
    timeout: Timeout = 120.0,
    debug: Debug = False,
) -> None:
    """Per-criterion deltas of B over A; with --judge, B's pairwise win rate with a 95% CI."""
    from mlsd.evals.compare import criterion_deltas, format_compare, load_report

    _check_choice("--format", format, ("md", "json"))
    a, b = load_report(report_a), load_report(report_b)
    result = criterion_deltas(a, b)
    if judge:
        with _factory(provider, model, base_url, local_model, timeout, judge_model, temperature=0.0) as (
            factory,
            _,
        ):
            result["pairwise"] = asyncio.run(_pairwise(a, b, factory))
    if format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(format_compare(result, report_a.name, report_b.name), end="")


async def _pairwise(a, b, factory):
    from mlsd.agents.judge import JudgeInput, prefer
    from mlsd.evals.compare import pairwise

    model = factory.chat("judge", 1000)

    async def choose(first: str, second: str, entry: dict) -> str:
        record = {"company_name": entry.get("company"), "ml_topic": entry.get("topic")}
        info = JudgeInput(record, entry["seniority"], entry["duration"], entry.get("focus_area"))
        return await prefer(model, first, second, info)

    try:
        return await pairwise(a, b, choose)
    finally:
        await factory.aclose()
