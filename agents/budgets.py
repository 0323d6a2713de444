"""Token budgets per section from duration × level × section weight (× focus)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mlsd.agents.small_model import SMALL_SECTION_WORDS, SMALL_WRITER_MAX_TOKENS, is_small_model
from mlsd.llm.tokens import count_tokens
from mlsd.prompts.catalogue import Catalogue, load_catalogue

# Target document length in words. The rubric's minimums are 3,000 / 4,000 / 5,500 words;
# aiming ~25% above them leaves room for a writer that runs short.
# Raised after a capable model answered every brief over its target: 12 questions with model
# answers, or five four-level deep dives, do not fit the old ~500 words.
WORDS_BY_DURATION = {45: 4200, 60: 5600, 90: 7600}
TOKENS_PER_WORD = 1.35  # measured on markdown with numbers and tables under o200k_base
# The rubric weights the focus area's sections ×1.5 (evals/thresholds.py FOCUS_SECTION_WEIGHT).
FOCUS_WEIGHT = 1.5
# max_tokens over the target: tables, formulas and derivations cost more tokens per word than prose,
# and a capable model trimmed drafts to fit 1.5×.
MAX_TOKENS_HEADROOM = 2.0
# A complete plan is ~3,500 tokens (12 sections × up to 8 key points, 14 facts with derivations,
# 16 edges); 6,000 leaves room without inviting a ramble.
PLANNER_MAX_TOKENS = 6000
CRITIC_MAX_TOKENS = 3000
VERIFIER_MAX_TOKENS = 1500


@dataclass(frozen=True)
class SectionBudget:
    """Word target, token target and the max_tokens cap for one section."""

    number: int
    words: int
    tokens: int
    max_tokens: int


def section_budgets(
    duration: int, level: str, focus_area: str | None = None, catalogue: Catalogue | None = None
) -> dict[int, SectionBudget]:
    """Budgets for all twelve sections; the word targets sum to the document target."""
    cat = catalogue or load_catalogue()
    total_words = WORDS_BY_DURATION[duration] * cat.levels[level].budget_multiplier
    focus = set(cat.focus_areas[focus_area].sections) if focus_area else set()
    weights = {s.number: s.weight * (FOCUS_WEIGHT if s.number in focus else 1.0) for s in cat.sections}
    scale = sum(weights.values())
    budgets = {}
    for number, weight in weights.items():
        words = round(total_words * weight / scale)
        tokens = math.ceil(words * TOKENS_PER_WORD)
        budgets[number] = SectionBudget(number, words, tokens, math.ceil(tokens * MAX_TOKENS_HEADROOM))
    return budgets


def shrink_note(what: str, wanted: int, granted: int, context_length: int | None) -> list[str]:
    """A trace note when max_tokens was shrunk to fit the context window, else nothing."""
    if granted >= wanted:
        return []
    return [f"{what}: max_tokens {wanted} → {granted} to fit the {context_length}-token context"]


def structured_max_tokens(default: int, context_length: int | None) -> int:
    """max_tokens to ask for a structured answer: on a small-context model, all the room it has.

    A small model may fill every bounded field to its limit; cutting it off at the default would
    turn a valid (if verbose) answer into a failed run, so it gets the context's room instead.
    """
    return context_length if is_small_model(context_length) else default


def fit_max_tokens(wanted: int, prompt_tokens: int, context_length: int | None) -> int:
    """Shrink max_tokens so prompt + answer fit a model's context window (with a safety margin)."""
    if context_length is None:
        return wanted
    room = context_length - prompt_tokens - 64
    return max(64, min(wanted, room))


def writer_max_tokens(budget: dict, context_length: int | None) -> int:
    """A writer's max_tokens: the budget's headroom for capable models, what a small one can say.

    A small local model writes to its limit whatever the target says, so more room only makes it
    ramble and loop for longer.
    """
    if is_small_model(context_length):
        return min(budget["tokens"], SMALL_WRITER_MAX_TOKENS)
    return budget["max_tokens"]


def writer_target_words(budget: dict, context_length: int | None) -> int:
    """The word count a writer is asked for: the budget's, capped for a small model."""
    if is_small_model(context_length):
        return min(budget["words"], SMALL_SECTION_WORDS)
    return budget["words"]


def message_tokens(messages) -> int:
    """Tokens of the rendered messages' text (the prompt as sent, rendered once by its agent)."""
    return count_tokens("".join(str(m.content) for m in messages))


def call_budget(
    what: str, wanted: int, prompt_tokens: int, context_length: int | None, structured: bool = False
) -> tuple[int, list[str]]:
    """max_tokens for one call and the trace note saying if it was shrunk to fit the context.

    Structured answers on a small-context model get all the room it has (`structured_max_tokens`).
    """
    asked = structured_max_tokens(wanted, context_length) if structured else wanted
    granted = fit_max_tokens(asked, prompt_tokens, context_length)
    return granted, shrink_note(what, wanted, granted, context_length)
