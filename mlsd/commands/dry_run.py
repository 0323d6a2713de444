"""``--dry-run``: the time plan, section budgets and a token and cost estimate, without an LLM call."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mlsd.agents import briefs
from mlsd.agents.budgets import CRITIC_MAX_TOKENS, PLANNER_MAX_TOKENS, section_budgets
from mlsd.llm.pricing import cost_usd
from mlsd.llm.tokens import count_tokens
from mlsd.prompts import load_catalogue, load_template
from mlsd.prompts.timeplan import time_plan_for
from mlsd.records import Params, Record

# A plan answer is about this long; the writer prefix carries it, so it is counted twelve times.
PLAN_TOKENS_ESTIMATE = 1800
REVISED_SHARE = 0.5  # assume one revision round rewriting half the sections


def estimate(record: Record, params: Params) -> dict[str, int]:
    """Input and output tokens of a run with one revision round of half the sections."""
    level, focus = params.seniority.value, params.focus_area.value if params.focus_area else None
    budgets = section_budgets(params.duration, level, focus)
    planner_in = count_tokens(load_template("planner").render(**briefs.planner_values(record, params)))
    prefix = count_tokens(load_template("writer_system").body) + PLAN_TOKENS_ESTIMATE + 600
    doc_tokens = sum(b.tokens for b in budgets.values())
    writer_in = 12 * prefix + 12 * 700
    revise_in = REVISED_SHARE * (writer_in + doc_tokens)
    critic_in = 2 * (count_tokens(load_template("critic").body) + doc_tokens + 600)
    return {
        "input_tokens": int(planner_in + writer_in + revise_in + critic_in),
        "output_tokens": int(PLAN_TOKENS_ESTIMATE + doc_tokens * (1 + REVISED_SHARE) + CRITIC_MAX_TOKENS),
        "max_planner_tokens": PLANNER_MAX_TOKENS,
    }


def print_dry_run(record: Record, params: Params, model: str, console: Console | None = None) -> None:
    """Print what a run would do and cost; make no model call."""
    console = console or Console()
    level, focus = params.seniority.value, params.focus_area.value if params.focus_area else None
    plan = Table(title=f"Interview time plan ({params.duration} min, {level})")
    for col in ("Phase", "Minutes", "Sections"):
        plan.add_column(col)
    slots = time_plan_for(params.duration, level)
    for slot in slots:
        plan.add_row(slot.name, str(slot.minutes), ", ".join(f"§{n}" for n in slot.sections))
    plan.add_row("Total", str(sum(s.minutes for s in slots)), "")
    console.print(plan)
    table = Table(title="Section budgets")
    for col in ("§", "Section", "Words", "Tokens", "max_tokens"):
        table.add_column(col)
    budgets = section_budgets(params.duration, level, focus)
    for spec in load_catalogue().sections:
        b = budgets[spec.number]
        table.add_row(str(spec.number), spec.title, str(b.words), str(b.tokens), str(b.max_tokens))
    console.print(table)
    est = estimate(record, params)
    cost = cost_usd(model, est["input_tokens"], est["output_tokens"])
    price = "unknown price" if cost is None else f"≈ ${cost:.3f}"
    console.print(
        f"estimate for {model}: ~{est['input_tokens']:,} input + ~{est['output_tokens']:,} output tokens, "
        f"{price} (about 21 calls: plan, 12 sections, critique, then a revision round of 6 sections "
        "and a second critique)"
    )
