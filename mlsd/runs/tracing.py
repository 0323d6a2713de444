"""Record every LLM call of a run in the run store through a LangChain callback (ARCHITECTURE.md).

The handler is added to the run's config callbacks, next to whatever LangChain configures itself
(a LangSmith tracer from its usual environment variables keeps working). Node comes from LangGraph's
callback metadata (``langgraph_node``, or ``mlsd_node`` for calls made outside a graph, as by
``mlsd revise``), role from the factory (``mlsd_role``), section and round from ``with_trace_fields``
in the nodes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import BaseMessage

from mlsd.llm.http_attempts import start_counting
from mlsd.llm.pricing import cost_usd
from mlsd.runs.store import RunStore
from mlsd.secrets import Redactor, env_secrets

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


@dataclass
class _Started:
    started: float
    t0: float
    meta: dict
    model: str | None
    messages: list[BaseMessage]
    http_attempts: list[int]


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content or [])


def _findings(answer: str, keep_text: bool) -> list[dict] | None:
    """A verifier's findings (kind, and with prompt logging the quote, problem and correction)."""
    try:
        found = json.loads(answer)["findings"]
        keys = ("kind", "quote", "problem", "correction") if keep_text else ("kind",)
        return [{k: str(f.get(k, "")) for k in keys} for f in found]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _verdicts(answer: str, keep_fixes: bool, checks: list | None = None) -> list[dict] | None:
    """The critic's per-section verdicts, read from its structured answer, with the checks it saw.

    ``checks`` are the round's failed deterministic checks ([section, id, gate], from the critique
    node's trace fields): a section the checks failed is never shown as a plain pass. A waiver
    counts only for a non-gate check that failed in that section, as in agents/critic.py.
    """
    try:
        report = json.loads(answer)
        sections = report["sections"]
        out = [{"number": int(s["number"]), "verdict": str(s["verdict"])} for s in sections]
        if keep_fixes:
            for entry, section in zip(out, sections, strict=True):
                entry["fixes"] = [str(f) for f in section.get("fixes") or []]
        waivers = report.get("waivers") or []
    except (ValueError, TypeError, KeyError, AttributeError):
        if checks is None:
            return None
        out, waivers = [], []
    if checks is None:
        return out
    waived = {(str(w.get("check_id")), w.get("section")) for w in waivers if isinstance(w, dict)}
    by_number = {entry["number"]: entry for entry in out}
    for entry in out:
        entry["failed_checks"], entry["waived_checks"] = [], []
    for section, check_id, gate in checks:
        if not section:
            continue  # a document-wide check (section 0) has no section to show it under
        if section not in by_number:
            by_number[section] = {
                "number": section,
                "verdict": None,
                "failed_checks": [],
                "waived_checks": [],
            }
            out.append(by_number[section])
        key = "waived_checks" if not gate and (check_id, section) in waived else "failed_checks"
        by_number[section][key].append(check_id)
    return out


# Told of every call as it starts and ends (kind, callback metadata, output tokens): the live
# progress display's source for the section being written and the tokens so far.
CallListener = Callable[[str, dict, int], None]


class CallRecorder(AsyncCallbackHandler):
    """Write one ``calls`` row per chat-model request of one run."""

    # Inline: the start hook runs in the caller's task, so the HTTP attempt counter it sets is the
    # one the client's hook sees. Chain events are ignored to keep the overhead per node at zero.
    run_inline = True
    ignore_chain = True
    ignore_agent = True
    ignore_retriever = True

    def __init__(
        self,
        store: RunStore,
        run_id: str,
        *,
        log_prompts: bool = True,
        secrets: list[str | None] | None = None,
        clock=time.time,
        listener: CallListener | None = None,
    ):
        self.listener = listener
        self.store = store
        self.run_id = run_id
        self.log_prompts = log_prompts
        self.redact = Redactor(env_secrets() + list(secrets or []))
        self.clock = clock
        self._started: dict[UUID, _Started] = {}

    async def on_chat_model_start(
        self, serialized, messages, *, run_id: UUID, metadata: dict | None = None, **kwargs: Any
    ) -> None:
        """Remember when and what was asked."""
        meta = metadata or {}
        params = kwargs.get("invocation_params") or {}
        model = params.get("model") or params.get("model_name") or meta.get("ls_model_name")
        self._started[run_id] = _Started(
            self.clock(), time.perf_counter(), meta, model, messages[0], start_counting()
        )
        if self.listener:
            self.listener("start", meta, 0)

    async def on_llm_end(self, response, *, run_id: UUID, **kwargs: Any) -> None:
        """Store the answer, its tokens and cost."""
        started = self._started.pop(run_id, None)
        if started is None:
            return
        generation = response.generations[0][0] if response.generations and response.generations[0] else None
        message = getattr(generation, "message", None)
        usage = getattr(message, "usage_metadata", None) or {}
        meta = getattr(message, "response_metadata", None) or {}
        info = getattr(generation, "generation_info", None) or {}
        answer = _text(getattr(message, "content", None) if message else getattr(generation, "text", ""))
        tokens = {
            "input_tokens": int(usage.get("input_tokens") or 0),
            "output_tokens": int(usage.get("output_tokens") or 0),
            "cached_tokens": int((usage.get("input_token_details") or {}).get("cache_read") or 0),
        }
        finish = meta.get("finish_reason") or info.get("finish_reason")
        await self._write(run_id, started, answer=answer, finish_reason=finish, **tokens)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Store a failed call with its error (no answer)."""
        started = self._started.pop(run_id, None)
        if started is not None:
            await self._write(run_id, started, error=f"{type(error).__name__}: {error}"[:1000])

    async def _write(
        self, call_id: UUID, started: _Started, *, answer: str | None = None, error: str | None = None, **rest
    ) -> None:
        latency = time.perf_counter() - started.t0
        meta = started.meta
        if self.listener:
            self.listener("error" if error else "end", meta, rest.get("output_tokens", 0))
        model = started.model or ""
        tokens = [rest.get(k, 0) for k in ("input_tokens", "output_tokens", "cached_tokens")]
        role = meta.get("mlsd_role") if answer else None
        verdicts = None
        if role == "critic":
            verdicts = _verdicts(answer, self.log_prompts, meta.get("mlsd_checks"))
        elif role == "verifier":
            verdicts = _findings(answer, self.log_prompts)
        messages = [
            {"role": _ROLES.get(m.type, m.type), "content": self.redact(_text(m.content))}
            for m in started.messages
        ]
        row = {
            "run_id": self.run_id,
            "call_id": str(call_id),
            "node": meta.get("langgraph_node") or meta.get("mlsd_node"),
            "section": meta.get("mlsd_section"),
            "round": meta.get("mlsd_round"),
            "role": meta.get("mlsd_role"),
            "model": model or None,
            "started_at": _stamp(started.started),
            "ended_at": _stamp(started.started + latency),
            "latency_ms": round(latency * 1000),
            "input_tokens": tokens[0],
            "output_tokens": tokens[1],
            "cached_tokens": tokens[2],
            "cost_usd": cost_usd(model, *tokens[:2], tokens[2]) if model and not error else None,
            "messages": json.dumps(messages) if self.log_prompts else None,
            "answer": self.redact(answer) if self.log_prompts else None,
            "verdicts": json.dumps(verdicts) if verdicts is not None else None,
            "finish_reason": rest.get("finish_reason"),
            "error": self.redact(error),
            "retries": max(0, started.http_attempts[0] - 1),
        }
        await asyncio.to_thread(self.store.add_call, row)
