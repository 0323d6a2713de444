"""The rubric as data stays in step with the checks, the thresholds and the scoring rule."""

import re
from pathlib import Path

import pytest

from mlsd.evals import thresholds as th
from mlsd.evals.checks import GATES, CheckParams, CheckResult, check_document
from mlsd.evals.documents import load_document
from mlsd.evals.report import aggregate, document_entry, format_markdown
from mlsd.evals.rubric import APPLIES_WHEN, SECTIONS, JudgeQuestion, load_rubric
from mlsd.evals.score import JudgeVerdict, score_document, verdict_for, waiver_status
from mlsd.prompts import load_catalogue
from mlsd.prompts.archetypes import ARCHETYPE_IDS, load_archetype

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
        assert set(spec.depends_on) <= {"level", "duration", "focus", "archetype"}
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


# ---------------------------------------------------------------- archetypes

FEED_PHRASES = re.compile(
    r"user[–-]author|engagement heads|multi-task heads|clickbait|popularity bias|reverse-chronological"
    r"|raw clicks|\bfeed\b|long user-action|latency per candidate|embedding tables",
    re.I,
)
NON_FEED = ("risk", "forecasting", "perception", "generative", "generic")


def _asked(archetype: str, seniority: str = "E8") -> dict[str, str]:
    return {q.id: q.question for n in SECTIONS for q in RUBRIC.questions_for(n, seniority, None, archetype)}


@pytest.mark.parametrize("archetype", ARCHETYPE_IDS)
def test_every_archetype_is_asked_the_same_question_ids(archetype):
    for level in ("E5", "E6", "E7", "E8"):
        assert set(_asked(archetype, level)) == set(_asked("ranking", level)), (archetype, level)


@pytest.mark.parametrize("archetype", NON_FEED)
def test_non_feed_archetypes_are_never_asked_in_feed_terms(archetype):
    offenders = {qid: text for qid, text in _asked(archetype).items() if FEED_PHRASES.search(text)}
    assert offenders == {}


def test_ranking_keeps_the_feed_wording_and_other_archetypes_get_their_own():
    ranking, risk = _asked("ranking"), _asked("risk")
    assert "user–author affinity" in ranking["J3_product_features"]
    assert "clickbait" in ranking["J2_measurable_label"]
    assert "reverse-chronological" in ranking["J6_fallback"]
    assert "velocity" in risk["J3_product_features"] and "chargeback" in risk["J2_measurable_label"]
    assert "pinball" in _asked("forecasting")["J5_formula_argument"]
    assert "KV cache" in _asked("generative")["J9_bottlenecks"]
    assert RUBRIC.questions_for(3, "E6") == RUBRIC.questions_for(3, "E6", None, "ranking")


def test_wording_names_only_real_archetypes_and_differs_from_the_default():
    for q in RUBRIC.judge:
        assert set(dict(q.wording)) <= set(ARCHETYPE_IDS), q.id
        assert set(q.archetypes) <= set(ARCHETYPE_IDS), q.id
        assert all(text != q.question for _, text in q.wording), q.id
        if q.wording:
            assert not FEED_PHRASES.search(q.question), f"{q.id}: the default wording must fit any archetype"


def test_a_question_limited_to_archetypes_is_asked_only_for_them():
    question = JudgeQuestion("JX", 3, "default", (), ("risk",), (("risk", "risk wording"),))
    assert question.asks("E5", "risk") and not question.asks("E5", "ranking")
    assert question.worded_for("risk").question == "risk wording"
    assert question.worded_for("search").question == "default"


@pytest.mark.parametrize("archetype", ARCHETYPE_IDS)
def test_every_archetype_runs_only_rubric_checks_and_skips_only_what_the_rubric_allows(archetype):
    params = CheckParams(
        seniority="E8", duration=60, focus_area="algorithms", company_name="Meta", archetype=archetype
    )
    results = check_document(STRONG, params, target_words={n: 300 for n in range(1, 13)})
    assert {r.id for r in results} <= {c.id for c in RUBRIC.checks}
    flags = load_archetype(archetype).checks
    for result in results:
        spec = RUBRIC.check(result.id)
        if result.skipped:
            assert spec.applies_when in APPLIES_WHEN, result.id
            assert not getattr(flags, spec.applies_when), (archetype, result.id)
        elif spec.applies_when:
            assert getattr(flags, spec.applies_when), (archetype, result.id)


def test_skipped_checks_are_left_out_of_the_score_and_listed():
    checks = [
        CheckResult("S4_baseline", 4, True, 1, 1, ""),
        CheckResult("S4_loss_formula", 4, False, 0, 1, "x"),
        CheckResult("S4_funnel", 4, True, "skipped", "n/a", "", skip_reason="no staged pipeline for x"),
    ]
    score = score_document(checks)
    section4 = next(s for s in score.sections if s.section == 4)
    assert (section4.deterministic, section4.checks_total, section4.checks_skipped) == (0.5, 2, 1)
    assert score.skipped_checks == [{"id": "S4_funnel", "section": 4, "reason": "no staged pipeline for x"}]
    assert "S4_funnel@4" not in score.criteria and score.criteria["S4_baseline@4"] == 1.0


def test_waivers_are_reported_and_never_change_the_score():
    checks = [
        CheckResult("S2_qps", 2, False, 0, 1, "x"),
        CheckResult("S2_scale", 2, True, 2, 2, ""),
        CheckResult("S3_imbalance", 3, True, "skipped", "n/a", "", skip_reason="not imbalanced"),
    ]
    score = score_document(checks)
    waivers = [
        {"check": "S2_qps", "section": 2, "reason": "load is stated per batch run"},
        {"check": "S2_scale", "section": 2, "reason": "r"},
        {"check": "S3_imbalance", "section": 3, "reason": "r"},
        {"check": "S9_peak_load", "section": 9, "reason": "r"},
    ]
    status = [w["status"] for w in waiver_status(waivers, score)]
    assert status == ["failed", "passed", "skipped", "not run"]
    assert score_document(checks).overall == score.overall  # nothing in the score reads waivers


def test_the_report_names_the_archetype_skipped_checks_waivers_and_verification(tmp_path):
    doc_path = tmp_path / "fraud.md"
    doc_path.write_text(
        "---\nseniority: E7\nduration: 60\narchetype: risk\narchetype_reason: payments fraud\n"
        "critic_waivers: [{check: S2_qps, section: 2, reason: load is stated per batch}]\n"
        "verification: {found: 3, fixed: 2, open: 1}\n---\n# Fraud\n\n## 1. Interview Overview\n\nText.\n"
    )
    doc = load_document(doc_path)
    checks = [
        CheckResult("S2_qps", 2, False, 0, 1, "x"),
        CheckResult("S4_funnel", 4, True, "skipped", "n/a", "", skip_reason="no staged pipeline"),
    ]
    entry = document_entry(doc, score_document(checks))
    assert (entry["archetype"], entry["archetype_source"]) == ("risk", "front matter")
    assert entry["waivers"][0]["status"] == "failed" and entry["verification"]["open"] == 1
    text = format_markdown([entry])
    assert "| E7 | 60 | – | risk |" in text and "S4_funnel" in text
    assert "archetype: risk (front matter: payments fraud)" in text
    assert "waived S2_qps (§2, failed, still counted as failed): load is stated per batch" in text
    assert "verification: found 3, fixed 2, open 1" in text
    agg = aggregate([entry])
    assert agg["skipped_checks"] == {"S4_funnel": 1} and agg["waivers"] == {"failed": 1}
