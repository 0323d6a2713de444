"""The one chat-model factory every agent uses (ARCHITECTURE.md, Contract: "Models")."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

ROLES = ("planner", "writer", "critic", "judge")


@dataclass(frozen=True)
class ModelConfig:
    """Where and how to call models; the key is kept out of repr so it never reaches a log."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    # The OpenAI SDK retries only transient failures (429 honouring Retry-After, 408/409, 5xx,
    # timeouts, connection errors) and never 400/401/404, the policy in ARCHITECTURE.md.
    max_retries: int = 3
    temperature: float | None = 0.4
    role_models: dict[str, str] = field(default_factory=dict)
    context_length: int | None = None  # set for local models so budgets can be shrunk to fit
    # Requests the server answers at once (a local server's slots); the runner holds writers to it.
    max_concurrency: int | None = None
    # A small local model's writers: sampling fields sent in the request body, and stop sequences
    # (ARCHITECTURE.md, "Small models").
    writer_sampling: dict = field(default_factory=dict)
    writer_stop: tuple[str, ...] = ()


class ChatFactory(Protocol):
    """What agents need: a chat model for a role, capped at max_tokens."""

    model_names: dict[str, str]
    context_length: int | None

    def chat(self, role: str, max_tokens: int | None = None) -> BaseChatModel:
        """Return a chat model for this role."""
        ...


class OpenAIChatFactory:
    """Builds ``ChatOpenAI`` for OpenAI or any OpenAI-compatible server."""

    def __init__(self, config: ModelConfig, limiter=None):
        self.config = config
        self.limiter = limiter  # an agents.ratelimit.RateLimiter shared by a batch, or None
        self.context_length = config.context_length
        self.model_names = {role: config.role_models.get(role) or config.model for role in ROLES}
        self._http = None

    def _http_client(self):
        # One connection pool per run, created inside the run's event loop and closed with it;
        # langchain-openai's process-wide cached client would outlive the loop of an earlier run.
        if self._http is None:
            import openai

            from mlsd.llm.http_attempts import count_request

            # The hook counts HTTP attempts per LLM call, so the run store can record retries.
            kwargs = {"timeout": self.config.timeout, "event_hooks": {"request": [count_request]}}
            if self.limiter is not None:
                from mlsd.llm.ratelimit import limited_http_client

                self._http = limited_http_client(self.limiter, **kwargs)
            else:
                self._http = openai.DefaultAsyncHttpxClient(**kwargs)
        return self._http

    async def aclose(self) -> None:
        """Close the connection pool (call at the end of the run's event loop)."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def chat(self, role: str, max_tokens: int | None = None) -> BaseChatModel:
        """A ChatOpenAI for the role with an explicit timeout, retries and max_tokens."""
        cfg = self.config
        return key_safe_chat_openai()(
            model=self.model_names[role],
            base_url=cfg.base_url,
            # The SDK refuses to start without a key; local servers accept any value.
            api_key=cfg.api_key or "not-needed",
            timeout=cfg.timeout,
            max_retries=cfg.max_retries,
            temperature=cfg.temperature,
            max_tokens=max_tokens,
            stream_usage=False,
            http_async_client=self._http_client(),
            metadata={"mlsd_role": role},
            **(self._writer_options() if role == "writer" else {}),
        )

    def _writer_options(self) -> dict:
        options: dict = {}
        if self.config.writer_sampling:
            options["extra_body"] = self.config.writer_sampling
        if self.config.writer_stop:
            options["stop"] = list(self.config.writer_stop)
        return options


def scrub_secret(exc: BaseException, secret: str | None) -> None:
    """Remove a secret from an exception's message in place (its repr is what checkpoints store)."""
    if not secret or len(secret) < 8:
        return
    exc.args = tuple(a.replace(secret, "[redacted]") if isinstance(a, str) else a for a in exc.args)
    if isinstance(getattr(exc, "message", None), str):
        exc.message = exc.message.replace(secret, "[redacted]")


@functools.cache
def key_safe_chat_openai() -> type[BaseChatModel]:
    """ChatOpenAI whose errors never carry the API key.

    An endpoint may echo the key it refused, and an error's text goes on to the error line, the run
    store and the checkpoint.
    """
    from langchain_openai import ChatOpenAI  # heavy import, deferred so `mlsd --help` is fast

    class KeySafeChatOpenAI(ChatOpenAI):
        async def _agenerate(self, *args, **kwargs):
            try:
                return await super()._agenerate(*args, **kwargs)
            except Exception as exc:
                key = self.openai_api_key.get_secret_value() if self.openai_api_key else None
                scrub_secret(exc, key)
                raise

    return KeySafeChatOpenAI


def with_trace_fields(model: BaseChatModel, **fields: Any) -> BaseChatModel:
    """The same model with ``mlsd_<name>`` entries added to the metadata its callbacks receive.

    A shallow copy rather than ``with_config``: ``with_structured_output`` on a config binding
    would drop the config, and the copy shares the client (and a fake's reply queue).
    """
    metadata = {**(model.metadata or {}), **{f"mlsd_{k}": v for k, v in fields.items()}}
    return model.model_copy(update={"metadata": metadata})
