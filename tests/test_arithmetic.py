"""G10_arithmetic: stated back-of-envelope results are recomputed; only clear errors are flagged."""

from __future__ import annotations

import pytest

from mlsd.evals.arithmetic import (
    APPROX_TOLERANCE,
    EXACT_TOLERANCE,
    ArithmeticFinding,
    count_checked,
    find_arithmetic_errors,
)

CORRECT = [
    # every operator, and x / * for ×
    "Load: 20M DAU × 3 searches / 86,400 s ≈ 700 QPS on average.",
    "100M payments/day ÷ 86,400 s ≈ 1.2k TPS",
    "2.1B x 256 x 2 bytes ≈ 1.1 TB of user embeddings",
    "2,100 QPS * 300 listings ≈ 630k scorings per second",
    "Latency budget: 40 ms + 20 ms + 30 ms = 90 ms end to end.",
    "Headroom: 200 ms − 150 ms = 50 ms for re-ranking.",
    "Headroom: 1 - 0.35 = 0.65 of the budget.",
    "a chain: 900k QPS × 500 candidates ÷ 1,000 hosts ≈ 450k scorings per host per second",
    # number forms
    "1,200 agents × 8 h = 9,600 agent-hours",
    "1.2k TPS × 3 = 3.6k TPS at peak",
    "3B impressions × 0.5% CTR ≈ 15M clicks per day",
    "$1.2M × 12 months = $14.4M per year",
    "1.5 billion users × 2 sessions = 3 billion sessions",
    "2 GB × 1,000 shards = 2 TB",
    "0.5% × 60B impressions ≈ 300M comments",
    # units normalised when the result's unit differs
    "10 ms × 100 sequential calls = 1 s",
    "30M videos × 0.2 GPU-seconds ≈ 1,700 GPU-hours per day",
    "1,000 QPS × 50 ms = 50 requests in flight",
    "1.1M QPS × 86,400 s ≈ 95B requests per day",
    "7M listings × 64 dims × 4 bytes ≈ 1.8 GB",
    "1 TB / 4 KB ≈ 268M pages",
    "3 days × 24 h = 72 h",
    # chains and continuations
    "100M ÷ 86,400 s = 1,157 TPS ≈ 1.2k TPS",
    "100M/day ÷ 86,400 s ≈ 1.2k TPS; × 3 peak ≈ 3.5k TPS",
    "100M/day ÷ 86,400 s ≈ 1,157 × 3 ≈ 3.5k TPS at peak",
    "2 × 3 = 3 × 2",
    # qualifiers, emphasis, parentheses around the whole expression, list markers
    "- **Peak:** 290k QPS × 3 ≈ ~870k QPS",
    "(20M DAU × 3 / 86,400 ≈ 700 QPS)",
    "2,000 candidates × 1 KB = about 2 MB per request",
    # spellings seen in generated documents
    "Embedding table: 100M items × 128 dims × 4B = 51.2GB",  # B for bytes
    "Throughput per replica: 1 / 20ms = 50 req/s",
    "$0.002 / 1K tokens × 2B tokens/day = $4,000/day",
    "224×224×3 = 150,528 input values",
    "p99 budget: 10ms (retrieval) + 30ms (ranking) + 10ms (rerank) = 50ms",
    "2.1B users × 256 dims × 2 bytes (fp16) ≈ 1.1 TB; × 3 replicas ≈ 3.3 TB",
]


@pytest.mark.parametrize("line", CORRECT)
def test_correct_arithmetic_is_checked_and_passes(line):
    assert count_checked(line) >= 1, "the expression should have been recomputed"
    assert find_arithmetic_errors(line) == []


WRONG = [
    ("100M payments/day ÷ 86,400 s ≈ 11.6k TPS", 11_600, 1_157.4),
    ("2.1B users × 256 dims × 2 bytes ≈ 11 TB", 11e12, 1.0752e12),
    ("20M DAU × 3 searches / 86,400 s ≈ 7k QPS", 7_000, 694.4),
    ("Latency budget: 40 ms + 20 ms + 30 ms = 120 ms", 120, 90),
    ("Headroom: 200 ms − 150 ms = 80 ms", 80, 50),
    ("3B impressions × 0.5% CTR ≈ 150M clicks", 150e6, 15e6),
    ("$1.2M × 12 = $1.4M per year", 1.4e6, 14.4e6),
    ("1,200 agents x 8 h = 19,200 agent-hours", 19_200, 9_600),
    ("900k QPS * 2,000 candidates ≈ 180M scorings per second", 180e6, 1.8e9),
    ("10 ms × 100 sequential calls = 10 s", 10, 1),
    ("100M ÷ 86,400 s = 1,157 TPS ≈ 12k TPS", 12_000, 1_157.4),
    ("100M/day ÷ 86,400 s ≈ 1.2k TPS; × 3 peak ≈ 36k TPS", 36_000, 3_600),
]


@pytest.mark.parametrize(("line", "stated", "computed"), WRONG)
def test_wrong_arithmetic_is_flagged_with_stated_and_recomputed_values(line, stated, computed):
    [finding] = find_arithmetic_errors(line)
    assert isinstance(finding, ArithmeticFinding)
    assert finding.stated == pytest.approx(stated, rel=1e-3)
    assert finding.computed == pytest.approx(computed, rel=1e-3)
    assert finding.relative_error == pytest.approx(abs(stated - computed) / computed, rel=1e-3)
    assert finding.expression in line


