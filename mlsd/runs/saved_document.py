"""A saved document as `mlsd revise` needs it: front matter, twelve sections, and a byte-exact splice.

Only the writer's prose of a revised section is replaced. What code added to a section (the time
plan in §1, the diagram in §7), the other sections, the title and every separator keep their bytes;
the front matter is the only other part rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from mlsd.errors import InputError
from mlsd.evals.markdown import headings, split_front_matter
from mlsd.graph.assemble import heading, without_diagram

TIME_PLAN_HEADING = "\n\n### Interview time plan\n\n"  # graph/assemble.py section_body, §1
_DIAGRAM_HEAD = re.compile(r"\A### System diagram\n\n```mermaid\n.*?\n```\s*", re.DOTALL)  # §7


@dataclass(frozen=True)
class SavedDocument:
    """The text as read, its front matter, and where each section's prose lies in the text."""

    text: str
    front_matter: dict
    front_matter_end: int  # offset of the first byte after the closing ``---`` line
    prose_spans: dict[int, tuple[int, int]]  # section → [start, end) of the writer's prose

    def prose(self, number: int) -> str:
        """What the writer wrote in a section, without what code added to it."""
        start, end = self.prose_spans[number]
        return self.text[start:end]

    def body(self) -> str:
        """Everything after the front matter: the title and the twelve sections."""
        return self.text[self.front_matter_end :].lstrip("\n")

    def others(self, numbers: set[int]) -> str:
        """The body with the prose of the given sections left out (context for their writers)."""
        text = self.text
        for number in sorted(numbers, reverse=True):  # from the end, so earlier offsets stay valid
            start, stop = self.prose_spans[number]
            text = f"{text[:start]}(this section is being revised){text[stop:]}"
        return text[self.front_matter_end :].lstrip("\n")

    def spliced(self, prose: dict[int, str], front_matter: dict | None = None) -> str:
        """The text with the given sections' prose replaced and, if given, a new front matter."""
        text = self.text
        for number in sorted(prose, reverse=True):  # from the end, so earlier offsets stay valid
            start, end = self.prose_spans[number]
            new = prose[number].strip()
            if number == 7:
                new = without_diagram(new)
            if start == end:  # an empty prose: the new one needs its own blank lines around it
                new = ("" if text[:start].endswith("\n") else "\n\n") + new
                after = text[end:]
                new += "" if after.startswith("\n") else "\n\n" if after else "\n"
            text = text[:start] + new + text[end:]
        if front_matter is not None:
            text = render_front_matter(front_matter) + text[self.front_matter_end :]
        return text


def render_front_matter(front_matter: dict) -> str:
    """The YAML block as graph/assemble.py writes it, with its closing newline."""
    meta = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{meta}\n---\n"


def parse_saved(text: str, where: str = "DOCUMENT") -> SavedDocument:
    """Split a saved mlsd document; anything else is one input error naming ``where``."""
    block, _rest = split_front_matter(text)
    if not block:
        raise InputError(where, "is not an mlsd document (no YAML front matter)")
    try:
        meta = yaml.safe_load(block.strip().lstrip("\ufeff").strip("-"))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict) or not meta.get("company") or not meta.get("topic"):
        raise InputError(where, "is not an mlsd document (its front matter has no company and topic)")
    return SavedDocument(text, meta, len(block), _prose_spans(text, len(block), where))


def _prose_spans(text: str, offset: int, where: str) -> dict[int, tuple[int, int]]:
    lines = text[offset:].splitlines(keepends=True)
    starts = [offset]
    for line in lines:
        starts.append(starts[-1] + len(line))
    found: dict[int, int] = {}  # section → offset of the line after its heading
    for index, level, title in headings(text[offset:]):
        for number in range(1, 13):
            if level == 2 and f"## {title}" == heading(number) and number not in found:
                found[number] = starts[index + 1]
    missing = [n for n in range(1, 13) if n not in found]
    if missing or list(found) != sorted(found):
        listed = ", ".join(f"§{n}" for n in missing) or "their order"
        raise InputError(where, f"is not an mlsd document (its twelve section headings are off: {listed})")
    spans = {}
    for number in range(1, 13):
        end = found[number + 1] if number < 12 else len(text)
        if number < 12:
            end = text.rindex("\n## ", 0, end) + 1  # back to the start of the next heading's line
        spans[number] = _prose_span(number, text, found[number], end)
    return spans


def _prose_span(number: int, text: str, start: int, end: int) -> tuple[int, int]:
    """The writer's prose inside a section body: surrounding blank lines and code's parts left out."""
    body = text[start:end]
    lead = len(body) - len(body.lstrip())
    core = body.strip()
    first, last = start + lead, start + lead + len(core)
    if number == 1 and TIME_PLAN_HEADING.strip() in core:
        cut = core.rfind("### Interview time plan")
        last = first + len(core[:cut].rstrip())
    if number == 7:
        head = _DIAGRAM_HEAD.match(core)
        if head:
            first += head.end()
    return first, max(first, last)
