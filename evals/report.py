"""Eval reports: one entry per document, aggregates, and table / JSON / markdown renderings.

Every entry says which archetype the document was checked as (and whether it was inferred), which
checks were skipped for that archetype, the critic's waivers with the state of each waived check
(a waived failure still counts as failed), and the verifier's counts when the front matter has them.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

from mlsd.evals.documents import Document
from mlsd.evals.rubric import SECTIONS
from mlsd.evals.score import DocumentScore, waiver_status

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
        "archetype": doc.archetype,
        "archetype_source": doc.archetype_source,
        "archetype_reason": doc.archetype_reason,
        "waivers": waiver_status(doc.waivers, score),
        "verification": doc.verification,
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
        "archetypes": dict(Counter(e.get("archetype", "ranking") for e in entries)),
        "skipped_checks": dict(Counter(k["id"] for s in scores for k in s.get("skipped_checks", []))),
        "waivers": dict(Counter(w["status"] for e in entries for w in e.get("waivers", []))),
        "run_ids": [e["run_id"] for e in entries if e.get("run_id")],
    }


def _name(entry: dict) -> str:
    return Path(entry["path"]).name


def _skipped(entry: dict) -> list[dict]:
    return entry["score"].get("skipped_checks", [])


def _waived(entry: dict) -> list[dict]:
    return entry.get("waivers", [])


def archetype_note(entry: dict) -> str:
    """E.g. "risk (inferred: matched risk terms …)" or "ranking (front matter)"."""
    archetype, source = entry.get("archetype", "ranking"), entry.get("archetype_source", "default")
    reason = entry.get("archetype_reason") or ""
    return f"{archetype} ({source}{': ' + reason if reason else ''})"


def notes(entry: dict) -> list[str]:
    """What the score leaves out or does not decide: skipped checks, waivers, verification counts."""
    lines = [f"archetype: {archetype_note(entry)}"]
    lines += [f"skipped {s['id']} (§{s['section']}): {s['reason']}" for s in _skipped(entry)]
    lines += [
        f"waived {w['id']} (§{w['section']}, {w['status']}"
        f"{', still counted as failed' if w['status'] == 'failed' else ''}): {w['reason']}"
        for w in _waived(entry)
    ]
    check = entry.get("verification")
    if check:
        lines.append(f"verification: found {check['found']}, fixed {check['fixed']}, open {check['open']}")
    return lines


def format_json(entries: list[dict]) -> str:
    """Every entry and the aggregate as JSON."""
    return json.dumps({"documents": entries, "aggregate": aggregate(entries)}, indent=2, ensure_ascii=False)


def format_markdown(entries: list[dict]) -> str:
    """A markdown table: one row per document, the global and twelve section scores, the verdict."""
    judged = all(e["score"]["judged"] for e in entries)
    head = "| Document | Level | Min | Focus | Archetype | G | " + " | ".join(f"§{n}" for n in range(1, 13))
    lines = [
        f"_{JUDGED_NOTE if judged else D_ONLY_NOTE}; skipped checks are left out of the score, "
        "waived failures still count as failed_",
        "",
        head + " | Overall | Verdict | Gates failed | Skipped | Waived |",
        "|" + "---|" * 22,
    ]
    for e in entries:
        s = _sections(e)
        cells = [
            _name(e),
            e["seniority"],
            str(e["duration"]),
            e["focus_area"] or "–",
            e.get("archetype", "ranking"),
        ]
        cells += [f"{s[n]:.2f}" for n in SECTIONS]
        cells += [
            f"**{e['score']['overall']:.3f}**",
            e["score"]["verdict"],
            ", ".join(e["score"]["gates_failed"]) or "–",
            ", ".join(k["id"] for k in _skipped(e)) or "–",
            str(len(_waived(e))),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if entries:
        agg = aggregate(entries)
        lines += ["", f"Mean overall: **{agg['overall_mean']:.3f}** over {agg['documents']} documents.", ""]
        lines += [f"- {_name(e)}: {note}" for e in entries for note in notes(e)]
    return "\n".join(lines) + "\n"


def render_table(entries: list[dict], console) -> None:
    """A rich table for the terminal (overall, verdict, gates, weakest sections), then notes.

    The notes give each document's archetype, skipped checks, waivers and verification counts.
    """
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
    for e in entries:
        for note in notes(e):
            console.print(f"{_name(e)}: {note}", markup=False, highlight=False)


def write_json(path: Path, data: object) -> None:
    """Write JSON atomically (a report folder is read while a dataset run adds to it)."""
    from mlsd.paths import write_atomically

    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", overwrite=True)
