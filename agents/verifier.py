"""The verifier: one call per section that recomputes, re-derives and re-attributes what it states.

Runs for every section written in a round, all in flight together, before the critic
(ARCHITECTURE.md, "The graph"). Its findings become fixes for that section's rewrite; the critic
keeps the cross-section job.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from mlsd.evals.arithmetic import find_arithmetic_errors
from mlsd.evals.citations import check_citations
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template

FindingKind = Literal["arithmetic", "formula", "definition", "causal", "citation", "consistency"]


class Finding(BaseModel):
    """One real error: the quoted passage, what is wrong, and the corrected statement."""

    quote: str = Field(max_length=300, description="The exact passage from the section.")
    problem: str = Field(max_length=300, description="What is wrong with it.")
    correction: str = Field(max_length=400, description="The corrected statement, ready to use.")
    kind: FindingKind


class Verification(BaseModel):
    """The verifier's answer for one section: empty when the section is correct."""

    findings: list[Finding] = Field(default_factory=list, max_length=8)


class PlanVerification(Verification):
    """The verifier's answer for the plan (its own schema name, so traces and stubs tell them apart)."""


def deterministic_findings(text: str) -> str:
    """What the arithmetic and citation checks already found in this text, for the verifier."""
    lines = [
        f'- arithmetic: "{f.expression}" states {f.stated:g}, recomputed {f.computed:g}'
        for f in find_arithmetic_errors(text)
    ]
    wrong, _unverified = check_citations(text)
    lines += [f'- citation: "{c.quote}": {c.problem} (expected {c.expected})' for c in wrong]
    return "\n".join(lines) or "none"


def verifier_messages(values: dict[str, str]) -> list:
    """The verifier prompt for one section, rendered once."""
    return load_template("verifier").messages(**values)


async def verify_section(
    model: BaseChatModel, messages: list, schema: type[Verification] = Verification
) -> tuple[Verification, object]:
    """Ask the verifier for this section's (or the plan's) errors."""
    return await ainvoke_structured(model, messages, schema)


def as_fix(finding: dict) -> str:
    """A finding as a rewrite instruction for its section."""
    return (
        f'Correct this {finding["kind"]} error: "{finding["quote"]}" — {finding["problem"]} '
        f"Corrected: {finding['correction']}"
    )
