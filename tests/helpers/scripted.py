"""Canned agent answers for graph tests: a valid plan, section bodies, critic verdicts."""

from __future__ import annotations

import json
import re

FACTS = [
    ("Daily active users", "2B DAU", ""),
    ("Feed sessions per user per day", "10 sessions", ""),
    ("Average feed QPS", "≈230k QPS", "2B × 10 / 86,400 s"),
    ("Peak feed QPS", "≈700k QPS", "3× average"),
    ("End-to-end latency SLA", "300 ms p99", ""),
    ("Candidates per request", "1,500 posts", ""),
    ("Ranking budget", "80 ms", ""),
    ("Embedding dimension", "256 dims", ""),
]


def plan_json() -> dict:
    """A valid InterviewPlan as the planner would return it."""
    return {
        "framing": "Rank the Facebook feed for 2B people: pick from ~1,500 candidates in 300 ms.",
        "ml_objective": "Multi-task pointwise P(like), P(comment), P(share), P(hide) with a value model.",
        "facts": [{"name": n, "value": v, "derivation": d} for n, v, d in FACTS],
        "sections": [
            {"number": n, "key_points": [f"point {n}.{i} on the feed" for i in range(1, 4)]}
            for n in range(1, 13)
        ],
        "architecture": [
            {"source": "Client", "target": "Feed service", "label": "request"},
            {"source": "Feed service", "target": "Candidate retrieval", "label": "1,500"},
            {"source": "Candidate retrieval", "target": "Ranker", "label": "500"},
            {"source": "Ranker", "target": "Client", "label": "50 posts"},
            {"source": "Event logs", "target": "Training pipeline", "label": "daily"},
        ],
    }


# The full brief's heading, or the small-model brief's first line (agents/briefs.py).
_BRIEF = re.compile(r"# Section brief: (\d+)\.|^Section (\d+): ", re.MULTILINE)


def section_number(messages) -> int:
    """Which section a writer call is for, read from the newest message holding a brief."""
    for message in reversed(messages):
        text = message.content if hasattr(message, "content") else message["content"]
        if not isinstance(text, str):
            text = "".join(part.get("text", "") for part in text)
        match = _BRIEF.search(text)
        if match:
            return int(match.group(1) or match.group(2))
    raise AssertionError("no section brief in the messages")


def section_body(number: int, round_: int = 0) -> str:
    """A short, recognisable section body."""
    return (
        f"### Part of section {number} (round {round_})\n\n"
        f"Body of section {number}, round {round_}: 2B DAU, ≈230k QPS, 300 ms p99, 256 dims."
    )


def critic_json(revise: dict[int, list[str]] | None = None, cross: list[dict] | None = None) -> dict:
    """A CriticReport passing every section except those in revise."""
    revise = revise or {}
    return {
        "sections": [
            {
                "number": n,
                "reasons": "needs work" if n in revise else "meets the bar",
                "verdict": "revise" if n in revise else "pass",
                "fixes": revise.get(n, []),
            }
            for n in range(1, 13)
        ],
        "cross_section": cross or [],
        "summary": "ok" if not revise else f"revise {sorted(revise)}",
    }


def as_text(reply: dict) -> str:
    """JSON text for a stub reply."""
    return json.dumps(reply)


def small_plan_json() -> dict:
    """A valid SmallPlanAnswer: what a small local model is asked to plan."""
    return {
        "framing": "Rank the Facebook feed for 2B people each time they open the app.",
        "ml_objective": "P(like), P(comment) and P(share) of each candidate post.",
        "facts": [
            {"name": "Daily active users", "value": "2B DAU"},
            {"name": "Peak feed requests", "value": "230k QPS"},
            {"name": "Candidates per request", "value": "1,500 posts"},
            {"name": "Latency budget", "value": "300 ms p99"},
            {"name": "Embedding size", "value": "256 dims"},
            {"name": "Posts shown per session", "value": "50 posts"},
        ],
    }
