"""The section writer: the markdown body of one section, within its token budget."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from mlsd.agents import briefs
from mlsd.agents.plan import InterviewPlan
from mlsd.prompts import load_template
from mlsd.records import Params, Record

_TOP_HEADING = re.compile(r"^#{1,2}\s+")
_LEADING_HEADING = re.compile(r"\A\s*#{1,2}\s+(?:\d+\.\s*)?[^\n]*\n")


@dataclass(frozen=True)
class SectionDraft:
    """One writer answer for one section in one round."""

    number: int
    round: int
    markdown: str
    truncated: bool
    attempts: int


def clean_body(text: str, title: str) -> str:
    """Strip wrapping code fences and a repeated section heading; code adds the real heading."""
    body = text.strip()
    if body.startswith("```markdown") or body.startswith("```md"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.removesuffix("```").strip()
    match = _LEADING_HEADING.match(body + "\n")
    if match and title.lower() in match.group(0).lower():
        body = body[match.end() :].strip()
    return demote_headings(body)


def demote_headings(body: str) -> str:
    """Turn ``#``/``##`` headings into ``###``: only code writes the document's top two levels."""
    lines, fenced = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced:
            line = _TOP_HEADING.sub("### ", line)
        lines.append(line)
    return "\n".join(lines)


def cut_to_last_paragraph(text: str) -> str:
    """Drop the unfinished tail of an answer cut off by max_tokens."""
    head, sep, _tail = text.rstrip().rpartition("\n\n")
    return head if sep and head.strip() else text


def _finish_reason(message: AIMessage) -> str | None:
    return (message.response_metadata or {}).get("finish_reason")


async def write_section(
    model: BaseChatModel,
    prefix: list[BaseMessage],
    brief: str,
    *,
    number: int,
    round_: int,
    title: str,
    target_words: int,
    retry_when_cut: bool = True,
) -> tuple[SectionDraft, list[AIMessage]]:
    """Write one section; if the answer is cut off (or empty), ask once for a complete one."""
    messages = [*prefix, HumanMessage(brief)]
    answer = await model.ainvoke(messages)
    answers = [answer]
    attempts = 1
    if _finish_reason(answer) == "length" and retry_when_cut:
        shorter = max(80, int(target_words * 0.7))
        retry = HumanMessage(
            "A first attempt at this section was cut off by the length limit. Write the whole section, "
            "complete, "
            f"in at most {shorter} words: fewer sub-points, same concrete numbers."
        )
        answer = await model.ainvoke([*messages, retry])
        answers.append(answer)
        attempts = 2
    elif not clean_body(str(answer.content), title):
        # An empty answer is a provider glitch, not a verdict on the brief: ask once more as is.
        answer = await model.ainvoke(messages)
        answers.append(answer)
        attempts = 2
    body = clean_body(str(answer.content), title)
    # A cut-off or still empty answer is incomplete: the critic flags it, so it is never saved as done.
    truncated = _finish_reason(answer) == "length" or not body
    if truncated:
        body = cut_to_last_paragraph(body)
    return SectionDraft(number, round_, body, truncated, attempts), answers


def writer_prefix(
    record: Record, params: Params, plan: InterviewPlan, small: bool = False
) -> tuple[str, str]:
    """The shared writer prefix (system, user), rendered once per plan and stored in the state.

    A small model gets the short prefix: the full rules and plan outline are ~2k tokens it copies.
    """
    if small:
        return load_template("writer_system_compact").render_pair(
            **briefs.small_writer_prefix_values(record, params, plan)
        )
    return rendered_prefix(briefs.writer_prefix_values(record, params, plan))


def rendered_prefix(values: dict[str, str]) -> tuple[str, str]:
    """The full writer prefix from its template values (also built from a saved document's text)."""
    return load_template("writer_system").render_pair(**values)


def prefix_messages(system_text: str, user_text: str) -> list[BaseMessage]:
    """The byte-identical prefix shared by all twelve writers (cacheable by providers)."""
    return [SystemMessage(system_text), HumanMessage(user_text)]
