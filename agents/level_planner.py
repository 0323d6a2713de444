"""The level planner: key points for one level, reusing a variant's framing, facts and diagram."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from mlsd.agents.plan import InterviewPlan, SectionPlan
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template


class LevelPlan(BaseModel):
    """The level-specific part of an InterviewPlan: what each section covers at this level."""

    sections: list[SectionPlan] = Field(min_length=12, max_length=12)


def combine(shared: InterviewPlan, level: LevelPlan) -> InterviewPlan:
    """The shared framing, facts and architecture with this level's key points."""
    return shared.model_copy(update={"sections": level.sections})


def level_planner_messages(values: dict[str, str]) -> list:
    """The level planner prompt, rendered once."""
    return load_template("level_planner").messages(**values)


async def make_level_plan(model: BaseChatModel, messages: list) -> tuple[LevelPlan, object]:
    """Ask the planner model for this level's key points on a shared plan."""
    return await ainvoke_structured(model, messages, LevelPlan)
