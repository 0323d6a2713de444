"""Compare two report folders: per-criterion deltas and, with a judge, a pairwise win rate."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path

from mlsd.errors import InputError

Prefer = Callable[[str, str, dict], Awaitable[str]]
Z_95 = 1.959964


def load_report(folder: Path) -> dict[str, dict]:
    """Scored documents of a report folder keyed by row id (or file name)."""
    files = sorted((folder / "documents").glob("*.json"))
    if not files:
        raise InputError(str(folder), "not a report folder (no documents/*.json)")
    entries = [json.loads(p.read_text("utf-8")) for p in files]
    return {e.get("row_id") or Path(e["path"]).name: e for e in entries}


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _delta(a: list[float], b: list[float]) -> dict:
    ma, mb = _mean(a), _mean(b)
    return {"a": ma, "b": mb, "delta": round(mb - ma, 4)}


def criterion_deltas(a: dict[str, dict], b: dict[str, dict]) -> dict:
    """Overall, per-section and per-criterion means of A and B over the rows both contain."""
    rows = sorted(set(a) & set(b))
    if not rows:
        raise InputError("compare", "the two reports share no rows")

    def sections(entry: dict) -> dict[int, float]:
        return {s["section"]: s["score"] for s in entry["score"]["sections"]}

    keys = sorted(
        {k for r in rows for k in a[r]["score"]["criteria"]}
        & {k for r in rows for k in b[r]["score"]["criteria"]}
    )
    criteria = {
        k: _delta(
            [a[r]["score"]["criteria"].get(k, 0.0) for r in rows],
            [b[r]["score"]["criteria"].get(k, 0.0) for r in rows],
        )
        for k in keys
    }
    numbers = sorted(sections(a[rows[0]]))
    return {
        "rows": rows,
        "overall": _delta([a[r]["score"]["overall"] for r in rows], [b[r]["score"]["overall"] for r in rows]),
        "sections": {
            str(n): _delta([sections(a[r])[n] for r in rows], [sections(b[r])[n] for r in rows])
            for n in numbers
        },
        "criteria": criteria,
    }


def wilson_interval(successes: float, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (ties count as half a success)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


async def pairwise(a: dict[str, dict], b: dict[str, dict], prefer: Prefer) -> dict:
    """B's win rate over A, each pair judged twice with the order swapped to cancel position bias."""
    wins, trials, flips = 0.0, 0, 0
    for row in sorted(set(a) & set(b)):
        text_a = Path(a[row]["path"]).read_text("utf-8")
        text_b = Path(b[row]["path"]).read_text("utf-8")
        first = await prefer(text_a, text_b, b[row])  # B shown second
        second = await prefer(text_b, text_a, b[row])  # B shown first
        outcome = [{"B": 1.0, "A": 0.0}.get(first, 0.5), {"A": 1.0, "B": 0.0}.get(second, 0.5)]
        flips += outcome[0] != outcome[1]
        wins += sum(outcome)
        trials += 2
    low, high = wilson_interval(wins, trials)
    return {
        "b_win_rate": round(wins / trials, 4) if trials else None,
        "ci95": [round(low, 4), round(high, 4)],
        "judgements": trials,
        "order_disagreements": flips,
    }


def format_compare(result: dict, label_a: str, label_b: str) -> str:
    """A markdown summary: overall, sections, the criteria that moved, and the win rate."""
    o = result["overall"]
    lines = [
        f"# {label_b} vs {label_a} ({len(result['rows'])} shared rows)",
        "",
        f"Overall: {o['a']:.3f} → {o['b']:.3f} (Δ {o['delta']:+.3f})",
        "",
        "| Section | A | B | Δ |",
        "|---|---|---|---|",
    ]
    for n, d in result["sections"].items():
        lines.append(
            f"| {'global' if n == '0' else '§' + n} | {d['a']:.3f} | {d['b']:.3f} | {d['delta']:+.3f} |"
        )
    moved = sorted(
        ((k, d) for k, d in result["criteria"].items() if d["delta"]),
        key=lambda kv: (-abs(kv[1]["delta"]), kv[0]),
    )
    lines += ["", "| Criterion | A | B | Δ |", "|---|---|---|---|"]
    lines += [f"| {k} | {d['a']:.2f} | {d['b']:.2f} | {d['delta']:+.2f} |" for k, d in moved] or [
        "| (none moved) | | | |"
    ]
    if result.get("pairwise"):
        p = result["pairwise"]
        lines += [
            "",
            f"Pairwise preference for B: {p['b_win_rate']:.3f} "
            f"(95% Wilson CI {p['ci95'][0]:.3f}–{p['ci95'][1]:.3f}, {p['judgements']} judgements, "
            f"{p['order_disagreements']} pairs changed with the order)",
        ]
    return "\n".join(lines) + "\n"
