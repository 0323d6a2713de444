"""The critic: deterministic checks first, then one LLM review of the whole draft."""

from __future__ import annotations

from typing import Annotated, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from mlsd.evals.checks import CheckResult
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template


class SectionVerdict(BaseModel):
    """The critic's judgement of one section: reasons first, then the verdict, then fixes."""

    number: int = Field(ge=1, le=12)
    reasons: str = Field(max_length=400, description="Why, against the level bar, before deciding.")
    verdict: Literal["pass", "revise"]
    fixes: list[Annotated[str, Field(max_length=240)]] = Field(
        default_factory=list, max_length=4, description="Concrete, checkable changes; empty on pass."
    )


class CrossSectionProblem(BaseModel):
    """A problem spanning sections: disagreeing numbers, repetition, flow."""

    sections: list[int] = Field(min_length=1, max_length=12)
    problem: str = Field(max_length=300)
    fix: str = Field(max_length=240)


class Waiver(BaseModel):
    """A deterministic check failure the critic judges wrong for this question, with the reason."""

    check_id: str = Field(max_length=40)
    section: int = Field(ge=0, le=12)
    reason: str = Field(max_length=240)


class CriticReport(BaseModel):
    """The critic's structured answer for one round."""

    sections: list[SectionVerdict] = Field(max_length=12)
    cross_section: list[CrossSectionProblem] = Field(default_factory=list, max_length=4)
    waivers: list[Waiver] = Field(default_factory=list, max_length=8)
    summary: str = Field(default="", max_length=400)


def accepted_waivers(report: CriticReport | None, checks: list[CheckResult]) -> list[Waiver]:
    """Waivers that name a check that really failed in that section; a gate is never waived."""
    if not report:
        return []
    failed = {(r.id, r.section): r for r in checks if not r.passed and not r.gate}
    return [w for w in report.waivers if (w.check_id, w.section) in failed]


def check_report_markdown(results: list[CheckResult]) -> str:
    """Failed deterministic checks grouped by section, for the critic's prompt."""
    lines = [f"- §{r.section or 'doc'} {r.id}: {r.fix}" for r in results if not r.passed]
    return "\n".join(lines) or "- none: every deterministic check passed"


def fixes_by_section(
    report: CriticReport | None,
    checks: list[CheckResult],
    revisable: set[int],
    verifier_fixes: dict[int, list[str]] | None = None,
) -> dict[int, list[str]]:
    """Merge failed checks (minus waived ones), the verifiers' and the critic's fixes, by section."""
    fixes: dict[int, list[str]] = {}
    waived = {(w.check_id, w.section) for w in accepted_waivers(report, checks)}
    for result in checks:
        if not result.passed and result.section in revisable and (result.id, result.section) not in waived:
            fixes.setdefault(result.section, []).append(result.fix)
    for number, found in (verifier_fixes or {}).items():
        if number in revisable:
            fixes.setdefault(number, []).extend(found)
    if report:
        for verdict in report.sections:
            if verdict.verdict == "revise" and verdict.number in revisable:
                found = verdict.fixes or [verdict.reasons]
                fixes.setdefault(verdict.number, []).extend(found)
        for problem in report.cross_section:
            for number in problem.sections:
                if number in revisable:
                    fixes.setdefault(number, []).append(f"{problem.problem} Fix: {problem.fix}")
    return {n: list(dict.fromkeys(f)) for n, f in sorted(fixes.items())}


def critic_messages(values: dict[str, str]) -> list:
    """The critic prompt over the whole draft, rendered once."""
    return load_template("critic").messages(**values)


async def review(model: BaseChatModel, messages: list) -> tuple[CriticReport, object]:
    """One LLM call over the whole draft."""
    return await ainvoke_structured(model, messages, CriticReport)
