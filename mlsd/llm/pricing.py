"""Prices per million tokens, kept in one place; an unknown model has no price (None, not 0)."""

from __future__ import annotations

# USD per 1M tokens: (input, cached input, output). Public list prices; update here only.
PRICES: dict[str, tuple[float, float, float]] = {
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "o4-mini": (1.10, 0.275, 4.40),
    "gpt-5": (1.25, 0.125, 10.00),
    "gpt-5-mini": (0.25, 0.025, 2.00),
}
LOCAL_MODEL_PRICE = (0.0, 0.0, 0.0)
# Models served by the embedded llama.cpp server are named "local/<file stem>": they cost nothing.
LOCAL_PREFIX = "local/"


def usage_cost(usage: list[dict]) -> float | None:
    """The cost of a list of usage entries, or None when any of their models has no price."""
    costs = [cost_usd(u["model"], u["input_tokens"], u["output_tokens"], u["cached_tokens"]) for u in usage]
    return None if any(c is None for c in costs) else round(sum(costs), 6)


def cost_usd(model: str, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float | None:
    """Cost of one call, or None when the model's price is unknown."""
    price = PRICES.get(model)
    if model.startswith(LOCAL_PREFIX):
        price = LOCAL_MODEL_PRICE
    if price is None:
        return None
    fresh = max(0, input_tokens - cached_tokens)
    total = fresh * price[0] + cached_tokens * price[1] + output_tokens * price[2]
    return round(total / 1_000_000, 6)
