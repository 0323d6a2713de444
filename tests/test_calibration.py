"""The calibration set: strong documents outrank their weak counterparts in every section score."""

from pathlib import Path

import pytest
import yaml

from mlsd.errors import InputError
from mlsd.evals.checks import gates_failed
from mlsd.evals.documents import load_document
from mlsd.evals.evaluate import check_params, deterministic_score, run_checks
from mlsd.evals.rubric import SECTIONS

CALIBRATION = Path(__file__).parents[1] / "evals" / "calibration"
MANIFEST = yaml.safe_load((CALIBRATION / "manifest.yaml").read_text())
STRONG = {d["file"]: d for d in MANIFEST["strong"]}
WEAK = MANIFEST["weak"]


def _doc(name: str):
    return load_document(CALIBRATION / name)


def test_the_set_has_three_strong_and_three_weak_documents_at_different_levels_and_durations():
    assert len(STRONG) >= 3 and len(WEAK) >= 3
    params = {(d.params.seniority, d.params.duration) for d in map(_doc, STRONG)}
    assert len({level for level, _ in params}) >= 3 and len({minutes for _, minutes in params}) == 3
    assert {w["counterpart"] for w in WEAK} <= set(STRONG)
    assert sorted(p.name for p in CALIBRATION.glob("*.md")) == sorted([*STRONG, *(w["file"] for w in WEAK)])


@pytest.mark.parametrize("name", sorted(STRONG))
def test_strong_documents_fail_only_their_documented_checks_and_no_gate(name):
    results = run_checks(_doc(name))
    assert sorted(r.id for r in results if not r.passed) == sorted(STRONG[name]["expected_failures"])
    assert gates_failed(results) == []
    assert deterministic_score(_doc(name)).verdict == "strong"


@pytest.mark.parametrize("weak", WEAK, ids=lambda w: w["file"])
def test_every_section_score_ranks_the_strong_document_above_its_weak_counterpart(weak):
    strong = {s.section: s.score for s in deterministic_score(_doc(weak["counterpart"])).sections}
    poor = {s.section: s.score for s in deterministic_score(_doc(weak["file"])).sections}
    lower = [n for n in SECTIONS if not poor[n] < strong[n]]
    assert lower == [], f"sections where {weak['file']} is not below its counterpart: {lower}"


@pytest.mark.parametrize("weak", WEAK, ids=lambda w: w["file"])
def test_the_gates_catch_each_weak_documents_defect_and_cap_its_verdict(weak):
    score = deterministic_score(_doc(weak["file"]))
    assert score.gates_failed == sorted(weak["gates"])
    assert score.verdict == "needs revision"


def test_a_gate_caps_the_verdict_even_when_the_score_is_high():
    strong = (CALIBRATION / "strong_e7_60_meta_news_feed.md").read_text()
    broken = strong.replace(
        "| Candidate questions and wrap-up | 5 |", "| Candidate questions and wrap-up | 4 |"
    )
    assert broken != strong
    path = CALIBRATION.parent.parent / "tests" / "fixtures"  # any folder; the text is what counts
    doc = load_document(CALIBRATION / "strong_e7_60_meta_news_feed.md")
    doc = type(doc)(path, broken, doc.params, doc.meta)
    score = deterministic_score(doc)
    assert score.overall > 0.95
    assert score.gates_failed == ["S1_time_table"]
    assert score.verdict == "needs revision"


# ---------------------------------------------------------------- archetypes of the documents

LEGACY = {  # documents written before archetypes: no front-matter archetype, so it is inferred
    "strong_e7_60_meta_news_feed.md": "ranking",
    "strong_e8_90_tiktok_for_you.md": "ranking",
    "strong_e5_45_airbnb_search.md": "search",
}


@pytest.mark.parametrize("name", sorted(STRONG))
def test_every_strong_document_has_the_archetype_it_is_calibrated_for(name):
    doc = _doc(name)
    if name in LEGACY:
        assert (doc.archetype, doc.archetype_source) == (LEGACY[name], "inferred")
        assert doc.archetype_reason and doc.archetype_note.startswith(f"{LEGACY[name]} (inferred: ")
    else:
        assert (doc.archetype, doc.archetype_source) == (STRONG[name]["archetype"], "front matter")


@pytest.mark.parametrize("name", sorted(STRONG))
def test_every_document_is_checked_as_its_archetype(name):
    doc = _doc(name)
    assert check_params(doc).archetype == doc.archetype


def _write(tmp_path, front: str, body: str = "# Payment fraud scoring\n\nFraud, chargebacks and 3DS.\n"):
    path = tmp_path / "doc.md"
    path.write_text(f"---\n{front}\n---\n{body}" if front else body, encoding="utf-8")
    return path


def test_the_caller_overrides_the_front_matter_which_overrides_inference(tmp_path):
    path = _write(tmp_path, "archetype: forecasting\narchetype_reason: the planner said so")
    assert load_document(path, archetype="risk").archetype_source == "flag"
    assert load_document(path, archetype="risk").archetype == "risk"
    doc = load_document(path)
    assert (doc.archetype, doc.archetype_reason) == ("forecasting", "the planner said so")
    inferred = load_document(_write(tmp_path, ""))
    assert (inferred.archetype, inferred.archetype_source) == ("risk", "inferred")


@pytest.mark.parametrize(
    "front",
    [
        "archetype: feed",
        "critic_waivers: S2_qps",
        "critic_waivers: [{check: S2_qps}]",
        "critic_waivers: [{check: S2_qps, section: 14, reason: x}]",
        "verification: {found: many}",
    ],
)
def test_malformed_archetype_waivers_or_verification_are_input_errors(tmp_path, front):
    with pytest.raises(InputError):
        load_document(_write(tmp_path, front))


def test_waivers_and_verification_are_read_from_the_front_matter(tmp_path):
    front = (
        "archetype: risk\ncritic_waivers:\n  - {check: S2_qps, section: 2, reason: load per batch}\n"
        "verification: {found: 4, fixed: 3, open: 1}"
    )
    doc = load_document(_write(tmp_path, front))
    assert doc.waivers == [{"check": "S2_qps", "section": 2, "reason": "load per batch"}]
    assert doc.verification == {"found": 4, "fixed": 3, "open": 1}
    assert load_document(_write(tmp_path, "archetype: risk")).waivers == []


def test_calibration_covers_four_non_ranking_archetypes():
    archetypes = {_doc(name).archetype for name in STRONG}
    assert len(archetypes - {"ranking", "search"}) >= 4, archetypes


@pytest.mark.parametrize("name", sorted(STRONG))
def test_every_strong_document_scores_at_least_0_9_with_no_gate_failed(name):
    score = deterministic_score(_doc(name))
    assert score.overall >= 0.9 and score.gates_failed == []


@pytest.mark.parametrize("weak", WEAK, ids=lambda w: w["file"])
def test_every_weak_document_scores_at_least_0_15_below_its_strong_counterpart(weak):
    strong = deterministic_score(_doc(weak["counterpart"])).overall
    assert deterministic_score(_doc(weak["file"])).overall <= strong - 0.15