def test_the_quote_ends_at_the_wrong_result():
    [finding] = find_arithmetic_errors("Peak: 100M ÷ 86,400 s ≈ 11.6k TPS on average, which is high.")
    assert finding.expression == "100M ÷ 86,400 s ≈ 11.6k TPS on average"


def test_a_chain_reports_its_first_wrong_step_once():
    findings = find_arithmetic_errors("100M ÷ 86,400 s ≈ 12k TPS; × 3 peak ≈ 36k TPS")
    assert [f.stated for f in findings] == [12_000]


IGNORED = [
    "n ≈ 16 × p(1 − p) / δ² ≈ 16 × 0.0099 / (0.0001)² ≈ 16M searches per arm",  # variables, powers
    "the evening peak is about 3 × average ≈ 900k QPS",  # a word where a number should be
    "1 in 1,000 × 1B = 1M",  # starts after another number in the clause
    "1920 × 1080 = 2 MP",  # a unit with an unknown scale
    "p99 is 10-20 ms × 3 = 90 ms",  # a range
    "2^10 × 3 = 3,000",  # a power
    "60M + 10% = 66M",  # a percentage added to a count means growth
    "20M × 3 ≈ 60M; + 10% = 66M",
    "≈ $242M/year ≈ 1.5 bps of TPV",  # a ratio to an unstated base
    "(1 − 0.3) × 100 = 7",  # parentheses inside the expression
    "5 M × 3 = 15",  # an ambiguous single-letter unit
    "2 × 3 = 6 × p",  # the stated number is a coefficient
    "NDCG@10 = 0.5 × 2 = 1",  # @10 is not an operand; the rest is correct
]


@pytest.mark.parametrize("line", IGNORED)
def test_expressions_that_cannot_be_read_safely_are_ignored_not_failed(line):
    assert find_arithmetic_errors(line) == []


def test_unreadable_lines_are_not_counted_as_checked():
    assert count_checked("the evening peak is about 3 × average ≈ 900k QPS") == 0
    assert count_checked("2^10 × 3 = 3,000") == 0
    assert count_checked("20M × 3 = 60M = 60,000,000") == 2


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("100 × 1.05 ≈ 115", False),  # 9.5% off: inside the ≈ tolerance
        ("100 × 1.05 ≈ 117", True),  # 11.4% off
        ("100 × 1.05 = 107", False),  # 1.9% off: inside the = tolerance
        ("100 × 1.05 = 108", True),  # 2.9% off
        ("100M ÷ 86,400 = 1.2k", False),  # 3.7% off, but 1.2k is 1,157 rounded to its last digit
        ("100M ÷ 86,400 = 1,100", True),
        ("40 ms + 20 ms + 30 ms = 100 ms", True),  # trailing zeros do not buy ±50 ms
    ],
)
def test_tolerance_edges(line, flagged):
    assert bool(find_arithmetic_errors(line)) is flagged
    assert 0 < EXACT_TOLERANCE < APPROX_TOLERANCE


def test_the_tolerance_can_be_tightened_or_loosened():
    assert find_arithmetic_errors("100 × 1.05 ≈ 109", tolerance=0.03)
    assert not find_arithmetic_errors("100 × 1.05 ≈ 125", tolerance=0.2)


def test_code_fences_and_front_matter_are_skipped():
    text = "---\nnote: 2 × 3 = 7\n---\n\n```\n2 × 3 = 8\n```\n\nIn prose 2 × 3 = 9.\n"
    assert [f.stated for f in find_arithmetic_errors(text)] == [9]
    assert count_checked(text) == 1


def test_a_document_is_checked_line_by_line():
    text = (
        "## 2. Problem\n\n- 20M × 3 ≈ 60M\n- 60M ÷ 86,400 s ≈ 7k QPS\n\n"
        "| a | b |\n|---|---|\n| 2 × 4 = 8 | x |\n"
    )
    assert [f.expression for f in find_arithmetic_errors(text)] == ["60M ÷ 86,400 s ≈ 7k QPS"]
    assert count_checked(text) == 3


def test_a_result_in_another_period_than_its_operands_is_not_judged():
    # A capable model's correct line: the ×30 days is implied, so recomputing it would be a false alarm.
    assert find_arithmetic_errors("200k attempts/day ÷ 5M merchants ≈ 1.2 frauds/merchant/month") == []
    assert find_arithmetic_errors("200k attempts/day ÷ 5M merchants ≈ 1.2 frauds/merchant/day")


def test_two_statements_joined_by_and_are_judged_apart():
    # A capable model's correct line: "$41 and C_FN = $135" is not a chain that should equal $135.
    assert find_arithmetic_errors("so 0.9 × $40 + $5 = $41 and C_FN = $135 here") == []
    wrong = find_arithmetic_errors("so 0.9 × $40 + $5 = $45 and C_FN = $135 here")
    assert [f.stated for f in wrong] == [45.0]
