"""The rubric's score: per section D pass-rate × 0.4 + J yes-rate × 0.6, averaged; gates cap it.

Skipped checks (they do not apply to the document's archetype) are left out of every rate and
listed on their own. Critic waivers are reported next to the score but never change it: a waived
check that failed still counts as failed, because a waiver is the generator's own claim that the
check misfired and an evaluation must not let the system under test mark its own work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from mlsd.evals import thresholds as th
from mlsd.evals.checks import CheckResult, focus_sections, gates_failed, section_score, skipped
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
    checks_skipped: int = 0


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
    # 1.0 pass / 0.0 fail per criterion ("check_id@section", "judge_id@section"), for comparisons;
    # skipped checks have no mark.
    criteria: dict[str, float] = field(default_factory=dict)
    # {"id", "section", "reason"} of every check that did not apply to the archetype.
    skipped_checks: list[dict] = field(default_factory=list)

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
    mine = [r for r in checks if r.section == number and not r.skipped]
    skips = sum(1 for r in checks if r.section == number and r.skipped)
    d_rate = section_score(checks, number)
    if verdicts is None:
        return SectionScore(
            number, d_rate, None, d_rate, weight, sum(r.passed for r in mine), len(mine), checks_skipped=skips
        )
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
        skips,
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
    marks = {f"{r.id}@{r.section}": float(r.passed) for r in checks if not r.skipped}
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
        [{"id": r.id, "section": r.section, "reason": r.skip_reason} for r in skipped(checks)],
    )


def waiver_status(waivers: Iterable[dict], score: DocumentScore) -> list[dict]:
    """Each critic waiver with the state of the check it names; the score is never changed.

    A waiver is {"check", "section", "reason"}. Its status is "failed" (the check failed and still
    counts as failed), "passed", "skipped" (the check did not apply) or "not run".
    """
    failed = {(f["id"], f["section"]) for f in score.failed_checks}
    skips = {(s["id"], s["section"]) for s in score.skipped_checks}
    ran = {(key.rsplit("@", 1)[0], int(key.rsplit("@", 1)[1])) for key in score.criteria}
    out = []
    for waiver in waivers:
        key = (waiver["check"], int(waiver["section"]))
        status = (
            "failed"
            if key in failed
            else "skipped"
            if key in skips
            else "passed"
            if key in ran
            else "not run"
        )
        out.append({"id": key[0], "section": key[1], "reason": waiver.get("reason", ""), "status": status})
    return out
