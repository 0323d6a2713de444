"""Flags shared by ``generate`` and ``batch``, and the model configuration they build."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

OutDir = Annotated[Path, typer.Option(help="Root folder for documents.")]
Model = Annotated[str | None, typer.Option(help="Model for every role (env MLSD_MODEL).")]
PlannerModel = Annotated[str | None, typer.Option(help="Model for the planner.")]
WriterModel = Annotated[str | None, typer.Option(help="Model for the section writers.")]
CriticModel = Annotated[str | None, typer.Option(help="Model for the critic.")]
BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (env OPENAI_BASE_URL).")]
Provider = Annotated[str, typer.Option(help="auto, openai or local (embedded model).")]
LocalModel = Annotated[Path | None, typer.Option(help="GGUF file for --provider local.")]
MaxRevisions = Annotated[int, typer.Option(min=0, max=5, help="Critic rounds at most.")]
Timeout = Annotated[float, typer.Option(min=1, help="Seconds per model call.")]
WriterConcurrency = Annotated[
    int | None, typer.Option(min=1, help="Writers in flight per document (default: all).")
]
Debug = Annotated[bool, typer.Option(help="Show tracebacks.")]


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

    from mlsd.llm.local_server import LocalServer, available_cores
    from mlsd.llm.pricing import LOCAL_PREFIX

    # mlsd's own process is idle while the model generates, so llama.cpp gets every core.
    server = stack.enter_context(LocalServer(local_model, threads=available_cores()))
    # A local CPU model answers slowly and one request at a time: a long timeout, few retries.
    return replace(
        config,
        # llama.cpp ignores the request's model name; the prefix tells pricing the model is free.
        model=f"{LOCAL_PREFIX}{server.model_name}",
        base_url=server.base_url,
        api_key=None,
        timeout=max(config.timeout, 900.0),
        max_retries=1,
        context_length=server.context_length,
        role_models={},
        temperature=0.2,
    )
