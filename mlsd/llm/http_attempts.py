"""Count the HTTP requests behind one LLM call, so the SDK's hidden retries can be recorded.

The OpenAI SDK retries inside one ``create`` call, out of sight of LangChain callbacks. The run
recorder starts a counter in the call's context when the call starts (its handler runs inline, in
the caller's task); this httpx hook, installed on the factory's client, counts each request sent
while that counter is current.
"""

from __future__ import annotations

from contextvars import ContextVar

_ATTEMPTS: ContextVar[list[int] | None] = ContextVar("mlsd_http_attempts", default=None)


def start_counting() -> list[int]:
    """A fresh counter for the LLM call starting in the current context."""
    counter = [0]
    _ATTEMPTS.set(counter)
    return counter


async def count_request(_request) -> None:
    """Request hook for httpx: one more HTTP attempt for the current LLM call."""
    counter = _ATTEMPTS.get()
    if counter is not None:
        counter[0] += 1
