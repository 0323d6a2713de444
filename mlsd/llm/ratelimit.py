"""One limiter shared by every LLM call of a batch: in-flight calls, requests and tokens per minute.

Each HTTP request to the model endpoint (the SDK's own retries included) first waits for a slot:
fewer than ``max_in_flight`` requests open, fewer than ``rpm`` started in the rolling window, and
room for its estimated tokens (tiktoken count of the prompt plus ``max_tokens``) under ``tpm``.
When the answer arrives the estimate is replaced by the tokens the server reported, and a 429
with ``Retry-After`` holds every new request back until that time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger("mlsd.ratelimit")

# Output tokens assumed for a request that sets no max_tokens.
DEFAULT_OUTPUT_ESTIMATE = 1024


@dataclass
class Ticket:
    """One admitted request: when it started and the tokens it counts for in the window."""

    started: float
    tokens: int
    waited: float = 0.0


@dataclass
class LimiterStats:
    """What the limiter did, for the progress display and the summary."""

    requests: int = 0
    waited_requests: int = 0
    waited_seconds: float = 0.0
    throttled: int = 0  # 429 answers seen


class RateLimiter:
    """Rolling-window limits on requests and tokens, plus a bound on requests in flight.

    ``clock`` and ``sleep`` are injectable so tests can run minutes of traffic in no time; the
    window is a parameter for the same reason (and for benchmarks that scale the minute down).
    ``guard`` (seconds) is added to the window to absorb the latency between us and the server.
    """

    def __init__(
        self,
        max_in_flight: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        window: float = 60.0,
        guard: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        for name, value in (("max_in_flight", max_in_flight), ("rpm", rpm), ("tpm", tpm)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")
        self.max_in_flight, self.rpm, self.tpm = max_in_flight, rpm, tpm
        # A request leaves our window ``guard`` seconds late: what we send at once may reach the
        # server spread over connection set-up and latency, and its window is the one that counts.
        self.window = window + guard
        self.clock, self.sleep = clock, sleep
        self.stats = LimiterStats()
        self.in_flight = 0
        self.waiting = 0
        self._window: deque[Ticket] = deque()
        self._resume_at = 0.0
        self._turn = asyncio.Lock()  # first come, first served: a big request is not starved
        self._changed = asyncio.Event()

    def _expire(self, now: float) -> None:
        # Same arithmetic as the delays below, so a delay of 0 always means the entry has left.
        while self._window and self._window[0].started + self.window <= now:
            self._window.popleft()

    def _delay(self, now: float, tokens: int) -> float:
        """Seconds until a request of ``tokens`` may start (0 = now); in-flight is checked apart."""
        self._expire(now)
        delay = max(0.0, self._resume_at - now)
        entries = self._window
        if self.rpm is not None and len(entries) >= self.rpm:
            # The oldest entries must leave the window until one more request fits.
            delay = max(delay, entries[len(entries) - self.rpm].started + self.window - now)
        if self.tpm is not None and entries:
            used = sum(t.tokens for t in entries)
            # A request larger than the whole budget goes alone, once the window is empty.
            need = min(tokens, self.tpm)
            freed = 0
            for entry in entries:
                if used - freed + need <= self.tpm:
                    break
                freed += entry.tokens
                delay = max(delay, entry.started + self.window - now)
        return delay

    async def acquire(self, tokens: int) -> Ticket:
        """Wait until a request estimated at ``tokens`` may start; the caller must ``settle`` it."""
        start = self.clock()
        self.waiting += 1
        try:
            async with self._turn:
                held = False
                while True:
                    now = self.clock()
                    delay = self._delay(now, tokens)
                    full = self.max_in_flight is not None and self.in_flight >= self.max_in_flight
                    if delay <= 0 and not full:
                        break
                    held = True
                    self._changed.clear()
                    await self._wait(None if full and delay <= 0 else delay)
                ticket = Ticket(
                    started=now, tokens=tokens, waited=now - start if held or now - start > 0.001 else 0.0
                )
                self._window.append(ticket)
                self.in_flight += 1
        finally:
            self.waiting -= 1
        self.stats.requests += 1
        if ticket.waited > 0:
            self.stats.waited_requests += 1
            self.stats.waited_seconds += ticket.waited
            log.info("rate limit: waited %.2fs before a request of ~%d tokens", ticket.waited, tokens)
        return ticket

    async def _wait(self, delay: float | None) -> None:
        """Sleep ``delay`` (forever if None) or until a request settles, whichever comes first."""
        changed = asyncio.ensure_future(self._changed.wait())
        timer = asyncio.ensure_future(self.sleep(delay)) if delay is not None else None
        try:
            await asyncio.wait([f for f in (changed, timer) if f], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (changed, timer):
                if future is not None and not future.done():
                    future.cancel()

    def settle(self, ticket: Ticket, tokens: int | None) -> None:
        """The request ended: count the reported tokens instead of the estimate (None keeps it)."""
        if tokens is not None:
            ticket.tokens = tokens
        self.in_flight -= 1
        self._changed.set()

    def hold_off(self, seconds: float) -> None:
        """Honour a server's Retry-After: no request starts before ``seconds`` from now."""
        self.stats.throttled += 1
        if seconds > 0:
            self._resume_at = max(self._resume_at, self.clock() + seconds)
            log.info("rate limit: server asked to retry after %.2fs; holding every new request", seconds)


