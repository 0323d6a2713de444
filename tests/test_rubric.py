"""The rubric as data stays in step with the checks, the thresholds and the scoring rule."""

from pathlib import Path

import pytest
from mlsd.evals import thresholds as th
from mlsd.evals.checks import GATES, CheckParams, CheckResult, check_document
from mlsd.evals.rubric import SECTIONS, load_rubric
from mlsd.evals.score import JudgeVerdict, score_document, verdict_for
from mlsd.prompts import load_catalogue

RUBRIC = load_rubric()
STRONG = (Path(__file__).parents[1] / "evals" / "calibration" / "strong_e7_60_meta_news_feed.md").read_text()


def _all_results() -> list[CheckResult]:
    """Every check the code can produce: a focus run with budgets, at E8 (recent citations)."""
    params = CheckParams(seniority="E8", duration=60, focus_area="algorithms", company_name="Meta")
    return check_document(STRONG, params, target_words={n: 300 for n in range(1, 13)})


def test_every_check_the_code_runs_is_in_the_rubric_and_vice_versa():
    produced = {r.id for r in _all_results()}
    listed = {c.id for c in RUBRIC.checks}
    assert produced == listed


def test_sections_and_gates_in_the_rubric_match_the_results():
    for result in _all_results():
        spec = RUBRIC.check(result.id)
        assert spec.gate == result.gate, result.id
        if spec.section == "focus":
            assert result.section in load_catalogue().focus_areas["algorithms"].sections
        elif spec.section != "each":
            assert spec.section == result.section, result.id
    assert set(RUBRIC.gates) == set(GATES) == {c.id for c in RUBRIC.checks if c.gate}


def test_thresholds_are_named_never_repeated():
    for spec in RUBRIC.checks:
        for name in spec.thresholds:
            # A name, never a value: the number lives only in evals/thresholds.py.
            assert isinstance(name, str) and name.isidentifier() and name.isupper(), spec.id
            assert hasattr(th, name), f"{spec.id}: thresholds.{name} does not exist"
        assert set(spec.depends_on) <= {"level", "duration", "focus"}
    for name in ("DETERMINISTIC_WEIGHT", "JUDGE_WEIGHT", "FOCUS_SECTION_WEIGHT", "VERDICT_BANDS"):
        assert hasattr(th, name)


def test_every_section_has_judge_questions_at_every_level_and_ids_are_unique():
    ids = [q.id for q in RUBRIC.judge]
    assert len(ids) == len(set(ids))
    for level in ("E5", "E6", "E7", "E8"):
        for section in SECTIONS:
            assert RUBRIC.questions_for(section, level), (level, section)


def test_level_modifiers_change_the_questions():
    e5 = {q.id for n in SECTIONS for q in RUBRIC.questions_for(n, "E5")}
    e8 = {q.id for n in SECTIONS for q in RUBRIC.questions_for(n, "E8")}
    assert "J4_baseline_first" in e5 - e8
    assert {"J4_novel_extension", "J10_research_directions", "J0_e8_roadmap"} <= e8 - e5


def test_focus_question_is_added_to_focus_sections_only_with_the_catalogue_emphasis():
    focus = load_catalogue().focus_areas["evaluation"]
    for section in SECTIONS:
        asked = RUBRIC.questions_for(section, "E6", "evaluation")
        extra = [q for q in asked if q.id == "JF_focus_depth"]
        assert len(extra) == (1 if section in focus.sections else 0)
        if extra:
            assert focus.emphasis[section][:40] in extra[0].question


def _verdict(section: int, yes: bool) -> JudgeVerdict:
    return JudgeVerdict(f"J{section}", section, "q?", "r", yes, "e", yes)


def test_score_is_d_times_0_4_plus_j_times_0_6_and_d_only_without_a_judge():
    checks = [CheckResult("S2_qps", 2, True, 1, 1, ""), CheckResult("S2_scale", 2, False, 0, 2, "x")]
    d_only = score_document(checks)
    section2 = next(s for s in d_only.sections if s.section == 2)
    assert (section2.deterministic, section2.judge, section2.score) == (0.5, None, 0.5)
    assert not d_only.judged
    verdicts = [_verdict(2, True), _verdict(2, True), _verdict(2, True), _verdict(2, False)]
    judged = next(s for s in score_document(checks, verdicts).sections if s.section == 2)
    assert judged.score == pytest.approx(0.5 * th.DETERMINISTIC_WEIGHT + 0.75 * th.JUDGE_WEIGHT)


def test_overall_is_the_mean_of_sections_with_focus_sections_weighted():
    checks = [CheckResult("S4_baseline", 4, False, 0, 1, "x")] + [
        CheckResult("G7_section_words", n, True, 100, 80, "") for n in SECTIONS if n != 4
    ]
    plain = score_document(checks).overall
    assert plain == pytest.approx(12 / 13, abs=1e-4)
    focused = score_document(checks, focus_area="deep_learning").overall  # §4 and §10 weigh 1.5
    assert focused == pytest.approx(12.5 / 14, abs=1e-4)


def test_any_gate_caps_the_verdict():
    assert verdict_for(0.99, []) == "strong"
    assert verdict_for(0.99, ["G5_no_deployment"]) == "needs revision"
    assert verdict_for(0.75, []) == "acceptable"
    assert verdict_for(0.5, []) == "needs revision"
