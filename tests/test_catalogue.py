"""The section catalogue, level profiles, focus areas, flows and prompt templates."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

import pytest

from mlsd.prompts import load_catalogue, load_template
from mlsd.prompts.catalogue import FOCUS_AREAS, LEVELS
from mlsd.prompts.templates import TEMPLATE_NAMES, template_versions

SEED = Path(__file__).resolve().parents[2] / "shared" / "SEED.md"

TITLES = (
    "Interview Overview",
    "Problem Definition & Technical Requirements",
    "Advanced Data Strategy & Feature Engineering",
    "Advanced ML Model Design",
    "Advanced Training & Evaluation",
    "Model Serving & Inference Optimization",
    "Advanced System Architecture",
    "Advanced Monitoring & ML Observability",
    "Advanced Scalability & Performance",
    "Advanced ML Topics",
    "Technical Deep-Dive Discussion Points",
    "Advanced Technical Interview Questions",
)

# Each template's variables: exactly these, no more, no fewer.
TEMPLATE_VARIABLES = {
    "archetype": {"record_json", "archetype_menu"},
    "planner": set(
        "record_json seniority level_profile duration focus time_plan section_outline"
        " archetype_name archetype_guide".split()
    ),
    "writer_system": set(
        "record_json seniority level_profile duration focus framing fact_sheet plan_outline"
        " time_plan archetype_name archetype_guide_short".split()
    ),
    "section_brief": set(
        "number title seed_focus bullets seed_criteria level_criteria must_include"
        " archetype_points focus_emphasis key_points avoid target_words seniority".split()
    ),
    "revision_brief": {"section_brief", "previous_draft", "fixes"},
    "critic": set(
        "record_json seniority level_profile duration focus fact_sheet check_report document"
        " round max_revisions archetype_name archetype_summary".split()
    ),
    "verifier": set(
        "record_json seniority fact_sheet plan_outline section_number section_title section_text"
        " deterministic_findings".split()
    ),
    "judge": set("record_json seniority duration focus document scope questions".split()),
    "judge_pairwise": set("record_json seniority duration focus document_a document_b".split()),
    "single_shot": set("sections seniority focus duration record_json".split()),
}
SECTION_SPECIFIC = TEMPLATE_VARIABLES["section_brief"] - {"seniority"}


def _parse_seed(text: str) -> dict[int, dict]:
    """Section number -> title, bullets, focus and criteria lines from the seed's output format."""
    sections: dict[int, dict] = {}
    current: dict | None = None
    for line in text.splitlines():
        heading = re.match(r"^### (\d+)\. (.+)$", line)
        if heading:
            current = {"title": heading[2], "bullets": [], "focus": None, "criteria": None}
            sections[int(heading[1])] = current
        elif line.startswith("## "):
            current = None
        elif current is not None and line.startswith("- "):
            labelled = re.match(r"^- \*\*E7 (Focus|Criteria)\*\*: (.+)$", line)
            if labelled:
                current[labelled[1].lower()] = labelled[2]
            else:
                current["bullets"].append(line[2:])
    return sections


def test_catalogue_sections_in_seed_order():
    catalogue = load_catalogue()
    assert [s.title for s in catalogue.sections] == list(TITLES)
    assert [s.number for s in catalogue.sections] == list(range(1, 13))
    assert len({s.id for s in catalogue.sections}) == 12
    for section in catalogue.sections:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", section.id), section.id
        assert 5 <= len(section.must_include) <= 9, section.number
        assert 1 <= len(section.avoid) <= 4, section.number


@pytest.mark.skipif(not SEED.exists(), reason="shared/SEED.md is not beside the clone")
def test_sections_match_seed_verbatim():
    seed = _parse_seed(SEED.read_text(encoding="utf-8"))
    assert sorted(seed) == list(range(1, 13))
    for section in load_catalogue().sections:
        expected = seed[section.number]
        assert section.title == expected["title"].removesuffix(" (E7 Focus)")
        assert list(section.bullets) == expected["bullets"], section.number
        if expected["focus"] is not None:
            assert section.seed_focus == expected["focus"], section.number
        if expected["criteria"] is not None:
            assert section.seed_criteria == expected["criteria"], section.number


def test_every_section_has_distinct_substantial_level_text():
    for section in load_catalogue().sections:
        texts = [section.levels[level] for level in LEVELS]
        for level, text in zip(LEVELS, texts, strict=True):
            assert len(text.split()) >= 25, (section.number, level)
        assert len(set(texts)) == 4, section.number


def test_level_profiles():
    levels = load_catalogue().levels
    assert list(levels) == list(LEVELS)
    multipliers = [levels[level].budget_multiplier for level in LEVELS]
    assert multipliers == sorted(multipliers)
    for profile in levels.values():
        assert 4 <= len(profile.signals) <= 6, profile.level
        assert profile.seed_profile and profile.summary and profile.depth


def test_focus_areas_cover_their_sections():
    expected = {
        "deep_learning": (4, 10),
        "optimization": (5, 9),
        "evaluation": (5, 8),
        "algorithms": (4, 6, 11),
    }
    focus_areas = load_catalogue().focus_areas
    assert sorted(focus_areas) == sorted(FOCUS_AREAS)
    for name, spec in focus_areas.items():
        assert spec.sections == expected[name]
        assert len(spec.keywords) >= 10, name
        assert all(k == k.lower() for k in spec.keywords), name
        assert len(set(spec.keywords)) == len(spec.keywords), name
        for number in spec.sections:
            assert len(spec.emphasis[number].split()) >= 15, (name, number)


def test_flows_sum_to_each_duration():
    catalogue = load_catalogue()
    names = {phase.name for phase in catalogue.phases}
    assert len(catalogue.phases) >= 5
    for duration in (45, 60, 90):
        assert sum(phase.weights[duration] for phase in catalogue.phases) == duration
    assert sorted(catalogue.level_phase_shift) == list(LEVELS)
    for shift in catalogue.level_phase_shift.values():
        assert set(shift) <= names
        assert all(value > 0 for value in shift.values())


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_loads_and_renders_with_exactly_its_variables(name):
    template = load_template(name)
    assert template.version.isdigit()
    system, split, user = template.body.partition("\n=== user ===\n")
    assert split, f"{name} has no '=== user ===' line"
    assert system.strip(), f"{name} has an empty system part"
    assert "=== user ===" not in user
    assert user.strip()
    variables = TEMPLATE_VARIABLES[name]
    assert set(Template(template.body).get_identifiers()) == variables
    values = {v: f"<{v}>" for v in variables}
    rendered = template.render(**values)
    assert all(f"<{v}>" in rendered for v in variables)
    missing = sorted(variables)[0]
    with pytest.raises(KeyError, match=missing):
        template.render(**{k: v for k, v in values.items() if k != missing})


def test_writer_system_prefix_is_not_section_specific():
    identifiers = set(Template(load_template("writer_system").body).get_identifiers())
    assert not identifiers & SECTION_SPECIFIC


def test_template_versions_are_recorded():
    assert set(template_versions()) == set(TEMPLATE_NAMES)
