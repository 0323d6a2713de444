"""The plan every writer shares: framing, the fact sheet, key points per section, diagram edges."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

# A complete plan for a capable model is ~3,500 tokens: 12 sections × up to 8 key points (§12: up
# to 15 question themes), 14 facts with derivations, 16 edges. llama.cpp turns a schema's bounds
# into a grammar, so they also bound how long a local model can ramble.


class Fact(BaseModel):
    """One number every section must reuse verbatim."""

    name: str = Field(max_length=60, description="What is measured, e.g. 'Peak feed QPS'.")
    value: str = Field(max_length=40, description="The number with its unit, e.g. '1.2M QPS'.")
    derivation: str = Field(
        default="",
        max_length=160,
        description="How it follows from other facts, e.g. '2B DAU × 5 / 86,400 s × 3'.",
    )


class SectionPlan(BaseModel):
    """What one section must cover for this record, level and focus."""

    number: int = Field(ge=1, le=12)
    key_points: list[Annotated[str, Field(max_length=160)]] = Field(
        min_length=3,
        max_length=15,
        description="3-8 specific points, each one sentence (§12: one per question theme, up to 15).",
    )


class Edge(BaseModel):
    """One arrow of the system diagram."""

    source: str = Field(max_length=40)
    target: str = Field(max_length=40)
    label: str = Field(default="", max_length=40)


class InterviewPlan(BaseModel):
    """The shared plan every section writer receives."""

    framing: str = Field(
        max_length=700, description="The problem as the interviewer poses it, 2-4 sentences."
    )
    ml_objective: str = Field(max_length=300, description="The ML objective and task category.")
    facts: list[Fact] = Field(min_length=6, max_length=14)
    sections: list[SectionPlan] = Field(min_length=12, max_length=12)
    architecture: list[Edge] = Field(
        min_length=4, max_length=16, description="Arrows of the online path and the training-data path."
    )
    # Filled by code from the archetype step (never asked of the planner): which kind of problem
    # this is, why, and whether the user forced it.
    archetype: SkipJsonSchema[str] = ""
    archetype_reason: SkipJsonSchema[str] = ""

    def key_points(self, number: int) -> list[str]:
        """Key points for a section (empty if the planner skipped it)."""
        return next((s.key_points for s in self.sections if s.number == number), [])


class SmallFact(BaseModel):
    """A fact a small model can state: a short name and a value that must be a number."""

    name: str = Field(max_length=40, description="What is measured, e.g. 'Daily payments'.")
    # The pattern is part of the grammar llama.cpp derives from the schema: the value starts with a
    # digit, so a small model cannot fill it with words.
    # Every string the pattern admits fits max_length, so the grammar's bound and pydantic's agree
    # (a longer pattern let the embedded model write 25 characters against a 24-character limit).
    value: str = Field(
        max_length=30,
        pattern=r"^[0-9]{1,4}([.,][0-9]{1,3})?[kMB%]? ?[A-Za-z/%]{0,10}( ?[A-Za-z0-9/%]{1,8})?$",
    )


class SmallPlanAnswer(BaseModel):
    """What a small local model is asked to plan (ARCHITECTURE.md, "Small models").

    Only the framing, the objective and a few numbers: a 135M model asked for twelve sections of
    key points and a diagram fills them with one repeated phrase. Code completes the plan from the
    archetype's data (`planner.complete_small_plan`).
    """

    framing: str = Field(max_length=300, description="Two sentences: where the model acts, what it decides.")
    ml_objective: str = Field(max_length=160, description="One sentence: what the model predicts.")
    facts: list[SmallFact] = Field(min_length=6, max_length=6)


# A plan a person wrote or edited (`mlsd generate --plan`, an edit in the plan review) is checked
# more strictly than a model's answer: an unknown key is a typo to report, not a field to drop. A
# bare number in YAML (`value: 80`) is the text a person meant, not a type error.
class _UserFact(Fact, extra="forbid", coerce_numbers_to_str=True):
    pass


class _UserSectionPlan(SectionPlan, extra="forbid", coerce_numbers_to_str=True):
    pass


class _UserEdge(Edge, extra="forbid", coerce_numbers_to_str=True):
    pass


class _UserPlan(InterviewPlan, extra="forbid", coerce_numbers_to_str=True):
    facts: list[_UserFact] = Field(min_length=6, max_length=14)
    sections: list[_UserSectionPlan] = Field(min_length=12, max_length=12)
    architecture: list[_UserEdge] = Field(min_length=4, max_length=16)


def checked_plan(data: object, archetype: str = "") -> InterviewPlan:
    """A user's plan: the model's bounds, no unknown keys, sections 1-12 once each, a known archetype.

    ``archetype`` fills an empty archetype (an edit that left it out keeps the run's). Raises
    ValueError with one line naming the field (pydantic's ValidationError is a ValueError).
    """
    from mlsd.prompts import ARCHETYPE_IDS

    plan = _UserPlan.model_validate(data)
    numbers = sorted(s.number for s in plan.sections)
    if numbers != list(range(1, 13)):
        raise ValueError("sections: need exactly one entry for each section number 1-12")
    chosen = plan.archetype or archetype
    if chosen not in ARCHETYPE_IDS:
        raise ValueError(f"archetype: must be one of {', '.join(ARCHETYPE_IDS)} (got {chosen!r})")
    return InterviewPlan.model_validate({**plan.model_dump(), "archetype": chosen})


def plan_error(exc: ValueError) -> str:
    """One line naming the field of the first problem, e.g. ``facts item 3, value: ...``."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return " ".join(str(exc).split())
    first = exc.errors()[0]
    where = ""
    for part in first["loc"]:
        # Items are counted from 1, as a person counts the entries of a YAML list.
        where += f" item {part + 1}" if isinstance(part, int) else f"{', ' if where else ''}{part}"
    return f"{where or 'plan'}: {first['msg']}"


_NUMBER = re.compile(r"\$?\d[\d.,]*\s?[kKMB%]?")


def _numbers(text: str) -> set[str]:
    return {m.group(0).strip().rstrip(".,") for m in _NUMBER.finditer(text)}


def stale_mentions(before: dict, after: dict) -> list[str]:
    """Where an edited plan still states a number the user changed in a fact's value.

    A fact's number is often repeated in key points and other derivations; editing only the fact
    leaves writers with both. One line per changed number, e.g. "fact 'Label budget' no longer
    says $0.05, but §3 key point 2 still says it".
    """
    old = {f["name"]: f["value"] for f in before.get("facts", [])}
    places = [("the framing", after.get("framing", "")), ("the ML objective", after.get("ml_objective", ""))]
    for f in after.get("facts", []):
        places.append((f"fact '{f['name']}'", f"{f['value']} {f.get('derivation', '')}"))
    for section in after.get("sections", []):
        places += [(f"§{section['number']} key point {i}", p) for i, p in enumerate(section["key_points"], 1)]
    lines = []
    for fact in after.get("facts", []):
        gone = _numbers(old.get(fact["name"], "")) - _numbers(fact["value"])
        for number in sorted(n for n in gone if any(c.isdigit() for c in n) and len(n) >= 2):
            where = [label for label, text in places if number in _numbers(text)]
            if where:
                said = f"fact '{fact['name']}' no longer says {number}"
                lines.append(
                    f"{said}, but {', '.join(where)} still {'says' if len(where) == 1 else 'say'} it"
                )
    return lines
