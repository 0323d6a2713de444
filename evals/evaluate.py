"""Score documents with the deterministic checks (the judged score is the judge agent's job)."""

from __future__ import annotations

from mlsd.evals.checks import CheckParams, CheckResult, check_document
from mlsd.evals.documents import Document
from mlsd.evals.score import DocumentScore, score_document


def check_params(doc: Document) -> CheckParams:
    """What the checks need, from the document's parameters and front matter."""
    p = doc.params
    return CheckParams(
        seniority=p.seniority.value,
        duration=p.duration,
        focus_area=p.focus_area.value if p.focus_area else None,
        company_name=doc.company,
        archetype=doc.archetype,
    )


def run_checks(doc: Document) -> list[CheckResult]:
    """Every deterministic check on one document."""
    return check_document(doc.text, check_params(doc))


def deterministic_score(doc: Document) -> DocumentScore:
    """The D-only score (no judge)."""
    return score_document(run_checks(doc), None, check_params(doc).focus_area)
