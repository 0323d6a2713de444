"""Dataset runs: generate each row's document with a strategy, score it, keep a report folder.

A report folder holds `report.json` (what ran), `documents/<row id>.json` (one scored document
each, written as soon as it is scored), `aggregate.json` and `report.md`, and the generated
documents under `content/`. Re-running the same command skips rows whose score file exists,
so an interrupted dataset run continues where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from mlsd.errors import InputError
from mlsd.evals.documents import load_document
from mlsd.evals.report import aggregate, document_entry, format_markdown, write_json
from mlsd.evals.score import DocumentScore
from mlsd.records import Params, Record, make_params, validate_record

Generate = Callable[[Record, Params, Path], Awaitable[tuple[str, str | None]]]
Score = Callable[[object], Awaitable[DocumentScore]]


@dataclass(frozen=True)
class DatasetRow:
    """One line of a dataset: a record and the parameters to generate it with."""

    id: str
    record: Record
    params: Params


def load_dataset(path: Path) -> list[DatasetRow]:
    """Parse a JSONL dataset; each row is a record plus seniority, duration and focus_area."""
    rows, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            record, _ = validate_record(data["record"])
            params = make_params(
                data.get("seniority", "E7"), data.get("focus_area"), data.get("duration", 60)
            )
        except (json.JSONDecodeError, KeyError, TypeError, InputError) as exc:
            raise InputError(f"{path.name}:{number}", f"not a dataset row ({exc})") from None
        row_id = str(data.get("id") or f"row-{number:03d}")
        if row_id in seen:
            raise InputError(f"{path.name}:{number}", f"duplicate id {row_id!r}")
        seen.add(row_id)
        rows.append(DatasetRow(row_id, record, params))
    return rows


def _entries(folder: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((folder / "documents").glob("*.json"))]


def write_summary(folder: Path) -> dict:
    """Recompute aggregate.json and report.md from the per-document files."""
    entries = _entries(folder)
    agg = aggregate(entries)
    write_json(folder / "aggregate.json", agg)
    (folder / "report.md").write_text(format_markdown(entries), encoding="utf-8")
    return agg


async def run_dataset(
    rows: list[DatasetRow],
    folder: Path,
    meta: dict,
    generate: Generate,
    score: Score,
    say: Callable[[str], None] = print,
) -> dict:
    """Generate and score every row not yet in the folder; return the aggregate."""
    (folder / "documents").mkdir(parents=True, exist_ok=True)
    write_json(folder / "report.json", {**meta, "rows": [r.id for r in rows]})
    for index, row in enumerate(rows, 1):
        target = folder / "documents" / f"{row.id}.json"
        if target.exists():
            say(f"[{index}/{len(rows)}] {row.id}: already scored, skipped")
            continue
        path, run_id = await generate(row.record, row.params, folder / "content")
        doc = load_document(
            Path(path),
            row.params.seniority.value,
            str(row.params.duration),
            row.params.focus_area.value if row.params.focus_area else None,
        )
        # The row's record is the truth about the question (front matter lacks the description).
        doc = replace(doc, meta={**doc.meta, **row.record.model_dump(mode="json")})
        result = await score(doc)
        write_json(
            target, document_entry(doc, result, row_id=row.id, run_id=run_id, strategy=meta["strategy"])
        )
        say(f"[{index}/{len(rows)}] {row.id}: {result.overall:.3f} {result.verdict}")
    return write_summary(folder)
