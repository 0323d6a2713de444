"""An edited fact whose old number the plan still repeats elsewhere is pointed out."""

from helpers.scripted import plan_json

from mlsd.agents.plan import stale_mentions


def _plan_with_label_cost() -> dict:
    plan = plan_json()
    plan["facts"][0] = {"name": "Label budget", "value": "3M clips/month at $0.05 = $150k", "derivation": ""}
    plan["sections"][2]["key_points"][1] = "Labels at $0.05 per clip, 3M clips/month"
    plan["sections"][8]["key_points"][0] = "The $150k label budget dwarfs serving cost"
    return plan


def test_a_number_changed_only_in_its_fact_is_reported_where_it_remains():
    before = _plan_with_label_cost()
    after = _plan_with_label_cost()
    after["facts"][0]["value"] = "3M clips/month at $0.08 = $240k"
    assert stale_mentions(before, after) == [
        "fact 'Label budget' no longer says $0.05, but §3 key point 2 still says it",
        "fact 'Label budget' no longer says $150k, but §9 key point 1 still says it",
    ]


def test_nothing_is_reported_when_every_mention_was_edited_or_nothing_changed():
    before = _plan_with_label_cost()
    assert stale_mentions(before, before) == []
    after = _plan_with_label_cost()
    after["facts"][0]["value"] = "3M clips/month at $0.08 = $240k"
    after["sections"][2]["key_points"][1] = "Labels at $0.08 per clip, 3M clips/month"
    after["sections"][8]["key_points"][0] = "The $240k label budget dwarfs serving cost"
    assert stale_mentions(before, after) == []
