"""Performance of one document against a simulated provider (a measurement, not a test).

    .venv/bin/python benchmarks/bench_perf.py            # full run, a few minutes
    .venv/bin/python benchmarks/bench_perf.py --quick    # smoke run (CI), seconds

Reports latency efficiency (wall / critical path), parallel speed-up (writer concurrency 1 vs
unbounded), the single-shot baseline ratios, token efficiency (input per output token, cacheable
writer prefix share, cached tokens) and framework overhead (CPU per document on an instant model,
peak memory of ``mlsd generate``, ``mlsd --help`` wall time). Writes benchmarks/results/perf.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from helpers.scripted import critic_json  # noqa: E402
from helpers.stub_agents import agents  # noqa: E402
from helpers.stub_server import StubServer, content_text  # noqa: E402
from sim_provider import SimulatedProvider, Timing  # noqa: E402

from mlsd.agents.budgets import section_budgets  # noqa: E402
from mlsd.llm.models import ModelConfig, OpenAIChatFactory  # noqa: E402
from mlsd.llm.pricing import cost_usd  # noqa: E402
from mlsd.records import Params, load_record  # noqa: E402
from mlsd.runs.runner import RunRequest, run_document  # noqa: E402

EXAMPLE = ROOT / "evals" / "datasets" / "examples" / "meta-news-feed.json"
WORDS = {n: b.words for n, b in section_budgets(60, "E7").items()}


def section_text(number: int, round_: int = 0) -> str:
    """A body of the section's budgeted length, with numbers like a real one."""
    words = WORDS[number]
    sentence = f"Section {number} round {round_}: 2B DAU drive ≈230k QPS under a 300 ms p99 budget. "
    return (sentence * (words // 14 + 1)).strip()


# A verifier answer of realistic length: one finding with its quote, problem and correction.
FINDING = {
    "quote": "2B DAU drive ≈230k QPS under a 300 ms p99 budget.",
    "problem": "2B DAU × 10 requests/day ÷ 86,400 s is ≈ 231k QPS on average; the peak is 3× that, "
    "so the budget must be sized for ≈ 700k QPS, not the average.",
    "correction": "2B DAU × 10 requests/day ÷ 86,400 s ≈ 230k QPS on average and ≈ 700k QPS at a 3× peak, "
    "all under a 300 ms p99 budget.",
    "kind": "arithmetic",
}


def responder(revise: dict[int, list[str]]):
    """Planner, writers of budget length, a critic revising some sections once.

    The verifiers find one error in those same sections, so both graphs rewrite the same ones.
    """

    def verifier(request) -> dict:
        text = "".join(content_text(m.get("content")) for m in request.messages)
        number = int(re.search(r'<section number="(\d+)"', text).group(1))
        return {"findings": [FINDING] if number in revise else []}

    return agents(critic_replies=[critic_json(revise)], writer=lambda n: section_text(n), verifier=verifier)


PARALLEL = (None, "Verification")  # writers and section verifiers run as fan-outs


def critical_path(durations: list[dict]) -> float:
    """Sequential calls + the slowest call of each fan-out (writers, verifiers), simulated."""
    total, stage, kind = 0.0, [], object()
    for d in sorted(durations, key=lambda d: d["start"]):
        if d["schema"] in PARALLEL:
            if d["schema"] != kind:
                total, stage, kind = total + max(stage, default=0.0), [], d["schema"]
            stage.append(d["seconds"])
            continue
        total += max(stage, default=0.0) + d["seconds"]
        stage, kind = [], object()
    return total + max(stage, default=0.0)


def one_document(timing: Timing, concurrency: int | None, revise: dict, verify: bool = True) -> dict:
    """Generate one document through the real client and graph; return wall time and usage."""
    record, _ = load_record(str(EXAMPLE))
    sim = SimulatedProvider(responder(revise), timing)
    work = Path(tempfile.mkdtemp(prefix="mlsd-perf-"))
    with StubServer(sim) as server:
        config = ModelConfig(model="gpt-4.1-mini", base_url=server.base_url, api_key="bench", max_retries=0)
        req = RunRequest(
            record=record,
            params=Params(),
            out_dir=work / "content",
            home=work / "home",
            max_revisions=1,
            writer_concurrency=concurrency,
            checker=lambda *a, **k: [],
            verify=verify,
        )
        started = time.perf_counter()
        outcome = asyncio.run(run_document(req, OpenAIChatFactory(config)))
        wall = time.perf_counter() - started
        requests = list(server.requests)
    writers = [r for r in requests if r.schema_name is None]
    first_round = writers[:12]
    usage = outcome.state["usage"]
    prefix_chars = len(json.dumps(first_round[0].messages[:-1]))
    writer_in = [u["input_tokens"] for u in usage if u["node"] == "write_section"]
    prompt_share = prefix_chars / statistics.mean(len(json.dumps(r.messages)) for r in writers)
    return {
        "wall_s": wall,
        "critical_path_s": critical_path(sim.durations),
        "fan_out_s": max(r.finished for r in first_round) - min(r.started for r in first_round),
        "input_tokens": sum(u["input_tokens"] for u in usage),
        "output_tokens": sum(u["output_tokens"] for u in usage),
        "cached_tokens": sum(u["cached_tokens"] for u in usage),
        "writer_input_tokens": sum(writer_in),
        "writer_prefix_share": prompt_share,
        "calls": len(usage),
    }


def single_shot(timing: Timing, output_tokens: int) -> dict:
    """The baseline: the seed's prompt in one call, answering with the same total output tokens."""
    from mlsd.agents.single_shot import single_shot_messages
    from mlsd.llm.tokens import encoding

    text = " ".join(section_text(n) for n in range(1, 13))
    ids = encoding().encode(text, disallowed_special=())
    while len(ids) < output_tokens:  # a single-shot answer as long as the multi-agent output
        ids = ids + ids
    text = encoding().decode(ids[:output_tokens])
    sim = SimulatedProvider(lambda _r: text, timing)
    record, _ = load_record(str(EXAMPLE))
    with StubServer(sim) as server:
        factory = OpenAIChatFactory(ModelConfig(model="gpt-4.1-mini", base_url=server.base_url, api_key="b"))

        async def call():
            try:
                return await factory.chat("writer").ainvoke(single_shot_messages(record, Params()))
            finally:
                await factory.aclose()

        started = time.perf_counter()
        message = asyncio.run(call())
        wall = time.perf_counter() - started
    usage = message.usage_metadata
    return {"wall_s": wall, "input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"]}


def _serve_instantly(conn, stop) -> None:
    with StubServer(responder({})) as server:
        conn.send(server.base_url)
        stop.wait()


def cpu_per_document(runs: int) -> float:
    """Median CPU seconds of this process for one document, the instant stub in another process."""
    import multiprocessing

    record, _ = load_record(str(EXAMPLE))
    parent, child = multiprocessing.Pipe()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve_instantly, args=(child, stop), daemon=True)
    server.start()
    base_url = parent.recv()
    samples = []
    try:
        for _ in range(runs + 1):
            work = Path(tempfile.mkdtemp(prefix="mlsd-cpu-"))
            config = ModelConfig(model="gpt-4.1-mini", base_url=base_url, api_key="bench", max_retries=0)
            req = RunRequest(
                record=record, params=Params(), out_dir=work / "c", home=work / "h", max_revisions=0
            )
            started = time.process_time()
            asyncio.run(run_document(req, OpenAIChatFactory(config)))
            samples.append(time.process_time() - started)
    finally:
        stop.set()
        server.join(10)
    return statistics.median(samples[1:])  # the first run pays one-time imports and caches


