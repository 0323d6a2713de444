"""Settings from flags and environment: explicit flags beat environment, environment beats defaults."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from mlsd.errors import InputError

DEFAULT_MODEL = "gpt-4.1-mini"
PROVIDERS = ("auto", "openai", "local")


def mlsd_home(env: dict[str, str] | None = None) -> Path:
    """Where runs.db and checkpoints live: MLSD_HOME or a per-user data folder."""
    env = os.environ if env is None else env
    if env.get("MLSD_HOME"):
        return Path(env["MLSD_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("mlsd", appauthor=False))


@dataclass(frozen=True)
class Endpoint:
    """The chosen provider and how to reach it."""

    provider: str  # "openai" or "local"
    model: str
    base_url: str | None
    api_key: str | None
    notice: str | None = None  # one stderr line explaining an automatic choice


def choose_endpoint(
    provider: str, model: str | None, base_url: str | None, env: dict[str, str] | None = None
) -> Endpoint:
    """Pick OpenAI(-compatible) or the embedded local model from flags and environment."""
    env = os.environ if env is None else env
    if provider not in PROVIDERS:
        raise InputError("--provider", f"must be one of {', '.join(PROVIDERS)}")
    key = env.get("OPENAI_API_KEY") or None
    url = base_url or env.get("OPENAI_BASE_URL") or None
    name = model or env.get("MLSD_MODEL") or None
    if provider == "local" or (provider == "auto" and not key and not url):
        notice = None
        if provider == "auto":
            notice = "no OPENAI_API_KEY or base URL: using the embedded local model"
        return Endpoint("local", name or "local", None, None, notice)
    return Endpoint("openai", name or DEFAULT_MODEL, url, key)


def prompt_logging(flag: bool | None, env: dict[str, str] | None = None) -> bool:
    """Whether runs.db keeps prompt and answer text: the flag if given, else not MLSD_NO_LOG_PROMPTS."""
    if flag is not None:
        return flag
    env = os.environ if env is None else env
    return env.get("MLSD_NO_LOG_PROMPTS", "").strip().lower() not in ("1", "true", "yes", "on")


def stderr_is_tty() -> bool:
    """Whether to draw live progress."""
    return sys.stderr.isatty()
