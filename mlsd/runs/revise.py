"""``mlsd revise``: rewrite chosen sections of a saved document with a note, review them, save in place.

The run that wrote the document supplies the record, parameters, plan, fact sheet and writer prefix
(``runner.stored_inputs`` and ``runner.stored_state``); a document whose run is gone is revised from
its own text. Round 1 is the writer's revision round with the user's note as the fix; the
deterministic checks and the critic then judge the revised sections only, and at most
``max_revisions`` more rounds rewrite those of them still flagged. Every call is traced under a new
run linked to the original (``runs.revises``); only the revised sections' prose and the front
matter change on disk (``saved_document.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from langchain_core.messages import HumanMessage

from mlsd.agents import briefs
from mlsd.agents.budgets import call_budget, message_tokens, section_budgets, writer_max_tokens
from mlsd.agents.critic import CriticReport, accepted_waivers, check_report_markdown, fixes_by_section
from mlsd.agents.plan import InterviewPlan
from mlsd.agents.writer import prefix_messages, rendered_prefix, write_section, writer_prefix
from mlsd.clock import stamp, utc_now
from mlsd.errors import InputError, OutputConflictError
from mlsd.graph.review import TRUNCATED_FIX, check_params, critic_review
from mlsd.graph.usage import totals, usage_entry
from mlsd.llm.models import ChatFactory, with_trace_fields
from mlsd.llm.pricing import usage_cost
from mlsd.paths import write_atomically
from mlsd.prompts import (
    ARCHETYPE_IDS,
    Archetype,
    infer_archetype,
    load_archetype,
    load_catalogue,
    template_versions,
)
from mlsd.records import Frequency, Params, Record, make_params, validate_record
from mlsd.runs.runner import REVISE_STRATEGY, new_run_id, recorded_end, stored_inputs, stored_state
from mlsd.runs.saved_document import SavedDocument, parse_saved
from mlsd.runs.store import RunStore
from mlsd.runs.tracing import CallRecorder

FREQUENCIES = {f.value for f in Frequency}
# A document copied from elsewhere has no record: its own first sections describe the product.
NO_DESCRIPTION = "Not stored with this document: its Interview Overview and Problem Definition describe it."


@dataclass
class ReviseRequest:
    """Which document, which sections, the user's note, and how."""

    path: Path
    sections: list[int]
    note: str
    home: Path
    max_revisions: int = 1  # extra rounds for sections the critic still flags after the first
    backup: bool = True  # keep the old file as DOC.md.bak
    provider: str = "openai"
    log_prompts: bool = True
    checker: Callable | None = None  # deterministic checks; None means evals.checks.check_document
    now: datetime = field(default_factory=utc_now)


@dataclass
class ReviseOutcome:
    """What a revision did and cost."""

    run_id: str
    revises: str | None  # the run that wrote the document; None when it is gone
    output_path: Path
    backup_path: Path | None
    usage: list[dict]
    rounds: int
    unresolved: list[int]  # revised sections the critic still flags after the last round

    @property
    def cost_usd(self) -> float | None:
        """The revision's cost (None when a model has no price)."""
        return usage_cost(self.usage)


@dataclass(frozen=True)
class _Inputs:
    """What the writers and the critic need, from the stored run or rebuilt from the document."""

    record: Record
    params: Params
    archetype: Archetype
    plan: InterviewPlan | None  # None: the run is gone, the document stands in for it
    prefix: tuple[str, str]
    source: str | None  # the stored run's id


class _TracedModels:
    """The run's models with the revision's call recorder attached and the node each role plays."""

    NODES = {"writer": "write_section", "critic": "critique"}

    def __init__(self, models: ChatFactory, recorder: CallRecorder):
        self.models, self.recorder = models, recorder
        self.model_names, self.context_length = models.model_names, models.context_length

    def chat(self, role: str, max_tokens: int | None = None):
        model = with_trace_fields(self.models.chat(role, max_tokens), node=self.NODES.get(role, role))
        # Outside a graph no config carries the callbacks, so the model carries the recorder itself.
        return model.model_copy(update={"callbacks": [*(model.callbacks or []), self.recorder]})


