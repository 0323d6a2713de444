"""Assemble the document: front matter, title, twelve numbered sections, time table, diagram."""

from __future__ import annotations

import re
from typing import Any

import yaml

from mlsd.agents.plan import InterviewPlan
from mlsd.prompts import load_catalogue
from mlsd.prompts.timeplan import PhaseSlot, time_plan_table

_NODE_ID = re.compile(r"[^A-Za-z0-9]+")
_MERMAID_BLOCK = re.compile(r"```mermaid\n.*?```", re.DOTALL)
_MERMAID_TEXT = re.compile(r'["\[\]{}()<>|`#;]')


def _node_id(name: str) -> str:
    return _NODE_ID.sub("_", name).strip("_").lower() or "node"


def _label(text: str) -> str:
    # Mermaid breaks on quotes, brackets and pipes inside labels; model text may contain any.
    return _MERMAID_TEXT.sub(" ", text).strip() or "?"


def mermaid_diagram(plan: InterviewPlan) -> str:
    """The planner's architecture edges as a Mermaid flowchart that always parses."""
    lines = ["```mermaid", "flowchart LR"]
    declared: set[str] = set()
    for edge in plan.architecture:
        for name in (edge.source, edge.target):
            node = _node_id(name)
            if node not in declared:
                declared.add(node)
                lines.append(f'    {node}["{_label(name)}"]')
        arrow = f"-->|{_label(edge.label)}|" if edge.label.strip() else "-->"
        lines.append(f"    {_node_id(edge.source)} {arrow} {_node_id(edge.target)}")
    lines.append("```")
    return "\n".join(lines)


def section_body(number: int, draft: str, slots: list[PhaseSlot], plan: InterviewPlan) -> str:
    """A section's body with what code adds: the time table in §1, the diagram in §7."""
    if number == 1:
        return f"{draft.rstrip()}\n\n### Interview time plan\n\n{time_plan_table(slots)}"
    if number == 7:
        # One diagram, from the plan, so it always parses and matches the fact sheet.
        return f"### System diagram\n\n{mermaid_diagram(plan)}\n\n{without_diagram(draft)}"
    return draft.strip()


def without_diagram(draft: str) -> str:
    """A §7 draft without any Mermaid block the writer drew: code draws the only diagram."""
    return _MERMAID_BLOCK.sub("", draft).strip()


def heading(number: int) -> str:
    """The canonical ``## N. Title`` heading."""
    return f"## {number}. {load_catalogue().section(number).title}"


def assemble_markdown(front_matter: dict[str, Any], title: str, bodies: dict[int, str]) -> str:
    """Join front matter, title and the twelve section bodies (already with their extras)."""
    parts = [f"# {title}"]
    if front_matter:  # the critic's draft has none: an empty "---{}---" block only confuses it
        meta = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True, width=1000).strip()
        parts.insert(0, f"---\n{meta}\n---")
    for number in range(1, 13):
        parts.append(f"{heading(number)}\n\n{bodies.get(number, '').strip()}")
    return "\n\n".join(parts) + "\n"


def document_title(company: str, topic: str) -> str:
    """The H1 title line's text."""
    return f"{company}: {topic} — ML System Design Interview Guide"
