"""Deterministic rubric checks (the (D) items of evals/rubric.yaml): pure functions over markdown.

Every check returns a CheckResult whose `fix` tells a writer what to change; the critic uses
them to choose sections to rewrite and `mlsd eval` reports them. Thresholds live in
evals/thresholds.py and word lists in evals/lexicon.py. A check that names a unit, a metric, a
feature group or a pipeline takes its words from the document's archetype; a check that does not
apply to the archetype is skipped (it passes, carries its reason and is left out of the score).
Fix texts ask for better content in the archetype's own terms, never for renaming.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mlsd.evals import lexicon as lx
from mlsd.evals import markdown as md
from mlsd.evals import thresholds as th
from mlsd.evals.arithmetic import count_checked, find_arithmetic_errors
from mlsd.evals.citations import check_citations, count_verified
from mlsd.evals.degenerate import degeneracy
from mlsd.prompts import load_catalogue

# The canonical titles come from the catalogue, the one place the twelve sections are defined.
SECTION_TITLES: tuple[str, ...] = tuple(spec.title for spec in load_catalogue().sections)
GATES = ("G1_headings", "G4_placeholders", "G5_no_deployment", "G11_no_degenerate_text", "S1_time_table")


@dataclass(frozen=True)
class CheckParams:
    """What the checks need to know about the document being checked."""

    seniority: str = "E7"
    duration: int = 60
    focus_area: str | None = None
    company_name: str | None = None
    focus_keywords: tuple[str, ...] | None = None
    current_year: int = th.CURRENT_YEAR
    # The problem archetype (prompts/archetypes/<id>.yaml) whose vocabulary the checks use. The
    # default keeps the feed-ranking vocabulary that every caller got before archetypes existed.
    archetype: str = "ranking"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one deterministic check, with a fix for the writer when it failed.

    A skipped check (the archetype has nothing for it to measure) passes with an empty fix and
    says why in `skip_reason`; scores leave it out and reports list it as skipped.
    """

    id: str
    section: int
    passed: bool
    measured: float | int | str
    threshold: float | int | str
    fix: str
    gate: bool = False
    skip_reason: str = ""

    @property
    def skipped(self) -> bool:
        """Whether the check did not apply to this document's archetype."""
        return bool(self.skip_reason)


# ---------------------------------------------------------------- headings and sections


def _title_key(title: str) -> str:
    title = re.sub(r"\([^)]*\)", " ", title.lower()).replace("&", " and ")
    title = re.sub(r"\badvanced\b", " ", title)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title).split())


_TITLE_KEYS = {_title_key(title): n for n, title in enumerate(SECTION_TITLES, start=1)}
_NUMBERED_HEADING = re.compile(r"^(?:section\s+)?(\d{1,2})(?:[.):](?!\d)|\s)\s*(.*)$", re.I)


def _section_number(heading: str) -> int | None:
    """Which section a "##" heading opens: by title, else by its number, else by a unique part."""
    heading = heading.strip("*_ ")
    match = _NUMBERED_HEADING.match(heading)
    number, title = (int(match.group(1)), match.group(2)) if match else (None, heading)
    key = _title_key(title)
    if key in _TITLE_KEYS:
        return _TITLE_KEYS[key]
    if number is not None and 1 <= number <= len(SECTION_TITLES):
        return number
    partial = [n for full, n in _TITLE_KEYS.items() if len(key) >= 6 and key in full]
    return partial[0] if len(partial) == 1 else None


def _section_starts(body: str) -> list[tuple[int, int]]:
    return [
        (index, number)
        for index, level, text in md.headings(body)
        if level == 2 and (number := _section_number(text)) is not None
    ]


def split_sections(markdown: str) -> dict[int, str]:
    """Section number -> body text without its heading.

    Unrecognised "##" headings stay inside the current section; a repeated section's bodies
    are joined; text before the first section is left out.
    """
    _, body = md.split_front_matter(markdown)
    lines, sections = body.splitlines(), {}
    starts = _section_starts(body)
    ends = [index for index, _ in starts[1:]] + [len(lines)]
    for (start, number), end in zip(starts, ends[: len(starts)], strict=True):
        chunk = "\n".join(lines[start + 1 : end]).strip("\n")
        sections[number] = f"{sections[number]}\n\n{chunk}" if number in sections else chunk
    return sections


