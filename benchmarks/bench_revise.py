"""What `mlsd revise` of one section costs against generating the whole document again.

    .venv/bin/python benchmarks/bench_revise.py            # writes benchmarks/results/revise.json
    .venv/bin/python benchmarks/bench_revise.py --quick    # smoke run (CI), seconds

Against the simulated provider (sim_provider.py: TTFT, output speed and prompt caching like a real
one) and the real client, graph and run store: one full document (E7, 60 min, verification on, the
critic sending §4 and §9 back once, as in bench_perf.py), then `revise` of §4 of that document with a
note, once with a critic that passes the rewrite and once with a critic that flags it one more time.
Deterministic checks are off in both, so the critic's scripted verdicts alone decide the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_perf import EXAMPLE, responder  # noqa: E402
from helpers.stub_server import StubServer  # noqa: E402
from sim_provider import SimulatedProvider, Timing  # noqa: E402

from mlsd.graph.usage import totals  # noqa: E402
from mlsd.llm.models import ModelConfig, OpenAIChatFactory  # noqa: E402
from mlsd.llm.pricing import usage_cost  # noqa: E402
from mlsd.records import Params, load_record  # noqa: E402
from mlsd.runs.revise import ReviseRequest, revise_document  # noqa: E402
from mlsd.runs.runner import RunRequest, run_document  # noqa: E402

MODEL = "gpt-4.1-mini"
NOTE = "Write the multi-task loss as a formula, with the weight of each head and how it was chosen."


def _factory(server: StubServer) -> OpenAIChatFactory:
    return OpenAIChatFactory(
        ModelConfig(model=MODEL, base_url=server.base_url, api_key="bench", max_retries=0)
    )


def _figures(usage: list[dict], wall: float) -> dict:
    return {**totals(usage), "cost_usd": usage_cost(usage), "wall_s": round(wall, 2)}


def generate(timing: Timing, work: Path) -> tuple[Path, dict]:
    """One full document, as `mlsd generate` makes it."""
    record, _ = load_record(str(EXAMPLE))
    revise = {4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]}
    with StubServer(SimulatedProvider(responder(revise), timing)) as server:
        req = RunRequest(
            record=record,
            params=Params(),
            out_dir=work / "content",
            home=work / "home",
            max_revisions=1,
            checker=lambda *a, **k: [],
        )
        started = time.perf_counter()
        outcome = asyncio.run(run_document(req, _factory(server)))
        wall = time.perf_counter() - started
    return Path(outcome.output_path), _figures(outcome.state["usage"], wall)


def revise(timing: Timing, work: Path, path: Path, flag_once: bool) -> dict:
    """`mlsd revise DOC --section 4 --note …` with the default --max-revisions 1."""
    inner = responder({4: ["Give each head's weight as a number."]} if flag_once else {})
    with StubServer(SimulatedProvider(inner, timing)) as server:
        req = ReviseRequest(
            path=path, sections=[4], note=NOTE, home=work / "home", checker=lambda *a, **k: []
        )
        started = time.perf_counter()
        outcome = asyncio.run(revise_document(req, _factory(server)))
        wall = time.perf_counter() - started
    return _figures(outcome.usage, wall)


def _ratio(part: dict, whole: dict, key: str) -> float | None:
    if part[key] is None or not whole[key]:
        return None
    return round(part[key] / whole[key], 3)


def main() -> None:
    """Generate once, revise one section twice (critic passes / flags once), print and save."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny delays for a CI smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "revise.json")
    args = parser.parse_args()
    timing = Timing(ttft_s=0.02, output_token_s=0.0002) if args.quick else Timing()
    work = Path(tempfile.mkdtemp(prefix="mlsd-revise-"))
    path, full = generate(timing, work)
    passed = revise(timing, work, path, flag_once=False)
    flagged = revise(timing, work, path, flag_once=True)
    keys = ("calls", "input_tokens", "output_tokens", "cost_usd", "wall_s")
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "timing": vars(timing),
        "model_prices": MODEL,
        "full_generation": full,
        "revise_one_section": passed,
        "revise_one_section_flagged_once": flagged,
        "revise_vs_full": {k: _ratio(passed, full, k) for k in keys},
        "revise_flagged_once_vs_full": {k: _ratio(flagged, full, k) for k in keys},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
