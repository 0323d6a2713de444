"""The planner: fixes the framing, the shared fact sheet and each section's key points."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from mlsd.agents.plan import InterviewPlan
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import load_template


async def make_plan(model: BaseChatModel, **values: str) -> tuple[InterviewPlan, object]:
    """Ask the planner model for the InterviewPlan; values fill the planner template."""
    system, user = load_template("planner").render_pair(**values)
    return await ainvoke_structured(model, [SystemMessage(system), HumanMessage(user)], InterviewPlan)
