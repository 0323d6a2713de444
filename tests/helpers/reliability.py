"""Shared by the reliability suite: the API key it uses, a leak scan, and the measured figures.

Every test of the suite records what it did (faults injected and survived, kill points and
resumes, fuzzed inputs, files found outside the output folder, secrets found) in ``TALLY``; each
update rewrites ``artifacts/reliability.json``, so RELIABILITY.md quotes numbers the run measured.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# One key for the whole suite, with a marker that no record or template contains.
KEY = "sk-reliab-SECRET-7c1e9d2a5b"
KEY_SECRET_PART = "SECRET-7c1e9d2a5b"

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "evals" / "datasets" / "examples" / "meta-news-feed.json"
REPORT = ROOT / "artifacts" / "reliability.json"
COMMAND = (
    '.venv/bin/pytest -q -m "not local_model" tests/test_faults.py tests/test_crash_safety.py '
    "tests/test_fuzz_inputs.py tests/test_concurrency.py tests/test_disk.py tests/test_secrets.py"
)

TALLY: Counter[str] = Counter()
_FAULTS: Counter[str] = Counter()


def record(**counts: int) -> None:
    """Add to the suite's figures and rewrite the report."""
    TALLY.update(counts)
    _write()


def record_faults(kinds: Iterable[str], *, survived: bool) -> None:
    """Faults the stub sent in one test, and whether the run ended as the contract says."""
    kinds = list(kinds)
    _FAULTS.update(kinds)
    TALLY.update({"faults_injected": len(kinds), "faults_survived": len(kinds) if survived else 0})
    _write()


def _write() -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": COMMAND,
        **{k: TALLY[k] for k in sorted(TALLY)},
        "faults_by_kind": dict(sorted(_FAULTS.items())),
    }
    tmp = REPORT.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, REPORT)


def files_under(*roots: Path) -> list[Path]:
    """Every regular file below the roots (missing roots are skipped)."""
    found = []
    for root in roots:
        if root.exists():
            found += [p for p in root.rglob("*") if p.is_file()]
    return found


def secrets_in(paths: Iterable[Path]) -> list[Path]:
    """The files whose bytes contain the suite's API key (or its secret part)."""
    needles = (KEY.encode(), KEY_SECRET_PART.encode())
    hits = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(n in data for n in needles):
            hits.append(path)
    return hits


@pytest.fixture
def leak_scan(tmp_path: Path) -> Iterator[list[Path]]:
    """After the test, scan every file it wrote (tmp_path, MLSD_HOME) for the key; roots may be added."""
    roots: list[Path] = [tmp_path, Path(os.environ["MLSD_HOME"])]
    yield roots
    files = files_under(*roots)
    hits = secrets_in(files)
    record(files_scanned_for_secrets=len(files), secrets_found=len(hits))
    assert not hits, f"the API key leaked into {hits}"
