"""Benchmark the embedded local model: the README's demo command and the plain no-flag command.

    .venv/bin/python benchmarks/bench_local.py [--repeats 3] [--only readme|no-flags]

Runs ``mlsd generate`` in a subprocess with no API key (so the embedded SmolLM2 is used), each
scenario ``--repeats`` times in a fresh MLSD_HOME, reads the saved document's front matter for
calls and tokens, and writes every run and the medians to ``benchmarks/results/local.json``.
A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "evals" / "datasets" / "examples" / "meta-news-feed.json"


# The README's main-job command, and what a user types next with no flags at all.
SCENARIOS = {
    "readme": ["--seniority", "E5", "--duration", "45"],
    "no-flags": [],
}


def run_once(flags: list[str]) -> dict:
    """Generate one document in a fresh MLSD_HOME and out-dir; return wall time and tokens."""
    work = Path(tempfile.mkdtemp(prefix="mlsd-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["MLSD_HOME"] = str(work / "home")
    cmd = [sys.executable, "-c", "from mlsd.cli import main; main()", "generate", str(EXAMPLE), *flags]
    cmd += ["--out-dir", str(work / "content")]
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


def summarise(runs: list[dict]) -> dict:
    """Medians (and the slowest wall time) of repeated runs."""
    keys = ("wall_s", "calls", "output_tokens", "output_tokens_per_s", "words")
    medians = {k: statistics.median(r[k] for r in runs) for k in keys}
    return {**medians, "max_wall_s": max(r["wall_s"] for r in runs)}


def main() -> None:
    """Parse flags, run each scenario, print and save the results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    scenarios = {args.only: SCENARIOS[args.only]} if args.only else SCENARIOS
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "repeats": args.repeats,
        "scenarios": {},
    }
    for name, flags in scenarios.items():
        runs = [run_once(flags) for _ in range(args.repeats)]
        result["scenarios"][name] = {
            "command": " ".join(["mlsd generate", str(EXAMPLE.relative_to(ROOT)), *flags]),
            "runs": runs,
            "median": summarise(runs),
        }
        print(json.dumps({name: result["scenarios"][name]["median"]}), flush=True)
    out = ROOT / "benchmarks" / "results" / "local.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
