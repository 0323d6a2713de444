"""Strict loader for the section catalogue, level profiles, focus areas and interview flows."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mlsd.records import FOCUS_AREAS, LEVELS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionSpec(_Strict):
    """One of the twelve fixed sections: the seed's bullets plus what each level must show."""

    number: int = Field(ge=1, le=12)
    id: str
    title: str
    weight: float = Field(gt=0, description="Share of the document's token budget (relative).")
    seed_focus: str = Field(description="The seed's E7 focus line for this section.")
    bullets: tuple[str, ...] = Field(min_length=2, description="The seed's bullets, verbatim.")
    seed_criteria: str = Field(description="The seed's E7 criteria line, verbatim.")
    must_include: tuple[str, ...] = Field(min_length=3, description="Concrete required elements.")
    levels: dict[str, str] = Field(description="What E5, E6, E7 and E8 must each show here.")
    avoid: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _all_levels(self) -> SectionSpec:
        if sorted(self.levels) != list(LEVELS):
            raise ValueError(f"section {self.number}: levels must be exactly {LEVELS}")
        return self


class LevelProfile(_Strict):
    """What an interviewer expects of a candidate at one level."""

    level: str
    seed_profile: str
    summary: str
    signals: tuple[str, ...] = Field(min_length=3)
    depth: str
    budget_multiplier: float = Field(gt=0)


class FocusSpec(_Strict):
    """What a focus area adds and where."""

    name: str
    sections: tuple[int, ...] = Field(min_length=1)
    emphasis: dict[int, str]
    keywords: tuple[str, ...] = Field(min_length=5)


class Phase(_Strict):
    """One phase of the interview time plan, with weights per duration."""

    name: str
    sections: tuple[int, ...]
    weights: dict[int, float]
    goal: str


class Catalogue(_Strict):
    """Everything the agents need to know about sections, levels, focus areas and flows."""

    version: str
    sections: tuple[SectionSpec, ...]
    levels: dict[str, LevelProfile]
    focus_areas: dict[str, FocusSpec]
    phases: tuple[Phase, ...]
    level_phase_shift: dict[str, dict[str, float]]

    @model_validator(mode="after")
    def _complete(self) -> Catalogue:
        if [s.number for s in self.sections] != list(range(1, 13)):
            raise ValueError("sections must be numbered 1..12 in order")
        if sorted(self.levels) != list(LEVELS):
            raise ValueError(f"levels must be exactly {LEVELS}")
        if sorted(self.focus_areas) != sorted(FOCUS_AREAS):
            raise ValueError(f"focus areas must be exactly {FOCUS_AREAS}")
        for focus in self.focus_areas.values():
            if sorted(focus.emphasis) != sorted(focus.sections):
                raise ValueError(f"focus {focus.name}: emphasis must cover exactly its sections")
        return self

    def section(self, number: int) -> SectionSpec:
        """The section with this number (1-based)."""
        return self.sections[number - 1]


def _load_yaml(name: str) -> dict:
    text = resources.files("mlsd.prompts").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def load_catalogue() -> Catalogue:
    """Load and validate the catalogue files; any missing or extra key is an error."""
    sections = _load_yaml("sections.yaml")
    levels = _load_yaml("levels.yaml")
    focus = _load_yaml("focus_areas.yaml")
    flows = _load_yaml("flows.yaml")
    return Catalogue(
        version=sections["version"],
        sections=tuple(sections["sections"]),
        levels={p["level"]: p for p in levels["levels"]},
        focus_areas={f["name"]: f for f in focus["focus_areas"]},
        phases=tuple(flows["phases"]),
        level_phase_shift=flows["level_phase_shift"],
    )
