"""``--dry-run``: the time plan, section budgets and a token and cost estimate, without an LLM call."""

from __future__ import annotations

from dataclasses import dataclass

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
REVISED_SHARE = 0.5  # a revision round is assumed to rewrite half the sections (all twelve at most)
ARCHETYPE_CALL_TOKENS = 700  # the classification prompt with the archetype menu
VERIFY_OUTPUT_ESTIMATE = 250  # a verifier answers a few findings or an empty list
SECTIONS = 12


@dataclass(frozen=True)
class CallCount:
    """How many model calls a run makes: the expected count and the most it can make."""

    expected: int
    at_most: int
    story: str


def estimate(
    record: Record, params: Params, archetype: Archetype, verify: bool = True, max_revisions: int = 2
) -> dict[str, int]:
    """Input and output tokens of a run that uses every one of its ``max_revisions`` rounds.

    Each round is assumed to rewrite half the sections; rounds stop early when nothing is
    flagged (graph/review.py ``after_critique``), so more rounds than needed is an upper bound.
    """
    level, focus = params.seniority.value, params.focus_area.value if params.focus_area else None
    budgets = section_budgets(params.duration, level, focus)
    values = briefs.planner_values(record, params, archetype)
    planner_in = count_tokens(load_template("planner").render(**values)) + ARCHETYPE_CALL_TOKENS
    prefix = count_tokens(load_template("writer_system").body) + PLAN_TOKENS_ESTIMATE + 600
    doc_tokens = sum(b.tokens for b in budgets.values())
    writer_in = SECTIONS * prefix + SECTIONS * 700
    rewritten = REVISED_SHARE * max_revisions  # sections rewritten, as a share of the document
    revise_in = rewritten * (writer_in + doc_tokens)
    critiques = 1 + max_revisions
    critic_in = critiques * (count_tokens(load_template("critic").body) + doc_tokens + 600)
    # Verifiers: each sees the plan outline, the fact sheet and its own section, every round;
    # one more reads the plan itself (check_plan).
    verified = (1 + rewritten) if verify else 0
    verify_in = verified * (SECTIONS * (PLAN_TOKENS_ESTIMATE + 900) + doc_tokens)
    verify_out = verified * SECTIONS * VERIFY_OUTPUT_ESTIMATE
    if verify:
        verify_in += 2 * PLAN_TOKENS_ESTIMATE + 900
        verify_out += VERIFY_OUTPUT_ESTIMATE
    return {
        "input_tokens": int(planner_in + writer_in + revise_in + critic_in + verify_in),
        "output_tokens": int(
            PLAN_TOKENS_ESTIMATE + doc_tokens * (1 + rewritten) + critiques * CRITIC_MAX_TOKENS + verify_out
        ),
        "max_planner_tokens": PLANNER_MAX_TOKENS,
    }


def call_count(forced: str | None, verify: bool, max_revisions: int) -> CallCount:
    """The calls of the first pass, then ``max_revisions`` rounds of rewrites at most."""
    first = (0 if forced else 1) + 1 + SECTIONS + 1  # archetype, plan, sections, critique
    first += (1 + SECTIONS) if verify else 0  # the plan's verifier, one per section
    half = int(SECTIONS * REVISED_SHARE)
    per_round = half + (half if verify else 0) + 1  # rewrites, their verifiers, a critique
    worst_round = SECTIONS + (SECTIONS if verify else 0) + 1
    steps = [] if forced else ["archetype"]
    steps += ["plan"] + (["a plan verifier"] if verify else [])
    steps += [f"{SECTIONS} sections"] + ([f"{SECTIONS} verifiers"] if verify else []) + ["a critique"]
    if max_revisions == 0:
        steps.append("no revision round (--max-revisions 0)")
    else:
        rounds = "1 revision round" if max_revisions == 1 else f"up to {max_revisions} revision rounds"
        verifiers = " with their verifiers" if verify else ""
        steps.append(
            f"{rounds} of the flagged sections (assumed {half} of {SECTIONS} each){verifiers} "
            "and a critique after each"
        )
    return CallCount(
        expected=first + max_revisions * per_round,
        # The plan's verifier may ask the planner for one corrected plan.
        at_most=first + (1 if verify else 0) + max_revisions * worst_round,
        story=", ".join(steps),
    )


def estimate_lines(
    record: Record,
    params: Params,
    model: str,
    archetype: Archetype,
    forced: str | None,
    verify: bool,
    max_revisions: int,
) -> list[str]:
    """The estimate, one line per figure; a further estimate is one more line appended here."""
    est = estimate(record, params, archetype, verify, max_revisions)
    calls = call_count(forced, verify, max_revisions)
    cost = cost_usd(model, est["input_tokens"], est["output_tokens"])
    price = "unknown price" if cost is None else f"≈ ${cost:.3f}"
    rounds = "round" if max_revisions == 1 else "rounds"
    bound = f"; counts all {max_revisions} revision {rounds}, an upper bound" if max_revisions else ""
    bound += " (rounds stop once nothing is flagged)" if max_revisions else ""
    return [
        f"estimate for {model}: ~{est['input_tokens']:,} input + ~{est['output_tokens']:,} output tokens, "
        f"{price}{bound}",
        f"calls: about {calls.expected} (at most {calls.at_most}): {calls.story}",
    ]


def print_dry_run(
    record: Record,
    params: Params,
    model: str,
    forced: str | None = None,
    verify: bool = True,
    console: Console | None = None,
    max_revisions: int = 2,
    estimate: list[str] | None = None,
) -> None:
    """Print what a run would do and cost; make no model call.

    ``estimate`` replaces the token and call estimate (the embedded model's own, which knows its
    short prompts and measured speed).
    """
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
    lines = estimate or estimate_lines(record, params, model, archetype, forced, verify, max_revisions)
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
