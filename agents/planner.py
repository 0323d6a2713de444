"""The planner: fixes the framing, the shared fact sheet and each section's key points."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from mlsd.agents.plan import InterviewPlan
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template


def planner_messages(values: dict[str, str]) -> list:
    """The planner prompt, rendered once (its tokens are counted from these messages)."""
    return load_template("planner").messages(**values)


async def make_plan(
    model: BaseChatModel, messages: list, schema: type[InterviewPlan] = InterviewPlan
) -> tuple[InterviewPlan, object]:
    """Ask the planner model for the plan (the compact schema on small-context models)."""
    return await ainvoke_structured(model, messages, schema)
