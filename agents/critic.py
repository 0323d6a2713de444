"""The critic: deterministic checks first, then one LLM review of the whole draft."""

from __future__ import annotations

from typing import Annotated, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
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


class CriticReport(BaseModel):
    """The critic's structured answer for one round."""

    sections: list[SectionVerdict] = Field(max_length=12)
    cross_section: list[CrossSectionProblem] = Field(default_factory=list, max_length=4)
    summary: str = Field(default="", max_length=400)


def check_report_markdown(results: list[CheckResult]) -> str:
    """Failed deterministic checks grouped by section, for the critic's prompt."""
    lines = [f"- §{r.section or 'doc'} {r.id}: {r.fix}" for r in results if not r.passed]
    return "\n".join(lines) or "- none: every deterministic check passed"


def fixes_by_section(
    report: CriticReport | None, checks: list[CheckResult], revisable: set[int]
) -> dict[int, list[str]]:
    """Merge the critic's fixes with failed checks: the sections to rewrite and how."""
    fixes: dict[int, list[str]] = {}
    for result in checks:
        if not result.passed and result.section in revisable:
            fixes.setdefault(result.section, []).append(result.fix)
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


async def review(model: BaseChatModel, **values: str) -> tuple[CriticReport, object]:
    """One LLM call over the whole draft; values fill the critic template."""
    system, user = load_template("critic").render_pair(**values)
    return await ainvoke_structured(model, [SystemMessage(system), HumanMessage(user)], CriticReport)
