"""The plan review through the real graph and the SQLite checkpointer, with scripted models."""

import copy
from pathlib import Path

from helpers.fake_chat import ScriptedChatModel
from helpers.scripted import plan_json
from test_graph import factory, request, run

from mlsd.runs.store import RunStore


def resume(tmp_path, outcome, decision, models, **kw):
    """Continue a paused run with the user's decision, as `mlsd generate --resume` does."""
    req = request(tmp_path, resume_id=outcome.run_id, resume_value=decision, **kw)
    return run(req, models)


def status(tmp_path, run_id):
    return RunStore(tmp_path / "home" / "runs.db").get(run_id).status


def test_review_pauses_before_any_writer_then_accept_writes_the_document(tmp_path):
    models = factory()
    paused = run(request(tmp_path, review_plan=True), models)
    assert paused.output_path is None and paused.review is not None
    assert paused.review["plan"]["facts"][0]["value"] == "2B DAU"
    assert paused.review["archetype"]["id"] == "ranking" and paused.review["error"] is None
    assert models.roles["writer"].calls == []
    assert status(tmp_path, paused.run_id) == "paused"
    assert not (tmp_path / "content").exists()

    done = resume(tmp_path, paused, {"action": "accept"}, factory(planner=ScriptedChatModel()))
    assert done.run_id == paused.run_id and done.review is None
    assert Path(done.output_path).is_file()
    assert status(tmp_path, done.run_id) == "done"
    assert "plan: accepted in review" in done.state["notes"]


def test_rerunning_a_paused_run_without_a_decision_pauses_again_at_no_cost(tmp_path):
    paused = run(request(tmp_path, review_plan=True), factory())
    # The same command again (no decision): same run, same plan, no model call at all.
    idle = factory(planner=ScriptedChatModel(), writer=ScriptedChatModel(), critic=ScriptedChatModel())
    again = run(request(tmp_path, review_plan=True), idle)
    assert again.run_id == paused.run_id and again.resumed
    assert again.review["plan"] == paused.review["plan"]
    assert all(m.calls == [] and m.schema_calls == [] for m in idle.roles.values())


def test_an_edited_fact_reaches_every_writer_prompt(tmp_path):
    paused = run(request(tmp_path, review_plan=True), factory())
    edited = copy.deepcopy(paused.review["plan"])
    edited["facts"][3]["value"] = "≈910k QPS"  # Peak feed QPS, was ≈700k QPS
    models = factory(planner=ScriptedChatModel())
    done = resume(tmp_path, paused, {"action": "edit", "plan": edited}, models)
    calls = models.roles["writer"].calls
    assert len(calls) == 12
    for call in calls:
        prompt = "\n".join(m.content for m in call)
        assert "≈910k QPS" in prompt and "≈700k QPS" not in prompt
    assert done.state["plan"]["facts"][3]["value"] == "≈910k QPS"
    assert "plan: edited in review" in done.state["notes"]


def test_feedback_makes_one_planner_call_then_reviews_the_revised_plan(tmp_path):
    paused = run(request(tmp_path, review_plan=True), factory())
    revised = plan_json()
    revised["framing"] = "Rank the feed for 3B people: pick from ~1,500 candidates in 300 ms."
    planner = ScriptedChatModel([revised])
    again = resume(
        tmp_path, paused, {"action": "feedback", "text": "Meta has 3B users, not 2B."}, factory(planner)
    )
    assert len(planner.calls) == 1
    last = planner.calls[0][-1].content
    assert "Meta has 3B users, not 2B." in last and "<feedback>" in last
    # The planner's second turn answers its first: the current plan is the assistant message.
    assert "2B people" in planner.calls[0][-2].content
    assert again.review is not None and again.review["plan"]["framing"].startswith("Rank the feed for 3B")
    assert status(tmp_path, paused.run_id) == "paused"

    models = factory(planner=ScriptedChatModel())
    done = resume(tmp_path, paused, {"action": "accept"}, models)
    assert all("3B people" in call[0].content + call[1].content for call in models.roles["writer"].calls)
    assert "plan: revised by the planner from review feedback" in done.state["notes"]


def test_an_invalid_edit_reaching_the_graph_is_reviewed_again_with_the_error(tmp_path):
    # The CLI validates edits first; Studio sends whatever the user typed.
    paused = run(request(tmp_path, review_plan=True), factory())
    broken = copy.deepcopy(paused.review["plan"])
    broken["facts"][2]["value"] = "x" * 41
    models = factory(planner=ScriptedChatModel(), writer=ScriptedChatModel())
    again = resume(tmp_path, paused, {"action": "edit", "plan": broken}, models)
    assert again.review["error"] == "facts item 3, value: String should have at most 40 characters"
    assert again.review["plan"] == paused.review["plan"]
    assert models.roles["writer"].calls == []
    bogus = resume(tmp_path, paused, {"action": "approve"}, models)
    assert bogus.review["error"].startswith("action: must be one of accept, edit, feedback")


def test_without_review_the_run_does_not_pause(tmp_path):
    outcome = run(request(tmp_path), factory())
    assert outcome.review is None and Path(outcome.output_path).is_file()
    assert outcome.state["plan_review"] == {"action": "off"}


def test_a_given_plan_skips_the_archetype_and_planner_calls(tmp_path):
    given = plan_json()
    given["facts"][0]["value"] = "2.1B DAU"
    given |= {"archetype": "ranking", "archetype_reason": "a feed"}
    planner = ScriptedChatModel()
    models = factory(planner=planner)
    done = run(request(tmp_path, plan=given), models)
    assert planner.calls == [] and planner.schema_calls == []  # no plan, no archetype call
    # The user's plan is not re-checked (the planner would rewrite their numbers); sections are.
    checked = [name for name, _ in models.roles["critic"].schema_calls]
    assert "PlanVerification" not in checked and "Verification" in checked
    assert all("2.1B DAU" in "\n".join(m.content for m in call) for call in models.roles["writer"].calls)
    assert done.state["archetype"] == {"id": "ranking", "reason": "a feed", "source": "user"}


def test_a_plan_file_is_part_of_the_run_key(tmp_path):
    first = plan_json() | {"archetype": "ranking"}
    second = copy.deepcopy(first)
    second["facts"][0]["value"] = "2.2B DAU"
    a = run(request(tmp_path, plan=first, review_plan=True), factory())
    b = run(request(tmp_path, plan=second, review_plan=True), factory())
    c = run(request(tmp_path, review_plan=True), factory())
    assert len({a.run_id, b.run_id, c.run_id}) == 3 and not (b.resumed or c.resumed)
    assert b.review["plan"]["facts"][0]["value"] == "2.2B DAU"
    again = run(request(tmp_path, plan=first, review_plan=True), factory())
    assert again.run_id == a.run_id and again.resumed
