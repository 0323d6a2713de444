"""Run configuration passed to every node as LangGraph context, never read from the environment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mlsd.clock import utc_now
from mlsd.llm.models import ChatFactory


@dataclass(frozen=True)
class RunContext:
    """Everything a run needs that is not state: models, limits, output and clock."""

    models: ChatFactory
    run_id: str
    out_dir: Path = Path("content")
    max_revisions: int = 2
    force: bool = False
    path_suffix: str = ""
    now: datetime = field(default_factory=utc_now)
    # Bounds in-flight writer calls (None = all twelve at once); created inside the run's loop.
    writer_slots: asyncio.Semaphore | None = None
    # The deterministic checks (evals.checks.check_document); injectable so tests can isolate the LLM critic.
    checker: Callable | None = None
    # Sections re-sent once in this invocation after failing; a second failure fails the run.
    resent: set[int] = field(default_factory=set)
    # A batch's graph.plan_reuse.PlanLibrary: variants of one record reuse its first plan (None: off).
    plan_library: object | None = None
    # The archetype forced with --archetype (None: the archetype step chooses it).
    archetype: str | None = None
    # Run the per-section verifiers after each round of drafts (ARCHITECTURE.md, "The graph").
    verify: bool = True
    # Pause after the plan check for the user's review (graph/review_plan.py); off: a pass-through.
    review_plan: bool = False
