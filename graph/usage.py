"""Token usage of one LLM answer, as a state entry."""

from __future__ import annotations

from typing import Any


def usage_entry(node: str, model: str, message: Any, section: int | None = None, round_: int = 0) -> dict:
    """Tokens the server reported for one answer (0 when it reported none)."""
    usage = getattr(message, "usage_metadata", None) or {}
    details = usage.get("input_token_details") or {}
    meta = getattr(message, "response_metadata", None) or {}
    return {
        "node": node,
        "section": section,
        "round": round_,
        "model": model,
        "input_tokens": int(usage.get("input_tokens") or 0),
        "output_tokens": int(usage.get("output_tokens") or 0),
        "cached_tokens": int(details.get("cache_read") or 0),
        "finish_reason": meta.get("finish_reason"),
    }


def totals(entries: list[dict]) -> dict[str, int]:
    """Summed input, output and cached tokens and the number of calls."""
    keys = ("input_tokens", "output_tokens", "cached_tokens")
    out = {k: sum(e[k] for e in entries) for k in keys}
    out["calls"] = len(entries)
    return out
