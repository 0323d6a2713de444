"""Problem archetypes as reviewed data: the loader, a keyword guess and the prompt guides.

Each file `archetypes/<id>.yaml` says what the quantities, pipeline, labels, metrics, feature groups
and system paths are for one kind of ML problem, so that plans, briefs and checks take their
vocabulary from the question's archetype instead of from feed ranking. The strict models live in
`archetype_models.py`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

import yaml

from mlsd.prompts.archetype_models import (
    ARCHETYPE_IDS,
    REQUIRED_FIXES,
    Archetype,
    ArchetypeChecks,
    Diagram,
    Pipeline,
    Reference,
)
from mlsd.prompts.catalogue import load_catalogue

__all__ = [
    "ARCHETYPE_IDS",
    "FALLBACK_ID",
    "REQUIRED_FIXES",
    "Archetype",
    "ArchetypeChecks",
    "Diagram",
    "Pipeline",
    "Reference",
    "all_archetypes",
    "archetype_guide",
    "archetype_menu",
    "infer_archetype",
    "load_archetype",
    "section_points",
    "writer_guide",
]

FALLBACK_ID = "generic"


def _read(archetype_id: str) -> dict:
    path = resources.files("mlsd.prompts").joinpath(f"archetypes/{archetype_id}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def load_archetype(archetype_id: str) -> Archetype:
    """Load and validate one archetype; an unknown id is a ValueError naming the valid ones."""
    if archetype_id not in ARCHETYPE_IDS:
        raise ValueError(f"unknown archetype {archetype_id!r}; valid ids: {', '.join(ARCHETYPE_IDS)}")
    archetype = Archetype.model_validate(_read(archetype_id))
    if archetype.id != archetype_id:
        raise ValueError(f"archetypes/{archetype_id}.yaml declares id {archetype.id!r}")
    phases = {phase.name for phase in load_catalogue().phases}
    unknown = sorted(set(archetype.phase_names) - phases)
    if unknown:
        raise ValueError(f"archetype {archetype_id}: phase_names name unknown phases {unknown}")
    return archetype


def all_archetypes() -> tuple[Archetype, ...]:
    """Every archetype, in ARCHETYPE_IDS order."""
    return tuple(load_archetype(archetype_id) for archetype_id in ARCHETYPE_IDS)


# ---------------------------------------------------------------- keyword guess

# A title term outweighs a description term: titles name the decision, descriptions wander.
TITLE_WEIGHT = 3
MIN_SCORE = 2
_BODY_CHARS = 4000


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    # Same spelling rules as the check lexicons: flexible separators, plurals, a trailing "*".
    stem = term.endswith("*")
    parts = [re.escape(part) for part in re.split(r"[\s\-–—]+", term.rstrip("*")) if part]
    end = r"\w*" if stem else r"(?:e?s)?(?!\w)"
    return re.compile(r"(?<!\w)" + r"[\s\-–—]?".join(parts) + end, re.IGNORECASE)


def _title_and_body(text: str) -> tuple[str, str]:
    """Split a record (JSON), a document (front matter + markdown) or plain text into title and body."""
    stripped = text.strip()
    try:
        data = json.loads(stripped)
    except ValueError:
        data = None
    if isinstance(data, dict):
        title = str(data.get("ml_topic") or data.get("topic") or data.get("title") or "")
        return title, str(data.get("product_description") or data.get("description") or "")
    title = ""
    if stripped.startswith("---"):
        front, _, stripped = stripped[3:].partition("\n---")
        topic = re.search(r"^(?:ml_)?topic:\s*['\"]?(.+?)['\"]?\s*$", front, re.MULTILINE)
        title = topic.group(1) if topic else ""
    lines = [line for line in stripped.splitlines() if line.strip()]
    if not title and lines:
        title, lines = lines[0].lstrip("# ").strip(), lines[1:]
    return title, "\n".join(lines)


def _scores(title: str, body: str) -> list[tuple[int, str, list[str]]]:
    body = body[:_BODY_CHARS]
    scored = []
    for archetype in all_archetypes():
        score, hits = 0, []
        for term in archetype.match_terms:
            pattern = _term_pattern(term)
            if pattern.search(title):
                score, hits = score + TITLE_WEIGHT, [*hits, f"{term} (title)"]
            elif pattern.search(body):
                score, hits = score + 1, [*hits, term]
        scored.append((score, archetype.id, hits))
    return sorted(scored, key=lambda s: (-s[0], ARCHETYPE_IDS.index(s[1])))


def infer_archetype(text: str) -> tuple[str, str]:
    """Guess the archetype from a record or a document's title and text: (id, one-line reason).

    Each archetype scores its distinct match terms, a title hit counting TITLE_WEIGHT and a
    description hit 1; the best score wins when it reaches MIN_SCORE and beats the runner-up,
    otherwise the answer is the generic fallback.
    """
    title, body = _title_and_body(text)
    ranked = _scores(title, body)
    (best, best_id, hits), (second, second_id, _) = ranked[0], ranked[1]
    if best == 0:
        return FALLBACK_ID, "no archetype term matched; using the generic fallback"
    if best < MIN_SCORE or best == second:
        tie = f", tied with {second_id}" if best == second else ""
        why = f"best {best_id} {best}{tie}: {', '.join(hits)}"
        return FALLBACK_ID, f"no archetype matched clearly ({why}); using the generic fallback"
    return best_id, f"matched {best_id} terms: {', '.join(hits)} (score {best} vs {second_id} {second})"


# ---------------------------------------------------------------- prompt text


def archetype_menu() -> str:
    """One line per archetype (id, name, examples) for the classification prompt."""
    return "\n".join(f"- {a.id}: {a.name} — {'; '.join(a.examples)}" for a in all_archetypes())


def _list(items) -> str:
    return "; ".join(items)


def _bullets(items) -> str:
    return "\n".join(f"  - {item}" for item in items)


def archetype_guide(a: Archetype) -> str:
    """The planner's guide: everything a plan for this kind of problem must take its words from."""
    parts = [
        f"Archetype: {a.name} ({a.id})",
        a.summary,
        f"Kinds of questions: {_list(a.examples)}",
        f"Scale quantities (state these, in these units): {_list(a.scale_quantities)}",
        f"Load is measured in: {a.throughput_unit}",
        f"The {a.pipeline.name}: {' → '.join(a.pipeline.stages)}",
        f"  e.g. {a.pipeline.example}",
        f"Task categories that fit: {_list(a.ml_tasks)}",
        "Labels, their sources and delays:\n" + _bullets(a.labels),
        f"Offline metrics: {_list(a.offline_metrics)}",
        f"Online metrics: {_list(a.online_metrics)}",
        f"Guardrails: {_list(a.guardrails)}",
        f"Feature or entity groups: {_list(a.feature_groups)}",
        "Signature trade-offs:\n" + _bullets(a.tradeoffs),
        "Sub-problems an interviewer expects:\n" + _bullets(a.sub_problems),
        "Serving techniques that fit:\n" + _bullets(a.serving),
        "Monitoring signals and failure modes:\n" + _bullets(a.monitoring),
        "Verified references: " + _list(r.cite() for r in a.references),
        "Facts the fact sheet must cover (each with its unit):\n" + _bullets(a.planner_facts),
        f"Online path: {a.diagram.online}",
        f"Offline training-data path: {a.diagram.offline}",
    ]
    return "\n".join(parts)


def writer_guide(a: Archetype) -> str:
    """The shorter guide every writer shares: the vocabulary this kind of problem uses."""
    parts = [
        f"{a.name}: {a.summary}",
        f"- Scale quantities and units: {_list(a.scale_quantities)}; load in {a.throughput_unit}.",
        f"- The {a.pipeline.name}: {' → '.join(a.pipeline.stages)} (e.g. {a.pipeline.example}).",
        f"- Task categories: {_list(a.ml_tasks)}.",
        f"- Offline metrics: {_list(a.offline_metrics)}.",
        f"- Online metrics: {_list(a.online_metrics)}; guardrails: {_list(a.guardrails)}.",
        f"- Feature or entity groups: {_list(a.feature_groups)}.",
        f"- Sub-problems an interviewer expects: {_list(a.sub_problems)}.",
        f"- Verified references for this kind of problem: {_list(r.cite() for r in a.references)}.",
    ]
    return "\n".join(parts)


def section_points(a: Archetype, number: int) -> tuple[str, ...]:
    """The archetype's extra required elements for one section (empty when it adds none)."""
    if not 1 <= number <= 12:
        raise ValueError(f"section number must be 1..12, got {number}")
    return a.section_points.get(number, ())
