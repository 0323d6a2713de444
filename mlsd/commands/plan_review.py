"""`--review-plan` at the terminal: show the paused run's plan, then accept, edit or give feedback.

The pause itself is a checkpoint (graph/review_plan.py), so leaving here without a decision loses
nothing: `mlsd generate --resume RUN` shows the same plan again. Without a terminal on stdin the
plan goes to stdout as YAML and the run stays paused (exit 5) with the commands that continue it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import typer

from mlsd.commands.common import err_console, warn
from mlsd.commands.plan_file import load_plan_file, parse_plan, plan_yaml
from mlsd.errors import InputError

PAUSED = 5  # exit code: the run waits for a plan review (ARCHITECTURE.md, "Contract")
EDIT_TRIES = 2  # an invalid edit gets one second chance, then the review stops with the run paused


def render_plan(review: dict) -> str:
    """The plan as a person reads it: archetype, framing, fact sheet, key points, diagram edges."""
    from mlsd.prompts import load_catalogue

    plan, chosen = review["plan"], review.get("archetype") or {}
    archetype = chosen.get("id") or plan.get("archetype")
    reason = chosen.get("reason") or plan.get("archetype_reason")
    lines = [
        f"Archetype: {archetype}" + (f" ({reason})" if reason else ""),
        f"Framing: {plan['framing']}",
        f"ML objective: {plan['ml_objective']}",
        "Fact sheet:",
    ]
    for fact in plan["facts"]:
        derivation = f"  = {fact['derivation']}" if fact.get("derivation") else ""
        lines.append(f"  - {fact['name']}: {fact['value']}{derivation}")
    lines.append("Key points:")
    titles = {s.number: s.title for s in load_catalogue().sections}
    for section in sorted(plan["sections"], key=lambda s: s["number"]):
        lines.append(f"  {section['number']}. {titles.get(section['number'], '')}")
        lines += [f"     - {point}" for point in section["key_points"]]
    lines.append("Diagram:")
    for edge in plan["architecture"]:
        label = f" [{edge['label']}]" if edge.get("label") else ""
        lines.append(f"  {edge['source']} → {edge['target']}{label}")
    return "\n".join(lines)


def continue_commands(run_id: str) -> str:
    """How to continue a paused run, one command per decision."""
    return (
        f"run {run_id} is paused for the plan review; continue with one of:\n"
        f"  mlsd generate --resume {run_id} --accept-plan\n"
        f"  mlsd generate --resume {run_id} --plan edited.yaml\n"
        f'  mlsd generate --resume {run_id} --plan-feedback "what to change"'
    )


def review(paused: dict, run_id: str) -> dict:
    """The user's decision on a paused plan; raises typer.Exit when the run stays paused."""
    if not interactive():
        sys.stdout.write(plan_yaml(paused["plan"]))
        _say_error(paused)
        err_console.print(continue_commands(run_id), markup=False)
        raise typer.Exit(PAUSED)
    err_console.print(render_plan(paused), markup=False)
    _say_error(paused)
    while True:
        choice = _ask("Plan: [a]ccept, [e]dit in $EDITOR, [f]eedback to the planner, [q]uit (stays paused): ")
        if choice in ("a", "accept"):
            return {"action": "accept"}
        if choice in ("e", "edit"):
            edited = edit_plan(paused["plan"], (paused.get("archetype") or {}).get("id", ""))
            if edited is None:
                err_console.print(continue_commands(run_id), markup=False)
                raise typer.Exit(2)
            warn_stale(paused["plan"], edited)
            return {"action": "edit", "plan": edited}
        if choice in ("f", "feedback"):
            text = _ask("Feedback for the planner (one line): ", lower=False)
            if text:
                return {"action": "feedback", "text": text}
        if choice in ("q", "quit"):
            err_console.print(continue_commands(run_id), markup=False)
            raise typer.Exit(PAUSED)


def interactive() -> bool:
    """A person at a terminal can answer; otherwise (a pipe, CI) the plan is printed for a script."""
    return sys.stdin.isatty()


def _ask(prompt: str, lower: bool = True) -> str:
    try:
        answer = err_console.input(prompt, markup=False).strip()
    except EOFError:  # Ctrl-D: leave the run paused
        return "q"
    return answer.lower() if lower else answer


def _say_error(paused: dict) -> None:
    if paused.get("error"):
        err_console.print(f"error: the last answer was not applied: {paused['error']}", markup=False)


def edit_plan(plan: dict, archetype: str) -> dict | None:
    """The plan edited in $VISUAL/$EDITOR and checked; None after an empty file or two invalid edits."""
    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    handle, name = tempfile.mkstemp(prefix="mlsd-plan-", suffix=".yaml")
    os.close(handle)
    path, text = Path(name), plan_yaml(plan)
    try:
        for attempt in range(1, EDIT_TRIES + 1):
            path.write_text(text, encoding="utf-8")
            try:
                subprocess.run([*editor, str(path)], check=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                err_console.print(f"error: EDITOR: {exc}; the review stops", markup=False)
                return None
            text = path.read_text(encoding="utf-8")
            if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
                err_console.print("error: edit: the plan is empty; the review stops", markup=False)
                return None
            try:
                edited = parse_plan(text, "edit")
            except InputError as exc:
                again = "; reopening the editor" if attempt < EDIT_TRIES else "; the review stops"
                err_console.print(f"error: {exc}{again}", markup=False)
                continue
            return edited | {"archetype": edited["archetype"] or archetype}
        return None
    finally:
        path.unlink(missing_ok=True)


def resume_decision(
    home: Path, resume: str | None, accept: bool, plan: Path | None, feedback: str | None
) -> dict | None:
    """The decision given with `--resume RUN`: --accept-plan, --plan FILE or --plan-feedback TEXT."""
    given = [flag for flag, value in (("--accept-plan", accept), ("--plan-feedback", feedback)) if value]
    if resume and plan is not None:
        given.append("--plan")
    if not given:
        return None
    if len(given) > 1:
        raise InputError(given[0], f"give only one of {', '.join(given)}")
    if not resume:
        raise InputError(given[0], "only with --resume RUN, a run paused for the plan review")
    from mlsd.runs.store import RunStore

    row = RunStore(home / "runs.db").get(resume)
    if row.status != "paused":
        raise InputError(given[0], f"run {row.id} is not paused for a plan review (it is {row.status})")
    if accept:
        return {"action": "accept"}
    if feedback is not None:
        if not feedback.strip():
            raise InputError("--plan-feedback", "is empty")
        return {"action": "feedback", "text": feedback.strip()}
    edited = load_plan_file(plan)
    import asyncio

    from mlsd.runs.runner import stored_state

    warn_stale(asyncio.run(stored_state(home, row.id)).get("plan") or {}, edited)
    return {"action": "edit", "plan": edited}


def warn_stale(before: dict, after: dict) -> None:
    """Say where an edited plan still repeats a number the user changed.

    A warning, not an error: the old figure may be meant (a baseline, a before-and-after).
    """
    from mlsd.agents.plan import stale_mentions

    for line in stale_mentions(before, after):
        warn(f"plan: {line}")
