"""The LLM judge with the scripted fake: evidence must be in the document for a "yes" to count."""

import asyncio
import re
from pathlib import Path

import pytest
from helpers.fake_chat import ScriptedChatModel

from mlsd.agents.judge import (
    JudgeInput,
    JudgeReport,
    evidence_found,
    judge_document,
    judge_section,
    judged_score,
    prefer,
)
from mlsd.evals.compare import pairwise, wilson_interval
from mlsd.evals.documents import load_document
from mlsd.evals.rubric import load_rubric

DOC = Path(__file__).parents[1] / "evals" / "calibration" / "strong_e5_45_airbnb_search.md"
TEXT = DOC.read_text()
INFO = JudgeInput({"company_name": "Airbnb", "ml_topic": "Search Ranking"}, "E5", 45)
QUOTE = "The ML objective is to **predict the probability that the guest books each listing**"
IDS = re.compile(r"^- \[([A-Za-z0-9_]+)\]", re.M)


def _asked(messages) -> list[str]:
    return IDS.findall(messages[-1].content)


def answer_all(evidence: str, answer: str = "yes"):
    """A scripted judge answering every question it is asked with the same evidence."""

    def reply(messages):
        return {
            "answers": [
                {"id": i, "reason": "checked", "answer": answer, "evidence": evidence}
                for i in _asked(messages)
            ]
        }

    return reply


def test_a_yes_with_real_evidence_counts_even_with_different_whitespace_and_emphasis():
    quote = "The ML objective is to predict the probability\n   that the guest books each listing"
    model = ScriptedChatModel([answer_all(quote)])
    verdicts = asyncio.run(judge_section(model, TEXT, INFO, 2))
    assert verdicts and all(v.answer and v.evidence_found for v in verdicts)
    assert model.schemas == ["JudgeReport"]


def test_a_yes_with_fabricated_evidence_counts_as_no():
    model = ScriptedChatModel([answer_all("Airbnb ranks listings by a 2025 reinforcement learning agent")])
    verdicts = asyncio.run(judge_section(model, TEXT, INFO, 2))
    assert verdicts and not any(v.answer for v in verdicts)
    assert all(v.reason == "checked" and not v.evidence_found for v in verdicts)


def test_unanswered_questions_and_trivial_quotes_are_no():
    def partial(messages):
        first, *rest = _asked(messages)
        return {"answers": [{"id": first, "reason": "r", "answer": "yes", "evidence": "the"}]}

    verdicts = asyncio.run(judge_section(ScriptedChatModel([partial]), TEXT, INFO, 4))
    assert len(verdicts) >= 2 and not any(v.answer for v in verdicts)
    assert verdicts[-1].reason == "not answered"
    assert not evidence_found("ranking", TEXT) and evidence_found("NDCG@18 on the first page", TEXT)


def test_the_prompt_puts_the_document_first_and_the_sections_questions_last():
    model = ScriptedChatModel([answer_all(QUOTE)])
    asyncio.run(judge_section(model, TEXT, INFO, 5))
    system, user = model.calls[0][0].content, model.calls[0][-1].content
    assert "Expected answer:" in system and "Target level: E5" in system
    asked = {q.id for q in load_rubric().questions_for(5, "E5")}
    assert set(_asked(model.calls[0])) == asked and "section 5" in user
    assert "J5_metrics_correct" in asked and "J5_formula_argument" not in asked


def test_the_judge_schema_is_bounded():
    schema = JudgeReport.model_json_schema()
    answer = schema["$defs"]["QuestionAnswer"]["properties"]
    assert schema["properties"]["answers"]["maxItems"] == 12
    assert answer["reason"]["maxLength"] and answer["evidence"]["maxLength"]
    assert list(answer) == ["id", "reason", "answer", "evidence"]  # reason before the verdict


def test_judged_score_asks_every_present_section_and_mixes_d_and_j():
    model = ScriptedChatModel(default=answer_all(QUOTE))
    score = asyncio.run(judged_score(load_document(DOC), model))
    assert len(model.calls) == 13 and score.judged
    assert all(s.judge == 1.0 and s.score == pytest.approx(1.0) for s in score.sections)
    fabricated = ScriptedChatModel(default=answer_all("invented sentence that is nowhere in it"))
    low = asyncio.run(judged_score(load_document(DOC), fabricated))
    assert all(s.judge == 0.0 for s in low.sections)
    assert low.overall == pytest.approx(0.4)  # D = 1.0 everywhere, J = 0


def test_missing_sections_are_not_asked_about():
    text = TEXT.split("## 7. Advanced System Architecture")[0]
    model = ScriptedChatModel(default=answer_all(QUOTE))
    verdicts = asyncio.run(judge_document(model, text, INFO))
    assert {v.section for v in verdicts} == set(range(0, 7))


def test_pairwise_is_judged_twice_with_the_order_swapped(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("weak document"), b.write_text("strong document")
    entry = {"seniority": "E5", "duration": 45, "focus_area": None}
    reports_a = {"r1": {**entry, "path": str(a)}, "r2": {**entry, "path": str(a)}}
    reports_b = {"r1": {**entry, "path": str(b)}, "r2": {**entry, "path": str(b)}}

    def always_the_strong_one(messages):
        text = messages[-1].content
        first_is_strong = text.index("strong document") < text.index("weak document")
        return {"reason": "deeper", "winner": "A" if first_is_strong else "B"}

    model = ScriptedChatModel(default=always_the_strong_one)

    async def choose(first, second, e):
        return await prefer(model, first, second, INFO)

    result = asyncio.run(pairwise(reports_a, reports_b, choose))
    assert len(model.calls) == 4 and result["judgements"] == 4
    assert result["b_win_rate"] == 1.0 and result["order_disagreements"] == 0
    assert result["ci95"][0] == pytest.approx(wilson_interval(4, 4)[0], abs=1e-4) and result["ci95"][1] == 1.0


def test_wilson_interval_matches_known_values():
    low, high = wilson_interval(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_the_judge_asks_in_the_archetypes_words_and_names_the_archetype():
    risk = JudgeInput(
        {"company_name": "PayPal", "ml_topic": "Account Takeover Detection"}, "E7", 60, None, "risk"
    )
    model = ScriptedChatModel([answer_all(QUOTE)])
    asyncio.run(judge_section(model, TEXT, risk, 3))
    system, user = model.calls[0][0].content, model.calls[0][-1].content
    assert '"archetype": "Risk & integrity (risk)"' in system
    assert "velocity counters" in user and "user–author affinity" not in user
    feed = ScriptedChatModel([answer_all(QUOTE)])
    asyncio.run(judge_section(feed, TEXT, INFO, 3))
    assert "user–author affinity" in feed.calls[0][-1].content
    assert set(_asked(model.calls[0])) == {q.id for q in load_rubric().questions_for(3, "E7", None, "risk")}


def test_judged_score_asks_in_the_documents_own_archetype():
    doc = load_document(DOC.parent / "strong_e7_60_paypal_account_takeover.md")
    model = ScriptedChatModel(default=answer_all("invented sentence that is nowhere in it"))
    asyncio.run(judged_score(doc, model))
    asked = "\n".join(call[-1].content for call in model.calls)
    assert "chargeback" in asked and "clickbait" not in asked
