"""The graph with scripted fake models: fan-out, bounded revision loop, resume, shape."""

import asyncio
from pathlib import Path

import httpx
import openai
import pytest
import yaml
from helpers.fake_chat import FakeModelFactory, FakeReply, ScriptedChatModel
from helpers.scripted import critic_json, plan_json, section_body, section_number, small_plan_json

from mlsd.errors import ModelCallError
from mlsd.graph.builder import build_graph
from mlsd.records import Params, validate_record
from mlsd.runs.runner import RunRequest, run_document

RECORD = {
    "company_name": "Meta",
    "ml_topic": "Design a News Feed ML Ranking System",
    "interview_frequency": "Very High",
    "product_description": "Rank the Facebook News Feed for billions of users.",
}
HEADINGS = [
    "## 1. Interview Overview",
    "## 2. Problem Definition & Technical Requirements",
    "## 3. Advanced Data Strategy & Feature Engineering",
    "## 4. Advanced ML Model Design",
    "## 5. Advanced Training & Evaluation",
    "## 6. Model Serving & Inference Optimization",
    "## 7. Advanced System Architecture",
    "## 8. Advanced Monitoring & ML Observability",
    "## 9. Advanced Scalability & Performance",
    "## 10. Advanced ML Topics",
    "## 11. Technical Deep-Dive Discussion Points",
    "## 12. Advanced Technical Interview Questions",
]


def no_checks(*_args, **_kwargs):
    return []


def writer_default(messages):
    round_ = 1 if any("<previous_draft>" in m.content for m in messages) else 0
    return section_body(section_number(messages), round_)


def factory(planner=None, writer=None, critic=None):
    models = FakeModelFactory(
        {
            "planner": planner or ScriptedChatModel([plan_json()]),
            "writer": writer or ScriptedChatModel(default=writer_default),
            "critic": critic or ScriptedChatModel(default=lambda _m: critic_json()),
        }
    )
    models.context_length = None
    return models


def request(tmp_path, **kw):
    record, _ = validate_record(RECORD)
    return RunRequest(
        record=record,
        params=kw.pop("params", Params()),
        out_dir=tmp_path / "content",
        home=tmp_path / "home",
        **kw,
    )


def run(req, models, checker=no_checks):
    req.checker = checker
    return asyncio.run(run_document(req, models))


def front_matter(text):
    return yaml.safe_load(text.split("---\n")[1])


def test_full_run_writes_twelve_sections_in_order(tmp_path):
    models = factory()
    outcome = run(request(tmp_path), models)
    path = Path(outcome.output_path)
    assert (
        path
        == (tmp_path / "content/ml-system-designs/Meta/Design a News Feed ML Ranking System.md").resolve()
    )
    text = path.read_text()
    positions = [text.index(h + "\n") for h in HEADINGS]
    assert positions == sorted(positions)
    meta = front_matter(text)
    assert meta["company"] == "Meta" and meta["seniority"] == "E7" and meta["duration"] == "60min"
    assert meta["run_id"] == outcome.run_id
    # archetype, plan, plan verifier, 12 writers, 12 verifiers, critique
    assert meta["tokens"]["calls"] == 28
    assert "```mermaid" in text and "| **Total** | **60** |" in text
    assert len(models.roles["writer"].calls) == 12


def test_writer_prompts_share_a_byte_identical_prefix(tmp_path):
    models = factory()
    run(request(tmp_path), models)
    calls = models.roles["writer"].calls
    prefixes = {tuple((m.type, m.content) for m in call[:-1]) for call in calls}
    assert len(prefixes) == 1
    briefs = {call[-1].content for call in calls}
    assert len(briefs) == 12
    (system, _user) = next(iter(prefixes))
    assert "<record>" in system[1] and "Meta" in system[1]


