"""G11: a section that loops, copies its prompt or is a run of empty headings fails a gate; no
strong calibration document or clean planted twin does."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from mlsd.agents.critic import CriticReport, Waiver, accepted_waivers, fixes_by_section
from mlsd.evals import lexicon as lx
from mlsd.evals.checks import CheckParams, check_document, check_section, split_sections
from mlsd.evals.degenerate import degeneracy, normalise
from mlsd.evals.documents import load_document
from mlsd.evals.evaluate import deterministic_score, run_checks

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "evals" / "calibration"
STRONG = sorted(CALIBRATION.glob("strong_*.md"))
CLEAN_TWINS = sorted((CALIBRATION / "planted").glob("*_clean.md"))
META = CheckParams(seniority="E5", duration=45, company_name="Meta")
FIX = "Rewrite the section once, in full sentences, without repeating lines or copying the instructions"
# What the embedded 135M model wrote into a section (issue 14): its retry instruction, looped.
RETRY = (
    "A first attempt at this section was cut off by the length limit. Write the whole section, complete, "
    "in at most 300 words: fewer sub-points, same concrete numbers."
)


def g11(body: str, number: int = 6):
    return next(r for r in check_section(number, body, META) if r.id == "G11_no_degenerate_text")


def strong_section(number: int = 6) -> str:
    return split_sections((CALIBRATION / "strong_e7_60_meta_news_feed.md").read_text())[number]


def test_the_looped_retry_instruction_fails_the_gate_with_a_fix_for_the_rewrite():
    result = g11("\n\n".join([RETRY] * 15))
    assert not result.passed and result.gate
    assert "×15" in result.measured and "prompt text" in result.measured
    assert result.fix.startswith(FIX)


def test_a_long_sentence_may_occur_twice_not_three_times():
    sentence = "The ranking service reads user features from the online store within 10 ms."
    body = strong_section()
    assert g11(body + "\n\n" + sentence + "\n\n" + sentence).passed
    assert not g11(body + "\n\n" + "\n\n".join([sentence] * 3)).passed


def test_many_repeated_short_sentences_fail_by_their_share():
    lines = [f"Stage {i} scores the candidates." for i in range(6)] + ["Latency stays low."] * 6
    result = g11("\n\n".join(lines * 2))
    assert not result.passed and "repeated sentences" in result.measured


def test_a_run_of_empty_headings_fails_but_a_few_or_nested_ones_do_not():
    empty = "\n\n".join(f"### Point {i}" for i in range(125))
    result = g11(strong_section() + "\n\n" + empty)
    assert not result.passed and "125 empty headings" in result.measured
    assert g11(strong_section() + "\n\n### A\n\n### B\n\n### C").passed  # three may be empty
    nested = "\n\n".join(
        f"### Part {i}\n\n#### Detail {i}\n\nThe detail of part {i} in a sentence." for i in range(6)
    )
    assert g11(strong_section() + "\n\n" + nested).passed  # a heading over a subheading is not empty
    assert degeneracy(nested).empty_headings == 0


def test_a_section_that_is_its_own_brief_fails():
    brief = (ROOT / "prompts" / "templates" / "section_brief.md").read_text().split("=== user ===", 1)[1]
    brief = re.sub(r"\$\w+", "Meta News Feed ranking", brief)
    result = g11(brief)
    assert not result.passed and "prompt text" in result.measured
    assert {"Required elements (each one must be present", "Write the body of section"} <= set(
        degeneracy(brief).echoes
    )


@pytest.mark.parametrize("path", STRONG + CLEAN_TWINS, ids=lambda p: p.name)
def test_no_strong_or_clean_document_is_called_degenerate(path):
    for number, body in split_sections(path.read_text(encoding="utf-8")).items():
        found = degeneracy(body)
        assert found.problems == [], (number, found)
        assert found.duplicate_share == 0.0 and not found.echoes


def test_one_degenerate_section_caps_a_strong_documents_verdict():
    doc = load_document(CALIBRATION / "strong_e7_60_meta_news_feed.md")
    body = strong_section(9)
    looped = doc.text.replace(body, body + "\n\n" + "\n\n".join([RETRY] * 15))
    score = deterministic_score(dataclasses.replace(doc, text=looped))
    assert score.gates_failed == ["G11_no_degenerate_text"]
    assert score.verdict == "needs revision"
    assert "G11_no_degenerate_text" not in {r.id for r in run_checks(doc) if not r.passed}


def test_the_critic_sends_the_fix_to_the_rewrite_and_cannot_waive_it():
    text = (CALIBRATION / "strong_e7_60_meta_news_feed.md").read_text()
    body = strong_section(9)
    checks = check_document(text.replace(body, "\n\n".join([RETRY] * 15)), META)
    report = CriticReport(
        sections=[], waivers=[Waiver(check_id="G11_no_degenerate_text", section=9, reason="fine")]
    )
    assert accepted_waivers(report, checks) == []
    fixes = fixes_by_section(report, checks, set(range(1, 13)))
    assert any(f.startswith(FIX) for f in fixes[9])


@pytest.mark.parametrize("phrase", [p for p in lx.PROMPT_ECHOES if p not in lx.PROMPT_ECHO_EXTRAS])
def test_every_prompt_echo_is_really_in_the_prompts(phrase):
    sources = [*(ROOT / "prompts" / "templates").glob("*.md"), ROOT / "agents" / "writer.py"]
    text = normalise(" ".join(" ".join(p.read_text().split()) for p in sources).replace('" "', ""))
    assert normalise(phrase) in text
