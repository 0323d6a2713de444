"""The single-shot baseline: the seed's prompt in one call producing the whole document.

Every comparison runs against it. It shares the run store, the safe paths and the atomic write
with the multi-agent graph, but has no plan, critic or checkpoints: a failed call leaves no file
and the same command starts it again.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from mlsd.agents.budgets import MAX_TOKENS_HEADROOM, TOKENS_PER_WORD, WORDS_BY_DURATION, fit_max_tokens
from mlsd.llm.models import ChatFactory
from mlsd.llm.pricing import cost_usd
from mlsd.llm.tokens import count_tokens
from mlsd.paths import document_path
from mlsd.prompts import load_catalogue, load_template
from mlsd.records import Params, Record

STRATEGY = "single-shot"
PATH_SUFFIX = "single-shot"
_OUTER_FENCE = re.compile(r"\A\s*```(?:markdown|md)?\s*\n(.*)\n```\s*\Z", re.DOTALL)


def seed_sections() -> str:
    """The seed's twelve sections with its focus lines, bullets and criteria (from the catalogue)."""
    parts = []
    for s in load_catalogue().sections:
        lines = [f"### {s.number}. {s.title}", f"- **E7 Focus**: {s.seed_focus}"]
        lines += [f"- {bullet}" for bullet in s.bullets]
        lines.append(f"- **E7 Criteria**: {s.seed_criteria}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def single_shot_messages(record: Record, params: Params) -> list:
    """System and user messages of the one call, rendered from the single_shot template."""
    from mlsd.agents.briefs import record_json

    system, user = load_template("single_shot").render_pair(
        sections=seed_sections(),
        seniority=params.seniority.value,
        focus=params.focus_area.value if params.focus_area else "none",
        duration=params.duration,
        record_json=record_json(record),
    )
    return [SystemMessage(system), HumanMessage(user)]


def max_tokens_for(params: Params, prompt_tokens: int, context_length: int | None) -> int:
    """Room for a whole document of this duration, shrunk to fit a small context window."""
    wanted = int(WORDS_BY_DURATION[params.duration] * TOKENS_PER_WORD * MAX_TOKENS_HEADROOM)
    return fit_max_tokens(wanted, prompt_tokens, context_length)


def clean_document(text: str) -> str:
    """Drop an outer ```markdown fence some models wrap the whole answer in."""
    match = _OUTER_FENCE.match(text)
    return (match.group(1) if match else text).strip() + "\n"


async def write_document(model: BaseChatModel, messages: list) -> tuple[str, AIMessage]:
    """The one call: the whole document as markdown."""
    answer = await model.ainvoke(messages)
    return clean_document(str(answer.content)), answer


def front_matter(
    record: Record, params: Params, models: ChatFactory, run_id: str, generated: str, answer: AIMessage
) -> dict:
    """Front matter in the multi-agent document's shape, plus the strategy."""
    usage = getattr(answer, "usage_metadata", None) or {}
    tokens_in, tokens_out = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    model = models.model_names["writer"]
    finish = (getattr(answer, "response_metadata", None) or {}).get("finish_reason")
    return {
        "company": record.company_name,
        "topic": record.ml_topic,
        "frequency": record.interview_frequency.value,
        "seniority": params.seniority.value,
        "duration": f"{params.duration}min",
        "focus": params.focus_area.value if params.focus_area else None,
        "strategy": STRATEGY,
        "models": {"writer": model},
        "run_id": run_id,
        "generated": generated,
        "prompt_version": {"single_shot": load_template("single_shot").version},
        "tokens": {"input_tokens": tokens_in, "output_tokens": tokens_out, "cached_tokens": 0, "calls": 1},
        "cost_usd": cost_usd(model, tokens_in, tokens_out),
        "truncated": finish == "length",
    }


def with_front_matter(meta: dict, body: str) -> str:
    """YAML front matter, then the model's document."""
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{text}\n---\n\n{body}"


async def generate_single_shot(
    record: Record, params: Params, models: ChatFactory, run_id: str, generated: str
) -> tuple[str, dict]:
    """Render the prompt, make the call and return (document with front matter, token totals)."""
    messages = single_shot_messages(record, params)
    prompt_tokens = count_tokens("".join(str(m.content) for m in messages))
    model = models.chat("writer", max_tokens_for(params, prompt_tokens, models.context_length))
    body, answer = await write_document(model, messages)
    meta = front_matter(record, params, models, run_id, generated, answer)
    return with_front_matter(meta, body), meta["tokens"]


def output_path(out_dir: Path, record: Record, params: Params) -> Path:
    """Where the baseline goes: the document's path with a "single-shot" variant label."""
    return document_path(out_dir, record.company_name, record.ml_topic, params, PATH_SUFFIX)
