"""The archetype step: which kind of ML problem the question is, with a one-line reason.

The archetype decides the vocabulary of the plan, every brief and every check
(ARCHITECTURE.md, "Archetypes"), so it is chosen before planning: forced by the user, or by one
short classification call constrained to the known ids.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import archetype_menu, load_template

ARCHETYPE_MAX_TOKENS = 200
ArchetypeId = Literal["ranking", "search", "risk", "forecasting", "perception", "generative", "generic"]


class ArchetypeChoice(BaseModel):
    """The classifier's answer."""

    archetype: ArchetypeId
    reason: str = Field(max_length=200, description="One line naming what the model decides.")


def archetype_messages(record_json: str) -> list:
    """The classification prompt, rendered once."""
    return load_template("archetype").messages(record_json=record_json, archetype_menu=archetype_menu())


async def choose_archetype(model: BaseChatModel, messages: list) -> tuple[ArchetypeChoice, object]:
    """Ask the model which archetype fits; the schema allows only known ids."""
    return await ainvoke_structured(model, messages, ArchetypeChoice)
