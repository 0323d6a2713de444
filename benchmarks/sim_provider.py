"""A simulated OpenAI-compatible provider for benchmarks, on top of the tests' loopback stub.

Each answer is delayed like a real provider: time to first token grows with the uncached prompt,
then a fixed time per output token. Usage is counted with tiktoken, and prompt caching follows
OpenAI's rule: a prefix of at least 1,024 tokens, reused in 128-token steps, counts as cached once
an earlier request has finished processing it.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.stub_server import StubReply, StubRequest, content_text  # noqa: E402

from mlsd.llm.tokens import encoding  # noqa: E402

CACHE_MIN, CACHE_STEP = 1024, 128


@dataclass
class Timing:
    """Simulated provider speed."""

    ttft_s: float = 0.25  # fixed part of time to first token
    prompt_token_s: float = 0.00002  # per uncached prompt token
    output_token_s: float = 0.004  # per output token (250 tok/s)


@dataclass
class SimulatedProvider:
    """Wraps a responder: computes usage and cached tokens, and sleeps like a provider."""

    inner: object
    timing: Timing = field(default_factory=Timing)
    _cache: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    durations: list[dict] = field(default_factory=list)

    def _prompt_tokens(self, request: StubRequest) -> list[int]:
        text = "".join(f"<|{m.get('role')}|>{content_text(m.get('content'))}" for m in request.messages)
        return encoding().encode(text, disallowed_special=())

    def _cached(self, tokens: list[int], now: float) -> int:
        best = 0
        with self._lock:
            for k in range(CACHE_MIN, len(tokens) + 1, CACHE_STEP):
                ready = self._cache.get(self._key(tokens[:k]))
                if ready is None or ready > now:
                    break
                best = k
        return best

    def _remember(self, tokens: list[int], ready_at: float) -> None:
        with self._lock:
            for k in range(CACHE_MIN, len(tokens) + 1, CACHE_STEP):
                self._cache.setdefault(self._key(tokens[:k]), ready_at)

    @staticmethod
    def _key(tokens: list[int]) -> str:
        return hashlib.sha1(str(tokens).encode()).hexdigest()

    def __call__(self, request: StubRequest) -> StubReply:
        """Answer through the inner responder, with provider-like usage and delay."""
        reply = self.inner(request)
        if isinstance(reply, str):
            reply = StubReply(content=reply)
        now = time.monotonic()
        prompt = self._prompt_tokens(request)
        cached = self._cached(prompt, now)
        output = len(encoding().encode(reply.content, disallowed_special=()))
        t = self.timing
        ttft = t.ttft_s + (len(prompt) - cached) * t.prompt_token_s
        self._remember(prompt, now + ttft)
        delay = ttft + output * t.output_token_s
        with self._lock:
            self.durations.append({"schema": request.schema_name, "seconds": delay, "start": now})
        reply.delay = delay
        reply.prompt_tokens, reply.completion_tokens, reply.cached_tokens = len(prompt), output, cached
        return reply
