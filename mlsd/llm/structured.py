"""Structured output with one repair attempt when the answer fails validation."""

from __future__ import annotations

from typing import TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from mlsd.errors import ModelCallError

T = TypeVar("T", bound=BaseModel)


def _invalid_answer_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [ValidationError, ValueError]
    try:
        import openai

        errors.append(openai.LengthFinishReasonError)
    except (ImportError, AttributeError):  # pragma: no cover - openai always ships it
        pass
    return tuple(errors)


_INVALID_ANSWER = _invalid_answer_errors()


class StructuredOutputError(ModelCallError):
    """The model's structured answer failed validation twice."""


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:600]


def response_format(schema: type[BaseModel]) -> dict:
    """The json_schema response format, bounds included, sent without ``strict``.

    llama.cpp, vLLM and Ollama enforce the schema whatever the flag, and its length bounds are
    what make a small model stop. OpenAI's strict mode rejects some of those keywords, so the
    schema goes as guidance there, and pydantic validates every answer here either way.
    """
    return {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False}


async def ainvoke_structured(
    model: BaseChatModel, messages: list[BaseMessage], schema: type[T]
) -> tuple[T, AIMessage]:
    """Call the model with a json_schema response format; retry once with the validation error."""
    runnable = model.with_structured_output(response_format(schema), method="json_schema", include_raw=True)
    history = list(messages)
    last_error: Exception | None = None
    for _attempt in range(2):
        try:
            out = await runnable.ainvoke(history)
        except _INVALID_ANSWER as exc:
            # ChatOpenAI's json_schema path raises on a non-matching or cut-off answer even with
            # include_raw, so an invalid answer arrives either as an exception or as parsing_error.
            out = {"raw": AIMessage(content=""), "parsed": None, "parsing_error": exc}
        raw, parsed, error = out["raw"], out.get("parsed"), out.get("parsing_error")
        if parsed is not None and error is None:
            try:
                return schema.model_validate(parsed), raw
            except ValidationError as exc:
                error = exc
        last_error = error or ValueError("empty structured answer")
        history = [
            *messages,
            AIMessage(content=str(getattr(raw, "content", ""))[:4000] or "(invalid answer)"),
            HumanMessage(
                content=(
                    f"Your answer did not validate against the {schema.__name__} schema: "
                    f"{_short(last_error)}\nAnswer again with JSON only, matching the schema exactly."
                )
            ),
        ]
    raise StructuredOutputError(
        f"{schema.__name__}: the model's answer failed validation twice ({_short(last_error)})"
    )
