"""``mlsd runs``: list, show, export and chart the runs and LLM calls recorded in runs.db."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mlsd.commands.common import one_line_errors
from mlsd.errors import InputError

runs_app = typer.Typer(
    help="Inspect recorded runs and every agent call.", no_args_is_help=True, pretty_exceptions_enable=False
)
RunRef = Annotated[str, typer.Argument(help="Run id, unique prefix, or latest.")]
DebugFlag = Annotated[bool, typer.Option(help="Show tracebacks.")]
RUN_STATUSES = ("running", "paused", "done", "failed", "interrupted")


def _console() -> Console:
    # A pipe or a log is not 80 columns wide; do not squeeze the table or crop the tree there.
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def _store():
    from mlsd.runs.store import RunStore
    from mlsd.settings import mlsd_home

    return RunStore(mlsd_home() / "runs.db")


def _report(ref: str):
    from mlsd.runs.run_report import load_report

    return load_report(_store(), ref)


@runs_app.command("list")
@one_line_errors()
def list_runs(
    limit: Annotated[int, typer.Option(min=1, help="Newest runs to show.")] = 20,
    status: Annotated[
        str | None,
        typer.Option(help="Only runs with this status: running, paused, done, failed, interrupted."),
    ] = None,
    debug: DebugFlag = False,
) -> None:
    """List recent runs with their calls, tokens, cost and wall time."""
    from mlsd.runs.run_report import money, run_label, seconds, tokens

    if status is not None and status not in RUN_STATUSES:
        raise InputError("--status", f"must be one of {', '.join(RUN_STATUSES)}")
    rows = _store().list_runs(limit=limit, status=status)
    if not rows:
        typer.echo("no runs recorded yet" + (f" with status {status}" if status else ""), err=True)
        return
    cells = [
        {
            "id": run["id"],
            "started": run["started_at"][:19].replace("T", " "),
            "company / topic": run_label(run),
            "level": f"{params.get('seniority', '?')} {params.get('duration', '?')}min",
            "status": run["status"],
            "calls": str(run["calls"]),
            "tokens": tokens(run["input_tokens"] + run["output_tokens"]),
            "cost": money(run["cost_usd"], run["unpriced_calls"] or 0),
            "wall": seconds(run["wall_ms"]) if run["finished_at"] else "-",
        }
        for run, params in ((r, r["params"] or {}) for r in rows)
    ]
    console = _console()
    table, hidden, table_width = runs_table(cells, console.width)
    console.width = max(console.width, table_width)
    console.print(table)
    if hidden:
        typer.echo(f"(narrow terminal: {', '.join(hidden)} not shown)", err=True)


LIST_COLUMNS = ("id", "started", "company / topic", "level", "status", "calls", "tokens", "cost", "wall")
# Dropped first to last when the terminal is narrow; the id (to copy) and the status never are.
DROP_ORDER = ("calls", "tokens", "wall", "cost", "started", "level")
TOPIC_MIN, TOPIC_MAX, GAP = 16, 48, 2


def runs_table(cells: list[dict[str, str]], width: int) -> tuple[Table, list[str], int]:
    """The runs table for a terminal ``width`` wide, the columns left out to fit it, its width.

    Run ids are printed whole (they are copied into ``runs show`` and ``--resume``); the topic
    is shortened with an ellipsis, then the least useful columns are dropped.
    """
    natural = {name: max(len(name), *(len(row[name]) for row in cells)) for name in LIST_COLUMNS}
    natural["company / topic"] = min(natural["company / topic"], TOPIC_MAX)
    shown = list(LIST_COLUMNS)

    def needed() -> int:
        fixed = sum(natural[c] for c in shown if c != "company / topic")
        return fixed + min(natural["company / topic"], TOPIC_MIN) + GAP * (len(shown) - 1)

    hidden = []
    for name in DROP_ORDER:
        if needed() <= width:
            break
        shown.remove(name)
        hidden.append(name)
    fixed = sum(natural[c] for c in shown if c != "company / topic") + GAP * (len(shown) - 1)
    topic_width = max(TOPIC_MIN, min(natural["company / topic"], width - fixed))
    # Every width is set here, so Rich neither squeezes an id nor crops the status at the edge; a
    # terminal narrower than the id and a short topic gets the lines whole and wraps them itself.
    table = Table(box=None, pad_edge=False)
    for name in shown:
        right = name in ("calls", "tokens", "cost", "wall")
        topic = name == "company / topic"
        table.add_column(
            name,
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if right else "left",
            width=topic_width if topic else natural[name],
        )
    for row in cells:
        table.add_row(*(row[name] for name in shown))
    return table, hidden, fixed + topic_width


def _call_line(call: dict) -> str:
    from mlsd.runs.run_report import seconds

    retries = f", {call['retries']} retries" if call["retries"] else ""
    error = f" ERROR {call['error'][:80]}" if call["error"] else ""
    return (
        f"#{call['seq']} {call['role'] or '?'} {call['model'] or '?'}: {call['input_tokens']}→"
        f"{call['output_tokens']} tok, {seconds(call['latency_ms'])}, attempt {call['attempt']}{retries}"
        f"{error}"
    )


def _findings_line(round_: int, findings: list[dict]) -> str:
    if not findings:
        return f"verifier round {round_}: no errors found"
    told = "; ".join(
        f'{f["kind"]}: "{f["quote"]}" → {f["correction"]}' if f.get("quote") else f["kind"] for f in findings
    )
    return f"verifier round {round_}: {len(findings)} finding(s) — {told}"


def _add_verdict(leaf: Tree, round_: int, verdict: dict) -> None:
    from mlsd.runs.run_report import review_verdict

    review = review_verdict(verdict)
    branch = leaf.add(Text(f"review round {round_}: {review.line}"))
    for fix in review.fixes:
        branch.add(Text(f"fix: {fix}"))


def _tree(report) -> Tree:
    from mlsd.runs.run_report import money, seconds

    run = report.run
    root = Tree(
        Text(
            f"run {run['id']} · {report.label} · {report.level} · {run['status']} · {run['calls']} calls · "
            f"{run['input_tokens'] + run['output_tokens']} tokens · "
            f"{money(run['cost_usd'], run['unpriced_calls'] or 0)} · wall {seconds(run['wall_ms'])}"
        )
    )
    nodes: dict[str, Tree] = {}
    sections = {s.number: s for s in report.sections()}
    for call in report.calls:
        node = call["node"] or "?"
        if node not in nodes:
            nodes[node] = root.add(Text(node))
        if node == "write_section" and call["section"] in sections:
            continue  # grouped by section below, in section order
        nodes[node].add(
            Text(("" if call["round"] is None else f"round {call['round']}: ") + _call_line(call))
        )
    for history in sections.values():
        if not history.drafts:
            continue
        branch = nodes["write_section"].add(Text(f"§{history.number} {history.title}"))
        rounds = sorted({c["round"] for c in history.drafts})
        for i, round_ in enumerate(rounds):
            leaf = branch.add(Text(f"round {round_}"))
            for call in (c for c in history.drafts if c["round"] == round_):
                leaf.add(Text(_call_line(call)))
            if round_ in history.findings:
                leaf.add(Text(_findings_line(round_, history.findings[round_])))
            until = rounds[i + 1] if i + 1 < len(rounds) else None
            for judged, verdict in sorted(history.verdicts.items()):
                if judged >= round_ and (until is None or judged < until):
                    _add_verdict(leaf, judged, verdict)
    return root


@runs_app.command("show")
@one_line_errors()
def show(
    run: RunRef,
    call: Annotated[int | None, typer.Option(help="Print call N's full prompt and answer.")] = None,
    debug: DebugFlag = False,
) -> None:
    """Show a run as a tree: node → section → rounds, with tokens, latency and verdicts."""
    report = _report(run)
    if call is None:
        _console().print(_tree(report))
        return
    chosen = report.call(call)
    print(_call_line(chosen))
    print(f"node {chosen['node']}, section {chosen['section']}, round {chosen['round']}, "
          f"started {chosen['started_at']}, finish {chosen['finish_reason']}")  # fmt: skip
    if chosen["messages"] is None:
        print("(prompt and answer not logged: --no-log-prompts)")
        return
    for message in chosen["messages"]:
        print(f"\n=== {message['role']} ===\n{message['content']}")
    print(f"\n=== answer ===\n{chosen['answer'] or ''}")


@runs_app.command("export")
@one_line_errors()
def export(
    run: RunRef,
    format: Annotated[
        str, typer.Option("--format", help="json (one document) or jsonl (one line per row).")
    ] = "json",
    debug: DebugFlag = False,
) -> None:
    """Print a run and all its calls as JSON or JSON lines."""
    if format not in ("json", "jsonl"):
        raise InputError("--format", "must be json or jsonl")
    report = _report(run)
    if format == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    print(json.dumps({"type": "run", **report.run}, ensure_ascii=False))
    for call in report.calls:
        print(json.dumps({"type": "call", **call}, ensure_ascii=False))


@runs_app.command("html")
@one_line_errors()
def html(
    run: RunRef,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="The HTML file to write (default: run-<id>.html here)."),
    ] = None,
    debug: DebugFlag = False,
) -> None:
    """Write one self-contained HTML page: call timeline, revision history, token and cost breakdown."""
    from mlsd.paths import write_atomically
    from mlsd.runs.html_report import render_html

    report = _report(run)
    name = f"run-{report.run['id']}.html"
    path = (output / name if output and output.is_dir() else output or Path(name)).absolute()
    hint = "check that the folder of -o is writable and has free space"
    write_atomically(path, render_html(report), overwrite=True, hint=hint)
    print(path)
