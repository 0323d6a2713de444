"""Benchmark one full document on the embedded local model (a measurement, not a test).

    .venv/bin/python benchmarks/bench_local.py [--seniority E5 --duration 45 --max-revisions 0]

Runs ``mlsd generate`` in a subprocess with no API key (so the embedded SmolLM2 is used), then
reads the saved document's front matter for token counts and writes
``benchmarks/results/local.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "evals" / "datasets" / "examples" / "meta-news-feed.json"


def run_once(seniority: str, duration: str, max_revisions: int) -> dict:
    """Generate one document in a fresh MLSD_HOME and out-dir; return wall time and tokens."""
    work = Path(tempfile.mkdtemp(prefix="mlsd-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["MLSD_HOME"] = str(work / "home")
    cmd = [
        sys.executable,
        "-c",
        "from mlsd.cli import main; main()",
        "generate",
        str(EXAMPLE),
        "--seniority",
        seniority,
        "--duration",
        duration,
        "--max-revisions",
        str(max_revisions),
        "--out-dir",
        str(work / "content"),
    ]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"generate failed ({done.returncode}): {done.stderr[-2000:]}")
    path = Path(done.stdout.strip().splitlines()[-1])
    meta = yaml.safe_load(path.read_text().split("---\n")[1])
    tokens = meta["tokens"]
    return {
        "wall_s": round(wall, 1),
        "calls": tokens["calls"],
        "input_tokens": tokens["input_tokens"],
        "output_tokens": tokens["output_tokens"],
        "cached_tokens": tokens["cached_tokens"],
        "output_tokens_per_s": round(tokens["output_tokens"] / wall, 1),
        "words": len(path.read_text().split()),
    }


def main() -> None:
    """Parse flags, run, print and save the result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seniority", default="E5")
    parser.add_argument("--duration", default="45")
    parser.add_argument("--max-revisions", type=int, default=0)
    args = parser.parse_args()
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "settings": vars(args),
        **run_once(args.seniority, args.duration, args.max_revisions),
    }
    out = ROOT / "benchmarks" / "results" / "local.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