def _canonical_heading_order(body: str) -> list[int]:
    """Numbers of the headings written exactly `## N. Title` (a trailing "(…)" is allowed)."""
    found = []
    for _, level, text in md.headings(body):
        text = re.sub(r"\s*\([^)]*\)\s*$", "", " ".join(text.split())).lower()
        for number, title in enumerate(SECTION_TITLES, start=1):
            if level == 2 and text == f"{number}. {title}".lower():
                found.append(number)
    return found


def time_table_minutes(markdown: str) -> list[int]:
    """Minutes of each phase row of the first table with a minutes column (no total row)."""
    return [minutes for _, minutes in md.minutes_table(markdown)]


# ---------------------------------------------------------------- result helpers


def _result(
    cid: str,
    section: int,
    passed: bool,
    measured: float | int | str,
    threshold: float | int | str,
    fix: str,
    gate: bool = False,
) -> CheckResult:
    return CheckResult(cid, section, passed, measured, threshold, "" if passed else fix, gate)


def _skip(cid: str, section: int, reason: str) -> CheckResult:
    return CheckResult(cid, section, True, "skipped", "n/a", "", skip_reason=reason)


def _at_least(cid: str, section: int, have: int, need: int, fix: str) -> CheckResult:
    """Pass when have >= need; the fix gets "(have X, need Y)" appended."""
    return _result(cid, section, have >= need, have, need, f"{fix.rstrip('. ')} (have {have}, need {need}).")


def _fix(v: lx.Vocabulary, cid: str, neutral: str, feed: str | None = None) -> str:
    """The archetype's own fix text for a check, else the feed text (ranking only), else neutral.

    The feed texts are the ones every document got before archetypes existed; they stay for
    ranking so its fixes do not change, and no other archetype ever sees them.
    """
    return v.fixes.get(cid) or (feed if feed and v.archetype == "ranking" else neutral)


def _more(what: str, have: int, need: int) -> str:
    return f"Add at least {max(need - have, 1)} more {what}"


def _mentions(cid: str, section: int, text: str, terms: tuple[str, ...], fix: str) -> CheckResult:
    found = md.matched_terms(text, terms)
    return _result(cid, section, bool(found), len(found), 1, fix)


def _concepts(
    cid: str,
    section: int,
    text: str,
    lexicon: lx.Lexicon,
    need: int,
    what: str,
    v: lx.Vocabulary | None = None,
    fix: str | None = None,
) -> CheckResult:
    """Count distinct concepts; the fix names missing ones that fit the archetype (or is `fix`)."""
    found = md.matched_concepts(text, lexicon)
    fitting = [
        name
        for name in lexicon
        if name not in found
        and (v is None or v.feed_examples or name not in lx.RECSYS_EXAMPLES)
        and (v is None or v.retrieval or name not in lx.RETRIEVAL_EXAMPLES)
    ]
    examples = f", e.g. {', '.join(fitting[:4])}" if fitting else ""
    return _at_least(cid, section, len(found), need, fix or f"{_more(what, len(found), need)}{examples}")


def _figures(text: str, units: Iterable[str], labels: str | None, all_units: frozenset[str]) -> int:
    units = frozenset(units)
    spots = {(q.line, q.column) for q in md.quantities(text, all_units) if q.units & units}
    return len(spots | (md.labelled_numbers(text, labels) if labels else set()))


_MS = ("ms", "msec", "millisecond", "milliseconds")


def _lines(text: str, predicate: Callable[[str], bool]) -> int:
    return sum(1 for line in text.splitlines() if predicate(line.replace("**", "")))


# ---------------------------------------------------------------- global checks


def _clean_checks(text: str, section: int) -> list[CheckResult]:
    """G4 and G5 on any text; both are gates."""
    holes, ops = md.placeholders(text), md.ops_markers(text)
    return [
        _result(
            "G4_placeholders",
            section,
            not holes,
            ", ".join(holes) or 0,
            0,
            f"Replace every placeholder ({', '.join(holes)}) with real content.",
            gate=True,
        ),
        _result(
            "G5_no_deployment",
            section,
            not ops,
            ", ".join(ops) or 0,
            0,
            f"Remove deployment/ops detail ({', '.join(ops)}); describe the component's "
            "role and trade-offs in prose instead of commands, configs or instance types.",
            gate=True,
        ),
    ]


def _degenerate_check(body: str, section: int) -> CheckResult:
    """G11, a gate: a section that loops, copies its prompt or is empty headings is never passable."""
    problems = degeneracy(body).problems
    return _result(
        "G11_no_degenerate_text",
        section,
        not problems,
        "; ".join(problems) or 0,
        0,
        "Rewrite the section once, in full sentences, without repeating lines or copying the "
        f"instructions, and with content under every heading (found: {'; '.join(problems)}).",
        gate=True,
    )


