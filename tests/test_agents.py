"""Agents in isolation with the scripted fake."""

import asyncio

import pytest
from helpers.fake_chat import FakeReply, ScriptedChatModel
from helpers.scripted import critic_json, plan_json
from langchain_core.messages import HumanMessage

from mlsd.agents.critic import CriticReport, fixes_by_section
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.writer import clean_body, cut_to_last_paragraph, write_section
from mlsd.evals.checks import CheckResult
from mlsd.llm.structured import StructuredOutputError, ainvoke_structured


def structured(model):
    return asyncio.run(ainvoke_structured(model, [HumanMessage("plan")], InterviewPlan))


def test_invalid_structured_answer_is_retried_once_with_the_error():
    bad = plan_json() | {"sections": []}  # violates min_length=12
    model = ScriptedChatModel([bad, plan_json()])
    plan, _raw = structured(model)
    assert len(plan.sections) == 12
    assert len(model.calls) == 2
    repair = model.calls[1][-1].content
    assert "did not validate against the InterviewPlan schema" in repair and "sections" in repair


def test_two_invalid_answers_fail_cleanly_with_exit_3():
    model = ScriptedChatModel(["not json", {"framing": "x"}])
    with pytest.raises(StructuredOutputError) as info:
        structured(model)
    assert info.value.exit_code == 3
    assert "failed validation twice" in str(info.value)


def test_over_long_fields_are_rejected_by_the_bounds():
    too_long = plan_json() | {"framing": "x" * 5000}
    model = ScriptedChatModel([too_long, too_long])
    with pytest.raises(StructuredOutputError):
        structured(model)


def test_writer_retries_a_cut_off_answer_once_then_reports_it():
    model = ScriptedChatModel([FakeReply("one\n\ntwo cut", "length"), FakeReply("full\n\nanswer", "stop")])
    draft, answers = asyncio.run(
        write_section(model, [], "brief", number=3, round_=0, title="T", target_words=300)
    )
    assert not draft.truncated and draft.attempts == 2 and draft.markdown == "full\n\nanswer"
    assert "at most 210 words" in model.calls[1][-1].content
    model = ScriptedChatModel([FakeReply("a\n\nb cut", "length"), FakeReply("c\n\nd cut", "length")])
    draft, _ = asyncio.run(write_section(model, [], "brief", number=3, round_=0, title="T", target_words=300))
    assert draft.truncated and draft.markdown == "c"


def test_clean_body_strips_fences_and_a_repeated_heading():
    fenced = "```markdown\n## 4. Advanced ML Model Design\nBody\n```"
    assert clean_body(fenced, "Advanced ML Model Design") == "Body"
    assert clean_body("### Baseline\nBody", "Advanced ML Model Design") == "### Baseline\nBody"
    assert cut_to_last_paragraph("a\n\nb\n\nc half") == "a\n\nb"
    assert cut_to_last_paragraph("single") == "single"


def test_fixes_merge_checks_critic_and_cross_section_problems():
    report = CriticReport.model_validate(
        critic_json(
            {4: ["Write the loss."]},
            cross=[{"sections": [2, 9], "problem": "QPS 700k vs 1M.", "fix": "Use 700k QPS."}],
        )
    )
    checks = [
        CheckResult("S12_answers", 12, False, 0.5, 0.8, "Add expected answers."),
        CheckResult("S3_labels", 3, True, 1, 1, ""),
        CheckResult("G1_headings", 0, False, 11, 12, "Add headings."),
    ]
    fixes = fixes_by_section(report, checks, set(range(1, 13)))
    assert sorted(fixes) == [2, 4, 9, 12]
    assert fixes[4] == ["Write the loss."]
    assert fixes[9] == ["QPS 700k vs 1M. Fix: Use 700k QPS."]
    assert fixes[12] == ["Add expected answers."]


def test_stray_top_level_headings_are_demoted_outside_code():
    body = "## Why\ntext\n# Big\n```\n## not a heading\n```\n### Keep"
    assert (
        clean_body(body, "Unrelated Title") == "### Why\ntext\n### Big\n```\n## not a heading\n```\n### Keep"
    )


def test_prices_live_in_one_table_local_is_free_and_unknown_is_null():
    from mlsd.llm.pricing import cost_usd

    assert cost_usd("local/SmolLM2-135M-Instruct.Q4_1", 10_000, 1_000) == 0
    assert cost_usd("some-unknown-model", 10_000, 1_000) is None
    cost = cost_usd("gpt-4.1-mini", 1_000_000, 1_000_000, cached_tokens=500_000)
    assert cost == pytest.approx(0.20 + 0.05 + 1.60)
