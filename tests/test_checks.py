"""Deterministic rubric checks on a hand-written strong document and deliberately weak variants.

The strong document lives in evals/calibration/; whole-document weak variants are derived
from it here (one defect each) so they cannot drift apart, and section-level weak bodies are
their own fixture files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlsd.evals import markdown as md
from mlsd.evals import thresholds as th
from mlsd.evals.checks import (
    SECTION_TITLES,
    CheckParams,
    CheckResult,
    check_document,
    check_section,
    failed,
    gates_failed,
    section_score,
    split_sections,
    time_table_minutes,
)

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
CALIBRATION = Path(__file__).parents[1] / "evals" / "calibration"
META = CheckParams(seniority="E7", duration=60, company_name="Meta")


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def strong() -> str:
    # The strong document is also the calibration set's Meta anchor (evals/calibration/).
    return (CALIBRATION / "strong_e7_60_meta_news_feed.md").read_text(encoding="utf-8")


def _by_id(results: list[CheckResult], check_id: str, section: int | None = None) -> CheckResult:
    matches = [r for r in results if r.id == check_id and (section is None or r.section == section)]
    assert len(matches) == 1, f"{check_id}: {matches}"
    return matches[0]


def _heading(number: int) -> str:
    return f"## {number}. {SECTION_TITLES[number - 1]}"


def _replace_section(doc: str, number: int, body: str) -> str:
    old = split_sections(doc)[number]
    assert doc.count(old) == 1
    return doc.replace(old, body)


# ---------------------------------------------------------------- the strong document


def test_strong_document_passes_every_check(strong: str) -> None:
    results = check_document(strong, META)
    assert failed(results) == []
    assert gates_failed(results) == []
    assert all(section_score(results, n) == 1.0 for n in range(0, 13))


def test_strong_document_runs_every_section_rule(strong: str) -> None:
    ids = {r.id for r in check_document(strong, META)}
    for prefix in [f"S{n}_" for n in range(1, 13)] + ["G1", "G2", "G3", "G4", "G5", "G6", "G7"]:
        assert any(i.startswith(prefix) for i in ids), prefix


def test_results_are_unique_per_section_and_fixes_only_on_failure(strong: str) -> None:
    results = check_document(strong.replace("TorchRec", "TODO"), META)
    keys = [(r.id, r.section) for r in results]
    assert len(keys) == len(set(keys))
    assert all((r.fix == "") == r.passed for r in results)


def test_strong_document_fails_the_higher_bars_of_a_longer_e8_interview(strong: str) -> None:
    results = check_document(strong, CheckParams(seniority="E8", duration=90, company_name="Meta"))
    assert _by_id(results, "G3_min_words").threshold == 5500
    assert not _by_id(results, "G3_min_words").passed
    assert not _by_id(results, "S1_time_table").passed  # The plan sums to 60, not 90.
    assert _by_id(results, "S11_deep_dives").threshold == 8
    assert not _by_id(results, "S12_questions").passed  # 12 questions, a 90-minute round needs 15.
    assert not _by_id(results, "S10_recent_citations").passed  # E8 needs 3 recent, has 2.


# ---------------------------------------------------------------- whole-document defects


def test_missing_section_fails_the_heading_gate(strong: str) -> None:
    start = strong.index(_heading(8))
    doc = strong[:start] + strong[strong.index(_heading(9)) :]
    results = check_document(doc, META)
    g1 = _by_id(results, "G1_headings")
    assert (g1.passed, g1.measured, g1.gate) == (False, 11, True)
    assert "## 8. Advanced Monitoring & ML Observability" in g1.fix
    assert g1 in gates_failed(results)
    assert 8 not in split_sections(doc)
    assert section_score(results, 8) == 0.0


def test_swapped_sections_fail_order_but_not_presence(strong: str) -> None:
    s3, s4, s5 = (strong.index(_heading(n)) for n in (3, 4, 5))
    doc = strong[:s3] + strong[s4:s5] + strong[s3:s4] + strong[s5:]
    results = check_document(doc, META)
    assert _by_id(results, "G1_headings").passed
    order = _by_id(results, "G2_order")
    assert not order.passed and order.measured.startswith("1,2,4,3,5")
    assert split_sections(doc)[3] == split_sections(strong)[3]


def test_placeholder_is_a_gate_attributed_to_its_section(strong: str) -> None:
    doc = strong.replace("Slices: new users", "TODO: slices. Slices: new users")
    results = check_document(doc, META)
    gates = gates_failed(results)
    assert {(r.id, r.section) for r in gates} == {("G4_placeholders", 0), ("G4_placeholders", 5)}
    assert "TODO" in _by_id(results, "G4_placeholders", 5).fix


def test_deployment_detail_is_a_gate(strong: str) -> None:
    ops = "\n```bash\nkubectl apply -f ranker.yaml\n```\n\nServe on p4d.24xlarge hosts.\n"
    doc = strong.replace("### Optimisations", ops + "\n### Optimisations")
    results = check_document(doc, META)
    g5 = _by_id(results, "G5_no_deployment", 6)
    assert not g5.passed and g5.gate
    assert {"```bash fence", "kubectl", "p4d.24xlarge"} <= set(g5.measured.split(", "))
    assert _by_id(results, "G5_no_deployment", 0) in gates_failed(results)
    assert _by_id(results, "G5_no_deployment", 7).passed  # The mermaid fence is not ops detail.


def test_word_and_number_thresholds(strong: str) -> None:
    short = strong[: strong.index(_heading(6))]
    assert not _by_id(check_document(short, META), "G3_min_words").passed
    prose = "The ranker balances engagement against integrity with a learned value model. " * 60
    density = _by_id(check_document(prose, META), "G6_number_density")
    assert not density.passed and density.measured == 0.0 and density.threshold == 8


def test_length_budget_flags_sections_far_from_their_budget(strong: str) -> None:
    words = md.word_count(split_sections(strong)[7])
    results = check_document(strong, META, target_words={7: words * 3, 8: 200})
    budget = _by_id(results, "G8_length_budget", 7)
    assert not budget.passed and budget.fix.startswith("Expand")
    assert _by_id(results, "G8_length_budget", 8).passed
    assert not any(r.id == "G8_length_budget" and r.section == 9 for r in results)
    too_long = check_section(7, split_sections(strong)[7], META, target_words=words // 2)
    assert _by_id(too_long, "G8_length_budget").fix.startswith("Cut")


# ---------------------------------------------------------------- section-level defects


def test_time_table_that_sums_to_55_fails_the_gate() -> None:
    body = _fixture("s1_time_table_55.md")
    assert time_table_minutes(body) == [15, 5, 10, 15, 10]  # The total row is not counted.
    results = check_section(1, body, META)
    table = _by_id(results, "S1_time_table")
    assert (table.passed, table.measured, table.threshold, table.gate) == (False, 55, 60, True)
    assert "sum to exactly 60" in table.fix and "55" in table.fix
    assert _by_id(results, "S1_phases").passed
    share = _by_id(results, "S1_clarify_share")
    assert not share.passed and share.measured == 0.25
    assert _by_id(results, "S1_context_stated").passed


def test_overview_without_table_or_context() -> None:
    results = check_section(1, "We will design a feed ranker. " * 20, META)
    assert _by_id(results, "S1_time_table").fix.startswith("Add a time-plan table")
    stated = _by_id(results, "S1_context_stated")
    assert not stated.passed and stated.measured == "level, duration, company"


def test_problem_definition_without_numbers() -> None:
    results = check_section(2, _fixture("s2_no_numbers.md"), META)
    assert _by_id(results, "S2_clarifying_questions").measured == 5
    assert _by_id(results, "S2_task_category").passed
    for check_id in ("S2_latency", "S2_qps", "S2_scale", "S2_back_of_envelope"):
        assert not _by_id(results, check_id).passed, check_id
    assert "(have 0, need 2)" in _by_id(results, "S2_scale").fix


def test_few_clarifying_questions_fix_states_the_gap() -> None:
    body = "1. What is the DAU?\n2. What is the SLA?\n3. Which surface?\n\nSome text."
    result = _by_id(check_section(2, body, META), "S2_clarifying_questions")
    assert result.fix == (
        "Add at least 2 more clarifying questions as a numbered list ending in '?' "
        "(have 3, need 5)."
    )


def test_questions_without_expected_answers() -> None:
    results = check_section(12, _fixture("s12_no_answers.md"), META)
    assert _by_id(results, "S12_questions").passed
    answers = _by_id(results, "S12_answers")
    assert not answers.passed and answers.measured == 0.0
    assert "0 of 12" in answers.fix


def test_deep_dives_without_trade_offs_are_named() -> None:
    body = "\n\n".join(
        f"**Deep dive {i}: topic {i}**\n\nWe explain how it works and why it matters."
        for i in range(1, 4)
    )
    results = check_section(11, body + "\n\n**Deep dive 4**\n\nMMoE vs PLE.", META)
    assert _by_id(results, "S11_deep_dives").measured == 4
    tradeoffs = _by_id(results, "S11_tradeoffs")
    assert tradeoffs.measured == "1/4" and "Deep dive 2: topic 2" in tradeoffs.fix


def test_section_four_counts_distinct_architectures_per_level(strong: str) -> None:
    body = "Baseline: logistic regression, then GBDT, then a two tower retriever.\n" * 3
    e5 = _by_id(check_section(4, body, CheckParams(seniority="E5")), "S4_architectures")
    e8 = _by_id(check_section(4, body, CheckParams(seniority="E8")), "S4_architectures")
    assert (e5.measured, e5.passed) == (3, True)
    assert (e8.measured, e8.passed, e8.threshold) == (3, False, 7)
    assert not _by_id(check_section(4, body, META), "S4_funnel").passed


def test_citation_recency_depends_on_the_supplied_year(strong: str) -> None:
    later = CheckParams(seniority="E7", duration=60, company_name="Meta", current_year=2031)
    recent = _by_id(check_document(strong, later), "S10_recent_citations")
    assert (recent.passed, recent.measured) == (False, 0)
    assert "2028 or later" in recent.fix
    assert not any(r.id == "S10_recent_citations" for r in check_document(strong, CheckParams(
        seniority="E6", company_name="Meta")))


def test_focus_keywords_are_counted_across_the_document(strong: str) -> None:
    present = ("calibration", "multi-task", "embedding", "transformer", "distillation")
    params = CheckParams(focus_area="deep_learning", company_name="Meta", focus_keywords=present)
    assert _by_id(check_document(strong, params), "S10_focus_keywords").measured == 5
    absent = present[:3] + ("graph attention", "diffusion", "contrastive pretraining")
    params = CheckParams(focus_area="deep_learning", company_name="Meta", focus_keywords=absent)
    focus = _by_id(check_document(strong, params), "S10_focus_keywords")
    assert not focus.passed and "diffusion" in focus.fix
    assert not any(r.id == "S10_focus_keywords" for r in check_document(strong, META))


# ---------------------------------------------------------------- parsing


def test_split_sections_is_forgiving() -> None:
    doc = "\n".join([
        "---", "title: x", "---", "# Title", "preamble text",
        "## Interview Overview", "overview body",
        "## 2) Problem Definition and Technical Requirements", "problem body",
        "## Notes the writer added", "still part of section 2",
        "```", "## 5. Not a heading inside a fence", "```",
        "## 3.1 Sub-numbered heading stays inside", "more of section 2",
        "## 10. Advanced ML Topics (E7 Focus)", "topics body",
        "## Model Serving", "serving body",
    ])
    sections = split_sections(doc)
    assert sorted(sections) == [1, 2, 6, 10]
    assert sections[1] == "overview body"
    assert "still part of section 2" in sections[2] and "more of section 2" in sections[2]
    assert sections[10] == "topics body" and sections[6] == "serving body"
    assert split_sections("no headings at all") == {}


def test_time_table_minutes_reads_the_first_minutes_table() -> None:
    text = (
        "| Model | Latency |\n|---|---|\n| GBDT | 1 ms |\n\n"
        "| Phase | Time (min) | Focus |\n|:---|---:|---|\n| Clarify | 5 | a |\n"
        "| Design | **20** | b |\n| Wrap-up | – | c |\n| **Total** | **25** | |\n"
    )
    assert time_table_minutes(text) == [5, 20]
    assert time_table_minutes("no table") == []


def test_quantities_and_terms() -> None:
    units = [q.units for q in md.quantities("10k QPS, 99.9% uptime, 3B users and 42 reasons")]
    assert units[:3] == [frozenset({"k", "qps"}), frozenset({"%"}), frozenset({"b", "users"})]
    assert units[3] == frozenset()
    assert md.has_term("a Two Tower model", ("two-tower",))
    assert not md.has_term("annual review", ("ann",))
    assert md.matched_concepts("DCN-v2 and DLRMs", {"dcn": ("dcn",), "dlrm": ("dlrm",)}) == [
        "dcn", "dlrm"]
    assert md.funnel_stages("billions of posts → 2k → 500 → 50") == 4


def test_citations_are_distinct_and_dated() -> None:
    text = (
        "DLRM (Naumov et al., 2019) and again Naumov et al. 2019; YouTube DNN (RecSys 2016); "
        "HSTU (Zhai et al., 2024). Peak load (2,000 QPS) is not a citation."
    )
    assert [year for _, year in md.citations(text)] == [2016, 2019, 2024]


# ---------------------------------------------------------------- thresholds


def test_thresholds_differ_by_level_and_duration() -> None:
    low, high = th.thresholds_for("E5", 45), th.thresholds_for("E8", 90, "optimization")
    assert (low.min_document_words, high.min_document_words) == (3000, 5500)
    assert (low.number_density, high.number_density) == (5, 8)
    assert (low.min_architectures, high.min_architectures) == (3, 7)
    assert (low.min_deep_dives, high.min_deep_dives) == (3, 8)
    assert (low.min_questions, high.min_questions) == (10, 15)
    assert (low.min_recent_citations, high.min_recent_citations) == (0, 3)
    assert (low.min_focus_keywords, high.min_focus_keywords) == (0, 5)
    assert th.min_deep_dives(60, "E7") == 5
    assert th.budget_bounds(1000) == (500, 1600)


@pytest.mark.parametrize(("level", "duration"), [("E9", 60), ("E7", 30)])
def test_unknown_level_or_duration_is_an_error(level: str, duration: int) -> None:
    with pytest.raises(ValueError):
        th.thresholds_for(level, duration)
    with pytest.raises(ValueError):
        check_section(3, "text", CheckParams(seniority=level, duration=duration))


@pytest.mark.parametrize(
    ("measure", "line", "expected"),
    [
        (md.loss_line, "L = Σ_k w_k · BCE(y_k, p_k)", True),
        (md.loss_line, "The loss is binary cross-entropy.", False),
        (md.formula_line, "NE = logloss / H(p̄)", True),
        (md.formula_line, "Target AUC = 0.80 on day 15", False),
        (md.alert_line, "Page when PSI > 0.2 for 2 hours", True),
        (md.alert_line, "We watch PSI and calibration closely", False),
        (md.capacity_line, "2B users × 256 dims × 2 bytes ≈ 1 TB", True),
        (md.capacity_line, "Embeddings are about 1 TB", False),
        (md.envelope_line, "2B DAU × 10 / 86,400 ≈ 230k QPS", True),
        (md.envelope_line, "QPS is high", False),
    ],
)
def test_line_measures(measure, line: str, expected: bool) -> None:
    assert measure(line) is expected


def test_focus_keywords_come_from_the_catalogue_when_not_given(strong: str) -> None:
    from mlsd.prompts import load_catalogue

    keywords = load_catalogue().focus_areas["deep_learning"].keywords
    params = CheckParams(focus_area="deep_learning", company_name="Meta")
    focus = _by_id(check_document(strong, params), "S10_focus_keywords")
    assert focus.threshold == min(5, len(keywords))
    assert focus.measured == len(md.matched_terms(md.split_front_matter(strong)[1], keywords))


def test_sections_without_any_question_or_block_do_not_crash():
    from mlsd.evals.checks import CheckParams, check_section

    for number in (11, 12):
        results = check_section(number, "Plain prose with no list at all.", CheckParams())
        assert any(not r.passed for r in results)
