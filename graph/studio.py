"""LangGraph Studio's entry point (``langgraph dev``, see langgraph.json): the same graph as mlsd.

Studio starts runs without mlsd's runner, so its context must be buildable from nothing: every
field of ``StudioContext`` has a default, and the chat models come from the environment
(``OPENAI_BASE_URL`` and/or ``OPENAI_API_KEY``, ``MLSD_MODEL``), read here at the entry point as the
CLI does, never inside a node. Studio keeps its own checkpoints, so the graph is compiled without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mlsd.errors import InputError
from mlsd.graph.builder import build_graph
from mlsd.graph.context import RunContext


def models_from_env():
    """An OpenAI-compatible chat factory configured from the environment."""
    from mlsd.llm.models import ModelConfig, OpenAIChatFactory
    from mlsd.settings import choose_endpoint

    endpoint = choose_endpoint("auto", None, None)
    if endpoint.provider != "openai":
        raise InputError(
            "studio", "set OPENAI_BASE_URL or OPENAI_API_KEY; only `mlsd generate` starts the embedded model"
        )
    return OpenAIChatFactory(
        ModelConfig(model=endpoint.model, base_url=endpoint.base_url, api_key=endpoint.api_key)
    )


@dataclass(frozen=True)
class StudioContext(RunContext):
    """RunContext with a default for every field, so Studio can run the graph with an empty context."""

    models: Any = field(default_factory=models_from_env)
    run_id: str = "studio"
    # Typed loosely so Studio can draw a form for the context; both stay None in Studio.
    writer_slots: Any = None
    checker: Any = None

    def __post_init__(self) -> None:
        # Studio sends JSON, so a path or a time arrives as a string.
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        if isinstance(self.now, str):
            object.__setattr__(self, "now", datetime.fromisoformat(self.now))


graph = build_graph(context_schema=StudioContext)
