"""Turn the record, parameters, catalogue and plan into the values the templates need."""

from __future__ import annotations

import json

from mlsd.agents.plan import InterviewPlan
from mlsd.prompts import (
    Archetype,
    SectionSpec,
    archetype_guide,
    load_archetype,
    load_catalogue,
    load_template,
    section_points,
    writer_guide,
)
from mlsd.prompts.timeplan import time_plan_for, time_plan_table
from mlsd.records import Params, Record


def _bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items) or "- none"


def record_json(record: Record) -> str:
    """The record as indented JSON; prompts wrap it in delimiters as data, not instructions."""
    return json.dumps(record.model_dump(mode="json"), indent=2, ensure_ascii=False)


def level_profile(level: str) -> str:
    """The level's profile as prompt text."""
    p = load_catalogue().levels[level]
    return (
        f"{p.level}: {p.seed_profile}\n{p.summary}\nDepth: {p.depth}\n"
        f"The interviewer scores:\n{_bullets(p.signals)}"
    )


def focus_text(params: Params) -> str:
    """The focus area and where it applies, or 'none'."""
    if not params.focus_area:
        return "none"
    spec = load_catalogue().focus_areas[params.focus_area.value]
    where = ", ".join(f"§{n}" for n in spec.sections)
    return f"{spec.name} (emphasised in {where}; vocabulary: {', '.join(spec.keywords)})"


def common_values(record: Record, params: Params) -> dict[str, str]:
    """Values shared by the planner, writer and critic templates."""
    return {
        "record_json": record_json(record),
        "seniority": params.seniority.value,
        "level_profile": level_profile(params.seniority.value),
        "duration": str(params.duration),
        "focus": focus_text(params),
    }


def section_outline() -> str:
    """The twelve sections with the seed's bullets, for the planner."""
    return "\n".join(f"{s.number}. {s.title}\n" + _bullets(s.bullets) for s in load_catalogue().sections)


def plan_archetype(plan: InterviewPlan) -> Archetype:
    """The plan's archetype (plans saved before archetypes existed are ranking plans)."""
    return load_archetype(plan.archetype or "ranking")


def archetype_values(archetype: Archetype) -> dict[str, str]:
    """The archetype's name and summary, for the critic and the verifier."""
    return {"archetype_name": archetype.name, "archetype_summary": archetype.summary}


def time_plan_text(params: Params, archetype: Archetype) -> str:
    """The time-plan table in the archetype's phase names (minutes computed by code)."""
    return time_plan_table(time_plan_for(params.duration, params.seniority.value, archetype))


def planner_values(record: Record, params: Params, archetype: Archetype) -> dict[str, str]:
    """Everything the planner template needs."""
    return {
        **common_values(record, params),
        "archetype_name": archetype.name,
        "archetype_guide": archetype_guide(archetype),
        "time_plan": time_plan_text(params, archetype),
        "section_outline": section_outline(),
    }


def fact_sheet(plan: InterviewPlan) -> str:
    """The plan's facts as a markdown list."""
    return "\n".join(
        f"- **{f.name}**: {f.value}" + (f" ({f.derivation})" if f.derivation else "") for f in plan.facts
    )


def plan_outline(plan: InterviewPlan) -> str:
    """Every section's key points, so each writer knows what the others cover."""
    cat = load_catalogue()
    sections = "\n".join(
        f"§{s.number} {s.title}:\n" + _bullets(plan.key_points(s.number)) for s in cat.sections
    )
    edges = _bullets(
        f"{e.source} → {e.target}" + (f" ({e.label})" if e.label else "") for e in plan.architecture
    )
    return f"{sections}\n\nSystem diagram edges (code draws them in §7):\n{edges}"


# A saved document revised without its run (``mlsd revise``): the document stands in for the plan.
NO_PLAN_FRAMING = "Not stored with this document: take the framing from its own sections below."
NO_PLAN_FACTS = (
    "Not stored with this document: the numbers its sections below state are the fact sheet; reuse"
    " them exactly and never introduce a conflicting one."
)
NO_PLAN_KEY_POINTS = "none stored with this document: keep the points your previous draft makes"


