"""Degenerate text: a section that repeats itself, echoes its prompt or is a list of empty headings.

A small model that loses the thread loops: the same sentence fifteen times, the writer's retry
instruction copied back ("A first attempt at this section was cut off by the length limit. Write
the whole section…"), the brief's own headings ("Required elements", "Seed focus") as the body,
or a hundred `###` headings with nothing under them. Word counts and vocabulary checks can still
pass on such text, so G11 (evals/checks.py) fails it as a gate. Everything here counts what a
strong, hand-written document never contains; thresholds live in evals/thresholds.py and the
prompt phrases in evals/lexicon.py (`PROMPT_ECHOES`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mlsd.evals import lexicon as lx
from mlsd.evals import markdown as md
from mlsd.evals import thresholds as th

_MARKUP = re.compile(r"[*_`>#|]+")
_LIST_MARK = re.compile(r"^\s*(?:[-+•]|\d{1,3}[.)])\s+")
_SPACES = re.compile(r"\s+")
_SETEXT_RULE = re.compile(r"^\s{0,3}(=+|-+)\s*$")


@dataclass(frozen=True)
class Degeneracy:
    """What makes a section degenerate; an empty `problems` means it is not."""

    repeated: list[tuple[str, int]]  # (sentence, times) for long sentences seen too often
    duplicate_share: float  # share of the section's sentences that repeat an earlier one
    echoes: list[str]  # prompt instructions found in the text
    empty_headings: int

    @property
    def problems(self) -> list[str]:
        """One short phrase per problem found, for the check's measured value and fix."""
        found = []
        if self.repeated:
            text, times = self.repeated[0]
            found.append(f'"{_shorten(text)}" ×{times}')
        if self.duplicate_share > th.MAX_DUPLICATE_SENTENCE_SHARE:
            found.append(f"{self.duplicate_share:.0%} repeated sentences")
        if len(self.echoes) > th.MAX_PROMPT_ECHOES:
            found.append("prompt text: " + ", ".join(f'"{e}"' for e in self.echoes[:3]))
        if self.empty_headings > th.MAX_EMPTY_HEADINGS:
            found.append(f"{self.empty_headings} empty headings")
        return found


def _shorten(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def normalise(text: str) -> str:
    """Lower case, no markdown emphasis, list markers or trailing punctuation, single spaces."""
    text = _LIST_MARK.sub("", text)
    text = _MARKUP.sub(" ", text.replace("’", "'"))
    return _SPACES.sub(" ", text).strip(" .,;:!?").lower()


def _sentences(text: str) -> list[str]:
    """Every sentence of every line outside fences (headings and table rows included)."""
    found = []
    for line in md.prose_lines(text):
        if not line.strip() or _SETEXT_RULE.match(line):
            continue
        found += [normalise(s) for s in md.sentences(line.strip())]
    return [s for s in found if s]


def _empty_headings(text: str) -> int:
    """Headings with nothing under them before the next heading of the same or a higher level."""
    lines = text.splitlines()
    heads = md.headings(text)
    empty = 0
    for i, (index, level, _text) in enumerate(heads):
        following = heads[i + 1] if i + 1 < len(heads) else None
        end = following[0] if following else len(lines)
        body = [line for line in lines[index + 1 : end] if line.strip() and not _SETEXT_RULE.match(line)]
        if not body and (following is None or following[1] <= level):
            empty += 1
    return empty


def prompt_echoes(text: str) -> list[str]:
    """The prompt instructions (evals/lexicon.py ``PROMPT_ECHOES``) that text repeats, each once."""
    flat = normalise(" ".join(text.split()))
    return [phrase for phrase, pattern in _ECHO_PATTERNS if pattern.search(flat)]


_ECHO_PATTERNS = [(phrase, re.compile(rf"\b{re.escape(normalise(phrase))}\b")) for phrase in lx.PROMPT_ECHOES]


def degeneracy(text: str) -> Degeneracy:
    """Measure repetition, prompt echoes and empty headings in one section's markdown."""
    sentences = _sentences(text)
    long = Counter(s for s in sentences if md.sentence_words(s) >= th.MIN_REPEATED_SENTENCE_WORDS)
    repeated = sorted(
        ((s, n) for s, n in long.items() if n > th.MAX_SENTENCE_REPEATS), key=lambda item: -item[1]
    )
    counted = [s for s in sentences if md.sentence_words(s) >= th.MIN_DUPLICATE_SENTENCE_WORDS]
    share = 0.0
    if len(counted) >= th.MIN_SENTENCES_FOR_SHARE:
        share = round((len(counted) - len(set(counted))) / len(counted), 2)
    return Degeneracy(repeated, share, prompt_echoes(text), _empty_headings(text))
