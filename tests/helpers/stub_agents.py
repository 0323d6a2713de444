"""A ScriptedResponder that plays planner, writers and critic for the loopback stub."""

from __future__ import annotations

import re

from helpers.scripted import critic_json, plan_json, section_body
from helpers.stub_server import ScriptedResponder, StubReply

BRIEF = re.compile(r"# Section brief: (\d+)\.")


def brief_number(request) -> int:
    """The section a writer request is for."""
    for message in reversed(request.messages):
        content = message.get("content")
        text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content or [])
        match = BRIEF.search(text)
        if match:
            return int(match.group(1))
    raise AssertionError("writer request without a section brief")


def agents(
    critic_replies=(), critic_default=None, writer_delay=0.0, writer=None, verifier=None
) -> ScriptedResponder:
    """Planner → a valid plan; writers → short bodies; critic → the given verdicts, then pass."""

    def write(request):
        number = brief_number(request)
        revised = "<previous_draft>" in request.last_user_text
        content = writer(number) if writer else section_body(number, 1 if revised else 0)
        return StubReply(content=content, delay=writer_delay)

    return (
        ScriptedResponder()
        .on_schema("InterviewPlan", default=lambda _r: plan_json())
        .on_schema("CriticReport", *critic_replies, default=critic_default or (lambda _r: critic_json()))
        .on_schema("ArchetypeChoice", default=lambda _r: {"archetype": "ranking", "reason": "it ranks posts"})
        .on_schema("Verification", default=verifier or (lambda _r: {"findings": []}))
        .on_schema("PlanVerification", default=lambda _r: {"findings": []})
        .on_text(r"# Section brief: \d+\.", default=write, name="writer")
    )


def writer_requests(server) -> list:
    """The stub's writer requests, in arrival order."""
    return [r for r in server.requests if r.schema_name is None and r.messages]
