"""The plan as YAML a person reads and edits: written by `mlsd plan` and the review, read by `--plan`."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mlsd.errors import InputError

# The order a reader wants: what kind of problem, the problem, the numbers, the sections, the diagram.
ORDER = ("archetype", "archetype_reason", "framing", "ml_objective", "facts", "sections", "architecture")
HEADER = """\
# The plan every section writer shares. Edit values, keep the keys; lines starting with # are ignored.
# archetype: ranking, search, risk, forecasting, perception, generative or generic
# facts: 6-14, each name <= 60 chars, value <= 40, derivation <= 160
# sections: numbers 1-12 once each, 3-15 key points of <= 160 chars (3-8 reads best)
# architecture: 4-16 edges; source, target and label <= 40 chars
"""
_SECTION_ITEM = re.compile(r"^- number: (\d+)$", re.MULTILINE)


def plan_yaml(plan: dict) -> str:
    """The plan as commented YAML in reading order, each section under a comment with its title."""
    from mlsd.prompts import load_catalogue

    titles = {s.number: s.title for s in load_catalogue().sections}
    data = {key: plan[key] for key in ORDER if key in plan}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def titled(match: re.Match) -> str:
        number = int(match.group(1))
        return f"# {number}. {titles.get(number, '')}\n{match.group(0)}"

    return HEADER + _SECTION_ITEM.sub(titled, text)


def parse_plan(text: str, source: str, archetype: str | None = None) -> dict:
    """A plan from YAML text, checked against the plan model; one-line InputError naming the field.

    ``archetype`` overrides the file's; with neither, the plan keeps the run's archetype (an edit)
    and comes back with an empty one for the graph to fill.
    """
    from mlsd.agents.plan import checked_plan, plan_error

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(source, f"not valid YAML ({where}{getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict):
        raise InputError(
            source, "must be a YAML mapping with framing, ml_objective, facts, sections, architecture"
        )
    if archetype:
        data["archetype"] = archetype
    try:
        plan = checked_plan(data, data.get("archetype") or "generic")
    except ValueError as exc:
        raise InputError(source, plan_error(exc)) from None
    result = plan.model_dump(mode="json")
    if not data.get("archetype"):
        result["archetype"] = ""  # the run keeps its own
    return result


def load_plan_file(path: Path, archetype: str | None = None, *, need_archetype: bool = False) -> dict:
    """Read and check a plan file (``--plan``); a new run needs an archetype, from it or --archetype."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("--plan", f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    plan = parse_plan(text, str(path), archetype)
    if need_archetype and not plan["archetype"]:
        raise InputError(f"{path}: archetype", "missing; add `archetype: ID` to the file or pass --archetype")
    return plan