def _heading_checks(body: str) -> list[CheckResult]:
    order = _canonical_heading_order(body)
    missing = [f"## {n}. {SECTION_TITLES[n - 1]}" for n in range(1, 13) if n not in order]
    in_order = order == sorted(set(order))
    return [
        _result(
            "G1_headings",
            0,
            not missing,
            12 - len(missing),
            12,
            f"Add or correct these headings exactly: {'; '.join(missing)}.",
            gate=True,
        ),
        _result(
            "G2_order",
            0,
            in_order,
            ",".join(map(str, order)),
            "1..12 ascending",
            "Reorder the sections so their headings run ## 1. to ## 12. once each.",
        ),
    ]


def _written(markdown: str) -> str:
    """The document body without what code inserts: the §1 time-plan table (fences never count)."""
    _, body = md.split_front_matter(markdown)
    overview = split_sections(markdown).get(1)
    if overview and body.count(overview) == 1:
        return body.replace(overview, md.without_time_plan(overview))
    return body


def _unit_examples(v: lx.Vocabulary) -> str:
    scale = [unit.upper() if unit in lx.ABBREVIATED_UNITS else unit for unit in v.scale_units[:2]]
    return ", ".join(["ms", "%", "GB", v.throughput_unit, *scale])


def _length_checks(
    markdown: str, params: CheckParams, limits: th.Thresholds, v: lx.Vocabulary
) -> list[CheckResult]:
    written = _written(markdown)
    words = md.word_count(written)
    with_units = sum(1 for q in md.quantities(written, v.units) if q.units)
    density = round(with_units * 1000 / words, 2) if words else 0.0
    return [
        _at_least(
            "G3_min_words",
            0,
            words,
            limits.min_document_words,
            f"Expand the thinnest sections for a {params.duration}-minute interview",
        ),
        _result(
            "G6_number_density",
            0,
            density >= limits.number_density,
            density,
            limits.number_density,
            f"Add concrete numbers with units ({_unit_examples(v)}) — {with_units} in "
            f"{words} words is {density}/1,000, need {limits.number_density}/1,000.",
        ),
    ]


def _section_size(number: int, body: str, target: int | None) -> list[CheckResult]:
    # Code inserts the §1 time-plan table and the §7 diagram (a fence): neither counts.
    words = md.word_count(md.without_time_plan(body) if number == 1 else body)
    results = [
        _at_least(
            "G7_section_words",
            number,
            words,
            th.MIN_SECTION_WORDS,
            f"Expand this section with specific content to {th.MIN_SECTION_WORDS} words or more",
        )
    ]
    if target:
        low, high = th.budget_bounds(target)
        if words > high:
            # Cutting must never turn prose into notes (§1 was once cut to telegraphic fragments).
            keep = (
                "; keep full sentences (the time-plan table is not counted and stays)"
                if number == 1
                else " by dropping the least important points; keep full sentences"
            )
            fix = f"Cut this section to about {target} words (have {words}, allowed {low}-{high}){keep}."
        else:
            fix = f"Expand this section to about {target} words (have {words}, allowed {low}-{high})."
        results.append(_result("G8_length_budget", number, low <= words <= high, words, f"{low}-{high}", fix))
    return results


# ---------------------------------------------------------------- per-section checks


