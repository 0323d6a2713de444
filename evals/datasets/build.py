"""Build the versioned eval datasets from a topics JSONL file (one record per line).

    python evals/datasets/build.py TOPICS.jsonl

topics-v1.jsonl: every record twice, with levels, durations and focus areas rotated so that the
40 rows cover each level 10 times, each duration 13–14 times and each focus area (or none) 8
times. smoke-v1.jsonl: 3 rows for tests and CI. Changing the rule means a new version file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mlsd.records import DURATIONS, FOCUS_AREAS, LEVELS

FOCUS = (None, *FOCUS_AREAS)
HERE = Path(__file__).parent


def _row(index: int, record: dict, level: str, duration: int, focus: str | None) -> dict:
    tag = f"t{index + 1:02d}-{level.lower()}-{duration}" + (f"-{focus}" if focus else "")
    return {"id": tag, "record": record, "seniority": level, "duration": duration, "focus_area": focus}


def rows(records: list[dict]) -> list[dict]:
    """Two rows per record with rotated parameters."""
    out = []
    for i, record in enumerate(records):
        out.append(_row(i, record, LEVELS[i % 4], DURATIONS[i % 3], FOCUS[i % 5]))
        out.append(_row(i, record, LEVELS[(i + 2) % 4], DURATIONS[(i + 1) % 3], FOCUS[(i + 3) % 5]))
    return out


def _write(path: Path, items: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")


def main(source: str) -> None:
    """Write topics-v1.jsonl and smoke-v1.jsonl next to this file."""
    records = [json.loads(line) for line in Path(source).read_text("utf-8").splitlines() if line.strip()]
    full = rows(records)
    _write(HERE / "topics-v1.jsonl", full)
    # Three companies at E5/45, E7/60 and E8/90 (one with a focus area), for tests and CI.
    _write(HERE / "smoke-v1.jsonl", [full[0], full[20], full[27]])


if __name__ == "__main__":
    main(sys.argv[1])
