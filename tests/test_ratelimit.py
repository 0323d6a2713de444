"""The shared limiter: rolling-minute requests and tokens, in-flight bound, Retry-After."""

import asyncio
import heapq
import itertools
import random
import time

import pytest
from helpers.stub_server import StubReply

from mlsd.llm.models import ModelConfig, OpenAIChatFactory
from mlsd.llm.ratelimit import RateLimiter, estimate_tokens, reported_tokens, retry_after_seconds


class VirtualClock:
    """Simulated time: sleepers wake in deadline order once every task is blocked."""

    def __init__(self):
        self.now = 0.0
        self._sleepers: list = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def run(self, *coros):
        """Run coroutines to completion, advancing time only when all of them wait."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(50):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].cancelled():
                heapq.heappop(self._sleepers)
            if self._sleepers:
                when, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                future.set_result(None)
        return [t.result() for t in tasks]


def rolling_max(events, window):
    """Largest count and token sum over any window ending at an event: events are (time, tokens)."""
    worst_n = worst_tokens = 0
    for t, _ in events:
        inside = [tok for s, tok in events if s <= t < s + window]
        worst_n, worst_tokens = max(worst_n, len(inside)), max(worst_tokens, sum(inside))
    return worst_n, worst_tokens


def simulate(limiter, clock, calls, seed=7):
    """Calls of random size and duration; returns the admitted (time, actual tokens) events."""
    rng = random.Random(seed)
    events = []
    in_flight = {"now": 0, "max": 0}

    async def call():
        estimate = rng.randint(500, 4000)
        actual = int(estimate * rng.uniform(0.4, 1.0))
        await clock.sleep(rng.uniform(0, 30))
        ticket = await limiter.acquire(estimate)
        events.append((clock(), actual))
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        await clock.sleep(rng.uniform(1, 20))
        in_flight["now"] -= 1
        limiter.settle(ticket, actual)

    asyncio.run(clock.run(*(call() for _ in range(calls))))
    return events, in_flight["max"]


def test_requests_and_tokens_per_rolling_minute_hold_over_simulated_minutes():
    clock = VirtualClock()
    limiter = RateLimiter(max_in_flight=8, rpm=30, tpm=40_000, guard=0, clock=clock, sleep=clock.sleep)
    events, max_in_flight = simulate(limiter, clock, calls=300)
    assert len(events) == 300
    worst_n, worst_tokens = rolling_max(events, 60.0)
    assert worst_n <= 30
    assert worst_tokens <= 40_000
    assert max_in_flight <= 8
    assert clock.now > 5 * 60  # the limits really made the calls wait
    assert limiter.stats.waited_requests > 0 and limiter.stats.waited_seconds > 0


def test_token_limit_is_well_used_once_estimates_are_corrected():
    clock = VirtualClock()
    limiter = RateLimiter(tpm=50_000, guard=0, clock=clock, sleep=clock.sleep)
    events, _ = simulate(limiter, clock, calls=400, seed=3)
    minutes = (events[-1][0] - events[0][0]) / 60
    achieved = sum(tok for _, tok in events) / max(minutes, 1)
    assert achieved >= 0.8 * 50_000  # corrections free the over-estimate for later calls


def test_request_larger_than_the_token_budget_goes_alone():
    clock = VirtualClock()
    limiter = RateLimiter(tpm=1_000, guard=0, clock=clock, sleep=clock.sleep)

    async def both():
        first = await limiter.acquire(600)
        limiter.settle(first, 600)
        big = await limiter.acquire(5_000)  # waits for the window to empty, then runs
        started = clock()
        limiter.settle(big, 5_000)
        return started

    (started,) = asyncio.run(clock.run(both()))
    assert started == pytest.approx(60.0)


def test_retry_after_holds_every_new_request():
    clock = VirtualClock()
    limiter = RateLimiter(rpm=1_000, guard=0, clock=clock, sleep=clock.sleep)

    async def go():
        first = await limiter.acquire(10)
        limiter.hold_off(7.5)
        limiter.settle(first, 0)
        second = await limiter.acquire(10)
        limiter.settle(second, 10)
        return second.started, second.waited

    ((started, waited),) = asyncio.run(clock.run(go()))
    assert started == pytest.approx(7.5) and waited == pytest.approx(7.5)
    assert limiter.stats.throttled == 1


def test_settle_wakes_a_waiter_before_its_window_expires():
    clock = VirtualClock()
    limiter = RateLimiter(tpm=1_000, guard=0, clock=clock, sleep=clock.sleep)
    order = []

    async def big():
        ticket = await limiter.acquire(900)  # estimate
        await clock.sleep(2)
        limiter.settle(ticket, 100)  # reported usage frees 800 tokens
        order.append(("settled", clock()))

    async def small():
        await clock.sleep(1)
        ticket = await limiter.acquire(800)
        order.append(("second", clock()))
        limiter.settle(ticket, 800)

    asyncio.run(clock.run(big(), small()))
    assert order == [("settled", 2.0), ("second", 2.0)]


def test_estimate_and_usage_helpers():
    body = b'{"messages": [{"role": "user", "content": "hello world"}], "max_tokens": 100}'
    assert 100 < estimate_tokens(body) < 120
    assert reported_tokens({"usage": {"prompt_tokens": 10, "completion_tokens": 5}}) == 15
    assert reported_tokens({}) is None
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({}) is None


def test_real_client_through_the_stub_keeps_a_short_window(stub):
    """A real run with the window scaled to one second: ChatOpenAI → limiter → loopback stub."""
    seen = {"n": 0}

    def responder(request):
        seen["n"] += 1
        if seen["n"] == 3:
            return StubReply(status=429, headers={"retry-after-ms": "400"})
        return StubReply(content="ok", delay=0.05, prompt_tokens=50, completion_tokens=10)

    server = stub(responder)
    limiter = RateLimiter(max_in_flight=3, rpm=4, window=1.0, guard=0.1)
    config = ModelConfig(model="stub-model", base_url=server.base_url, api_key="k", timeout=10)

    async def main():
        factory = OpenAIChatFactory(config, limiter=limiter)
        try:
            model = factory.chat("writer", 20)
            await asyncio.gather(*(model.ainvoke(f"call {i}") for i in range(10)))
        finally:
            await factory.aclose()

    began = time.monotonic()
    asyncio.run(main())
    assert len(server.requests) == 11  # ten calls and one retry after the 429
    arrivals = [(r.started, 1) for r in server.requests]
    worst_n, _ = rolling_max(arrivals, 1.0)
    assert worst_n <= 4 + 1  # rpm, plus at most one request
    assert server.max_in_flight <= 3
    throttled_at = server.requests[2].finished
    after = [r.started for r in server.requests[3:]]
    assert all(t >= throttled_at + 0.35 for t in after)  # everyone held back by Retry-After
    assert limiter.stats.throttled == 1 and limiter.stats.requests == 11
    assert time.monotonic() - began >= 2.0  # 11 requests at 4 per second
