"""Reuse the level-independent part of a plan across the variants of one company × topic.

The first variant to plan a record stores its InterviewPlan in ``runs.db`` (table
``shared_plans``); later variants, in this batch or a later one, take its framing, ML objective,
fact sheet and architecture as settled and ask the planner only for their level's key points
(``LevelPlan``). Variants that start while the first is still planning wait for it instead of
paying for a second full plan, so all of them agree on the numbers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path

from mlsd.agents import briefs
from mlsd.agents.budgets import PLANNER_MAX_TOKENS, call_budget, message_tokens
from mlsd.agents.level_planner import combine, level_planner_messages, make_level_plan
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.small_model import is_small_model
from mlsd.clock import stamp
from mlsd.graph.nodes import plan_update
from mlsd.graph.usage import usage_entry
from mlsd.prompts import load_template
from mlsd.records import Params, Record


def plan_key(record: Record, planner_model: str) -> str:
    """Same record, planner model and planner prompt → same shared plan."""
    payload = json.dumps(
        {
            "record": record.model_dump(mode="json"),
            "model": planner_model,
            "planner": load_template("planner").ref,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class PlanLibrary:
    """Stored shared plans plus, in this process, the variant currently planning each key."""

    def __init__(self, runs_db: Path):
        # The caller opened RunStore(runs_db) first, which created the shared_plans table.
        self.path = Path(runs_db)
        self._planning: dict[str, asyncio.Future] = {}
        self._archetypes: dict[str, asyncio.Future] = {}

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def stored(self, key: str) -> tuple[str, InterviewPlan] | None:
        """The run that made the shared plan for key, and the plan; None if there is none yet."""
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT run_id, plan FROM shared_plans WHERE plan_key = ?", (key,)).fetchone()
        return (row[0], InterviewPlan.model_validate_json(row[1])) if row else None

    def store(self, key: str, run_id: str, plan: dict) -> None:
        """Keep the first plan made for key; later ones do not replace it."""
        now = stamp(precise=True)
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT OR IGNORE INTO shared_plans (plan_key, run_id, plan, created_at) VALUES (?, ?, ?, ?)",
                (key, run_id, json.dumps(plan), now),
            )

    async def claim(self, key: str) -> tuple[str, InterviewPlan] | None:
        """A plan to reuse, after waiting for a variant planning it now; None: plan it yourself."""
        while True:
            found = self.stored(key)
            if found:
                return found
            planning = self._planning.get(key)
            if planning is None:
                self._planning[key] = asyncio.get_running_loop().create_future()
                return None
            await asyncio.shield(planning)  # then look again: it stored a plan, or it failed

    async def shared_archetype(self, key: str, choose: Callable[[], Awaitable[tuple[dict, dict]]]):
        """(choice, update): the archetype of a stored plan, else one classification per key.

        The first variant asks; the others wait for its answer and get it with an empty update, so
        the usage of the call is counted once.
        """
        found = self.stored(key)
        if found and found[1].archetype:
            plan = found[1]
            return {"id": plan.archetype, "reason": plan.archetype_reason, "source": "planner"}, {}
        asked = self._archetypes.get(key)
        if asked is None:
            self._archetypes[key] = asyncio.ensure_future(choose())
            return await asyncio.shield(self._archetypes[key])
        choice, _update = await asyncio.shield(asked)
        return choice, {}

    def release(self, key: str) -> None:
        """The planning variant is done (stored or failed): wake the variants waiting on it."""
        planning = self._planning.pop(key, None)
        if planning is not None and not planning.done():
            planning.set_result(None)


async def plan_with_library(state: dict, ctx, fresh_plan: Callable[[], Awaitable[dict]]) -> dict:
    """The plan node's update: reuse a shared plan if there is one, else plan and share it."""
    library: PlanLibrary = ctx.plan_library
    record = Record.model_validate(state["record"])
    key = plan_key(record, ctx.models.model_names["planner"])
    found = await library.claim(key)
    if found is None:
        try:
            update = await fresh_plan()
            library.store(key, ctx.run_id, update["plan"])
            return update
        finally:
            library.release(key)
    source, shared = found
    if source == ctx.run_id:
        # This run stored its plan, then died before the checkpoint: use it, pay nothing again.
        params = Params.model_validate(state["params"])
        return _update(record, params, shared, [], [], None, is_small_model(ctx.models.context_length))
    return await _level_plan(state, ctx, source, shared)


async def _level_plan(state: dict, ctx, source: str, shared: InterviewPlan) -> dict:
    record, params = Record.model_validate(state["record"]), Params.model_validate(state["params"])
    values = {
        **briefs.planner_values(record, params, briefs.plan_archetype(shared)),
        "framing": shared.framing,
        "ml_objective": shared.ml_objective,
        "fact_sheet": briefs.fact_sheet(shared),
        "architecture": "\n".join(
            f"- {e.source} → {e.target}" + (f" ({e.label})" if e.label else "") for e in shared.architecture
        ),
    }
    messages = level_planner_messages(values)
    max_tokens, notes = call_budget(
        "plan", PLANNER_MAX_TOKENS, message_tokens(messages), ctx.models.context_length, structured=True
    )
    level, raw = await make_level_plan(ctx.models.chat("planner", max_tokens), messages)
    usage = [usage_entry("plan", ctx.models.model_names["planner"], raw)]
    small = is_small_model(ctx.models.context_length)
    return _update(record, params, combine(shared, level), usage, notes, source, small)


def _update(
    record, params, plan: InterviewPlan, usage: list, notes: list, source: str | None, small: bool
) -> dict:
    update = {**plan_update(record, params, plan, small), "usage": usage}
    if source:
        ref = load_template("level_planner").ref
        note = f"plan: framing, facts and architecture reused from run {source}; key points by {ref}"
        update |= {"plan_reused_from": source, "notes": [*notes, note]}
    elif notes:
        update["notes"] = notes
    return update