def test_critic_revise_rewrites_exactly_the_flagged_sections(tmp_path):
    critic = ScriptedChatModel(
        [critic_json({4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic in TB."]})],
        default=lambda _m: critic_json(),
    )
    models = factory(critic=critic)
    outcome = run(request(tmp_path), models)
    calls = models.roles["writer"].calls
    assert len(calls) == 14
    rewrites = {section_number(c): c[-1].content for c in calls[12:]}
    assert sorted(rewrites) == [4, 9]
    # Each rewrite carries its own section's fix and not the other's.
    assert "Write the loss as a formula." in rewrites[4] and "Add capacity arithmetic" not in rewrites[4]
    assert (
        "Add capacity arithmetic in TB." in rewrites[9] and "Write the loss as a formula." not in rewrites[9]
    )
    text = Path(outcome.output_path).read_text()
    assert "Body of section 4, round 1" in text and "Body of section 9, round 1" in text
    assert "Body of section 5, round 0" in text
    assert len(critic.calls) == 2


def test_revision_loop_stops_at_max_revisions(tmp_path):
    critic = ScriptedChatModel(default=lambda _m: critic_json({6: ["Add a fallback."]}))
    models = factory(critic=critic)
    outcome = run(request(tmp_path, max_revisions=2), models)
    assert len(models.roles["writer"].calls) == 12 + 2
    assert len(critic.calls) == 3
    meta = front_matter(Path(outcome.output_path).read_text())
    assert meta["critic"]["rounds"] == 2
    assert meta["critic"]["unresolved_sections"] == [6]


def test_zero_revisions_means_one_review_and_no_rewrite(tmp_path):
    critic = ScriptedChatModel(default=lambda _m: critic_json({6: ["Add a fallback."]}))
    models = factory(critic=critic)
    run(request(tmp_path, max_revisions=0), models)
    assert len(models.roles["writer"].calls) == 12
    assert len(critic.calls) == 1


def test_failed_deterministic_checks_flag_sections_even_when_the_critic_passes(tmp_path):
    from mlsd.evals.checks import check_document

    models = factory()
    outcome = run(request(tmp_path, max_revisions=1), models, checker=check_document)
    reviews = outcome.state["reviews"]
    flagged = {f["number"] for f in reviews[0]["flagged"]}
    assert {2, 12} <= flagged  # thin fake bodies have no clarifying questions and no questions
    assert len(models.roles["writer"].calls) == 12 + len(flagged)


def test_a_cut_off_section_is_retried_then_reported_not_saved_as_complete(tmp_path):
    def writer(messages):
        number = section_number(messages)
        if number == 3:
            return FakeReply("Para one complete.\n\nPara two cut mid-sent", finish_reason="length")
        return writer_default(messages)

    critic = ScriptedChatModel(default=lambda _m: critic_json())
    models = factory(writer=ScriptedChatModel(default=writer), critic=critic)
    outcome = run(request(tmp_path, max_revisions=1), models)
    drafts = [d for d in outcome.state["drafts"] if d["number"] == 3]
    assert [d["truncated"] for d in drafts] == [True, True]
    assert all("cut mid-sent" not in d["markdown"] for d in drafts)
    assert outcome.state["reviews"][0]["flagged"][0]["fixes"][0].startswith("The section was cut off")
    meta = front_matter(Path(outcome.output_path).read_text())
    assert meta["critic"]["unresolved_sections"] == [3]
    # two attempts per round for section 3: the first draft and its one retry, then the rewrite
    assert sum(1 for c in models.roles["writer"].calls if section_number(c) == 3) >= 4


def test_a_failed_section_fails_the_run_and_resume_repeats_no_finished_call(tmp_path):
    failures = {"left": 2}  # the first call and the in-run re-send both fail

    def flaky(messages):
        if section_number(messages) == 5 and failures["left"]:
            failures["left"] -= 1
            raise openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1/v1"))
        return writer_default(messages)

    writer = ScriptedChatModel(default=flaky)
    planner = ScriptedChatModel([plan_json()])
    models = factory(planner=planner, writer=writer)
    with pytest.raises(ModelCallError, match="resume with: mlsd generate --resume"):
        run(request(tmp_path), models)
    assert not (tmp_path / "content").exists()
    first = [section_number(c) for c in writer.calls]
    assert sorted(first) == sorted([*range(1, 13), 5])

    outcome = run(request(tmp_path), models)  # same command again: resumes by itself
    assert outcome.resumed
    second = [section_number(c) for c in writer.calls[len(first) :]]
    assert second == [5]
    assert len(planner.calls) == 1
    assert Path(outcome.output_path).exists()


def test_graph_shape_snapshot(snapshot):
    # syrupy fails on a missing snapshot; only `pytest --snapshot-update` writes one.
    assert build_graph().get_graph().draw_mermaid() == snapshot


def test_budgets_shrink_to_a_small_context_window_and_say_so(tmp_path):
    models = factory(planner=ScriptedChatModel([small_plan_json()]))
    models.context_length = 5000
    outcome = run(request(tmp_path), models)
    assert all(m <= 5000 for m in models.max_tokens["writer"] + models.max_tokens["planner"])
    meta = front_matter(Path(outcome.output_path).read_text())
    assert any("to fit the 5000-token context" in note for note in meta["notes"])
