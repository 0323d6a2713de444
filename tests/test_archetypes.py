"""Problem archetypes: strict data, the keyword guess, and prompts that speak each archetype's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from mlsd.prompts import (
    ARCHETYPE_IDS,
    Archetype,
    all_archetypes,
    archetype_guide,
    archetype_menu,
    infer_archetype,
    load_archetype,
    load_catalogue,
    load_template,
    section_points,
    writer_guide,
)
from mlsd.prompts.archetypes import REQUIRED_FIXES, ArchetypeChecks, _read
from mlsd.prompts.catalogue import FOCUS_AREAS, LEVELS
from mlsd.prompts.timeplan import time_plan_for, time_plan_table

RECORDS = Path(__file__).parent / "fixtures" / "archetype_records.jsonl"
NON_FEED = ("risk", "forecasting", "perception", "generative")
FEED_TERMS = (
    "candidate corpus",
    "candidates per stage",
    "feature hydration",
    "re-rank",
    "HNSW",
    "efSearch",
    "NDCG",
    "CTR",
    "time spent",
    "DAU",
    "user–item",
    "user, item, context",
    "viral",
    "engagement head",
    "clickbait",
    "impression",
)


def _feed_terms_in(text: str) -> list[str]:
    """Feed terms that occur as words (CTR must not fire inside 'spectrogram')."""
    found = []
    for term in FEED_TERMS:
        body = re.escape(term).replace("–", "[–-]")
        end = r"(?:s|es)?(?![a-z])" if term.isupper() else ""
        if re.search(rf"(?<![a-z]){body}{end}", text, re.IGNORECASE):
            found.append(term)
    return found


def _bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items) or "- none"


def _level_profile(level: str) -> str:
    p = load_catalogue().levels[level]
    return f"{p.level}: {p.seed_profile}\n{p.summary}\nDepth: {p.depth}\n{_bullets(p.signals)}"


def _section_outline() -> str:
    return "\n".join(f"{s.number}. {s.title}\n" + _bullets(s.bullets) for s in load_catalogue().sections)


def render_planner(a: Archetype, level: str = "E7") -> str:
    system, user = load_template("planner").render_pair(
        archetype_name=a.name,
        archetype_guide=archetype_guide(a),
        record_json="the record",
        seniority=level,
        level_profile=_level_profile(level),
        duration=60,
        focus="none",
        time_plan=time_plan_table(time_plan_for(60, level, a)),
        section_outline=_section_outline(),
    )
    return f"{system}\n{user}"


def render_writer_system(a: Archetype, level: str = "E7") -> str:
    system, user = load_template("writer_system").render_pair(
        archetype_name=a.name,
        archetype_guide_short=writer_guide(a),
        record_json="the record",
        seniority=level,
        level_profile=_level_profile(level),
        duration=60,
        focus="none",
        framing="the framing",
        fact_sheet="the fact sheet",
        plan_outline="the plan outline",
        time_plan=time_plan_table(time_plan_for(60, level, a)),
    )
    return f"{system}\n{user}"


def render_brief(a: Archetype, number: int, level: str = "E7", focus: str | None = None) -> str:
    spec = load_catalogue().section(number)
    emphasis = load_catalogue().focus_areas[focus].emphasis.get(number, "none") if focus else "none"
    system, user = load_template("section_brief").render_pair(
        number=number,
        title=spec.title,
        seed_focus=spec.seed_focus,
        bullets=_bullets(spec.bullets),
        seed_criteria=spec.seed_criteria,
        level_criteria=spec.levels[level],
        must_include=_bullets(spec.must_include),
        archetype_points=_bullets(section_points(a, number)),
        focus_emphasis=emphasis,
        key_points="- the key points",
        avoid=_bullets(spec.avoid),
        target_words=500,
        seniority=level,
    )
    return f"{system}\n{user}"


# ---------------------------------------------------------------- the data


def test_every_archetype_file_loads_under_its_id():
    expected = ("ranking", "search", "risk", "forecasting", "perception", "generative", "generic")
    assert expected == ARCHETYPE_IDS
    archetypes = all_archetypes()
    assert [a.id for a in archetypes] == list(ARCHETYPE_IDS)
    assert len({a.name for a in archetypes}) == len(archetypes)
    assert load_archetype("risk") is load_archetype("risk")


def test_unknown_archetype_names_the_valid_ids():
    with pytest.raises(ValueError, match="valid ids: ranking, search, risk"):
        load_archetype("fraud")


def test_every_reference_has_authors_and_a_year():
    for a in all_archetypes():
        assert 5 <= len(a.references) <= 10, a.id
        for ref in a.references:
            assert ref.work.strip() and ref.authors.strip(), (a.id, ref)
            assert 1900 <= ref.year <= 2026, (a.id, ref)
            assert f"({ref.authors}, {ref.year})" in ref.cite()
        assert len({(r.authors, r.year, r.work) for r in a.references}) == len(a.references), a.id


def test_section_points_stay_within_sections_1_to_12():
    for a in all_archetypes():
        assert set(a.section_points) <= set(range(1, 13)), a.id
        assert all(1 <= len(points) <= 4 for points in a.section_points.values()), a.id
        if a.id != "generic":
            assert sorted(a.section_points) == list(range(1, 13)), a.id
    risk = load_archetype("risk")
    assert section_points(risk, 4) == risk.section_points[4]
    assert section_points(load_archetype("generic"), 3) == ()
    with pytest.raises(ValueError):
        section_points(risk, 13)


def test_checks_vocabulary_is_complete_and_consistent():
    for a in all_archetypes():
        checks = a.checks
        assert set(REQUIRED_FIXES) <= set(checks.fixes), a.id
        if checks.feature_groups:
            assert 1 <= checks.min_feature_groups <= len(checks.feature_groups), a.id
        if checks.imbalanced:
            assert "S3_imbalance" in checks.fixes, a.id
    assert load_archetype("generic").checks.feature_groups == {}
    assert not load_archetype("generic").checks.pipeline
    assert not load_archetype("forecasting").checks.imbalanced


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scale_units", ["payments", "of"]),
        ("scale_units", ["payments per day", "cards", "merchants"]),
        ("guardrails", ["Approval Rate", "review sla"]),
        ("min_feature_groups", 20),
        ("fixes", {"S2_scale": "State the scale."}),
    ],
)
def test_checks_reject_bad_vocabulary(field, value):
    data = _read("risk")["checks"]
    ArchetypeChecks.model_validate(data)
    with pytest.raises(ValidationError):
        ArchetypeChecks.model_validate({**data, field: value})


def test_archetype_rejects_unknown_keys():
    data = _read("search")
    with pytest.raises(ValidationError, match="extra"):
        Archetype.model_validate({**data, "funnel": "a → b → c"})


def test_ranking_keeps_the_feed_vocabulary_of_the_shared_lexicon():
    checks = load_archetype("ranking").checks
    assert {"user", "item", "context", "cross"} <= set(checks.feature_groups)
    assert {"ndcg", "auc", "calibration"} <= set(checks.offline_metrics)
    assert {"ctr", "time spent", "dau"} <= set(checks.online_metrics)
    assert {"dau", "items", "impressions", "candidates"} <= set(checks.scale_units)
    assert "qps" in checks.throughput_units


# ---------------------------------------------------------------- the keyword guess


def _records() -> list[dict]:
    return [json.loads(line) for line in RECORDS.read_text("utf-8").splitlines() if line.strip()]


def test_fixture_covers_every_archetype():
    expected = {row["expected"] for row in _records()}
    assert expected == set(ARCHETYPE_IDS)


@pytest.mark.parametrize("row", _records(), ids=lambda row: row["record"]["ml_topic"])
def test_infer_archetype_on_real_records(row):
    archetype, reason = infer_archetype(json.dumps(row["record"]))
    assert archetype == row["expected"], reason
    assert reason and "\n" not in reason


def test_infer_archetype_reads_titles_of_documents_and_plain_text():
    document = (
        "---\ncompany: Stripe\ntopic: Radar Payment Fraud Scoring\nseniority: E7\n---\n"
        "# Stripe — Radar Payment Fraud Scoring\n\n## 1. Interview Overview\nThe model scores every payment."
    )
    assert infer_archetype(document)[0] == "risk"
    assert infer_archetype("# Uber ETA Prediction\nPredicts arrival time for every trip.")[0] == "forecasting"
    archetype, reason = infer_archetype("Kidney exchange planning\nPairs donors with recipients.")
    assert archetype == "generic"
    assert "generic fallback" in reason


def test_infer_archetype_names_the_matched_terms():
    archetype, reason = infer_archetype('{"ml_topic": "Spam Comment Detection", "product_description": "x"}')
    assert archetype == "risk"
    assert "spam" in reason and "(title)" in reason


def test_archetype_menu_has_one_line_per_archetype():
    lines = archetype_menu().splitlines()
    assert len(lines) == len(ARCHETYPE_IDS)
    for line, a in zip(lines, all_archetypes(), strict=True):
        assert line.startswith(f"- {a.id}: {a.name}")


# ---------------------------------------------------------------- prompts


def test_guides_carry_the_archetype_vocabulary():
    for a in all_archetypes():
        guide, short = archetype_guide(a), writer_guide(a)
        assert a.summary in guide and a.summary in short
        assert a.diagram.online in guide and a.diagram.offline in guide
        assert all(fact in guide for fact in a.planner_facts)
        assert all(ref.cite() in guide and ref.cite() in short for ref in a.references)
        assert a.pipeline.example in short
        assert len(short) < len(guide)


@pytest.mark.parametrize("archetype_id", NON_FEED)
def test_non_feed_prompts_carry_no_feed_vocabulary(archetype_id):
    a = load_archetype(archetype_id)
    texts = {"planner": render_planner(a), "writer_system": render_writer_system(a)}
    for level in LEVELS:
        for focus in (None, *FOCUS_AREAS):
            for number in range(1, 13):
                texts[f"§{number} {level} {focus}"] = render_brief(a, number, level, focus)
    leaks = {name: found for name, text in texts.items() if (found := _feed_terms_in(text))}
    assert not leaks


def test_feed_term_matcher_finds_terms_as_words_only():
    assert _feed_terms_in("Our CTR rose; DAUs grew; impressions doubled.") == ["CTR", "DAU", "impression"]
    assert _feed_terms_in("a log-mel spectrogram of the audio in its electrical context") == []


def test_ranking_prompts_keep_the_feed_depth():
    a = load_archetype("ranking")
    briefs = "\n".join(render_brief(a, n) for n in range(1, 13))
    for term in ("NDCG", "user", "item", "context", "funnel", "retrieval", "candidates per stage"):
        assert term in briefs, term
    assert "HNSW" in briefs or "ANN" in briefs
    planner = render_planner(a)
    assert "candidate corpus size" in planner and "feature hydration" in planner
    assert "High-level funnel / architecture" in planner


def test_archetype_points_reach_the_brief():
    risk = load_archetype("risk")
    brief = render_brief(risk, 4)
    assert all(point in brief for point in section_points(risk, 4))
    assert "- none" in render_brief(load_archetype("generic"), 3)


def test_sections_catalogue_is_archetype_neutral():
    for spec in load_catalogue().sections:
        texts = [*spec.must_include, *spec.avoid, *spec.levels.values()]
        assert not _feed_terms_in("\n".join(texts)), spec.number
    overview = " ".join(load_catalogue().section(1).must_include)
    assert "full sentences" in overview and "telegraphic" in overview
    assert "code inserts" in overview and "does not count" in overview


def test_critic_prompt_explains_waivers_and_forbids_relabelling():
    risk = load_archetype("risk")
    values = {
        name: f"<{name}>"
        for name in "record_json seniority level_profile duration focus fact_sheet check_report document"
        " round max_revisions".split()
    }
    system, user = load_template("critic").render_pair(
        **values, archetype_name=risk.name, archetype_summary=risk.summary
    )
    assert risk.summary in system and risk.name in user
    assert "waivers" in system and "check_id" in system
    assert "never waive a gate" in system
    assert "renames or relabels" in system


def test_classification_prompt_lists_the_menu_and_asks_for_json():
    system, user = load_template("archetype").render_pair(record_json="<r>", archetype_menu=archetype_menu())
    assert '{"archetype": "<id>", "reason":' in system
    assert "not by the company's industry" in system
    assert all(f"- {archetype_id}:" in user for archetype_id in ARCHETYPE_IDS)


# ---------------------------------------------------------------- time plan


def test_time_plan_uses_the_archetype_phase_names_with_the_same_minutes():
    plain = time_plan_for(60, "E7")
    for a in all_archetypes():
        renamed = time_plan_for(60, "E7", a)
        assert [s.minutes for s in renamed] == [s.minutes for s in plain]
        assert [a.phase_names.get(s.name, s.name) for s in plain] == [s.name for s in renamed]
    risk = [s.name for s in time_plan_for(90, "E8", "risk")]
    assert "Risk model, thresholds and deep dive" in risk and "Model deep dive" not in risk
    assert [s.name for s in time_plan_for(60, "E7", None)] == [s.name for s in plain]


def test_wrap_up_phase_does_not_map_to_the_question_bank():
    wrap_up = [p for p in load_catalogue().phases if "wrap-up" in p.name.lower()]
    assert wrap_up and all(12 not in p.sections for p in wrap_up)
