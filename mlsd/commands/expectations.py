"""What a user should expect before a run: the model, how long it takes here, how good it is.

The embedded model's figures are measured by ``benchmarks/bench_local.py`` on a 2-core machine
(BENCHMARKS.md, "Embedded model"); a machine with more cores is faster, one under load slower.
"""

from __future__ import annotations

from pathlib import Path

from mlsd.agents.budgets import section_budgets
from mlsd.agents.small_model import SMALL_WRITER_MAX_TOKENS
from mlsd.commands.progress import Expectation, clock_text
from mlsd.records import Params

# The bundled SmolLM2-135M on 2 cores with 4 slots: output tokens per second over a whole run
# (prompt processing included), and the seconds before the first call (imports, model load).
BUNDLED_TOKENS_PER_S = 32.0
BUNDLED_STARTUP_S = 6.0
# A small model's plan answer (bounded by agents.plan.SmallInterviewPlan) is about this long.
SMALL_PLAN_TOKENS = 350
DEMO_QUALITY = "demo quality: proves the pipeline; use a capable model for real documents"


def small_model_output_tokens(params: Params) -> int:
    """Output tokens of one first-draft document on a small model (its writers fill max_tokens)."""
    level = params.seniority.value
    focus = params.focus_area.value if params.focus_area else None
    budgets = section_budgets(params.duration, level, focus)
    sections = sum(min(b.tokens, SMALL_WRITER_MAX_TOKENS) for b in budgets.values())
    return SMALL_PLAN_TOKENS + sections


def bundled_seconds(params: Params, max_revisions: int) -> float:
    """Expected wall seconds of a run on the bundled model on a 2-core machine.

    A rewrite round redoes at most every section, so each round adds up to one draft's time.
    """
    tokens = small_model_output_tokens(params)
    drafts = tokens - SMALL_PLAN_TOKENS
    return BUNDLED_STARTUP_S + (tokens + max_revisions * drafts) / BUNDLED_TOKENS_PER_S


def expectation(
    endpoint, local_model: Path | None, params: Params, max_revisions: int
) -> tuple[str, Expectation | None]:
    """The line to print before the first call, and what the progress display's ETA starts from."""
    if endpoint.provider != "local":
        return f"model: {endpoint.model} at {endpoint.base_url or 'the OpenAI API'}", None
    if local_model is not None:
        return (
            f"model: {local_model.name}, served inside mlsd (local, offline); "
            "no time estimate for this model: the ETA appears after its first answers",
            None,
        )
    seconds = bundled_seconds(params, max_revisions)
    tokens = small_model_output_tokens(params)
    # The plan and twelve sections (the archetype by keywords), then at most twelve rewrites a round.
    calls = 13 + 12 * max_revisions
    rounds = f", {'1 rewrite round' if max_revisions == 1 else f'{max_revisions} rewrite rounds'}"
    line = (
        f"model: embedded SmolLM2-135M (local, offline, no key; {'up to ' if max_revisions else ''}"
        f"{calls} calls{rounds if max_revisions else ''}) · expect about {clock_text(seconds)} "
        f"on a 2-core machine · {DEMO_QUALITY}"
    )
    return line, Expectation(tokens * (1 + max_revisions), BUNDLED_TOKENS_PER_S)


def next_steps(record: str) -> list[str]:
    """Copy-paste lines to run the same record on a capable model."""
    servers = [
        ("Ollama", "http://localhost:11434/v1", "qwen2.5:14b-instruct"),
        ("vLLM", "http://localhost:8000/v1", "Qwen/Qwen2.5-14B-Instruct"),
        ("llama.cpp", "http://localhost:8080/v1", "local"),
    ]
    return [
        "next: for a real document, point mlsd at a capable model (same record; add your flags):",
        f"  OpenAI     OPENAI_API_KEY=sk-... mlsd generate {record}",
        *(f"  {name:<10} mlsd generate {record} --base-url {url} --model {m}" for name, url, m in servers),
    ]
