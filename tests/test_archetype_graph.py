"""The archetype step, the per-section verifiers and critic waivers, through the real graph."""

import asyncio
from pathlib import Path

import yaml
from helpers.fake_chat import FakeModelFactory, ScriptedChatModel
from helpers.scripted import critic_json, plan_json, section_body, section_number

from mlsd.evals.checks import CheckResult
from mlsd.records import Params, validate_record
from mlsd.runs.runner import RunRequest, run_document

FRAUD = {
    "company_name": "Stripe",
    "ml_topic": "Payment Fraud Detection",
    "interview_frequency": "Very High",
    "product_description": "Scores every card payment for fraud risk in real time across merchants.",
}


def _writer(messages):
    round_ = 1 if any("<previous_draft>" in m.content for m in messages) else 0
    return section_body(section_number(messages), round_)


def _models(planner=None, critic=None):
    models = FakeModelFactory(
        {
            "planner": planner or ScriptedChatModel([plan_json()]),
            "writer": ScriptedChatModel(default=_writer),
            "critic": critic or ScriptedChatModel(default=lambda _m: critic_json()),
        }
    )
    models.context_length = None
    return models


def _run(tmp_path, models, checker=lambda *_a, **_k: [], **kw):
    record, _ = validate_record(FRAUD)
    req = RunRequest(record=record, params=Params(), out_dir=tmp_path / "c", home=tmp_path / "h", **kw)
    req.checker = checker
    outcome = asyncio.run(run_document(req, models))
    return outcome, yaml.safe_load(Path(outcome.output_path).read_text().split("---\n")[1])


def _prompt(call) -> str:
    return "\n".join(m.content for m in call)


def test_the_archetype_step_chooses_the_vocabulary_of_the_plan_and_every_brief(tmp_path):
    planner = ScriptedChatModel([plan_json()])
    planner.by_schema["ArchetypeChoice"] = {"archetype": "risk", "reason": "it blocks or allows payments"}
    models = _models(planner=planner)
    outcome, meta = _run(tmp_path, models)
    assert [name for name, _ in planner.schema_calls] == ["ArchetypeChoice"]
    assert "Risk & integrity" in _prompt(planner.calls[0])
    writer_prompts = [_prompt(c) for c in models.roles["writer"].calls]
    assert all("Risk & integrity" in p for p in writer_prompts)
    assert meta["archetype"] == "risk" and meta["archetype_reason"] == "it blocks or allows payments"
    assert outcome.state["plan"]["archetype"] == "risk"


def test_a_forced_archetype_skips_the_classification_call(tmp_path):
    planner = ScriptedChatModel([plan_json()])
    outcome, meta = _run(tmp_path, _models(planner=planner), archetype="forecasting")
    assert planner.schema_calls == []
    assert meta["archetype"] == "forecasting" and "forced" in meta["archetype_reason"]


def test_verifier_findings_reach_exactly_their_sections_rewrite_and_are_counted(tmp_path):
    def findings(messages):
        text = _prompt(messages)
        if "Body of section 4, round 0" in text:
            quote = "Body of section 4, round 0"
            return {
                "findings": [
                    {"quote": quote, "problem": "wrong cost", "correction": "use (1-m)A", "kind": "formula"}
                ]
            }
        return {"findings": []}

    critic = ScriptedChatModel(default=lambda _m: critic_json())
    critic.by_schema["Verification"] = findings
    models = _models(critic=critic)
    outcome, meta = _run(tmp_path, models, max_revisions=1)
    verified = [section_number_of(m) for name, m in critic.schema_calls if name == "Verification"]
    assert sorted(verified) == sorted([*range(1, 13), 4])  # twelve first drafts, then the one rewrite
    rewrites = models.roles["writer"].calls[12:]
    assert [section_number(c) for c in rewrites] == [4]
    assert "use (1-m)A" in rewrites[0][-1].content
    assert meta["verification"] == {"found": 1, "fixed": 1, "open": 0}


def section_number_of(messages) -> int:
    import re

    return int(re.search(r'<section number="(\d+)"', _prompt(messages)).group(1))


def test_a_waived_check_failure_is_not_a_fix_and_is_recorded(tmp_path):
    def checker(*_a, **_k):
        return [
            CheckResult("S4_funnel", 4, False, 0, 3, "Write the funnel with counts."),
            CheckResult("S9_peak_load", 9, False, 0, 1, "Size for peak load."),
        ]

    waiver = {"check_id": "S4_funnel", "section": 4, "reason": "a fraud scorer has no candidate funnel"}
    gate = {"check_id": "G1_headings", "section": 0, "reason": "not a real failure"}
    critic = ScriptedChatModel(
        [{**critic_json(), "waivers": [waiver, gate]}], default=lambda _m: critic_json()
    )
    models = _models(critic=critic)
    outcome, meta = _run(tmp_path, models, checker=checker, max_revisions=1)
    flagged = {f["number"]: f["fixes"] for f in outcome.state["reviews"][0]["flagged"]}
    assert 4 not in flagged and flagged[9] == ["Size for peak load."]
    assert meta["critic_waivers"] == [
        {"check": "S4_funnel", "section": 4, "reason": "a fraud scorer has no candidate funnel"}
    ]


def test_no_verify_runs_no_verifier(tmp_path):
    critic = ScriptedChatModel(default=lambda _m: critic_json())
    _run(tmp_path, _models(critic=critic), verify=False)
    assert critic.schema_calls == []


def test_a_wrong_fact_sheet_is_corrected_by_the_planner_before_any_writer_runs(tmp_path):
    wrong = "Block iff p × $135 > (1 − p) × $25"
    fixed_plan = plan_json()
    fixed_plan["facts"][0] = {"name": "Block threshold", "value": "p* ≈ 0.25", "derivation": "25 / (25 + 75)"}
    planner = ScriptedChatModel([plan_json(), fixed_plan])
    critic = ScriptedChatModel(default=lambda _m: critic_json())
    critic.by_schema["PlanVerification"] = {
        "findings": [
            {
                "quote": wrong,
                "problem": "charges the full ticket on fraud but only the margin on a good sale",
                "correction": "block iff p·((1−m)A + c) > (1−p)·m·A: p* ≈ 0.25",
                "kind": "formula",
            }
        ]  # fmt: skip
    }
    models = _models(planner=planner, critic=critic)
    outcome, meta = _run(tmp_path, models)
    assert len(planner.calls) == 2
    repair = planner.calls[1]
    assert "p* ≈ 0.25" in repair[-1].content and repair[-2].type == "ai"  # the plan, then the findings
    assert outcome.state["plan"]["facts"][0]["value"] == "p* ≈ 0.25"
    writer_prompts = [_prompt(c) for c in models.roles["writer"].calls]
    assert all("p* ≈ 0.25" in p for p in writer_prompts)
    assert meta["verification"]["found"] == 1 and meta["verification"]["open"] == 0
    assert any("corrected the plan" in note for note in meta["notes"])
