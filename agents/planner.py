"""The planner: fixes the framing, the shared fact sheet and each section's key points."""

from __future__ import annotations

import re

from langchain_core.language_models import BaseChatModel

from mlsd.agents.plan import Edge, Fact, InterviewPlan, SmallPlanAnswer
from mlsd.llm.structured import ainvoke_structured
from mlsd.prompts import Archetype, load_catalogue, load_template


def planner_messages(values: dict[str, str], small: bool = False) -> list:
    """The planner prompt, rendered once (its tokens are counted from these messages).

    A small model gets the short prompt (`briefs.small_planner_values`): the full guide is ~3k
    tokens it would only copy from.
    """
    return load_template("planner_compact" if small else "planner").messages(**values)


async def make_plan(model: BaseChatModel, messages: list) -> tuple[InterviewPlan, object]:
    """Ask the planner model for the plan."""
    return await ainvoke_structured(model, messages, InterviewPlan)


async def make_small_plan(
    model: BaseChatModel, messages: list, archetype: Archetype
) -> tuple[InterviewPlan, object]:
    """Ask a small model for framing, objective and facts; complete the plan from the archetype."""
    answer, raw = await ainvoke_structured(model, messages, SmallPlanAnswer)
    return complete_small_plan(answer, archetype), raw


def complete_small_plan(answer: SmallPlanAnswer, archetype: Archetype) -> InterviewPlan:
    """A whole plan from a small model's answer.

    Key points come from the seed's bullets (the archetype's section points reach the writers
    through their brief) and the diagram from the archetype's two paths.
    """
    sections = []
    for spec in load_catalogue().sections:
        points = list(spec.bullets)
        if len(points) < 3:
            points.append("Tie each point to this product's own numbers")
        sections.append({"number": spec.number, "key_points": points})
    edges = _chain_edges(archetype.diagram.online) + _chain_edges(archetype.diagram.offline)
    return InterviewPlan(
        framing=answer.framing,
        ml_objective=answer.ml_objective,
        facts=[Fact(name=f.name, value=f.value) for f in answer.facts],
        sections=sections,
        architecture=edges[:16],
    )


def _node(text: str) -> str:
    """A diagram node from one step of an archetype path: its name without the parenthesis."""
    name = re.sub(r"\s*\(.*?\)", "", text).strip()
    return name if len(name) <= 40 else name[:40].rsplit(" ", 1)[0]


def _chain_edges(path: str) -> list[Edge]:
    """Edges of an 'a → b → c' path."""
    nodes = [_node(step) for step in path.split("→") if step.strip()]
    return [Edge(source=a, target=b) for a, b in zip(nodes, nodes[1:], strict=False)]
