"""Fault injection for the loopback stub: wrap a responder and break chosen requests on purpose.

``FaultInjector(agents()).inject(WRITER(5), "503", "503")`` answers the next two writer requests
for section 5 with HTTP 503, then lets the wrapped responder answer normally. Every fault sent is
logged in ``injected``, so a test can assert how many it survived.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from helpers.stub_agents import brief_number
from helpers.stub_server import StubReply, StubRequest, content_text

Match = Callable[[StubRequest], bool]

# How long a "hang" stalls: past any client timeout the fault tests set (they use 1 s).
HANG_SECONDS = 3.0

TRANSIENT_FAULTS = ("429", "429-retry-after", "500", "502", "503", "hang", "reset-headers", "reset-body")
ANSWER_FAULTS = ("length", "invalid-json", "schema", "empty")
FATAL_FAULTS = ("400", "401", "404")
FAULTS = TRANSIENT_FAULTS + ANSWER_FAULTS + FATAL_FAULTS


def PLANNER(request: StubRequest) -> bool:  # noqa: N802 - reads like a constant at call sites
    """The planner's structured call."""
    return request.schema_name == "InterviewPlan"


def CRITIC(request: StubRequest) -> bool:  # noqa: N802
    """The critic's structured call."""
    return request.schema_name == "CriticReport"


def WRITER(number: int | None = None) -> Match:  # noqa: N802
    """A writer call, for one section or any."""

    def match(request: StubRequest) -> bool:
        if request.schema_name is not None or not _has_brief(request):
            return False
        return number is None or brief_number(request) == number

    return match


def _has_brief(request: StubRequest) -> bool:
    return any("# Section brief:" in content_text(m.get("content")) for m in request.messages)


def as_first_ask(request: StubRequest) -> StubRequest:
    """A writer's re-ask after a cut-off answer, seen as the original ask (the scripted team's view)."""
    if (
        request.schema_name is None
        and _has_brief(request)
        and "# Section brief:" not in request.last_user_text
    ):
        return StubRequest(
            {**request.body, "messages": request.messages[:-1]}, request.headers, request.started
        )
    return request


def fault_reply(kind: str, normal: StubReply) -> StubReply:
    """The faulty answer of one kind; ``normal`` is what the request would have received."""
    status = {"400": 400, "401": 401, "404": 404, "500": 500, "502": 502, "503": 503, "429": 429}
    if kind in status:
        return StubReply(status=status[kind], content=f"injected {kind}")
    if kind == "429-retry-after":
        return StubReply(status=429, content="injected 429", headers={"Retry-After": "1"})
    if kind == "hang":
        return StubReply(content=normal.content, delay=HANG_SECONDS)
    if kind in ("reset-headers", "reset-body"):
        return StubReply(content=normal.content, reset=kind.removeprefix("reset-"))
    if kind == "length":
        # What a provider returns at max_tokens: a prefix of the answer, cut mid-sentence.
        return StubReply(content=normal.content[: max(1, len(normal.content) // 2)], finish_reason="length")
    if kind == "invalid-json":
        return StubReply(content='{"framing": "an answer cut off in the middle of a str')
    if kind == "schema":
        return StubReply(content=json.dumps({"sections": "not a list", "framing": 42}))
    if kind == "empty":
        return StubReply(content="")
    raise ValueError(f"unknown fault {kind!r}")


@dataclass
class _Plan:
    match: Match
    kinds: list[str]


@dataclass
class FaultInjector:
    """A responder that answers matching requests with scripted faults, then normally."""

    inner: Callable[[StubRequest], StubReply | str]
    plans: list[_Plan] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, match: Match, *kinds: str) -> FaultInjector:
        """Answer the next ``len(kinds)`` requests matching ``match`` with these faults, in order."""
        unknown = set(kinds) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        self.plans.append(_Plan(match, list(kinds)))
        return self

    def always(self, match: Match, kind: str, times: int = 1000) -> FaultInjector:
        """Answer every matching request with this fault (a provider that stays down)."""
        return self.inject(match, *([kind] * times))

    def heal(self) -> None:
        """Drop the faults still scripted: the provider recovered."""
        with self._lock:
            self.plans.clear()

    def __call__(self, request: StubRequest) -> StubReply:
        normal = self.inner(as_first_ask(request))
        if isinstance(normal, str):
            normal = StubReply(content=normal)
        with self._lock:
            kind = None
            for plan in self.plans:
                if plan.kinds and plan.match(request):
                    kind = plan.kinds.pop(0)
                    break
            if kind is None:
                return normal
            self.injected.append(kind)
        return fault_reply(kind, normal)
