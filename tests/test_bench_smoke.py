"""The performance benchmark still runs (tiny settings). It reports numbers; nothing is timed here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Slow tier (pyproject markers): runs the benchmarks in quick mode.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_perf_benchmark_quick_run_writes_its_report(tmp_path):
    out = tmp_path / "perf.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_perf.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    for key in (
        "latency_efficiency_median",
        "speedup_fan_out",
        "vs_single_shot",
        "writer_prefix_share",
        "cached_tokens",
        "cpu_s_per_document",
        "generate_peak_mb",
        "help_s",
    ):
        assert key in report
    # archetype, plan, plan verifier, 12 writers, 12 verifiers, critique, 2 rewrites, 2 verifiers, critique
    assert report["tokens"]["calls"] == 33
    assert 0 < report["writer_prefix_share"] < 1


def test_revise_benchmark_quick_run_writes_its_report(tmp_path):
    out = tmp_path / "revise.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_revise.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    # one writer and one critic; a flagged rewrite adds one more of each
    assert report["revise_one_section"]["calls"] == 2
    assert report["revise_one_section_flagged_once"]["calls"] == 4
    assert report["full_generation"]["calls"] == 33
    assert 0 < report["revise_vs_full"]["input_tokens"] < 0.5
