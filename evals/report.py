"""Eval reports: one entry per document, aggregates, and table / JSON / markdown renderings."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

from mlsd.evals.documents import Document
from mlsd.evals.rubric import SECTIONS
from mlsd.evals.score import DocumentScore

D_ONLY_NOTE = "deterministic checks only (no judge): section score = D pass-rate"
JUDGED_NOTE = "section score = D pass-rate × 0.4 + J yes-rate × 0.6"


def document_entry(doc: Document, score: DocumentScore, **extra) -> dict:
    """Plain data for one scored document."""
    p = doc.params
    return {
        "path": str(doc.path),
        "company": doc.company,
        "topic": doc.meta.get("ml_topic"),
        "seniority": p.seniority.value,
        "duration": p.duration,
        "focus_area": p.focus_area.value if p.focus_area else None,
        "run_id": extra.pop("run_id", None) or doc.meta.get("run_id"),
        **extra,
        "score": score.as_dict(),
    }


def _sections(entry: dict) -> dict[int, float]:
    return {s["section"]: s["score"] for s in entry["score"]["sections"]}


def aggregate(entries: list[dict]) -> dict:
    """Means over documents: overall, per section and per criterion; verdict and gate counts."""
    if not entries:
        return {"documents": 0}
    scores = [e["score"] for e in entries]
    criteria: dict[str, list[float]] = {}
    for s in scores:
        for key, mark in s["criteria"].items():
            criteria.setdefault(key, []).append(mark)
    return {
        "documents": len(entries),
        "judged": all(s["judged"] for s in scores),
        "overall_mean": round(statistics.fmean(s["overall"] for s in scores), 4),
        "sections_mean": {
            str(n): round(statistics.fmean(_sections(e)[n] for e in entries), 4) for n in SECTIONS
        },
        "criteria_pass_rate": {k: round(statistics.fmean(v), 4) for k, v in sorted(criteria.items())},
        "verdicts": dict(Counter(s["verdict"] for s in scores)),
        "gates_failed": dict(Counter(g for s in scores for g in s["gates_failed"])),
        "run_ids": [e["run_id"] for e in entries if e.get("run_id")],
    }


def _name(entry: dict) -> str:
    return Path(entry["path"]).name


def format_json(entries: list[dict]) -> str:
    """Every entry and the aggregate as JSON."""
    return json.dumps({"documents": entries, "aggregate": aggregate(entries)}, indent=2, ensure_ascii=False)


def format_markdown(entries: list[dict]) -> str:
    """A markdown table: one row per document, the global and twelve section scores, the verdict."""
    judged = all(e["score"]["judged"] for e in entries)
    head = "| Document | Level | Min | Focus | G | " + " | ".join(f"§{n}" for n in range(1, 13))
    lines = [
        f"_{JUDGED_NOTE if judged else D_ONLY_NOTE}_",
        "",
        head + " | Overall | Verdict | Gates failed |",
        "|" + "---|" * 19,
    ]
    for e in entries:
        s = _sections(e)
        cells = [_name(e), e["seniority"], str(e["duration"]), e["focus_area"] or "–"]
        cells += [f"{s[n]:.2f}" for n in SECTIONS]
        cells += [
            f"**{e['score']['overall']:.3f}**",
            e["score"]["verdict"],
            ", ".join(e["score"]["gates_failed"]) or "–",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if entries:
        agg = aggregate(entries)
        lines += ["", f"Mean overall: **{agg['overall_mean']:.3f}** over {agg['documents']} documents."]
    return "\n".join(lines) + "\n"


def render_table(entries: list[dict], console) -> None:
    """A rich table for the terminal: overall, verdict, gates and the weakest sections."""
    from rich.table import Table

    judged = all(e["score"]["judged"] for e in entries)
    table = Table(title=JUDGED_NOTE if judged else D_ONLY_NOTE, title_justify="left")
    for column in ("Document", "Level", "Min", "Focus", "Overall", "Verdict", "Gates failed", "Weakest"):
        table.add_column(column)
    for e in entries:
        weakest = sorted(_sections(e).items(), key=lambda kv: kv[1])[:3]
        table.add_row(
            _name(e),
            e["seniority"],
            str(e["duration"]),
            e["focus_area"] or "–",
            f"{e['score']['overall']:.3f}",
            e["score"]["verdict"],
            ", ".join(e["score"]["gates_failed"]) or "–",
            ", ".join(f"{'§' + str(n) if n else 'global'} {v:.2f}" for n, v in weakest),
        )
    console.print(table)


def write_json(path: Path, data: object) -> None:
    """Write JSON atomically (a report folder is read while a dataset run adds to it)."""
    from mlsd.paths import write_atomically

    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", overwrite=True)
