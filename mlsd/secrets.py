"""Secret values never reach a prompt, a trace, a log or a document: find them and redact them."""

from __future__ import annotations

import os
import re

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH", re.IGNORECASE)
_SECRET_SHAPES = [r"\bsk-[A-Za-z0-9_\-]{8,}", r"\b(?i:authorization:?\s+)?(?i:bearer)\s+[^\s\"',]+"]


def env_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names look secret (keys, tokens, passwords)."""
    environ = os.environ if environ is None else environ
    return [v for k, v in environ.items() if _SECRET_NAME.search(k) and len(v) >= 8]


class Redactor:
    """Replace known secret values and key-shaped strings before anything is stored."""

    def __init__(self, secrets: list[str | None]):
        known = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
        self.pattern = re.compile("|".join([*map(re.escape, known), *_SECRET_SHAPES]))
        # Twelve writers send the same long prefix; scan each distinct text once per run.
        self._seen: dict[str, str] = {}

    def __call__(self, text: str | None) -> str | None:
        """The text without secrets (None stays None)."""
        if text is None:
            return None
        if text not in self._seen:
            if len(self._seen) > 256:
                self._seen.clear()
            self._seen[text] = self.pattern.sub("[redacted]", text)
        return self._seen[text]
