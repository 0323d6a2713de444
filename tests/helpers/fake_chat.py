"""A scripted fake chat model for unit tests, with structured output support.

langchain_core's fake chat models cannot ``with_structured_output``, and the agents
call it for the planner and the critic, so this fake answers both kinds of call from
one reply queue per model. Tests make one model per agent role, because parallel
branches run in any order and a shared queue would hand replies to the wrong agent.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openai
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, Field, PrivateAttr


@dataclass
class FakeReply:
    """A reply with an explicit finish reason, e.g. ``"length"`` for a truncated answer."""

    content: str
    finish_reason: str = "stop"


def _estimate_tokens(text: str) -> int:
    return len(text) // 4


def _message_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)


def _as_reply(item: Any) -> FakeReply:
    """Turn a resolved queue item into text; exceptions are raised here."""
    if isinstance(item, BaseException):
        raise item
    if isinstance(item, FakeReply):
        return item
    if isinstance(item, str):
        return FakeReply(item)
    if isinstance(item, BaseModel):
        return FakeReply(item.model_dump_json())
    if isinstance(item, dict | list):
        return FakeReply(json.dumps(item))
    raise TypeError(f"unsupported scripted reply: {item!r}")


def _truncated_completion(raw: AIMessage) -> ChatCompletion:
    message = {"role": "assistant", "content": raw.text}
    choice = {"index": 0, "message": message, "finish_reason": "length"}
    return ChatCompletion.model_construct(
        id="fake", object="chat.completion", created=0, model="fake", choices=[choice]
    )


class ScriptedChatModel(BaseChatModel):
    """Answer each call with the next scripted reply.

    A reply is a str, a dict (sent as JSON text), a pydantic model (sent as JSON), a
    ``FakeReply``, an exception instance (raised), or a callable ``(messages) -> reply``
    (async callables work with ``ainvoke``). When the queue is empty ``default`` is
    called; without one the call fails with "no scripted reply left".
    """

    replies: list[Any] = Field(default_factory=list)
    default: Callable[[list[BaseMessage]], Any] | None = None
    model_name: str = "fake"
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    """The messages of every call, in the order the calls took their reply."""
    schemas: list[str | None] = Field(default_factory=list)
    """The structured-output schema name of every call (None for plain calls)."""
    by_schema: dict[str, Any] = Field(
        default_factory=lambda: {
            "ArchetypeChoice": {"archetype": "ranking", "reason": "it ranks posts in a feed"},
            "Verification": {"findings": []},
            "PlanVerification": {"findings": []},
        }
    )
    """Answers by schema name that bypass the queue (a callable gets the messages)."""
    schema_calls: list[tuple[str, list[BaseMessage]]] = Field(default_factory=list)
    """The (schema name, messages) of every call answered from by_schema."""
    raise_like_openai: bool = False
    """Make structured calls fail as ChatOpenAI's json_schema path does, even with
    include_raw: a reply that does not match raises pydantic's ValidationError and
    finish_reason "length" raises openai.LengthFinishReasonError. Off by default, in which
    case include_raw puts the error in ``parsing_error``."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(
        self, replies: Sequence[Any] = (), *, default: Callable | None = None, **kwargs: Any
    ) -> None:
        super().__init__(replies=list(replies), default=default, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def remaining(self) -> int:
        """How many queued replies have not been used yet."""
        with self._lock:
            return len(self.replies)

    def _take(self, messages: list[BaseMessage], schema_name: str | None) -> Any:
        # The archetype step and the verifiers share the planner's and critic's roles; unless a
        # test scripts them (by_schema), they get a neutral answer and stay out of calls/replies,
        # so tests about plans, drafts and critiques count only those.
        if schema_name in self.by_schema:
            with self._lock:
                self.schema_calls.append((schema_name, list(messages)))
            answer = self.by_schema[schema_name]
            return answer(messages) if callable(answer) else answer
        # One lock covers recording and popping, so calls[i] is the call that got reply i,
        # even when threads (sync graph nodes) or tasks call concurrently.
        with self._lock:
            self.calls.append(list(messages))
            self.schemas.append(schema_name)
            if self.replies:
                return self.replies.pop(0)
            if self.default is not None:
                return self.default
        raise AssertionError(f"{self.model_name}: no scripted reply left")

    def _result(self, messages: list[BaseMessage], reply: FakeReply) -> ChatResult:
        input_tokens = sum(_estimate_tokens(_message_text(m)) for m in messages)
        output_tokens = _estimate_tokens(reply.content)
        message = AIMessage(
            content=reply.content,
            response_metadata={"finish_reason": reply.finish_reason, "model_name": self.model_name},
            usage_metadata={
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        item = self._take(messages, kwargs.get("schema_name"))
        while callable(item):
            item = item(messages)
            if inspect.isawaitable(item):
                raise TypeError("an async scripted reply needs ainvoke, not invoke")
        return self._result(messages, _as_reply(item))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        item = self._take(messages, kwargs.get("schema_name"))
        while callable(item):
            item = item(messages)
            if inspect.isawaitable(item):
                item = await item
        return self._result(messages, _as_reply(item))

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: str = "json_schema",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Parse the next reply as ``schema``, shaped like ``ChatOpenAI``'s result."""
        schema_name = getattr(schema, "__name__", None) or (
            (schema.get("name") or schema.get("title")) if isinstance(schema, dict) else None
        )

        def parse(raw: AIMessage) -> Any:
            if isinstance(schema, type) and issubclass(schema, BaseModel):
                return schema.model_validate_json(raw.text)
            return json.loads(raw.text)

        def finish(raw: AIMessage) -> Any:
            if self.raise_like_openai and raw.response_metadata["finish_reason"] == "length":
                raise openai.LengthFinishReasonError(completion=_truncated_completion(raw))
            if not include_raw or self.raise_like_openai:
                return parse(raw)
            try:
                return {"raw": raw, "parsed": parse(raw), "parsing_error": None}
            except Exception as exc:  # The caller inspects parsing_error, as with ChatOpenAI.
                return {"raw": raw, "parsed": None, "parsing_error": exc}

        def call(input_: LanguageModelInput, config: RunnableConfig) -> Any:
            return finish(self.invoke(input_, config, schema_name=schema_name))

        async def acall(input_: LanguageModelInput, config: RunnableConfig) -> Any:
            return finish(await self.ainvoke(input_, config, schema_name=schema_name))

        return RunnableLambda(call, afunc=acall, name=f"{self.model_name}-structured")


class FakeModelFactory:
    """Hand each agent role its own scripted model, recording the token limits asked for."""

    def __init__(self, roles: dict[str, ScriptedChatModel]) -> None:
        self.roles = roles
        self.max_tokens: dict[str, list[int | None]] = {role: [] for role in roles}
        self.model_names: dict[str, str] = {role: f"fake-{role}" for role in roles}

    def chat(self, role: str, max_tokens: int | None = None) -> BaseChatModel:
        if role not in self.roles:
            raise AssertionError(f"no fake model scripted for role {role!r}")
        self.max_tokens[role].append(max_tokens)
        return self.roles[role]
