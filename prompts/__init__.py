"""Reviewed data: section catalogue, level profiles, focus areas, flows and prompt templates."""

from mlsd.prompts.catalogue import Catalogue, SectionSpec, load_catalogue
from mlsd.prompts.templates import PromptTemplate, load_template, template_versions

__all__ = [
    "Catalogue",
    "PromptTemplate",
    "SectionSpec",
    "load_catalogue",
    "load_template",
    "template_versions",
]
