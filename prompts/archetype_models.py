"""Strict models of a problem archetype file (`archetypes/<id>.yaml`): extra keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ARCHETYPE_IDS: tuple[str, ...] = (
    "ranking",
    "search",
    "risk",
    "forecasting",
    "perception",
    "generative",
    "generic",
)

# Every archetype must say how to fix these checks in its own vocabulary.
REQUIRED_FIXES = (
    "S2_scale",
    "S2_qps",
    "S2_back_of_envelope",
    "S2_task_category",
    "S3_feature_groups",
    "S4_funnel",
    "S5_online_metrics",
    "S5_offline_metrics",
    "S5_guardrail",
    "S6_latency_budget",
    "S9_capacity_math",
    "S9_peak_load",
)

Spellings = tuple[str, ...]

# Two-letter spellings are allowed only when they are not words that occur in ordinary prose.
_PROSE_WORDS = frozenset(
    "ad ai am an as at be by do go he if in is it me ml my no of oh ok on or so to up us we".split()
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_spellings(spellings: tuple[str, ...], where: str) -> None:
    # The matcher is case-insensitive and word-bounded; a two-letter word would fire on prose.
    for spelling in spellings:
        if spelling != spelling.strip().lower() or not spelling:
            raise ValueError(f"{where}: spelling {spelling!r} must be lower-case and trimmed")
        core = spelling.rstrip("*")
        if len(core) < 2 or core in _PROSE_WORDS:
            raise ValueError(f"{where}: spelling {spelling!r} is too short to be distinctive")


def _check_lexicon(lexicon: dict[str, Spellings], where: str) -> None:
    for concept, spellings in lexicon.items():
        if not spellings:
            raise ValueError(f"{where}: concept {concept!r} has no spellings")
        _check_spellings(spellings, f"{where}.{concept}")


class Reference(_Strict):
    """A real paper or system, cited as (authors, year)."""

    work: str = Field(min_length=2)
    authors: str = Field(min_length=2)
    year: int = Field(ge=1900, le=2030)

    def cite(self) -> str:
        """The reference as prompts show it, e.g. 'XGBoost (Chen & Guestrin, 2016)'."""
        return f"{self.work} ({self.authors}, {self.year})"


class Pipeline(_Strict):
    """What "the funnel" is for this archetype."""

    name: str
    stages: tuple[str, ...] = Field(min_length=3)
    example: str

    @field_validator("example")
    @classmethod
    def _example_is_a_chain(cls, value: str) -> str:
        if value.count("→") < 2:
            raise ValueError("pipeline.example must be an arrow chain with at least 3 stages")
        return value


class Diagram(_Strict):
    """The online path and the offline training-data path as arrow chains."""

    online: str
    offline: str

    @model_validator(mode="after")
    def _chains(self) -> Diagram:
        for name, path in (("online", self.online), ("offline", self.offline)):
            if path.count("→") < 3:
                raise ValueError(f"diagram.{name} must name at least 4 nodes joined by →")
        return self


class ArchetypeChecks(_Strict):
    """Vocabulary the deterministic checks read for this archetype."""

    scale_units: Spellings = Field(min_length=3)
    scale_terms: Spellings = Field(min_length=1)
    throughput_units: Spellings = Field(min_length=2)
    feature_groups: dict[str, Spellings]
    min_feature_groups: int = Field(ge=0)
    imbalanced: bool
    pipeline: bool
    offline_metrics: dict[str, Spellings] = Field(min_length=3)
    online_metrics: dict[str, Spellings] = Field(min_length=3)
    guardrails: Spellings = Field(min_length=2)
    task_categories: Spellings = Field(min_length=3)
    architectures: dict[str, Spellings] = Field(default_factory=dict)
    optimisations: dict[str, Spellings] = Field(default_factory=dict)
    fixes: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> ArchetypeChecks:
        for name in ("scale_units", "scale_terms", "throughput_units", "guardrails", "task_categories"):
            _check_spellings(getattr(self, name), name)
        for name in ("feature_groups", "offline_metrics", "online_metrics", "architectures", "optimisations"):
            _check_lexicon(getattr(self, name), name)
        if any(" " in unit for unit in self.scale_units):
            raise ValueError("scale_units are single words that follow a number")
        if not self.feature_groups and self.min_feature_groups:
            raise ValueError("min_feature_groups must be 0 when feature_groups is empty")
        if self.min_feature_groups > len(self.feature_groups):
            raise ValueError("min_feature_groups exceeds the number of feature groups")
        missing = [check for check in REQUIRED_FIXES if not self.fixes.get(check, "").strip()]
        if missing:
            raise ValueError(f"fixes missing for {missing}")
        return self


class Archetype(_Strict):
    """One kind of ML problem and the vocabulary every prompt and check uses for it."""

    id: str
    name: str
    examples: tuple[str, ...] = Field(min_length=3)
    match_terms: Spellings = Field(min_length=5)
    summary: str = Field(min_length=80)
    scale_quantities: tuple[str, ...] = Field(min_length=3)
    throughput_unit: str
    pipeline: Pipeline
    ml_tasks: tuple[str, ...] = Field(min_length=2)
    labels: tuple[str, ...] = Field(min_length=2)
    offline_metrics: tuple[str, ...] = Field(min_length=3)
    online_metrics: tuple[str, ...] = Field(min_length=3)
    guardrails: tuple[str, ...] = Field(min_length=2)
    feature_groups: tuple[str, ...] = Field(min_length=3)
    tradeoffs: tuple[str, ...] = Field(min_length=3)
    sub_problems: tuple[str, ...] = Field(min_length=3)
    serving: tuple[str, ...] = Field(min_length=3)
    monitoring: tuple[str, ...] = Field(min_length=3)
    references: tuple[Reference, ...] = Field(min_length=5, max_length=10)
    planner_facts: tuple[str, ...] = Field(min_length=8, max_length=12)
    diagram: Diagram
    phase_names: dict[str, str] = Field(default_factory=dict)
    section_points: dict[int, tuple[str, ...]]
    checks: ArchetypeChecks

    @model_validator(mode="after")
    def _valid(self) -> Archetype:
        if self.id not in ARCHETYPE_IDS:
            raise ValueError(f"unknown archetype id {self.id!r}")
        _check_spellings(self.match_terms, "match_terms")
        for number, points in self.section_points.items():
            if not 1 <= number <= 12:
                raise ValueError(f"section_points key {number} is outside 1..12")
            if not 1 <= len(points) <= 4:
                raise ValueError(f"section_points[{number}] must have 1-4 items")
        return self
