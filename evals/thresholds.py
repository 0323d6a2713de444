"""Every threshold of the deterministic rubric checks, in one place.

Values marked PROPOSAL are the rubric's proposals and still have to be calibrated on the
hand-written documents in evals/calibration/ and on real model output. evals/rubric.yaml names
these constants; it never repeats their values.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlsd.records import DURATIONS, LEVELS

# The year citations are judged against; callers pass their own through CheckParams.
CURRENT_YEAR = 2026
# A citation is recent when its year is at least CURRENT_YEAR - RECENT_CITATION_YEARS.
RECENT_CITATION_YEARS = 3

MIN_SECTION_WORDS = 80  # PROPOSAL (G7)
MIN_DOCUMENT_WORDS = {45: 3000, 60: 4000, 90: 5500}  # PROPOSAL (G3)
NUMBER_DENSITY_PER_1000 = {"E5": 5, "E6": 6, "E7": 8, "E8": 8}  # PROPOSAL (G6)
# A section fails when its words fall outside these shares of its budget.
BUDGET_TOLERANCE = (0.5, 1.6)  # PROPOSAL

# §1 interview overview.
MIN_TIME_TABLE_PHASES = 5  # PROPOSAL
MAX_CLARIFICATION_SHARE = 0.15  # PROPOSAL
# §1's prose must read as full sentences, not notes (a length fix once cut it to fragments). A
# paragraph or list item is a fragment when its longest sentence has fewer than FULL_SENTENCE_WORDS
# words; tables, headings and bold lead-in lines are not prose.
MIN_MEDIAN_SENTENCE_WORDS = 8  # PROPOSAL
FULL_SENTENCE_WORDS = 6  # PROPOSAL
MAX_FRAGMENT_LINE_SHARE = 1 / 3  # PROPOSAL
# §2 problem definition.
MIN_CLARIFYING_QUESTIONS = 5
MIN_LATENCY_FIGURES_S2 = 1
MIN_QPS_FIGURES = 1
MIN_SCALE_FIGURES = 2
# §3 data and features: how many feature groups are needed is the archetype's
# (prompts/archetypes/<id>.yaml, `checks.min_feature_groups`).
# §4 model design.
MIN_ARCHITECTURES = {"E5": 3, "E6": 4, "E7": 6, "E8": 7}  # PROPOSAL
MIN_FUNNEL_STAGES = 3
# §5 training and evaluation.
MIN_METRIC_FORMULAS = 2
MIN_OFFLINE_METRICS = 3
MIN_ONLINE_METRICS = 3
MIN_AB_TERMS = 3
# §6 serving.
MIN_LATENCY_FIGURES_S6 = 2
MIN_OPTIMISATIONS = 3
# §7 architecture.
MIN_ARROWS = 4
MIN_COMPONENTS = 4
# §8 monitoring.
MIN_MONITORING_SIGNALS = 4
MIN_ALERT_THRESHOLDS = 2  # PROPOSAL: the rubric asks for "numeric alert thresholds" (plural).
# §10 advanced topics and citations, counted across the document.
MIN_ADVANCED_TOPICS = {"E5": 3, "E6": 4, "E7": 5, "E8": 6}
MIN_CITATIONS = {"E5": 2, "E6": 3, "E7": 5, "E8": 6}  # PROPOSAL
MIN_RECENT_CITATIONS = {"E5": 0, "E6": 0, "E7": 2, "E8": 3}
MIN_FOCUS_KEYWORDS = 5
# §11 deep dives: a base per duration plus a level bonus.
DEEP_DIVES_BY_DURATION = {45: 3, 60: 4, 90: 6}  # PROPOSAL
DEEP_DIVE_LEVEL_BONUS = {"E5": 0, "E6": 0, "E7": 1, "E8": 2}  # PROPOSAL
# §12 interview questions.
QUESTIONS_BY_DURATION = {45: 10, 60: 12, 90: 15}  # PROPOSAL
MIN_ANSWER_SHARE = 0.8
# Median words of an expected answer: a one-word "yes" is not an answer an interviewer can use.
MIN_ANSWER_WORDS = 12  # PROPOSAL
# G11 degenerate text (evals/degenerate.py), a gate. A sentence of at least
# MIN_REPEATED_SENTENCE_WORDS words may occur MAX_SENTENCE_REPEATS times in a section, no more;
# of the sentences of at least MIN_DUPLICATE_SENTENCE_WORDS words (when there are
# MIN_SENTENCES_FOR_SHARE of them), at most MAX_DUPLICATE_SENTENCE_SHARE may repeat an earlier
# one; a heading with nothing under it may occur MAX_EMPTY_HEADINGS times; no prompt instruction
# may be copied in (MAX_PROMPT_ECHOES).
MIN_REPEATED_SENTENCE_WORDS = 8
MAX_SENTENCE_REPEATS = 2
MIN_DUPLICATE_SENTENCE_WORDS = 5
MIN_SENTENCES_FOR_SHARE = 6
MAX_DUPLICATE_SENTENCE_SHARE = 0.3
MAX_EMPTY_HEADINGS = 3
MAX_PROMPT_ECHOES = 0
# Focus-area vocabulary each focus section must use itself (the sections weighted ×1.5).
MIN_FOCUS_SECTION_KEYWORDS = 2  # PROPOSAL

# Scoring (evals/rubric.yaml): per section D pass-rate × 0.4 + J yes-rate × 0.6; focus sections ×1.5.
DETERMINISTIC_WEIGHT = 0.4
JUDGE_WEIGHT = 0.6
FOCUS_SECTION_WEIGHT = 1.5
# Verdict bands on the overall score, best first; below the last band (or any gate failure)
# the verdict is "needs revision".
VERDICT_BANDS = (("strong", 0.85), ("acceptable", 0.7))  # PROPOSAL


@dataclass(frozen=True)
class Thresholds:
    """The thresholds that depend on level, duration and focus area, resolved for one run."""

    min_document_words: int
    number_density: float
    min_architectures: int
    min_deep_dives: int
    min_questions: int
    min_citations: int
    min_recent_citations: int
    min_advanced_topics: int
    min_focus_keywords: int


def _check_level(seniority: str) -> str:
    if seniority not in LEVELS:
        raise ValueError(f"unknown seniority {seniority!r}; expected one of {LEVELS}")
    return seniority


def _check_duration(duration: int) -> int:
    if duration not in DURATIONS:
        raise ValueError(f"unknown duration {duration!r}; expected one of {DURATIONS}")
    return duration


def min_deep_dives(duration: int, seniority: str) -> int:
    """Deep dives §11 needs: the duration's base plus the level bonus."""
    return DEEP_DIVES_BY_DURATION[_check_duration(duration)] + DEEP_DIVE_LEVEL_BONUS[_check_level(seniority)]


def budget_bounds(target_words: int) -> tuple[int, int]:
    """Return the lowest and highest word counts a section with this budget may have."""
    low, high = BUDGET_TOLERANCE
    return round(target_words * low), round(target_words * high)


def thresholds_for(seniority: str, duration: int, focus_area: str | None = None) -> Thresholds:
    """Resolve the level-, duration- and focus-dependent thresholds for one document."""
    level, minutes = _check_level(seniority), _check_duration(duration)
    return Thresholds(
        min_document_words=MIN_DOCUMENT_WORDS[minutes],
        number_density=NUMBER_DENSITY_PER_1000[level],
        min_architectures=MIN_ARCHITECTURES[level],
        min_deep_dives=min_deep_dives(minutes, level),
        min_questions=QUESTIONS_BY_DURATION[minutes],
        min_citations=MIN_CITATIONS[level],
        min_recent_citations=MIN_RECENT_CITATIONS[level],
        min_advanced_topics=MIN_ADVANCED_TOPICS[level],
        min_focus_keywords=MIN_FOCUS_KEYWORDS if focus_area else 0,
    )