def generate_peak_mb(timing: Timing) -> float:
    """Peak RSS of a real ``mlsd generate`` process against the simulated provider."""
    with StubServer(SimulatedProvider(responder({}), timing)) as server:
        work = Path(tempfile.mkdtemp(prefix="mlsd-mem-"))
        env = os.environ | {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "b", "MLSD_HOME": str(work)}
        cmd = [
            sys.executable,
            "-c",
            "from mlsd.cli import main; main()",
            "generate",
            str(EXAMPLE),
            "--out-dir",
            str(work / "c"),
            "--max-revisions",
            "0",
        ]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def help_seconds(runs: int) -> float:
    """Median wall time of ``mlsd --help``."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from mlsd.cli import main; main()", "--help"],
            check=True,
            capture_output=True,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    """Run every measurement, print and save the results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny settings for a CI smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "perf.json")
    args = parser.parse_args()
    timing = Timing(ttft_s=0.02, output_token_s=0.0002) if args.quick else Timing()
    repeats = 1 if args.quick else args.repeats
    revise = {4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]}
    parallel = [one_document(timing, None, revise) for _ in range(repeats)]
    serial = one_document(timing, 1, revise)
    mid = sorted(parallel, key=lambda r: r["wall_s"])[len(parallel) // 2]
    unverified = sorted(
        (one_document(timing, None, revise, verify=False) for _ in range(repeats)), key=lambda r: r["wall_s"]
    )[repeats // 2]
    baseline = single_shot(timing, mid["output_tokens"])
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "timing": vars(timing),
        "latency_efficiency": [round(r["wall_s"] / r["critical_path_s"], 3) for r in parallel],
        "latency_efficiency_median": round(
            statistics.median(r["wall_s"] / r["critical_path_s"] for r in parallel), 3
        ),
        "wall_s_median": round(mid["wall_s"], 2),
        "critical_path_s": round(mid["critical_path_s"], 2),
        "speedup_document": round(serial["wall_s"] / mid["wall_s"], 2),
        "speedup_fan_out": round(serial["fan_out_s"] / mid["fan_out_s"], 2),
        "single_shot": {k: round(v, 2) for k, v in baseline.items()},
        "vs_single_shot": {
            "wall_ratio": round(baseline["wall_s"] / mid["wall_s"], 2),
            "input_tokens_ratio": round(mid["input_tokens"] / baseline["input_tokens"], 2),
            "output_tokens_ratio": round(mid["output_tokens"] / baseline["output_tokens"], 2),
            "cost_ratio_gpt_4_1_mini": round(
                cost_usd("gpt-4.1-mini", mid["input_tokens"], mid["output_tokens"], mid["cached_tokens"])
                / cost_usd("gpt-4.1-mini", baseline["input_tokens"], baseline["output_tokens"]),
                2,
            ),
        },
        # The plan check and the per-section verifiers against the same graph without them.
        "verification": {
            "wall_ratio": round(mid["wall_s"] / unverified["wall_s"], 2),
            "input_tokens_ratio": round(mid["input_tokens"] / unverified["input_tokens"], 2),
            "output_tokens_ratio": round(mid["output_tokens"] / unverified["output_tokens"], 2),
            "calls": [unverified["calls"], mid["calls"]],
        },
        "input_per_output_token": round(mid["input_tokens"] / mid["output_tokens"], 2),
        "writer_prefix_share": round(mid["writer_prefix_share"], 3),
        "cached_tokens": mid["cached_tokens"],
        "tokens": {k: mid[k] for k in ("input_tokens", "output_tokens", "writer_input_tokens", "calls")},
        "cpu_s_per_document": round(cpu_per_document(2 if args.quick else 5), 3),
        "generate_peak_mb": round(generate_peak_mb(timing), 1),
        "help_s": round(help_seconds(2 if args.quick else 5), 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