def _s1_overview(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    phases = md.minutes_table(body)
    total = sum(minutes for _, minutes in phases)
    clarify = sum(m for name, m in phases if re.search(r"clarif|scop|requirement", name, re.I))
    share = round(clarify / p.duration, 2)
    table_fix = (
        f"Make the time-plan phase minutes sum to exactly {p.duration} (they sum to "
        f"{total}); change phase rows, not the total row."
        if phases
        else "Add a time-plan table with a Minutes column (| Phase | Minutes | Focus |) "
        f"whose phase rows sum to {p.duration}."
    )
    stated = {
        "level": re.search(rf"\b{p.seniority}\b", body),
        "duration": re.search(rf"\b{p.duration}[\s-]?min", body, re.I),
        "company": not p.company_name or p.company_name.lower() in body.lower(),
    }
    missing = [what for what, found in stated.items() if not found]
    return [
        _result(
            "S1_time_table", 1, bool(phases) and total == p.duration, total, p.duration, table_fix, gate=True
        ),
        _at_least(
            "S1_phases",
            1,
            len(phases),
            th.MIN_TIME_TABLE_PHASES,
            _more("phase rows to the time-plan table", len(phases), th.MIN_TIME_TABLE_PHASES),
        ),
        _result(
            "S1_clarify_share",
            1,
            share <= th.MAX_CLARIFICATION_SHARE,
            share,
            th.MAX_CLARIFICATION_SHARE,
            f"Cut clarification to at most {int(th.MAX_CLARIFICATION_SHARE * p.duration)} "
            f"minutes (have {clarify}) and give the time to design and deep dives.",
        ),
        _result(
            "S1_context_stated",
            1,
            not missing,
            ", ".join(missing) or "all",
            "level, duration, company",
            f"State the {', '.join(missing)} in the overview, e.g. '{p.seniority}, "
            f"{p.duration}-minute interview at {p.company_name or 'the company'}'.",
        ),
        _full_sentences(body),
    ]


def _full_sentences(body: str) -> CheckResult:
    """§1's prose (outside tables and headings) reads as full sentences, not notes."""
    blocks = md.prose_blocks(body)
    lengths = [md.sentence_words(s) for block in blocks for s in md.sentences(block)]
    fragments = sum(
        1
        for block in blocks
        if max(map(md.sentence_words, md.sentences(block)), default=0) < th.FULL_SENTENCE_WORDS
    )
    median = statistics.median(lengths) if lengths else 0
    share = fragments / len(blocks) if blocks else 1.0
    passed = median >= th.MIN_MEDIAN_SENTENCE_WORDS and share <= th.MAX_FRAGMENT_LINE_SHARE
    return _result(
        "S1_full_sentences",
        1,
        passed,
        f"median {median:g} words, {fragments}/{len(blocks)} fragments",
        f"median ≥ {th.MIN_MEDIAN_SENTENCE_WORDS}, fragments ≤ 1/3",
        "Write the overview's prose in full sentences: say what is being designed, for whom, what "
        "makes it hard, and what the interviewer evaluates at this level, each as a complete "
        f"sentence rather than a note (median sentence {median:g} words, need "
        f"{th.MIN_MEDIAN_SENTENCE_WORDS}; {fragments} of {len(blocks)} paragraphs or bullets are "
        "fragments).",
    )


def _s2_problem(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    questions = md.question_lines(body)
    latency = _figures(body, _MS, None, v.units)
    load = _figures(body, v.throughput_units, v.throughput_labels, v.units)
    scale = _figures(body, v.scale_units, v.scale_labels, v.units)
    need_q = th.MIN_CLARIFYING_QUESTIONS
    return [
        _at_least(
            "S2_clarifying_questions",
            2,
            questions,
            need_q,
            _more("clarifying questions as a numbered list ending in '?'", questions, need_q),
        ),
        _at_least(
            "S2_latency",
            2,
            latency,
            th.MIN_LATENCY_FIGURES_S2,
            _fix(v, "S2_latency", "State the end-to-end latency SLA in ms, e.g. 'p99 < 200 ms'"),
        ),
        _at_least("S2_qps", 2, load, th.MIN_QPS_FIGURES, v.fixes["S2_qps"]),
        _at_least("S2_scale", 2, scale, th.MIN_SCALE_FIGURES, v.fixes["S2_scale"]),
        _at_least(
            "S2_back_of_envelope", 2, _lines(body, md.envelope_line), 1, v.fixes["S2_back_of_envelope"]
        ),
        _mentions("S2_task_category", 2, body, v.task_categories, v.fixes["S2_task_category"]),
        _mentions(
            "S2_ml_objective",
            2,
            body,
            lx.OBJECTIVE_TERMS,
            _fix(
                v,
                "S2_ml_objective",
                "State the ML objective: the quantity the model predicts, for which entity and over "
                "what time window, and how the product acts on the prediction.",
                "State the ML objective: what the model predicts, e.g. 'predict "
                "P(comment | viewer, post) within 24 h'.",
            ),
        ),
    ]


def _label_form(body: str) -> str:
    """How the labels are defined: both classes, a preference, a target with its censoring, or less."""
    pairs = {"positive": lx.POSITIVE_LABEL, "negative": lx.NEGATIVE_LABEL}
    classes = [name for name, terms in pairs.items() if md.has_term(body, terms)]
    if len(classes) == 2:
        return "positive+negative"
    if md.has_term(body, lx.PREFERENCE_LABEL):
        return "preference"
    if md.has_term(body, lx.TARGET_LABEL) and md.has_term(body, lx.CENSORING_TERMS):
        return "target+censoring"
    return "+".join(classes) or "none"


def _s3_data(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    labels = _label_form(body)
    pairs = {"batch": lx.BATCH_TERMS, "streaming": lx.STREAMING_TERMS}
    fresh = [name for name, terms in pairs.items() if md.has_term(body, terms)]
    return [
        _concepts(
            "S3_feature_groups",
            3,
            body,
            v.feature_groups,
            v.min_feature_groups,
            "feature groups",
            v,
            v.fixes["S3_feature_groups"],
        )
        if v.feature_groups
        else _skip("S3_feature_groups", 3, f"{v.name} has no feature groups to count"),
        _result(
            "S3_labels",
            3,
            labels in ("positive+negative", "preference", "target+censoring"),
            labels,
            "positive+negative, preference or target+censoring",
            _fix(
                v,
                "S3_labels",
                "Define the label: the positive and the negative outcome with the window in "
                "which each is observed, or the regression target and how censored or missing "
                "outcomes are treated.",
                "Define both the positive label and the negative label (e.g. 'positive: "
                "comment within 24 h; negative: impression with no engagement').",
            ),
        ),
        _mentions(
            "S3_imbalance",
            3,
            body,
            lx.IMBALANCE_TERMS,
            v.fixes.get("S3_imbalance")
            or (
                "Say how class imbalance is handled (downsampling with recalibration, focal loss or "
                "class weights)."
            ),
        )
        if v.imbalanced
        else _skip("S3_imbalance", 3, f"{v.name} is not a class-imbalance problem"),
        _mentions(
            "S3_leakage",
            3,
            body,
            lx.LEAKAGE_TERMS,
            "Address leakage: point-in-time feature joins and a time-based train/test split.",
        ),
        _result(
            "S3_freshness",
            3,
            len(fresh) == 2,
            "+".join(fresh) or "none",
            "batch+streaming",
            "Say which features are computed in daily batch and which are streaming / "
            "real-time, with their freshness.",
        ),
    ]


def _s4_model(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    tradeoff = any(md.has_term(" ".join(t.header), lx.TRADEOFF_TABLE_HEADERS) for t in md.tables(body))
    return [
        _concepts(
            "S4_architectures",
            4,
            body,
            v.architectures,
            limits.min_architectures,
            "named architectures, each justified by a constraint",
            v,
        ),
        _at_least("S4_funnel", 4, md.funnel_stages(body), th.MIN_FUNNEL_STAGES, _pipeline_fix(v))
        if v.pipeline
        else _skip("S4_funnel", 4, f"no staged pipeline for {v.name}"),
        _mentions(
            "S4_baseline",
            4,
            body,
            lx.BASELINE_TERMS,
            _fix(
                v,
                "S4_baseline",
                "State the baseline first: the simplest model or existing system the design must beat "
                "(rules, a heuristic, a logistic regression or GBDT) and how well it does.",
                "State the baseline model first (e.g. a logistic-regression or GBDT ranker).",
            ),
        ),
        _at_least(
            "S4_loss_formula",
            4,
            _lines(body, md.loss_line),
            1,
            _fix(
                v,
                "S4_loss_formula",
                "Write the training loss as a formula, e.g. 'L = −(1/N) Σ_i [y_i log p_i + (1 − y_i) "
                "log(1 − p_i)]' for a classifier or 'L_τ = Σ_i max(τ(y_i − ŷ_i), (τ − 1)(y_i − ŷ_i))' "
                "for a quantile regressor",
                "Write the training loss as a formula, e.g. 'L = Σ_k w_k · BCE(y_k, p_k)'",
            ),
        ),
        _result(
            "S4_tradeoff_table",
            4,
            tradeoff,
            int(tradeoff),
            1,
            "Add a trade-off table comparing the models you considered, with columns such as "
            "| Model | Pros | Cons | Latency |.",
        ),
    ]


def _pipeline_fix(v: lx.Vocabulary) -> str:
    """The archetype's pipeline fix, always showing its example chain."""
    own = v.fixes["S4_funnel"]
    if v.pipeline_example in own:
        return own
    return (
        f"Write the {v.pipeline_name} on one line with a count or rate at each stage, "
        f"e.g. '{v.pipeline_example}'"
    )


def _s5_evaluation(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    formulas = _lines(body, lambda line: md.formula_line(line, v.metric_spellings))
    return [
        _at_least(
            "S5_metric_formulas",
            5,
            formulas,
            th.MIN_METRIC_FORMULAS,
            _fix(
                v,
                "S5_metric_formulas",
                _more(
                    "metric formulas written as 'metric = expression', e.g. 'precision = TP / "
                    "(TP + FP)' or 'MAE = Σ_i |y_i − ŷ_i| / N'",
                    formulas,
                    th.MIN_METRIC_FORMULAS,
                ),
                _more(
                    "metric formulas, e.g. 'NE = logloss / H(p̄)' or 'NDCG@k = DCG@k / IDCG@k'",
                    formulas,
                    th.MIN_METRIC_FORMULAS,
                ),
            ),
        ),
        _concepts(
            "S5_offline_metrics",
            5,
            body,
            v.offline_metrics,
            th.MIN_OFFLINE_METRICS,
            "offline metrics",
            v,
            v.fixes["S5_offline_metrics"],
        ),
        _concepts(
            "S5_online_metrics",
            5,
            body,
            v.online_metrics,
            th.MIN_ONLINE_METRICS,
            "online metrics",
            v,
            v.fixes["S5_online_metrics"],
        ),
        _mentions("S5_guardrail", 5, body, v.guardrails, v.fixes["S5_guardrail"]),
        _concepts(
            "S5_ab_design",
            5,
            body,
            lx.AB_TERMS,
            th.MIN_AB_TERMS,
            "A/B design terms (α, power, MDE, sample size, ramp, holdout)",
        ),
    ]


def _s6_serving(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    latency = _figures(body, _MS, None, v.units)
    return [
        _at_least("S6_latency_budget", 6, latency, th.MIN_LATENCY_FIGURES_S6, v.fixes["S6_latency_budget"]),
        _concepts(
            "S6_optimisations",
            6,
            body,
            v.optimisations,
            th.MIN_OPTIMISATIONS,
            "inference optimisations with their effect",
            v,
        ),
    ]


def _s7_architecture(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    mermaid = "mermaid" in md.fence_languages(body)
    arrows = md.arrow_count(body)
    return [
        _result(
            "S7_mermaid",
            7,
            mermaid or arrows >= th.MIN_ARROWS,
            "mermaid" if mermaid else arrows,
            f"mermaid or {th.MIN_ARROWS} arrows",
            "Add a ```mermaid flowchart of the request path and the training-data path.",
        ),
        _concepts(
            "S7_components", 7, body, lx.COMPONENTS, th.MIN_COMPONENTS, "named online/offline components", v
        ),
    ]


def _s8_monitoring(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    alerts = _lines(body, md.alert_line)
    return [
        _concepts(
            "S8_signals",
            8,
            body,
            lx.MONITORING_SIGNALS,
            th.MIN_MONITORING_SIGNALS,
            "monitoring signals",
            lx.vocabulary(p.archetype),
        ),
        _at_least(
            "S8_alert_thresholds",
            8,
            alerts,
            th.MIN_ALERT_THRESHOLDS,
            _more(
                "numeric alert thresholds, e.g. 'PSI > 0.2 on a top-50 feature pages on-call'",
                alerts,
                th.MIN_ALERT_THRESHOLDS,
            ),
        ),
    ]


def _s9_scale(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    v = lx.vocabulary(p.archetype)
    return [
        _at_least(
            "S9_capacity_math",
            9,
            _lines(body, lambda line: md.capacity_line(line, v.units)),
            1,
            v.fixes["S9_capacity_math"],
        ),
        _mentions(
            "S9_training_scale",
            9,
            body,
            lx.TRAINING_SCALE_TERMS,
            _fix(
                v,
                "S9_training_scale",
                "Name the training-scale strategy (data parallelism across GPUs, model sharding, or "
                "models trained per segment in parallel) and why it fits the data volume.",
                "Name the training-scale strategy: sharded embedding tables, data or model parallelism.",
            ),
        ),
        _at_least("S9_peak_load", 9, _lines(body, _peak_line), 1, v.fixes["S9_peak_load"]),
    ]


def _peak_line(line: str) -> bool:
    return bool(re.search(r"\bpeak", line, re.I)) and bool(md.numbers(line))


def _focus_keywords(params: CheckParams) -> tuple[str, ...]:
    if params.focus_keywords is not None or not params.focus_area:
        return params.focus_keywords or ()
    return load_catalogue().focus_areas[params.focus_area].keywords


def _s10_topics(body: str, p: CheckParams, limits: th.Thresholds, context: str) -> list[CheckResult]:
    years = [year for _, year in md.citations(context) if 1950 <= year <= p.current_year]
    recent = sum(1 for year in years if year >= p.current_year - th.RECENT_CITATION_YEARS)
    results = [
        _concepts(
            "S10_advanced_topics",
            10,
            body,
            lx.ADVANCED_TOPICS,
            limits.min_advanced_topics,
            "advanced topics, each tied to this product",
            lx.vocabulary(p.archetype),
        ),
        _at_least(
            "S10_citations",
            10,
            len(years),
            limits.min_citations,
            _more(
                f"papers or systems cited with a year, e.g. '{lx.vocabulary(p.archetype).citation_example}'",
                len(years),
                limits.min_citations,
            ),
        ),
    ]
    if limits.min_recent_citations:
        results.append(
            _at_least(
                "S10_recent_citations",
                10,
                recent,
                limits.min_recent_citations,
                _more(
                    f"citations from {p.current_year - th.RECENT_CITATION_YEARS} or later",
                    recent,
                    limits.min_recent_citations,
                ),
            )
        )
    keywords = _focus_keywords(p)
    if keywords:
        found = md.matched_terms(context, keywords)
        need = min(th.MIN_FOCUS_KEYWORDS, len(keywords))
        unused = ", ".join(k for k in keywords if k not in found)
        results.append(
            _at_least(
                "S10_focus_keywords",
                10,
                len(found),
                need,
                f"{_more('focus-area concepts', len(found), need)} in depth, from: {unused}",
            )
        )
    return results


def _s11_deep_dives(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    dives = md.blocks(body)
    bare = [d.splitlines()[0].strip("#* ")[:60] for d in dives if not md.has_term(d, lx.TRADEOFF_TERMS)]
    with_tradeoff = len(dives) - len(bare)
    return [
        _at_least(
            "S11_deep_dives",
            11,
            len(dives),
            limits.min_deep_dives,
            _more("deep dives, each under its own ### heading", len(dives), limits.min_deep_dives),
        ),
        _result(
            "S11_tradeoffs",
            11,
            bool(dives) and not bare,
            f"{with_tradeoff}/{len(dives)}",
            "all",
            f"State an explicit trade-off (X vs Y, pros/cons) in: {'; '.join(bare)}."
            if bare
            else "Write the deep dives, each stating an explicit trade-off (X vs Y, pros/cons).",
        ),
    ]


def _s12_questions(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    questions = md.question_segments(body)
    answers = [a for a in map(_answer_text, questions) if a is not None]
    answered = len(answers)
    share = round(answered / len(questions), 2) if questions else 0.0
    depth = int(statistics.median(md.word_count(a) for a in answers)) if answers else 0
    return [
        _at_least(
            "S12_questions",
            12,
            len(questions),
            limits.min_questions,
            _more(
                "interview questions as numbered items or ### headings ending in '?'",
                len(questions),
                limits.min_questions,
            ),
        ),
        _result(
            "S12_answers",
            12,
            share >= th.MIN_ANSWER_SHARE,
            share,
            th.MIN_ANSWER_SHARE,
            f"Follow each question with an '**Expected answer:**' line ({answered} of "
            f"{len(questions)} have one; need {th.MIN_ANSWER_SHARE:.0%}).",
        ),
        _at_least(
            "S12_answer_depth",
            12,
            depth,
            th.MIN_ANSWER_WORDS,
            "Make each expected answer a usable model answer (mechanism, numbers, "
            "trade-off), not a phrase; median words per answer",
        ),
    ]


def _answer_text(question: str) -> str | None:
    """The text after a question's expected-answer marker, or None when it has none."""
    for term in lx.ANSWER_MARKERS:
        match = md.term_pattern(term).search(question)
        if match:
            return question[match.end() :]
    return None


Rule = Callable[[str, CheckParams, th.Thresholds, str], list[CheckResult]]
SECTION_RULES: dict[int, Rule] = {
    1: _s1_overview,
    2: _s2_problem,
    3: _s3_data,
    4: _s4_model,
    5: _s5_evaluation,
    6: _s6_serving,
    7: _s7_architecture,
    8: _s8_monitoring,
    9: _s9_scale,
    10: _s10_topics,
    11: _s11_deep_dives,
    12: _s12_questions,
}


def check_section(
    number: int, body: str, params: CheckParams, target_words: int | None = None
) -> list[CheckResult]:
    """Run every per-section check on one section body (citations and focus: this body only).

    An unknown archetype in params is a ValueError.
    """
    return _check_section(number, body, params, target_words, context=body)


def _correctness_checks(body: str, section: int) -> list[CheckResult]:
    """G10 recomputes stated arithmetic; G9 checks known citations' authors and years.

    Both fail only on a definite error (quoted in the fix); what they cannot parse or do not know
    is ignored (G10) or reported as unverified in the measured value (G9), never failed.
    """
    wrong_math = find_arithmetic_errors(body)
    wrong_refs, unverified = check_citations(body)
    math_fix = "; ".join(
        f'"{f.expression}" is wrong: it comes to {f.computed:,.4g}, not {f.stated:,.4g}' for f in wrong_math
    )
    ref_fix = "; ".join(f'"{c.quote}": {c.problem}; correct is {c.expected}' for c in wrong_refs)
    checked, verified = count_checked(body), count_verified(body)
    return [
        _result(
            "G10_arithmetic",
            section,
            not wrong_math,
            f"{len(wrong_math)} wrong of {checked} recomputed",
            0,
            f"Fix the arithmetic and every number that depends on it: {math_fix}.",
        ),
        _result(
            "G9_citation_accuracy",
            section,
            not wrong_refs,
            f"{len(wrong_refs)} wrong of {verified} known; {len(unverified)} unverified",
            0,
            f"Correct the attribution: {ref_fix}.",
        ),
    ]


def _check_section(
    number: int, body: str, params: CheckParams, target: int | None, context: str
) -> list[CheckResult]:
    limits = th.thresholds_for(params.seniority, params.duration, params.focus_area)
    lx.vocabulary(params.archetype)  # An unknown archetype fails here, before any check runs.
    results = _section_size(number, body, target) + _clean_checks(body, number)
    results += [_degenerate_check(body, number)]
    results += _correctness_checks(body, number)
    rule = SECTION_RULES.get(number)
    results += rule(body, params, limits, context) if rule else []
    return results + _focus_depth(number, body, params)


def focus_sections(focus_area: str | None) -> tuple[int, ...]:
    """The sections a focus area deepens (weighted ×1.5 in scores), from the catalogue."""
    if not focus_area:
        return ()
    return tuple(load_catalogue().focus_areas[focus_area].sections)


def _focus_depth(number: int, body: str, params: CheckParams) -> list[CheckResult]:
    """A focus section must use the focus vocabulary itself, not only somewhere in the document."""
    keywords = _focus_keywords(params)
    if not keywords or number not in focus_sections(params.focus_area):
        return []
    found = md.matched_terms(body, keywords)
    need = min(th.MIN_FOCUS_SECTION_KEYWORDS, len(keywords))
    unused = ", ".join(k for k in keywords if k not in found)
    return [
        _at_least(
            "F_focus_depth",
            number,
            len(found),
            need,
            f"{_more(f'{params.focus_area} concepts', len(found), need)} in this "
            f"focus section, from: {unused}",
        )
    ]


def check_document(
    markdown: str, params: CheckParams, target_words: dict[int, int] | None = None
) -> list[CheckResult]:
    """Run the global checks and every present section's checks on a whole document.

    An unknown archetype in params is a ValueError.
    """
    limits = th.thresholds_for(params.seniority, params.duration, params.focus_area)
    v = lx.vocabulary(params.archetype)
    _, body = md.split_front_matter(markdown)
    results = _heading_checks(body) + _length_checks(markdown, params, limits, v)
    results += _clean_checks(markdown, 0)
    for number, section in sorted(split_sections(markdown).items()):
        target = (target_words or {}).get(number)
        results += _check_section(number, section, params, target, context=body)
    return results


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Keep the results that did not pass (a skipped check passes, so it is never here)."""
    return [r for r in results if not r.passed]


def gates_failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Keep the failed gates (any of them caps the document at "needs revision")."""
    return [r for r in results if r.gate and not r.passed]


def skipped(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Keep the checks that did not apply to the document's archetype."""
    return [r for r in results if r.skipped]


def section_score(results: Iterable[CheckResult], number: int) -> float:
    """Pass rate of one section's applicable checks (0 for document-wide); 0.0 when it has none."""
    mine = [r for r in results if r.section == number and not r.skipped]
    return sum(r.passed for r in mine) / len(mine) if mine else 0.0
