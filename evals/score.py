"""The rubric's score: per section D pass-rate × 0.4 + J yes-rate × 0.6, averaged; gates cap it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from mlsd.evals import thresholds as th
from mlsd.evals.checks import CheckResult, focus_sections, gates_failed, section_score
from mlsd.evals.rubric import SECTIONS

NEEDS_REVISION = "needs revision"


@dataclass(frozen=True)
class JudgeVerdict:
    """One judged question after the evidence check: yes only if the evidence is in the document."""

    id: str
    section: int
    question: str
    reason: str
    answer: bool
    evidence: str
    evidence_found: bool


@dataclass(frozen=True)
class SectionScore:
    """One section's share of the score (section 0 is the whole document)."""

    section: int
    deterministic: float
    judge: float | None
    score: float
    weight: float
    checks_passed: int
    checks_total: int
    yes: int = 0
    asked: int = 0


@dataclass
class DocumentScore:
    """The score of one document: sections, overall, verdict and what failed."""

    sections: list[SectionScore]
    overall: float
    verdict: str
    judged: bool
    gates_failed: list[str]
    failed_checks: list[dict] = field(default_factory=list)
    judge_verdicts: list[JudgeVerdict] = field(default_factory=list)
    # 1.0 pass / 0.0 fail per criterion ("check_id@section", "judge_id@section"), for comparisons.
    criteria: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain data for JSON reports."""
        return asdict(self)


def verdict_for(overall: float, gates: list[str]) -> str:
    """The verdict band for a score; any failed gate caps it at "needs revision"."""
    if gates:
        return NEEDS_REVISION
    return next((name for name, floor in th.VERDICT_BANDS if overall >= floor), NEEDS_REVISION)


def _section(
    number: int, checks: list[CheckResult], verdicts: list[JudgeVerdict] | None, weight: float
) -> SectionScore:
    mine = [r for r in checks if r.section == number]
    d_rate = section_score(checks, number)
    if verdicts is None:
        return SectionScore(number, d_rate, None, d_rate, weight, sum(r.passed for r in mine), len(mine))
    asked = [v for v in verdicts if v.section == number]
    yes = sum(v.answer for v in asked)
    j_rate = yes / len(asked) if asked else d_rate  # no question for the section: D stands alone
    score = d_rate * th.DETERMINISTIC_WEIGHT + j_rate * th.JUDGE_WEIGHT
    return SectionScore(
        number,
        d_rate,
        j_rate if asked else None,
        score,
        weight,
        sum(r.passed for r in mine),
        len(mine),
        yes,
        len(asked),
    )


def score_document(
    checks: list[CheckResult], verdicts: Iterable[JudgeVerdict] | None = None, focus_area: str | None = None
) -> DocumentScore:
    """Score one document from its check results and, when judged, its judge verdicts.

    Without verdicts the score is the D pass-rate alone (reports say "deterministic only").
    """
    verdicts = list(verdicts) if verdicts is not None else None
    focus = set(focus_sections(focus_area))
    sections = [
        _section(n, checks, verdicts, th.FOCUS_SECTION_WEIGHT if n in focus else 1.0) for n in SECTIONS
    ]
    total_weight = sum(s.weight for s in sections)
    overall = round(sum(s.score * s.weight for s in sections) / total_weight, 4)
    gates = sorted({g.id for g in gates_failed(checks)})
    failed = [
        {"id": r.id, "section": r.section, "measured": r.measured, "threshold": r.threshold}
        for r in checks
        if not r.passed
    ]
    marks = {f"{r.id}@{r.section}": float(r.passed) for r in checks}
    marks |= {f"{v.id}@{v.section}": float(v.answer) for v in verdicts or []}
    return DocumentScore(
        sections,
        overall,
        verdict_for(overall, gates),
        verdicts is not None,
        gates,
        failed,
        verdicts or [],
        marks,
    )
