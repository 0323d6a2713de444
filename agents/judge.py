"""The LLM judge: the rubric's yes/no questions per section, each answered with quoted evidence.

Questions are worded for the document's archetype (evals/rubric.yaml `wording`), and the record
the judge reads names the archetype, so a fraud or ETA document is never asked about feed
engagement.

A "yes" counts only when its evidence is found in the document (whitespace and emphasis marks
normalised); otherwise it is scored as "no", so a judge cannot pass a section on an invented
quote.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from mlsd.evals.checks import split_sections
from mlsd.evals.documents import Document
from mlsd.evals.evaluate import check_params, run_checks
from mlsd.evals.rubric import SECTIONS, JudgeQuestion, load_rubric
from mlsd.evals.score import DocumentScore, JudgeVerdict, score_document
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template
from mlsd.prompts.archetypes import load_archetype

JUDGE_MAX_TOKENS = 2500
# Shorter "evidence" (a word or two) would be found in almost any document.
MIN_EVIDENCE_CHARS = 12


class QuestionAnswer(BaseModel):
    """The judge's answer to one question: reason first, then yes/no, then a verbatim quote."""

    id: str = Field(max_length=40, description="The question id, exactly as given.")
    reason: str = Field(max_length=600, description="Why, weighed against the question, before answering.")
    answer: Literal["yes", "no"]
    evidence: str = Field(
        default="", max_length=300, description="A verbatim passage of the document supporting a yes."
    )


class JudgeReport(BaseModel):
    """The judge's answers for one part of the document."""

    answers: list[QuestionAnswer] = Field(max_length=12)


@dataclass(frozen=True)
class JudgeInput:
    """What the judge needs to know about the document besides its text."""

    record: dict
    seniority: str
    duration: int
    focus_area: str | None = None
    # The problem archetype (prompts/archetypes/); the default keeps the feed wording of old callers.
    archetype: str = "ranking"


_EMPHASIS = re.compile(r"[*_`>#|]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "−": "-"})


def normalise(text: str) -> str:
    """Case, whitespace, quotes, dashes and markdown emphasis folded, for evidence matching."""
    text = _EMPHASIS.sub(" ", text.translate(_QUOTES))
    return " ".join(text.split()).casefold()


def evidence_found(evidence: str, document: str) -> bool:
    """Whether a quote (after normalising) occurs in the document and is long enough to mean it."""
    quote = normalise(evidence).strip(" .…\"'")
    return len(quote) >= MIN_EVIDENCE_CHARS and quote in normalise(document)


def _questions_text(questions: list[JudgeQuestion]) -> str:
    return "\n".join(f"- [{q.id}] {q.question}" for q in questions)


def _scope(section: int) -> str:
    titles = load_rubric().section_titles
    if section == 0:
        return "the whole document (global questions)"
    return f'section {section}, "{titles[section]}" (its text is under that heading in the document)'


def verdicts_from(report: JudgeReport, questions: list[JudgeQuestion], document: str) -> list[JudgeVerdict]:
    """Pair answers with questions; unanswered questions and unsupported yeses are "no"."""
    answers = {a.id: a for a in report.answers}
    out = []
    for q in questions:
        a = answers.get(q.id)
        if a is None:
            out.append(JudgeVerdict(q.id, q.section, q.question, "not answered", False, "", False))
            continue
        found = evidence_found(a.evidence, document) if a.answer == "yes" else False
        out.append(
            JudgeVerdict(
                q.id, q.section, q.question, a.reason, a.answer == "yes" and found, a.evidence, found
            )
        )
    return out


def _values(document: str, info: JudgeInput) -> dict[str, str]:
    record = {**info.record, "archetype": f"{load_archetype(info.archetype).name} ({info.archetype})"}
    return {
        "record_json": json.dumps(record, indent=2, ensure_ascii=False),
        "seniority": info.seniority,
        "duration": str(info.duration),
        "focus": info.focus_area or "none",
        "document": document,
    }


async def judge_section(
    model: BaseChatModel, document: str, info: JudgeInput, section: int
) -> list[JudgeVerdict]:
    """Ask one section's questions in one structured call."""
    questions = load_rubric().questions_for(section, info.seniority, info.focus_area, info.archetype)
    if not questions:
        return []
    system, user = load_template("judge").render_pair(
        **_values(document, info), scope=_scope(section), questions=_questions_text(questions)
    )
    report, _raw = await ainvoke_structured(model, [SystemMessage(system), HumanMessage(user)], JudgeReport)
    return verdicts_from(report, questions, document)


async def judge_document(
    model: BaseChatModel, document: str, info: JudgeInput, concurrency: int = 4
) -> list[JudgeVerdict]:
    """All sections' questions: the document goes first in every call, so providers cache it.

    Sections the document lacks are not asked about; their D score is already 0.
    """
    present = set(split_sections(document)) | {0}
    slots = asyncio.Semaphore(concurrency)

    async def one(section: int) -> list[JudgeVerdict]:
        async with slots:
            return await judge_section(model, document, info, section)

    parts = await asyncio.gather(*(one(n) for n in SECTIONS if n in present))
    return [v for part in parts for v in part]


class PairwisePreference(BaseModel):
    """Which of two documents prepares a candidate better: reason first, then the winner."""

    reason: Annotated[str, Field(max_length=800)]
    winner: Literal["A", "B", "tie"]


async def prefer(model: BaseChatModel, first: str, second: str, info: JudgeInput) -> str:
    """One pairwise judgement: "A" if `first` is better, "B" if `second`, else "tie"."""
    values = _values("", info)
    values.pop("document")
    system, user = load_template("judge_pairwise").render_pair(**values, document_a=first, document_b=second)
    answer, _raw = await ainvoke_structured(
        model, [SystemMessage(system), HumanMessage(user)], PairwisePreference
    )
    return answer.winner


async def judged_score(doc: Document, model: BaseChatModel) -> DocumentScore:
    """D and J: the judge answers the rubric's questions for every section present."""
    params = check_params(doc)
    info = JudgeInput(doc.record(), params.seniority, params.duration, params.focus_area, doc.archetype)
    verdicts = await judge_document(model, doc.text, info)
    return score_document(run_checks(doc), verdicts, params.focus_area)
