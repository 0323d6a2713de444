"""Batch throughput under a TPM limit, and memory over many documents (a benchmark, not a test).

A simulated provider runs in its own process (the second core): it answers like the tests' stub,
sleeps like a generating model (fixed latency plus time per output token) and enforces a token
limit per rolling window with 429 + ``retry-after-ms``, as OpenAI does per minute. The window is
scaled down (default 6 s stands for a minute) so 200 documents fit in a few minutes; the limiter
is given the same window. Reports achieved tokens per window as a fraction of the limit, failed
documents, and the process's RSS sampled every 20 documents.

    .venv/bin/python benchmarks/bench_batch.py            # 200 documents, about 2-3 minutes
    .venv/bin/python benchmarks/bench_batch.py --docs 40  # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

FILLER = " ".join(["The ranker scores 1,500 candidates within the 80 ms budget at ≈230k QPS."] * 25)


def serve(conn, window: float, limit: int, ms_per_token: float) -> None:
    """The simulated provider: runs until told to stop, then sends its request log back."""
    from helpers.scripted import plan_json, section_body
    from helpers.stub_agents import agents, brief_number
    from helpers.stub_server import StubReply, StubServer, content_text

    from mlsd.llm.tokens import count_tokens

    inner = agents(writer=lambda n: section_body(n) + "\n\n" + FILLER).on_schema(
        "LevelPlan", default=lambda _r: {"sections": plan_json()["sections"]}
    )
    lock = threading.Lock()
    accepted: deque = deque()  # (arrival, tokens) inside the window
    log: list = []

    def responder(request):
        prompt = count_tokens("".join(content_text(m.get("content")) for m in request.messages))
        reply = inner(request)
        if isinstance(reply, str):
            reply = StubReply(content=reply)
        output = count_tokens(reply.content)
        tokens = prompt + output
        now = time.monotonic()
        with lock:
            while accepted and accepted[0][0] + window <= now:
                accepted.popleft()
            used = sum(t for _, t in accepted)
            if used + tokens > limit and accepted:
                freed, wait = 0, window
                for at, t in accepted:
                    freed += t
                    if used - freed + tokens <= limit:
                        wait = at + window - now
                        break
                log.append((now, 0, 429))
                return StubReply(status=429, headers={"retry-after-ms": str(int(wait * 1000) + 1)})
            accepted.append((now, tokens))
            log.append((now, tokens, 200))
        brief_number  # noqa: B018 - imported so writer routing is the tests' own
        reply.delay = 0.2 + output * ms_per_token / 1000
        reply.prompt_tokens, reply.completion_tokens = prompt, output
        return reply

    server = StubServer(responder)
    server.start()
    conn.send(server.base_url)
    conn.recv()  # stop
    server.stop()
    conn.send(log)


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def jobs_for(count: int, out_dir: Path):
    """The first ``count`` documents of 20 records × 4 levels × 3 lengths."""
    from mlsd.commands.batch_input import params_grid, read_records
    from mlsd.runs.batch import plan_jobs

    records, _ = read_records(ROOT / "tests" / "fixtures" / "bench_topics.jsonl")
    grid = params_grid("E5,E6,E7,E8", "45,60,90", None)
    jobs, _ = plan_jobs(records, grid, out_dir)
    return jobs[:count]


class Sampler:
    """A batch listener that samples RSS every 20 finished documents."""

    def __init__(self):
        self.done = 0
        self.samples: list[tuple[int, float]] = [(0, rss_mb())]

    def started(self, job, run_id, resumed):
        """Nothing to sample at a start."""

    def progressed(self, job, node, update):
        """Nothing to sample per node."""

    def finished(self, result):
        """Sample RSS every 20 documents."""
        self.done += 1
        if self.done % 20 == 0:
            self.samples.append((self.done, rss_mb()))


async def run(args, base_url: str, work: Path):
    """The batch, in process, against the simulated provider."""
    from mlsd.llm.models import ModelConfig, OpenAIChatFactory
    from mlsd.llm.ratelimit import RateLimiter
    from mlsd.runs.batch import BatchSettings, run_batch

    limiter = RateLimiter(max_in_flight=args.max_in_flight, tpm=args.tpm, window=args.window, guard=0.05)
    config = ModelConfig(model="gpt-4.1-mini", base_url=base_url, api_key="bench", timeout=60, max_retries=8)
    settings = BatchSettings(
        out_dir=work / "content",
        home=work / "home",
        concurrency=args.concurrency,
        max_revisions=0,
        checker=None if args.checks else (lambda *a, **k: []),
    )
    sampler = Sampler()
    jobs = jobs_for(args.docs, settings.out_dir)
    report = await run_batch(jobs, lambda: OpenAIChatFactory(config, limiter=limiter), settings, sampler)
    return report, limiter, sampler


def main() -> None:
    """Run the benchmark and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--window", type=float, default=6.0, help="seconds standing for one minute")
    parser.add_argument(
        "--tpm", type=int, default=500_000, help="tokens per window, enforced by the provider"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--ms-per-token", type=float, default=2.0)
    parser.add_argument("--checks", action="store_true", help="run the deterministic rubric checks too")
    args = parser.parse_args()

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    provider = ctx.Process(target=serve, args=(child, args.window, args.tpm, args.ms_per_token), daemon=True)
    provider.start()
    base_url = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.monotonic()
        report, limiter, sampler = asyncio.run(run(args, base_url, Path(tmp)))
        wall = time.monotonic() - began
    parent.send("stop")
    log = parent.recv()
    provider.join(10)

    ok = [(t, tok) for t, tok, status in log if status == 200]
    span = max(t for t, _ in ok) - min(t for t, _ in ok)
    windows = max(span / args.window, 1.0)
    accepted = sum(tok for _, tok in ok)
    # The last window is only partly used (the batch ends), so also report the steady part:
    # everything before the final window, over the windows it spans.
    end = max(t for t, _ in ok) - args.window
    steady = sum(tok for t, tok in ok if t <= end)
    steady_windows = max((end - min(t for t, _ in ok)) / args.window, 1.0)
    results = {
        "docs": len(report.results),
        "saved": sum(r.status == "saved" for r in report.results),
        "failed": len(report.failed),
        "wall_s": round(wall, 1),
        "window_s": args.window,
        "tpm_limit": args.tpm,
        "tokens_accepted": accepted,
        "achieved_fraction": round(accepted / windows / args.tpm, 3),
        "steady_fraction": round(steady / steady_windows / args.tpm, 3),
        "requests": len(log),
        "provider_429": sum(1 for *_, s in log if s == 429),
        "limiter_waits": limiter.stats.waited_requests,
        "plans_reused": sum(1 for r in report.results if r.plan_reused_from),
        "rss_mb_every_20_docs": [(n, round(mb, 1)) for n, mb in sampler.samples],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
