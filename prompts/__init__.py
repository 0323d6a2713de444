"""Reviewed data: archetypes, section catalogue, level profiles, focus areas, flows and prompt templates."""

from mlsd.prompts.archetypes import (
    ARCHETYPE_IDS,
    Archetype,
    ArchetypeChecks,
    all_archetypes,
    archetype_guide,
    archetype_menu,
    infer_archetype,
    load_archetype,
    section_points,
    writer_guide,
)
from mlsd.prompts.catalogue import Catalogue, SectionSpec, load_catalogue
from mlsd.prompts.templates import PromptTemplate, load_template, template_versions

__all__ = [
    "ARCHETYPE_IDS",
    "Archetype",
    "ArchetypeChecks",
    "Catalogue",
    "PromptTemplate",
    "SectionSpec",
    "all_archetypes",
    "archetype_guide",
    "archetype_menu",
    "infer_archetype",
    "load_archetype",
    "load_catalogue",
    "load_template",
    "section_points",
    "template_versions",
    "writer_guide",
]
