"""The rubric as data (evals/rubric.yaml): check specs, judge questions and the scoring rule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

SECTIONS = tuple(range(0, 13))  # 0 is the whole document ("Global")


# The archetype flags a check may need (prompts/archetypes/<id>.yaml, `checks:`).
APPLIES_WHEN = ("imbalanced", "pipeline", "feature_groups")


@dataclass(frozen=True)
class CheckSpec:
    """One deterministic check: where it runs, whether it is a gate, which thresholds it reads.

    `applies_when` names the archetype flag without which the check is skipped ("" = always runs).
    """

    id: str
    section: int | str  # a number, "each" or "focus"
    rubric: str
    gate: bool = False
    thresholds: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    applies_when: str = ""


@dataclass(frozen=True)
class JudgeQuestion:
    """One yes/no question the judge answers about one section (0 = the whole document).

    `question` is the wording for any archetype; `wording` replaces it for the archetypes it
    names; `archetypes` limits the question to those archetypes (empty = every archetype).
    """

    id: str
    section: int
    question: str
    levels: tuple[str, ...] = ()
    archetypes: tuple[str, ...] = ()
    wording: tuple[tuple[str, str], ...] = ()

    def asks(self, seniority: str, archetype: str) -> bool:
        """Whether this question is asked at this level for this archetype."""
        return (not self.levels or seniority in self.levels) and (
            not self.archetypes or archetype in self.archetypes
        )

    def worded_for(self, archetype: str) -> JudgeQuestion:
        """The question with this archetype's wording (the same id, so scores still compare)."""
        text = dict(self.wording).get(archetype, self.question)
        return JudgeQuestion(self.id, self.section, text, self.levels, self.archetypes)


@dataclass(frozen=True)
class Rubric:
    """The parsed rubric.yaml."""

    version: int
    section_titles: dict[int, str]
    gates: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    judge: tuple[JudgeQuestion, ...]
    focus_question: JudgeQuestion

    def check(self, check_id: str) -> CheckSpec:
        """The spec of one check id."""
        return next(c for c in self.checks if c.id == check_id)

    def questions_for(
        self, section: int, seniority: str, focus_area: str | None = None, archetype: str = "ranking"
    ) -> list[JudgeQuestion]:
        """The judge questions for one section at this level and archetype, plus the focus question.

        Each question is worded for the archetype; the default archetype keeps the feed wording
        that callers got before archetypes existed.
        """
        asked = [
            q.worded_for(archetype)
            for q in self.judge
            if q.section == section and q.asks(seniority, archetype)
        ]
        focus = _focus_emphasis(focus_area, section)
        if focus:
            text = self.focus_question.question.format(focus=focus_area, emphasis=focus)
            asked.append(JudgeQuestion(self.focus_question.id, section, text))
        return asked


def _focus_emphasis(focus_area: str | None, section: int) -> str | None:
    if not focus_area:
        return None
    from mlsd.prompts import load_catalogue

    return load_catalogue().focus_areas[focus_area].emphasis.get(section)


def _tuple(value) -> tuple[str, ...]:
    return tuple(value or ())


@cache
def load_rubric() -> Rubric:
    """Parse evals/rubric.yaml (packaged with mlsd.evals)."""
    text = resources.files("mlsd.evals").joinpath("rubric.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    checks = tuple(
        CheckSpec(
            c["id"],
            c["section"],
            c["rubric"],
            bool(c.get("gate")),
            _tuple(c.get("thresholds")),
            _tuple(c.get("depends_on")),
            c.get("applies_when", ""),
        )
        for c in data["checks"]
    )
    judge = tuple(
        JudgeQuestion(
            q["id"],
            int(q["section"]),
            q["question"],
            _tuple(q.get("levels")),
            _tuple(q.get("archetypes")),
            tuple((q.get("wording") or {}).items()),
        )
        for q in data["judge"]
    )
    focus = data["focus_question"]
    return Rubric(
        version=int(data["version"]),
        section_titles={int(k): v for k, v in data["sections"].items()},
        gates=_tuple(data["scoring"]["gates"]),
        checks=checks,
        judge=judge,
        focus_question=JudgeQuestion(focus["id"], -1, focus["question"]),
    )
