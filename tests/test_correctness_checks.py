"""G9 and G10 run on every section through check_section and reach the critic as fixes."""

from mlsd.evals.checks import CheckParams, check_section


def _by_id(results, cid):
    return next(r for r in results if r.id == cid)


def test_wrong_arithmetic_fails_g10_with_the_expression_quoted():
    body = "Load: 100M payments/day ÷ 86,400 s ≈ 11.6k TPS on average, and 3 × 1.2k TPS ≈ 3.6k TPS."
    result = _by_id(check_section(2, body, CheckParams(archetype="risk")), "G10_arithmetic")
    assert not result.passed and "86,400" in result.fix and "1,157" in result.fix


def test_right_arithmetic_and_unknown_citations_pass():
    body = "Load: 100M payments/day ÷ 86,400 s ≈ 1.2k TPS. We follow Doe's method (Doe et al., 2031)."
    results = check_section(2, body, CheckParams(archetype="risk"))
    assert _by_id(results, "G10_arithmetic").passed
    citations = _by_id(results, "G9_citation_accuracy")
    assert citations.passed and "1 unverified" in citations.measured


def test_a_misattributed_citation_fails_g9_with_the_correction():
    body = "A boosted-tree baseline: LightGBM (Chen & Guestrin, 2016) on 400 features."
    result = _by_id(check_section(4, body, CheckParams(archetype="risk")), "G9_citation_accuracy")
    assert not result.passed and "LightGBM" in result.fix and "Ke" in result.fix
