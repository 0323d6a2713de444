"""Small local models: short prompts, a plan completed from the archetype, no LLM review."""

from pathlib import Path

import yaml
from helpers.fake_chat import FakeModelFactory, ScriptedChatModel
from helpers.scripted import section_body, section_number, small_plan_json

from mlsd.agents import briefs
from mlsd.agents.budgets import message_tokens, section_budgets, writer_max_tokens, writer_target_words
from mlsd.agents.plan import SmallPlanAnswer
from mlsd.agents.planner import complete_small_plan, planner_messages
from mlsd.agents.small_model import SMALL_WRITER_MAX_TOKENS, is_small_model
from mlsd.llm.tokens import count_tokens
from mlsd.prompts import load_archetype, load_catalogue
from mlsd.records import Params, validate_record
from mlsd.runs.runner import RunRequest, run_document

RECORD = {
    "company_name": "Stripe",
    "ml_topic": "Payment Fraud Detection",
    "interview_frequency": "High",
    "product_description": "Score every card payment in real time and block fraud.",
}


def _record():
    return validate_record(RECORD)[0]


def test_small_means_a_context_below_32k():
    assert is_small_model(4096) and is_small_model(8192)
    assert not is_small_model(None) and not is_small_model(32_768) and not is_small_model(128_000)


def test_small_writers_are_capped_at_what_the_model_can_say():
    budget = {"words": 700, "tokens": 945, "max_tokens": 1890}
    assert writer_max_tokens(budget, 4096) == SMALL_WRITER_MAX_TOKENS
    assert writer_max_tokens(budget, 128_000) == 1890
    assert writer_target_words(budget, 4096) < 200 and writer_target_words(budget, None) == 700


def test_small_plan_is_completed_from_the_archetype():
    answer = SmallPlanAnswer.model_validate(small_plan_json())
    plan = complete_small_plan(answer, load_archetype("risk"))
    assert [f.value for f in plan.facts] == [f["value"] for f in small_plan_json()["facts"]]
    assert [s.number for s in plan.sections] == list(range(1, 13))
    assert all(len(s.key_points) >= 3 for s in plan.sections)
    nodes = {e.source for e in plan.architecture} | {e.target for e in plan.architecture}
    # The risk archetype's two paths, parentheses dropped: "feature fetch (entity profiles, …)".
    assert {"rules engine", "risk model", "feature fetch", "training"} <= nodes
    assert all(len(n) <= 40 for n in nodes)


def test_a_small_fact_value_must_be_a_number():
    bad = small_plan_json()
    bad["facts"][0]["value"] = "The interview"
    try:
        SmallPlanAnswer.model_validate(bad)
    except ValueError as error:
        assert "pattern" in str(error)
    else:
        raise AssertionError("a worded value was accepted")


def test_small_prompts_are_a_fraction_of_the_full_ones():
    record, params = _record(), Params()
    archetype = load_archetype("risk")
    full = message_tokens(planner_messages(briefs.planner_values(record, params, archetype)))
    values = briefs.small_planner_values(record, params, archetype)
    small = message_tokens(planner_messages(values, small=True))
    assert small * 5 < full
    plan = complete_small_plan(SmallPlanAnswer.model_validate(small_plan_json()), archetype)
    plan = plan.model_copy(update={"archetype": "risk"})
    spec = load_catalogue().section(3)
    brief = briefs.small_section_brief(spec, record, plan, 120)
    assert brief.startswith("Section 3: Advanced Data Strategy & Feature Engineering.")
    # The archetype's expert points for the section, not the full brief's instructions.
    assert "velocity counters" in brief and "Required elements" not in brief
    assert count_tokens(brief) < 400


def _small_factory(writer_calls: list):
    def write(messages):
        writer_calls.append(messages)
        return section_body(section_number(messages))

    planner = ScriptedChatModel([small_plan_json()])
    planner.by_schema["ArchetypeChoice"] = {"archetype": "risk", "reason": "scores payments for fraud"}
    critic = ScriptedChatModel()  # no reply scripted: a call would fail the run
    models = FakeModelFactory(
        {"planner": planner, "writer": ScriptedChatModel(default=write), "critic": critic}
    )
    models.context_length = 4096
    return models


async def _run(tmp_path, models):
    request = RunRequest(
        record=_record(),
        params=Params(),
        out_dir=tmp_path / "content",
        home=tmp_path / "home",
        max_revisions=0,
        verify=False,
    )
    return await run_document(request, models)


def test_a_small_model_run_uses_short_prompts_and_no_llm_review(tmp_path):
    import asyncio

    writer_calls: list = []
    models = _small_factory(writer_calls)
    outcome = asyncio.run(_run(tmp_path, models))
    text = Path(outcome.output_path).read_text()
    assert len(writer_calls) == 12
    assert max(message_tokens(c) for c in writer_calls) < 900
    assert all("Section brief" not in str(c[-1].content) for c in writer_calls)
    assert models.max_tokens["critic"] == []  # the deterministic checks were the whole review
    assert all(m <= SMALL_WRITER_MAX_TOKENS for m in models.max_tokens["writer"])
    meta = yaml.safe_load(text.split("---\n")[1])
    assert any("deterministic checks only" in note for note in meta["notes"])
    assert "risk model" in text  # the diagram drawn from the archetype's paths


def test_small_budgets_keep_the_document_targets():
    # The caps change what is asked of a small model, not the document's budgets.
    assert sum(b.words for b in section_budgets(45, "E5").values()) > 3000
