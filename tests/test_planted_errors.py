"""The correctness checks on the planted-error calibration set (evals/calibration/planted/).

Every planted arithmetic and citation error must be found, and nothing may be flagged in the
clean twins or in the hand-written strong calibration documents: a false alarm on a correct
document costs more than a miss. The summary test prints found/planted and false alarms.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

import pytest
import yaml

from mlsd.evals import markdown as md
from mlsd.evals.arithmetic import find_arithmetic_errors
from mlsd.evals.citations import check_citations
from mlsd.prompts.templates import load_template

CALIBRATION = Path(__file__).parents[1] / "evals" / "calibration"
PLANTED = CALIBRATION / "planted"
MANIFEST = yaml.safe_load((PLANTED / "manifest.yaml").read_text(encoding="utf-8"))
PAIRS = MANIFEST["pairs"]
STRONG = sorted(CALIBRATION.glob("strong_*.md"))
CHECKED_KINDS = ("arithmetic", "citation")


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _read(name: str) -> str:
    return (PLANTED / name).read_text(encoding="utf-8")


def _flags(text: str) -> dict[str, list[str]]:
    """Quotes of what each deterministic check flags in a document."""
    return {
        "arithmetic": [f.expression for f in find_arithmetic_errors(text)],
        "citation": [f.quote for f in check_citations(text)[0]],
    }


def _matches(flagged: str, planted: str) -> bool:
    flagged, planted = _plain(flagged), _plain(planted)
    return planted in flagged or flagged in planted


def test_the_set_has_four_archetypes_with_short_real_documents():
    assert len(PAIRS) >= 4
    assert len({pair["archetype"].split(" (")[0] for pair in PAIRS}) >= 4
    for pair in PAIRS:
        for name in (pair["clean"], pair["planted"]):
            _, body = md.split_front_matter(_read(name))
            assert 300 <= md.word_count(body) <= 800, name
            assert len([h for h in md.headings(body) if h[1] == 2]) >= 3, f"{name}: a few sections"


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p["planted"])
def test_each_planted_document_has_the_required_errors(pair):
    kinds = [error["kind"] for error in pair["errors"]]
    assert kinds.count("arithmetic") >= 2 and kinds.count("citation") >= 2
    assert kinds.count("definition") >= 2
    assert all(error.get("llm_only") for error in pair["errors"] if error["kind"] == "definition")
    prose = [e for e in pair["errors"] if e["kind"] == "citation" and "(" not in e["quote"]]
    assert prose, "at least one citation error is written in prose"


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p["planted"])
def test_the_twins_differ_only_by_the_planted_errors(pair):
    clean, planted = _plain(_read(pair["clean"])), _plain(_read(pair["planted"]))
    for error in pair["errors"]:
        quote, correct = _plain(error["quote"]), _plain(error["correct"])
        assert quote in planted and quote not in clean, error["quote"]
        assert clean.count(correct) == 1, error["correct"]
        clean = clean.replace(correct, quote)
    assert clean == planted


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p["planted"])
@pytest.mark.parametrize("kind", CHECKED_KINDS)
def test_every_planted_error_is_found_and_nothing_else(pair, kind):
    flagged = _flags(_read(pair["planted"]))[kind]
    planted = [e["quote"] for e in pair["errors"] if e["kind"] == kind]
    missed = [q for q in planted if not any(_matches(f, q) for f in flagged)]
    extra = [f for f in flagged if not any(_matches(f, q) for q in planted)]
    assert missed == [], f"planted {kind} errors not found"
    assert extra == [], f"{kind} flags that are not planted errors"


@pytest.mark.parametrize("name", [pair["clean"] for pair in PAIRS])
def test_the_clean_twins_flag_nothing(name):
    assert _flags(_read(name)) == {"arithmetic": [], "citation": []}


@pytest.mark.parametrize("path", STRONG, ids=lambda p: p.name)
def test_the_strong_calibration_documents_flag_nothing(path):
    assert _flags(path.read_text(encoding="utf-8")) == {"arithmetic": [], "citation": []}


def test_summary_found_over_planted_and_false_alarms(capsys):
    found = planted = false_alarms = 0
    for pair in PAIRS:
        for kind in CHECKED_KINDS:
            quotes = [e["quote"] for e in pair["errors"] if e["kind"] == kind]
            flagged = _flags(_read(pair["planted"]))[kind]
            planted += len(quotes)
            found += sum(any(_matches(f, q) for f in flagged) for q in quotes)
            false_alarms += sum(not any(_matches(f, q) for q in quotes) for f in flagged)
    clean_docs = [_read(p["clean"]) for p in PAIRS] + [p.read_text(encoding="utf-8") for p in STRONG]
    false_alarms += sum(len(v) for text in clean_docs for v in _flags(text).values())
    llm_only = sum(1 for p in PAIRS for e in p["errors"] if e.get("llm_only"))
    with capsys.disabled():
        print(
            f"\nplanted errors found: {found}/{planted}; false alarms: {false_alarms} "
            f"(over {len(PAIRS)} planted, {len(clean_docs)} correct documents); "
            f"{llm_only} llm_only errors left to the verifier"
        )
    assert (found, false_alarms) == (planted, 0)
    assert planted >= 4 * len(PAIRS)


def test_the_verifier_prompt_takes_the_section_and_what_the_checks_found():
    template = load_template("verifier")
    names = set(Template(template.body).get_identifiers())
    assert names == {
        "record_json", "seniority", "fact_sheet", "plan_outline", "section_number",
        "section_title", "section_text", "deterministic_findings",
    }  # fmt: skip
    system, user = template.render_pair(**{name: f"<<{name}>>" for name in names})
    assert "<<section_text>>" in user and "<<deterministic_findings>>" in user
    assert "<<" not in system, "the system part is the same for every section (cacheable)"
    kinds = "arithmetic|formula|definition|causal|citation|consistency"
    assert kinds in system and '{"findings": []}' in system
    # The llm_only errors planted here are the kinds of error the prompt tells it to look for.
    for phrase in (
        "precision and recall swapped",
        "RMSE without the square root",
        "MRR averaging ranks",
        "normalized entropy inverted",
        "false discovery rate",
    ):
        assert phrase in system