def estimate_tokens(body: bytes | None) -> int:
    """Tokens a chat-completions request may use: its prompt (tiktoken) plus its max_tokens."""
    from mlsd.llm.tokens import count_tokens

    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return DEFAULT_OUTPUT_ESTIMATE
    if not isinstance(payload, dict):
        return DEFAULT_OUTPUT_ESTIMATE
    text = []
    for message in payload.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        text.append(str(content or ""))
    if payload.get("response_format"):
        text.append(json.dumps(payload["response_format"]))
    output = payload.get("max_completion_tokens") or payload.get("max_tokens") or DEFAULT_OUTPUT_ESTIMATE
    # A few tokens of chat framing per message.
    return count_tokens("\n".join(text)) + 4 * len(text) + int(output)


def reported_tokens(payload: object) -> int | None:
    """Prompt plus completion tokens from an OpenAI-style answer, or None if it has no usage."""
    usage = payload.get("usage") if isinstance(payload, dict) else None
    if not isinstance(usage, dict):
        return None
    try:
        return int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
    except (TypeError, ValueError):
        return None


def retry_after_seconds(headers) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (numeric forms), as the OpenAI SDK reads them."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            continue
    return None


def limited_http_client(limiter: RateLimiter, **kwargs):
    """The SDK's default async HTTP client, with every request passing through ``limiter``.

    Limiting at ``send`` sees each HTTP attempt, including the SDK's retries, and honours the
    environment's proxy settings exactly as the default client does.
    """
    import openai

    class LimitedAsyncClient(openai.DefaultAsyncHttpxClient):
        async def send(self, request, **send_kwargs):
            try:
                body = request.content
            except Exception:  # a streamed body that was not read: estimate from max_tokens alone
                body = None
            ticket = await limiter.acquire(estimate_tokens(body))
            tokens: int | None = None
            try:
                response = await super().send(request, **send_kwargs)
                if response.status_code == 429 or response.status_code >= 500:
                    tokens = 0  # a refused request uses no budget
                    if response.status_code == 429:
                        limiter.hold_off(retry_after_seconds(response.headers) or 0.0)
                elif not send_kwargs.get("stream"):
                    try:
                        tokens = reported_tokens(response.json())
                    except ValueError:
                        tokens = None
                return response
            finally:
                limiter.settle(ticket, tokens)

    return LimitedAsyncClient(**kwargs)
