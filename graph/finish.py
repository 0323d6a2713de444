"""The last two nodes: assemble the markdown and save it atomically."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from mlsd.graph.assemble import assemble_markdown, document_title
from mlsd.graph.context import RunContext
from mlsd.graph.review import draft_bodies
from mlsd.graph.state import DocState
from mlsd.graph.usage import totals
from mlsd.llm.pricing import cost_usd
from mlsd.paths import document_path, write_atomically
from mlsd.prompts import load_catalogue, template_versions
from mlsd.records import Params, Record


def _total_cost(usage: list[dict]) -> float | None:
    costs = [cost_usd(u["model"], u["input_tokens"], u["output_tokens"], u["cached_tokens"]) for u in usage]
    return None if any(c is None for c in costs) else round(sum(costs), 6)


def _critic_summary(state: DocState) -> dict:
    last = state["reviews"][-1]
    unresolved = [f["number"] for f in last["flagged"]] if last["round"] >= state["revision_round"] else []
    return {
        "rounds": state["revision_round"],
        "unresolved_sections": unresolved,
        "summary": last["report"].get("summary", ""),
    }


def front_matter(state: DocState, ctx: RunContext) -> dict:
    """The YAML front matter: what, for whom, by which models and prompts, at what cost."""
    record, params = state["record"], Params.model_validate(state["params"])
    tokens = totals(state["usage"])
    return {
        "company": record["company_name"],
        "topic": record["ml_topic"],
        "frequency": record["interview_frequency"],
        "seniority": params.seniority.value,
        "duration": f"{params.duration}min",
        "focus": params.focus_area.value if params.focus_area else None,
        "models": dict(ctx.models.model_names),
        "run_id": ctx.run_id,
        "generated": ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "prompt_version": {"catalogue": load_catalogue().version, **template_versions()},
        "tokens": tokens,
        "cost_usd": _total_cost(state["usage"]),
        "critic": _critic_summary(state),
        "notes": state.get("notes") or [],
        **({"plan_reused_from": state["plan_reused_from"]} if state.get("plan_reused_from") else {}),
    }


def assemble(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Order the sections under canonical headings with front matter and a title."""
    record = state["record"]
    title = document_title(record["company_name"], record["ml_topic"])
    markdown = assemble_markdown(front_matter(state, runtime.context), title, draft_bodies(state))
    return {"document": markdown}


def save(state: DocState, runtime: Runtime[RunContext]) -> dict:
    """Write the document atomically at its safe path under out_dir."""
    ctx = runtime.context
    record = Record.model_validate(state["record"])
    params = Params.model_validate(state["params"])
    path = document_path(Path(ctx.out_dir), record.company_name, record.ml_topic, params, ctx.path_suffix)
    write_atomically(path, state["document"], overwrite=ctx.force)
    return {"output_path": str(path)}
