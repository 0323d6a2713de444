"""Turn model-endpoint exceptions into one line that says what to check."""

from __future__ import annotations

from mlsd.errors import MlsdError, ModelCallError, OutputConflictError
from mlsd.secrets import Redactor, env_secrets

_HINTS = {
    "AuthenticationError": "the API key was refused (check OPENAI_API_KEY)",
    "PermissionDeniedError": "the key may not use this model (check the key's project and --model)",
    "NotFoundError": "the model or endpoint was not found (check --model and --base-url)",
    "BadRequestError": "the endpoint rejected the request (check --model supports json_schema output)",
    "RateLimitError": "rate limited after retries (lower concurrency or wait)",
    "APITimeoutError": "the model did not answer within the timeout after retries",
    "APIConnectionError": "could not connect to the model endpoint (check --base-url and the server)",
    "InternalServerError": "the model endpoint kept failing with server errors after retries",
}


def _transient_errors() -> tuple[type[BaseException], ...]:
    import openai

    return (
        openai.APIConnectionError,  # includes APITimeoutError
        openai.RateLimitError,
        openai.InternalServerError,
        TimeoutError,
    )


# Failures worth another try later: the SDK already retried them with backoff.
TRANSIENT = _transient_errors()


def as_mlsd_error(exc: BaseException) -> MlsdError | None:
    """The MlsdError an exception from a run stands for, or None if it is a bug."""
    if isinstance(exc, MlsdError):
        return exc
    if isinstance(exc, FileExistsError):
        return OutputConflictError(f"output: {exc.filename or 'the document'} was written by another process")
    for cls in type(exc).__mro__:
        hint = _HINTS.get(cls.__name__)
        if hint and cls.__module__.startswith("openai"):
            detail = _redacted(" ".join(str(exc).split()))[:200]
            return ModelCallError(f"model: {hint} [{type(exc).__name__}: {detail}]")
    return None


def _redacted(text: str) -> str:
    # A proxy may echo the credential it refused; the error line and runs.db must not repeat it.
    return Redactor(env_secrets())(text) or ""