def document_prefix_values(
    record: Record, params: Params, archetype: Archetype, document: str
) -> dict[str, str]:
    """Writer-prefix values for a saved document whose run is gone: its own text replaces the plan."""
    return {
        **common_values(record, params),
        "archetype_name": archetype.name,
        "archetype_guide_short": writer_guide(archetype),
        "framing": NO_PLAN_FRAMING,
        "fact_sheet": NO_PLAN_FACTS,
        "plan_outline": f"The document as saved (the section you revise is in your brief):\n\n{document}",
        "time_plan": time_plan_text(params, archetype),
    }


def writer_prefix_values(record: Record, params: Params, plan: InterviewPlan) -> dict[str, str]:
    """Values of the shared writer prefix: identical for all twelve sections."""
    archetype = plan_archetype(plan)
    return {
        **common_values(record, params),
        "archetype_name": archetype.name,
        "archetype_guide_short": writer_guide(archetype),
        "framing": f"{plan.framing}\nML objective: {plan.ml_objective}",
        "fact_sheet": fact_sheet(plan),
        "plan_outline": plan_outline(plan),
        "time_plan": time_plan_text(params, archetype),
    }


def section_brief(spec: SectionSpec, params: Params, plan: InterviewPlan, target_words: int) -> str:
    """The section-specific user message, sent after the shared prefix."""
    return _brief(spec, params, plan_archetype(plan), plan.key_points(spec.number), target_words)


def document_section_brief(spec: SectionSpec, params: Params, archetype: Archetype, target_words: int) -> str:
    """The brief for a section of a saved document whose plan is gone (``mlsd revise``)."""
    return _brief(spec, params, archetype, [NO_PLAN_KEY_POINTS], target_words)


def _brief(
    spec: SectionSpec, params: Params, archetype: Archetype, key_points: list[str], target_words: int
) -> str:
    level = params.seniority.value
    focus = "none"
    if params.focus_area:
        focus = load_catalogue().focus_areas[params.focus_area.value].emphasis.get(spec.number, "none")
    _system, user = load_template("section_brief").render_pair(
        number=spec.number,
        title=spec.title,
        seed_focus=spec.seed_focus,
        bullets=_bullets(spec.bullets),
        seed_criteria=spec.seed_criteria,
        level_criteria=spec.levels[level],
        must_include=_bullets(spec.must_include),
        focus_emphasis=focus,
        key_points=_bullets(key_points),
        archetype_points=_bullets(section_points(archetype, spec.number)),
        avoid=_bullets(spec.avoid),
        target_words=target_words,
        seniority=level,
    )
    return user


def revision_brief(brief: str, previous: str, fixes: list[str]) -> str:
    """The brief for a rewrite: the original brief, the previous draft and the fixes."""
    _system, user = load_template("revision_brief").render_pair(
        section_brief=brief, previous_draft=previous, fixes=_bullets(fixes)
    )
    return user


# Small local models (ARCHITECTURE.md, "Small models"): the same plan and sections, in prompts
# short enough that a 135M model answers the question instead of copying the instructions.


def small_planner_values(record: Record, params: Params, archetype: Archetype) -> dict[str, str]:
    """Values of the short planner prompt."""
    return {
        "record_json": record_json(record),
        "archetype_name": archetype.name,
        "archetype_summary": archetype.summary,
        "seniority": params.seniority.value,
        "duration": str(params.duration),
        "fact_examples": "; ".join(archetype.scale_quantities[:6]),
    }


def small_writer_prefix_values(record: Record, params: Params, plan: InterviewPlan) -> dict[str, str]:
    """Values of the short writer prefix (shared by all twelve sections, so still cacheable)."""
    return {
        "company": record.company_name,
        "topic": record.ml_topic,
        "product": record.product_description,
        "archetype_name": plan_archetype(plan).name,
        "seniority": params.seniority.value,
        "duration": str(params.duration),
        "framing": f"{plan.framing}\nThe model predicts: {plan.ml_objective}",
        "fact_sheet": "\n".join(f"- {f.name}: {f.value}" for f in plan.facts),
    }


def small_section_brief(spec: SectionSpec, record: Record, plan: InterviewPlan, target_words: int) -> str:
    """The short section request: title, what it covers, the points to explain, a word count.

    The points are the archetype's expert points for this section (the plan's key points where it
    has none): a small model cannot plan them itself.
    """
    points = section_points(plan_archetype(plan), spec.number) or plan.key_points(spec.number)
    _system, user = load_template("section_brief_compact").render_pair(
        title=spec.title,
        number=spec.number,
        covers="; ".join(spec.bullets),
        key_points=_bullets(points),
        target_words=target_words,
        company=record.company_name,
    )
    return user