def load_revision(path: Path, sections: list[int], note: str) -> tuple[SavedDocument, Params]:
    """Check a revise request before any model starts: one input error naming the field."""
    if not note or not note.strip():
        raise InputError("--note", "must not be empty: say what to fix")
    if not sections:
        raise InputError("--section", "give at least one section number, 1–12")
    for number in sections:
        if not 1 <= number <= 12:
            raise InputError("--section", f"must be between 1 and 12, got {number}")
    if not path.is_file():
        raise InputError("DOCUMENT", f"{'not a file' if path.exists() else 'no such file'}: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("DOCUMENT", f"cannot read {path}: {type(exc).__name__}") from None
    doc = parse_saved(text)
    meta = doc.front_matter
    try:
        params = make_params(meta.get("seniority") or "E7", meta.get("focus"), meta.get("duration") or 60)
    except InputError as exc:  # named after generate's flags; here the value came from the file
        told = str(exc).removeprefix(f"{exc.field}: ")
        raise InputError("DOCUMENT", f"front matter {exc.field.lstrip('-')}: {told}") from None
    return doc, params


async def revise_document(
    req: ReviseRequest,
    models: ChatFactory,
    warn: Callable[[str], None] = lambda _m: None,
    on_start: Callable[[str, str | None], None] | None = None,
) -> ReviseOutcome:
    """Revise the sections, review them, save atomically; a failure writes nothing."""
    doc, params = load_revision(req.path, req.sections, req.note)
    sections = sorted(set(req.sections))
    store = RunStore(req.home / "runs.db")
    inputs = await _inputs(req, store, doc, params, sections, warn)
    run_id = new_run_id(req.now)
    store.create(
        run_id,
        f"{REVISE_STRATEGY}:{run_id}",  # never matched by a generate run looking for its own
        inputs.record.model_dump(mode="json"),
        inputs.params.model_dump(mode="json"),
        REVISE_STRATEGY,
        provider=req.provider,
        prompt_versions=template_versions(),
        revises=inputs.source or doc.front_matter.get("run_id"),
        revised_sections=sections,
    )
    if on_start:
        on_start(run_id, inputs.source)
    api_key = getattr(getattr(models, "config", None), "api_key", None)
    recorder = CallRecorder(store, run_id, log_prompts=req.log_prompts, secrets=[api_key])
    try:
        outcome = await _revise(req, doc, sections, inputs, _TracedModels(models, recorder), run_id)
    except BaseException as exc:
        # A revision is not resumable, so no resume hint; Ctrl-C or SIGTERM is still `interrupted`.
        raised = recorded_end(store, run_id, exc)
        if raised is exc:
            raise
        raise raised from exc
    finally:
        store.close()
        closer = getattr(models, "aclose", None)
        if closer:
            await closer()
    store.finish(run_id, "done", output_path=str(outcome.output_path), totals=totals(outcome.usage))
    return outcome


async def _inputs(
    req: ReviseRequest, store: RunStore, doc: SavedDocument, params: Params, sections: list[int], warn
) -> _Inputs:
    """The stored run's inputs and plan; if the run is gone, rebuilt from the document with a warning."""
    run_id = str(doc.front_matter.get("run_id") or "")
    why = "its front matter has no run_id"
    if run_id:
        why = f"run {run_id} is not in {store.path}"
        try:
            found, record, stored_params, _out_dir = stored_inputs(store, run_id)
        except InputError:
            found = None
        if found == run_id:
            state = await stored_state(req.home, run_id)
            if state.get("plan"):
                plan = InterviewPlan.model_validate(state["plan"])
                prefix = state.get("writer_prefix") or writer_prefix(record, stored_params, plan)
                archetype = briefs.plan_archetype(plan)
                return _Inputs(record, stored_params, archetype, plan, tuple(prefix), run_id)
            why = f"run {run_id} has no stored plan in {req.home / 'checkpoints.db'}"
    warn(f"{why}: revising from the document's own text, without its plan and fact sheet")
    return _document_inputs(doc, params, sections)


def _document_inputs(doc: SavedDocument, params: Params, sections: list[int]) -> _Inputs:
    meta = doc.front_matter
    record, _ = validate_record(
        {
            "company_name": str(meta["company"]),
            "ml_topic": str(meta["topic"]),
            # An unknown frequency only colours the prompt; it is no reason to refuse the revision.
            "interview_frequency": meta.get("frequency")
            if meta.get("frequency") in FREQUENCIES
            else "Medium",
            "product_description": NO_DESCRIPTION,
        }
    )
    chosen = meta.get("archetype")
    archetype_id = chosen if chosen in ARCHETYPE_IDS else infer_archetype(doc.body())[0]
    archetype = load_archetype(archetype_id)
    values = briefs.document_prefix_values(record, params, archetype, doc.others(set(sections)))
    return _Inputs(record, params, archetype, None, rendered_prefix(values), None)


async def _revise(
    req: ReviseRequest,
    doc: SavedDocument,
    sections: list[int],
    inputs: _Inputs,
    models: _TracedModels,
    run_id: str,
) -> ReviseOutcome:
    params = inputs.params
    focus = params.focus_area.value if params.focus_area else None
    budgets = section_budgets(params.duration, params.seniority.value, focus)
    words = {n: b.words for n, b in budgets.items()}
    prose = {n: doc.prose(n) for n in sections}
    fixes = {n: [req.note.strip()] for n in sections}
    usage: list[dict] = []
    notes: list[str] = []
    waivers: list[dict] = []
    round_, report = 0, None
    while fixes:
        round_ += 1
        drafts = await asyncio.gather(
            *(_rewrite(models, inputs, n, round_, f, prose[n], asdict(budgets[n])) for n, f in fixes.items())
        )
        truncated = set()
        for draft, answers_usage, budget_notes in drafts:
            prose[draft.number] = draft.markdown
            usage += answers_usage
            notes += budget_notes
            if draft.truncated:
                truncated.add(draft.number)
        text = doc.spliced(prose)
        body = text[doc.front_matter_end :].lstrip("\n")
        report, flagged, review_usage, review_notes, accepted = await _review(
            req, models, inputs, body, sections, round_, words
        )
        usage += review_usage
        notes += review_notes
        waivers += accepted
        for number in truncated:
            flagged.setdefault(number, []).insert(0, TRUNCATED_FIX)
        if round_ > req.max_revisions:
            fixes = {}
        else:
            # The note stays the goal of every round, ahead of what the review asks.
            reminder = f"Keep the revision's goal, the user's note: {req.note.strip()}"
            fixes = {n: [reminder, *f] for n, f in flagged.items()}
        unresolved = sorted(flagged)
    front_matter = _front_matter(
        doc, req, run_id, inputs, sections, usage, notes, round_, unresolved, report, waivers, models
    )
    backup = _save(req, doc, doc.spliced(prose, front_matter))
    return ReviseOutcome(run_id, inputs.source, req.path, backup, usage, round_, unresolved)


async def _rewrite(
    models: _TracedModels,
    inputs: _Inputs,
    number: int,
    round_: int,
    fixes: list[str],
    previous: str,
    budget: dict,
):
    """One writer call in a revision round: the section's brief, its current prose and the fixes."""
    spec = load_catalogue().section(number)
    if inputs.plan is not None:
        brief = briefs.section_brief(spec, inputs.params, inputs.plan, budget["words"])
    else:
        brief = briefs.document_section_brief(spec, inputs.params, inputs.archetype, budget["words"])
    brief = briefs.revision_brief(brief, previous, fixes)
    prefix = prefix_messages(*inputs.prefix)
    context = models.context_length
    max_tokens, notes = call_budget(
        f"§{number} round {round_}",
        writer_max_tokens(budget, context),
        message_tokens([*prefix, HumanMessage(brief)]),
        context,
    )
    model = with_trace_fields(models.chat("writer", max_tokens), section=number, round=round_)
    draft, answers = await write_section(
        model, prefix, brief, number=number, round_=round_, title=spec.title, target_words=budget["words"]
    )
    name = models.model_names["writer"]
    return draft, [usage_entry("write_section", name, a, number, round_) for a in answers], notes


async def _review(
    req: ReviseRequest,
    models: _TracedModels,
    inputs: _Inputs,
    document: str,
    sections: list[int],
    round_: int,
    words: dict[int, int],
):
    """Checks and the critic on the whole document; only the revised sections' fixes are kept."""
    from mlsd.evals.checks import check_document

    record, params, archetype = inputs.record, inputs.params, inputs.archetype
    checker = req.checker or check_document
    checks = checker(document, check_params(record, params, archetype.id), target_words=words)
    revised = set(sections)
    listed = ", ".join(f"§{n}" for n in sections)
    scope = (
        f"- scope: only {listed} were rewritten (mlsd revise); every other section is already published"
        f" and is context only: return fixes for {listed} alone."
    )
    values = {
        **briefs.common_values(record, params),
        **briefs.archetype_values(archetype),
        "fact_sheet": briefs.fact_sheet(inputs.plan) if inputs.plan else briefs.NO_PLAN_FACTS,
        "check_report": f"{scope}\n{check_report_markdown([c for c in checks if c.section in revised])}",
        "round": str(round_),
        "max_revisions": str(req.max_revisions + 1),
    }
    report, raw, notes = await critic_review(models, values, document, round_)
    flagged = fixes_by_section(report, checks, revised)
    accepted = [w.model_dump(mode="json") for w in accepted_waivers(report, checks) if w.section in revised]
    usage = [usage_entry("critique", models.model_names["critic"], raw, None, round_)]
    return report, flagged, usage, notes, accepted


def _front_matter(
    doc: SavedDocument,
    req: ReviseRequest,
    run_id: str,
    inputs: _Inputs,
    sections: list[int],
    usage: list[dict],
    notes: list[str],
    rounds: int,
    unresolved: list[int],
    report: CriticReport | None,
    waivers: list[dict],
    models: _TracedModels,
) -> dict:
    """The old front matter plus this revision; the open critic issues follow the new verdicts."""
    meta = dict(doc.front_matter)
    entry = {
        "run": run_id,
        "at": stamp(req.now),
        "sections": sections,
        "note": req.note.strip(),
        "source": "run" if inputs.source else "document text (its run was not found)",
        "models": {role: models.model_names[role] for role in ("writer", "critic")},
        "tokens": totals(usage),
        "cost_usd": usage_cost(usage),
        "critic": {
            "rounds": rounds,
            "unresolved_sections": unresolved,
            "summary": report.summary if report else "",
        },
        **({"critic_waivers": waivers} if waivers else {}),
        **({"notes": notes} if notes else {}),
    }
    meta["revised"] = [*(meta.get("revised") or []), entry]
    critic = meta.get("critic")
    if isinstance(critic, dict) and isinstance(critic.get("unresolved_sections"), list):
        kept = [n for n in critic["unresolved_sections"] if n not in sections]
        meta["critic"] = {**critic, "unresolved_sections": sorted({*kept, *unresolved})}
    return meta


def _save(req: ReviseRequest, doc: SavedDocument, text: str) -> Path | None:
    """Keep the old file as .bak (unless told not to), then replace the document atomically."""
    try:
        current = req.path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != doc.text:
        # Someone edited or revised it meanwhile: writing now would silently drop their change.
        raise OutputConflictError(f"output: {req.path} changed while it was being revised; nothing written")
    backup = None
    if req.backup:
        backup = req.path.with_name(req.path.name + ".bak")
        write_atomically(backup, doc.text, overwrite=True)
    write_atomically(req.path, text, overwrite=True)
    return backup
