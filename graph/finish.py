"""The last two nodes: assemble the markdown and save it atomically."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from mlsd.agents.plan import InterviewPlan
from mlsd.clock import stamp
from mlsd.graph.assemble import assemble_markdown, document_title
from mlsd.graph.check_plan import plan_text
from mlsd.graph.context import RunContext
from mlsd.graph.review import draft_bodies, latest_drafts
from mlsd.graph.state import DocState
from mlsd.graph.usage import totals
from mlsd.graph.verify import verification_summary
from mlsd.llm.pricing import usage_cost
from mlsd.paths import document_path, write_atomically
from mlsd.prompts import load_catalogue, template_versions
from mlsd.records import Params, Record


def _critic_summary(state: DocState) -> dict:
    last = state["reviews"][-1]
    unresolved = [f["number"] for f in last["flagged"]] if last["round"] >= state["revision_round"] else []
    return {
        "rounds": state["revision_round"],
        "unresolved_sections": unresolved,
        "summary": last["report"].get("summary", ""),
    }


def _waivers(state: DocState) -> list[dict]:
    """Every check failure the critic waived, in any round, with its reason."""
    seen: dict[tuple, dict] = {}
    for review in state.get("reviews") or []:
        for w in review.get("waivers", []):
            seen[(w["check_id"], w["section"])] = {
                "check": w["check_id"],
                "section": w["section"],
                "reason": w["reason"],
            }
    return list(seen.values())


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
        "archetype": (state.get("archetype") or {}).get("id", "ranking"),
        "archetype_reason": (state.get("archetype") or {}).get("reason", ""),
        "models": dict(ctx.models.model_names),
        "run_id": ctx.run_id,
        "generated": stamp(ctx.now),
        "prompt_version": {"catalogue": load_catalogue().version, **template_versions()},
        "tokens": tokens,
        "cost_usd": usage_cost(state["usage"]),
        "critic": _critic_summary(state),
        "critic_waivers": _waivers(state),
        "verification": verification_summary(state, _bodies(state)),
        "notes": state.get("notes") or [],
        **({"plan_reused_from": state["plan_reused_from"]} if state.get("plan_reused_from") else {}),
    }


def _bodies(state: DocState) -> dict[int, str]:
    """The final text of each section, and of the plan as section 0 (its verifier's findings)."""
    plan = plan_text(InterviewPlan.model_validate(state["plan"]))
    return {0: plan} | {n: d["markdown"] for n, d in latest_drafts(state["drafts"]).items()}


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
