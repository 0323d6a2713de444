"""Flags shared by ``generate`` and ``batch``, and the model configuration they build."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

OutDir = Annotated[Path, typer.Option(help="Root folder for documents.")]
# One document's parameters (`generate`, `plan`); batch takes comma-separated lists of them.
Seniority = Annotated[str, typer.Option(help="E5, E6, E7 or E8.")]
FocusArea = Annotated[str | None, typer.Option(help="deep_learning, optimization, evaluation or algorithms.")]
Duration = Annotated[str, typer.Option(help="Interview length: 45, 60 or 90 (minutes).")]
Model = Annotated[str | None, typer.Option(help="Model for every role (env MLSD_MODEL).")]
PlannerModel = Annotated[str | None, typer.Option(help="Model for the planner.")]
WriterModel = Annotated[str | None, typer.Option(help="Model for the section writers.")]
CriticModel = Annotated[str | None, typer.Option(help="Model for the critic.")]
BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (env OPENAI_BASE_URL).")]
Provider = Annotated[str, typer.Option(help="auto, openai or local (embedded model).")]
LocalModel = Annotated[Path | None, typer.Option(help="GGUF file for --provider local.")]
MaxRevisions = Annotated[
    int | None,
    typer.Option(min=0, max=5, help="Critic rounds at most (default 2; 0 on the embedded model)."),
]
Timeout = Annotated[float, typer.Option(min=1, help="Seconds per model call.")]
WriterConcurrency = Annotated[
    int | None, typer.Option(min=1, help="Writers in flight per document (default: all).")
]
Debug = Annotated[bool, typer.Option(help="Show tracebacks.")]
LogPrompts = Annotated[
    bool | None,
    typer.Option(
        "--log-prompts/--no-log-prompts",
        help="Store prompt and answer text in runs.db (env MLSD_NO_LOG_PROMPTS=1 turns it off).",
    ),
]
Archetype = Annotated[
    str | None,
    typer.Option(
        help="Force the problem archetype: ranking, search, risk, forecasting, perception, "
        "generative or generic (default: chosen by the planner's archetype step)."
    ),
]
Verify = Annotated[
    bool | None,
    typer.Option(
        "--verify/--no-verify",
        help="Per-section verifiers after each round (default: on; off on the embedded model).",
    ),
]

ReviewPlan = Annotated[
    bool,
    typer.Option(
        "--review-plan",
        help="Pause after planning: accept, edit or comment on the plan (no terminal: print it, exit 5).",
    ),
]
PlanFile = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Write from this plan (YAML from `mlsd plan`); with --resume: a paused review's edited plan.",
    ),
]
AcceptPlan = Annotated[
    bool, typer.Option("--accept-plan", help="With --resume: accept the paused run's plan.")
]
PlanFeedback = Annotated[
    str | None,
    typer.Option("--plan-feedback", help="With --resume: what the planner should change in the paused plan."),
]


def checked_archetype(archetype: str | None) -> str | None:
    """The --archetype value, or a one-line input error naming the valid ids."""
    if archetype is None:
        return None
    from mlsd.errors import InputError
    from mlsd.prompts import ARCHETYPE_IDS

    if archetype not in ARCHETYPE_IDS:
        raise InputError("--archetype", f"must be one of {', '.join(ARCHETYPE_IDS)} (got {archetype!r})")
    return archetype


def verify_default(verify: bool | None, provider: str) -> bool:
    """Verifiers run unless turned off; the embedded 135M model cannot check arithmetic, so off there."""
    return provider != "local" if verify is None else verify


def revisions_default(max_revisions: int | None, provider: str) -> int:
    """Rewrite rounds: 2 unless set, and none on the embedded model unless asked.

    A 135M model's rewrite is no better than its draft, and each round costs minutes there.
    """
    if max_revisions is not None:
        return max_revisions
    return 0 if provider == "local" else 2


def model_config(
    stack: contextlib.ExitStack, endpoint, roles: dict, local_model: Path | None, timeout: float
):
    """The ModelConfig for a run; for the local provider, start the embedded server on ``stack``."""
    from mlsd.llm.models import ModelConfig

    config = ModelConfig(
        model=endpoint.model,
        base_url=endpoint.base_url,
        api_key=endpoint.api_key,
        timeout=timeout,
        role_models={k: v for k, v in roles.items() if v},
    )
    return _local_config(stack, local_model, config) if endpoint.provider == "local" else config


def _local_config(stack: contextlib.ExitStack, local_model: Path | None, config):
    from dataclasses import replace

    from mlsd.agents.small_model import SMALL_WRITER_STOP, is_small_model, small_sampling
    from mlsd.llm.local_server import LocalServer, serving_shape
    from mlsd.llm.pricing import LOCAL_PREFIX

    parallel, n_ctx = serving_shape(local_model)
    # llama.cpp's threads spin at barriers: with every core taken, mlsd's own Python thread (the
    # live display, the HTTP client, checkpoints) or any other process slows it ~10x; one core
    # is left free (LocalServer's default).
    server = stack.enter_context(LocalServer(local_model, parallel=parallel, n_ctx=n_ctx))
    small = is_small_model(server.context_length)
    # A local CPU model answers slowly: a long timeout, few retries.
    return replace(
        config,
        # llama.cpp ignores the request's model name; the prefix tells pricing the model is free.
        model=f"{LOCAL_PREFIX}{server.model_name}",
        base_url=server.base_url,
        api_key=None,
        timeout=max(config.timeout, 900.0),
        max_retries=1,
        context_length=server.context_length,
        max_concurrency=server.parallel,
        writer_sampling=small_sampling() if small else {},
        writer_stop=SMALL_WRITER_STOP if small else (),
        role_models={},
        temperature=0.2,
    )
