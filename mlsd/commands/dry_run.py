"""``--dry-run``: the time plan, section budgets and a token and cost estimate, without an LLM call."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mlsd.agents import briefs
from mlsd.agents.budgets import CRITIC_MAX_TOKENS, PLANNER_MAX_TOKENS, section_budgets
from mlsd.llm.pricing import cost_usd
from mlsd.llm.tokens import count_tokens
from mlsd.prompts import Archetype, infer_archetype, load_archetype, load_catalogue, load_template
from mlsd.prompts.timeplan import time_plan_for
from mlsd.records import Params, Record

# A plan answer is about this long; the writer prefix carries it, so it is counted twelve times.
PLAN_TOKENS_ESTIMATE = 1800
REVISED_SHARE = 0.5  # assume one revision round rewriting half the sections
ARCHETYPE_CALL_TOKENS = 700  # the classification prompt with the archetype menu
VERIFY_OUTPUT_ESTIMATE = 250  # a verifier answers a few findings or an empty list


def estimate(record: Record, params: Params, archetype: Archetype, verify: bool = True) -> dict[str, int]:
    """Input and output tokens of a run with one revision round of half the sections."""
    level, focus = params.seniority.value, params.focus_area.value if params.focus_area else None
    budgets = section_budgets(params.duration, level, focus)
    values = briefs.planner_values(record, params, archetype)
    planner_in = count_tokens(load_template("planner").render(**values)) + ARCHETYPE_CALL_TOKENS
    prefix = count_tokens(load_template("writer_system").body) + PLAN_TOKENS_ESTIMATE + 600
    doc_tokens = sum(b.tokens for b in budgets.values())
    writer_in = 12 * prefix + 12 * 700
    revise_in = REVISED_SHARE * (writer_in + doc_tokens)
    critic_in = 2 * (count_tokens(load_template("critic").body) + doc_tokens + 600)
    # Verifiers: each sees the plan outline, the fact sheet and its own section, every round.
    verify_in = (1 + REVISED_SHARE) * (12 * (PLAN_TOKENS_ESTIMATE + 900) + doc_tokens) if verify else 0
    verify_out = (1 + REVISED_SHARE) * 12 * VERIFY_OUTPUT_ESTIMATE if verify else 0
    return {
        "input_tokens": int(planner_in + writer_in + revise_in + critic_in + verify_in),
        "output_tokens": int(
            PLAN_TOKENS_ESTIMATE + doc_tokens * (1 + REVISED_SHARE) + CRITIC_MAX_TOKENS + verify_out
        ),
        "max_planner_tokens": PLANNER_MAX_TOKENS,
    }


def print_dry_run(
    record: Record,
    params: Params,
    model: str,
    forced: str | None = None,
    verify: bool = True,
    console: Console | None = None,
) -> None:
    """Print what a run would do and cost; make no model call."""
    console = console or Console()
    level, focus = params.seniority.value, params.focus_area.value if params.focus_area else None
    if forced:
        archetype = load_archetype(forced)
        console.print(f"archetype: {archetype.id} ({archetype.name}), forced with --archetype")
    else:
        guess, reason = infer_archetype(briefs.record_json(record))
        archetype = load_archetype(guess)
        console.print(
            f"archetype: {guess} ({archetype.name}) by keyword guess ({reason}); "
            "the archetype step chooses it at run time"
        )
    plan = Table(title=f"Interview time plan ({params.duration} min, {level})")
    for col in ("Phase", "Minutes", "Sections"):
        plan.add_column(col)
    slots = time_plan_for(params.duration, level, archetype)
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
    est = estimate(record, params, archetype, verify)
    cost = cost_usd(model, est["input_tokens"], est["output_tokens"])
    price = "unknown price" if cost is None else f"≈ ${cost:.3f}"
    console.print(
        f"estimate for {model}: ~{est['input_tokens']:,} input + ~{est['output_tokens']:,} output tokens, "
        f"{price} (about {_calls(forced, verify)} calls: {_call_story(forced, verify)})"
    )


def _calls(forced: str | None, verify: bool) -> int:
    first = (0 if forced else 1) + 1 + 12 + 1  # archetype, plan, sections, critique
    revision = 6 + 1  # a revision round of half the sections and a second critique
    return first + revision + ((12 + 6) if verify else 0)


def _call_story(forced: str | None, verify: bool) -> str:
    steps = [] if forced else ["archetype"]
    steps += ["plan", "12 sections"] + (["12 verifiers"] if verify else []) + ["critique"]
    steps += ["a revision round of 6 sections"] + (["6 verifiers"] if verify else []) + ["a second critique"]
    return ", ".join(steps)
