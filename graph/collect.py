"""Join the parallel writers: re-send a failed section once, then fail the run (resumable)."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import Send

from mlsd.errors import ModelCallError
from mlsd.graph.context import RunContext
from mlsd.graph.nodes import write_task
from mlsd.graph.state import DocState


def expected_round(state: DocState) -> tuple[int, dict[int, list[str]]]:
    """The round being written and its sections with their fixes (round 0: all, no fixes)."""
    reviews = state.get("reviews") or []
    if not reviews:
        return 0, {n: [] for n in range(1, 13)}
    return len(reviews), {f["number"]: f["fixes"] for f in reviews[-1]["flagged"]}


def missing_sections(state: DocState) -> list[int]:
    """Sections of the current round that have no draft yet."""
    round_, wanted = expected_round(state)
    done = {d["number"] for d in state.get("drafts", []) if d["round"] == round_}
    return sorted(set(wanted) - done)


def collect(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Fail the run if a section already re-sent in this invocation still has no draft."""
    again = [n for n in missing_sections(state) if n in runtime.context.resent]
    if again:
        errors = {f["number"]: f["error"] for f in state.get("failures", [])}
        detail = "; ".join(f"§{n}: {errors.get(n, 'no answer')}" for n in again)
        raise ModelCallError(f"model: section writer failed after retries ({detail})")
    return {}


def after_collect(state: DocState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """Re-send missing sections once (again after a resume); otherwise verify, then critique."""
    missing = missing_sections(state)
    if not missing:
        if not runtime.context.verify:
            return "critique"
        round_, wanted = expected_round(state)
        from mlsd.graph.verify import verify_tasks

        return verify_tasks(state, round_, sorted(wanted)) or "critique"
    runtime.context.resent.update(missing)
    round_, fixes = expected_round(state)
    previous = {}
    if round_ > 0:
        from mlsd.graph.review import latest_drafts

        previous = {n: d["markdown"] for n, d in latest_drafts(state["drafts"]).items()}
    return [write_task(state, n, round_, fixes[n], previous.get(n, "")) for n in missing]
