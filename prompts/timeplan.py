"""The interview time plan, computed from phase weights so minutes always sum to the duration."""

from __future__ import annotations

from dataclasses import dataclass

from mlsd.prompts.archetypes import Archetype, load_archetype
from mlsd.prompts.catalogue import Catalogue, load_catalogue


@dataclass(frozen=True)
class PhaseSlot:
    """One row of the time plan."""

    name: str
    minutes: int
    sections: tuple[int, ...]
    goal: str


def _largest_remainder(weights: list[float], total: int) -> list[int]:
    # Hamilton's method: floor every share, then hand the leftover minutes to the largest remainders.
    scale = sum(weights)
    shares = [w * total / scale for w in weights]
    minutes = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (shares[i] - minutes[i], weights[i]), reverse=True)
    for i in order[: total - sum(minutes)]:
        minutes[i] += 1
    return minutes


def time_plan_for(
    duration: int,
    level: str,
    archetype: Archetype | str | None = None,
    catalogue: Catalogue | None = None,
) -> list[PhaseSlot]:
    """Phases with integer minutes for this duration and level; they sum exactly to duration.

    With an archetype (or its id), phases it renames in `phase_names` carry its wording; the
    weights and level shifts are always looked up by the catalogue's own phase names.
    """
    cat = catalogue or load_catalogue()
    names = _phase_names(archetype)
    shift = cat.level_phase_shift.get(level, {})
    active = [p for p in cat.phases if p.weights.get(duration, 0) > 0]
    weights = [p.weights[duration] * shift.get(p.name, 1.0) for p in active]
    minutes = _largest_remainder(weights, duration)
    return [
        PhaseSlot(names.get(p.name, p.name), m, p.sections, p.goal)
        for p, m in zip(active, minutes, strict=True)
        if m > 0
    ]


def _phase_names(archetype: Archetype | str | None) -> dict[str, str]:
    if archetype is None:
        return {}
    if isinstance(archetype, str):
        archetype = load_archetype(archetype)
    return archetype.phase_names


def time_plan_table(slots: list[PhaseSlot]) -> str:
    """The plan as a markdown table with a start-end column and a total row."""
    rows = ["| # | Phase | Minutes | Clock | Sections | Goal |", "|---|---|---|---|---|---|"]
    start = 0
    for i, slot in enumerate(slots, 1):
        end = start + slot.minutes
        sections = ", ".join(f"§{n}" for n in slot.sections) or "—"
        rows.append(f"| {i} | {slot.name} | {slot.minutes} | {start}–{end} | {sections} | {slot.goal} |")
        start = end
    rows.append(f"| | **Total** | **{start}** | | | |")
    return "\n".join(rows)
