"""Deterministic rubric checks (RUBRIC.md, the (D) items): pure functions over markdown.

Every check returns a CheckResult whose `fix` tells a writer what to change; the critic uses
them to choose sections to rewrite and `mlsd eval` reports them. Thresholds live in
evals/thresholds.py and word lists in evals/lexicon.py.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mlsd.evals import lexicon as lx
from mlsd.evals import markdown as md
from mlsd.evals import thresholds as th
from mlsd.prompts import load_catalogue

# The canonical titles come from the catalogue, the one place the twelve sections are defined.
SECTION_TITLES: tuple[str, ...] = tuple(spec.title for spec in load_catalogue().sections)
GATES = ("G1_headings", "G4_placeholders", "G5_no_deployment", "S1_time_table")


@dataclass(frozen=True)
class CheckParams:
    """What the checks need to know about the document being checked."""

    seniority: str = "E7"
    duration: int = 60
    focus_area: str | None = None
    company_name: str | None = None
    focus_keywords: tuple[str, ...] | None = None
    current_year: int = th.CURRENT_YEAR


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one deterministic check, with a fix for the writer when it failed."""

    id: str
    section: int
    passed: bool
    measured: float | int | str
    threshold: float | int | str
    fix: str
    gate: bool = False


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
    return [(index, number) for index, level, text in md.headings(body)
            if level == 2 and (number := _section_number(text)) is not None]


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


def _result(cid: str, section: int, passed: bool, measured: float | int | str,
            threshold: float | int | str, fix: str, gate: bool = False) -> CheckResult:
    return CheckResult(cid, section, passed, measured, threshold, "" if passed else fix, gate)


def _at_least(cid: str, section: int, have: int, need: int, fix: str) -> CheckResult:
    """Pass when have >= need; the fix gets "(have X, need Y)" appended."""
    return _result(cid, section, have >= need, have, need, f"{fix} (have {have}, need {need}).")


def _more(what: str, have: int, need: int) -> str:
    return f"Add at least {max(need - have, 1)} more {what}"


def _mentions(cid: str, section: int, text: str, terms: tuple[str, ...], fix: str) -> CheckResult:
    found = md.matched_terms(text, terms)
    return _result(cid, section, bool(found), len(found), 1, fix)


def _concepts(cid: str, section: int, text: str, lexicon: lx.Lexicon, need: int,
              what: str) -> CheckResult:
    found = md.matched_concepts(text, lexicon)
    missing = ", ".join([name for name in lexicon if name not in found][:4])
    fix = f"{_more(what, len(found), need)}, e.g. {missing}"
    return _at_least(cid, section, len(found), need, fix)


def _figures(text: str, units: Iterable[str], labels: str | None = None) -> int:
    units = frozenset(units)
    spots = {(q.line, q.column) for q in md.quantities(text) if q.units & units}
    return len(spots | (md.labelled_numbers(text, labels) if labels else set()))


_MS = ("ms", "msec", "millisecond", "milliseconds")


def _lines(text: str, predicate: Callable[[str], bool]) -> int:
    return sum(1 for line in text.splitlines() if predicate(line.replace("**", "")))


# ---------------------------------------------------------------- global checks


def _clean_checks(text: str, section: int) -> list[CheckResult]:
    """G4 and G5 on any text; both are gates."""
    holes, ops = md.placeholders(text), md.ops_markers(text)
    return [
        _result("G4_placeholders", section, not holes, ", ".join(holes) or 0, 0,
                f"Replace every placeholder ({', '.join(holes)}) with real content.", gate=True),
        _result("G5_no_deployment", section, not ops, ", ".join(ops) or 0, 0,
                f"Remove deployment/ops detail ({', '.join(ops)}); describe the component's "
                "role and trade-offs in prose instead of commands, configs or instance types.",
                gate=True),
    ]


def _heading_checks(body: str) -> list[CheckResult]:
    order = _canonical_heading_order(body)
    missing = [f"## {n}. {SECTION_TITLES[n - 1]}" for n in range(1, 13) if n not in order]
    in_order = order == sorted(set(order))
    return [
        _result("G1_headings", 0, not missing, 12 - len(missing), 12,
                f"Add or correct these headings exactly: {'; '.join(missing)}.", gate=True),
        _result("G2_order", 0, in_order, ",".join(map(str, order)), "1..12 ascending",
                "Reorder the sections so their headings run ## 1. to ## 12. once each."),
    ]


def _length_checks(body: str, params: CheckParams, limits: th.Thresholds) -> list[CheckResult]:
    words = md.word_count(body)
    with_units = sum(1 for q in md.quantities(body) if q.units)
    density = round(with_units * 1000 / words, 2) if words else 0.0
    return [
        _at_least("G3_min_words", 0, words, limits.min_document_words,
                  f"Expand the thinnest sections for a {params.duration}-minute interview"),
        _result("G6_number_density", 0, density >= limits.number_density, density,
                limits.number_density,
                f"Add concrete numbers with units (ms, QPS, DAU, GB, %) — {with_units} in "
                f"{words} words is {density}/1,000, need {limits.number_density}/1,000."),
    ]


def _section_size(number: int, body: str, target: int | None) -> list[CheckResult]:
    words = md.word_count(body)
    results = [_at_least("G7_section_words", number, words, th.MIN_SECTION_WORDS,
                         f"Expand this section with specific content to {th.MIN_SECTION_WORDS}"
                         " words or more")]
    if target:
        low, high = th.budget_bounds(target)
        verb = "Cut" if words > high else "Expand"
        results.append(_result("G8_length_budget", number, low <= words <= high, words,
                               f"{low}-{high}", f"{verb} this section to about {target} words "
                               f"(have {words}, allowed {low}-{high})."))
    return results


# ---------------------------------------------------------------- per-section checks

def _s1_overview(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    phases = md.minutes_table(body)
    total = sum(minutes for _, minutes in phases)
    clarify = sum(m for name, m in phases if re.search(r"clarif|scop|requirement", name, re.I))
    share = round(clarify / p.duration, 2)
    table_fix = (f"Make the time-plan phase minutes sum to exactly {p.duration} (they sum to "
                 f"{total}); change phase rows, not the total row." if phases else
                 "Add a time-plan table with a Minutes column (| Phase | Minutes | Focus |) "
                 f"whose phase rows sum to {p.duration}.")
    stated = {"level": re.search(rf"\b{p.seniority}\b", body),
              "duration": re.search(rf"\b{p.duration}[\s-]?min", body, re.I),
              "company": not p.company_name or p.company_name.lower() in body.lower()}
    missing = [what for what, found in stated.items() if not found]
    return [
        _result("S1_time_table", 1, bool(phases) and total == p.duration, total, p.duration,
                table_fix, gate=True),
        _at_least("S1_phases", 1, len(phases), th.MIN_TIME_TABLE_PHASES,
                  _more("phase rows to the time-plan table", len(phases),
                        th.MIN_TIME_TABLE_PHASES)),
        _result("S1_clarify_share", 1, share <= th.MAX_CLARIFICATION_SHARE, share,
                th.MAX_CLARIFICATION_SHARE,
                f"Cut clarification to at most {int(th.MAX_CLARIFICATION_SHARE * p.duration)} "
                f"minutes (have {clarify}) and give the time to design and deep dives."),
        _result("S1_context_stated", 1, not missing, ", ".join(missing) or "all",
                "level, duration, company",
                f"State the {', '.join(missing)} in the overview, e.g. '{p.seniority}, "
                f"{p.duration}-minute interview at {p.company_name or 'the company'}'."),
    ]


def _s2_problem(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    questions = md.question_lines(body)
    latency = _figures(body, _MS)
    qps = _figures(body, lx.QPS_UNITS, r"qps|rps|requests per second|queries per second")
    scale = _figures(body, lx.SCALE_UNITS, r"dau|mau|daily active users|corpus|catalog|inventory")
    need_q = th.MIN_CLARIFYING_QUESTIONS
    return [
        _at_least("S2_clarifying_questions", 2, questions, need_q,
                  _more("clarifying questions as a numbered list ending in '?'", questions,
                        need_q)),
        _at_least("S2_latency", 2, latency, th.MIN_LATENCY_FIGURES_S2,
                  "State the end-to-end latency SLA in ms, e.g. 'p99 < 200 ms'"),
        _at_least("S2_qps", 2, qps, th.MIN_QPS_FIGURES,
                  "State average and peak load in QPS, e.g. '~1.2M QPS at peak'"),
        _at_least("S2_scale", 2, scale, th.MIN_SCALE_FIGURES,
                  _more("scale figures (DAU, corpus size, items per day)", scale,
                        th.MIN_SCALE_FIGURES)),
        _at_least("S2_back_of_envelope", 2, _lines(body, md.envelope_line), 1,
                  "Add a back-of-envelope line with = or ≈, e.g. "
                  "'2B DAU × 10 sessions / 86,400 s ≈ 230k QPS'"),
        _mentions("S2_task_category", 2, body, lx.TASK_CATEGORIES,
                  "Name the ML task category (pointwise/pairwise LTR, multi-task "
                  "classification, regression) that the objective becomes."),
        _mentions("S2_ml_objective", 2, body, lx.OBJECTIVE_TERMS,
                  "State the ML objective: what the model predicts, e.g. 'predict "
                  "P(comment | viewer, post) within 24 h'."),
    ]


def _s3_data(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    pairs = {"positive": lx.POSITIVE_LABEL, "negative": lx.NEGATIVE_LABEL}
    labels = [name for name, terms in pairs.items() if md.has_term(body, terms)]
    pairs = {"batch": lx.BATCH_TERMS, "streaming": lx.STREAMING_TERMS}
    fresh = [name for name, terms in pairs.items() if md.has_term(body, terms)]
    return [
        _concepts("S3_feature_groups", 3, body, lx.FEATURE_GROUPS, th.MIN_FEATURE_GROUPS,
                  "named feature groups (user, item, context, cross/affinity features)"),
        _result("S3_labels", 3, len(labels) == 2, "+".join(labels) or "none", "positive+negative",
                "Define both the positive label and the negative label (e.g. 'positive: "
                "comment within 24 h; negative: impression with no engagement')."),
        _mentions("S3_imbalance", 3, body, lx.IMBALANCE_TERMS,
                  "Say how class imbalance is handled (negative downsampling with "
                  "recalibration, focal loss or class weights)."),
        _mentions("S3_leakage", 3, body, lx.LEAKAGE_TERMS,
                  "Address leakage: point-in-time feature joins and a time-based train/test "
                  "split."),
        _result("S3_freshness", 3, len(fresh) == 2, "+".join(fresh) or "none", "batch+streaming",
                "Say which features are computed in daily batch and which are streaming / "
                "real-time, with their freshness."),
    ]


def _s4_model(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    stages = md.funnel_stages(body)
    tradeoff = any(md.has_term(" ".join(t.header), lx.TRADEOFF_TABLE_HEADERS)
                   for t in md.tables(body))
    return [
        _concepts("S4_architectures", 4, body, lx.ARCHITECTURES, limits.min_architectures,
                  "named architectures, each justified by a constraint"),
        _at_least("S4_funnel", 4, stages, th.MIN_FUNNEL_STAGES,
                  "Write the funnel on one line with counts per stage, e.g. "
                  "'10B posts → 2,000 candidates → 500 → 50 shown'"),
        _mentions("S4_baseline", 4, body, lx.BASELINE_TERMS,
                  "State the baseline model first (e.g. a logistic-regression or GBDT ranker)."),
        _at_least("S4_loss_formula", 4, _lines(body, md.loss_line), 1,
                  "Write the training loss as a formula, e.g. 'L = Σ_k w_k · BCE(y_k, p_k)'"),
        _result("S4_tradeoff_table", 4, tradeoff, int(tradeoff), 1,
                "Add a trade-off table comparing the candidate models, with columns such as "
                "| Model | Pros | Cons | Latency |."),
    ]


def _s5_evaluation(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    formulas = _lines(body, md.formula_line)
    return [
        _at_least("S5_metric_formulas", 5, formulas, th.MIN_METRIC_FORMULAS,
                  _more("metric formulas, e.g. 'NE = logloss / H(p̄)' or "
                        "'NDCG@k = DCG@k / IDCG@k'", formulas, th.MIN_METRIC_FORMULAS)),
        _concepts("S5_offline_metrics", 5, body, lx.OFFLINE_METRICS, th.MIN_OFFLINE_METRICS,
                  "offline metrics"),
        _concepts("S5_online_metrics", 5, body, lx.ONLINE_METRICS, th.MIN_ONLINE_METRICS,
                  "online metrics"),
        _mentions("S5_guardrail", 5, body, lx.GUARDRAIL_TERMS,
                  "Name at least one guardrail or counter-metric (e.g. hides/reports, "
                  "latency, creator-side metrics) that must not regress."),
        _concepts("S5_ab_design", 5, body, lx.AB_TERMS, th.MIN_AB_TERMS,
                  "A/B design terms (α, power, MDE, sample size, ramp, holdout)"),
    ]


def _s6_serving(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    latency = _figures(body, _MS)
    return [
        _at_least("S6_latency_budget", 6, latency, th.MIN_LATENCY_FIGURES_S6,
                  "Give a per-stage latency budget in ms (retrieval, feature hydration, "
                  "ranking)"),
        _concepts("S6_optimisations", 6, body, lx.OPTIMISATIONS, th.MIN_OPTIMISATIONS,
                  "inference optimisations with their effect"),
    ]


def _s7_architecture(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    mermaid = "mermaid" in md.fence_languages(body)
    arrows = md.arrow_count(body)
    return [
        _result("S7_mermaid", 7, mermaid or arrows >= th.MIN_ARROWS,
                "mermaid" if mermaid else arrows, f"mermaid or {th.MIN_ARROWS} arrows",
                "Add a ```mermaid flowchart of the request path and the training-data path."),
        _concepts("S7_components", 7, body, lx.COMPONENTS, th.MIN_COMPONENTS,
                  "named online/offline components"),
    ]


def _s8_monitoring(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    alerts = _lines(body, md.alert_line)
    return [
        _concepts("S8_signals", 8, body, lx.MONITORING_SIGNALS, th.MIN_MONITORING_SIGNALS,
                  "monitoring signals"),
        _at_least("S8_alert_thresholds", 8, alerts, th.MIN_ALERT_THRESHOLDS,
                  _more("numeric alert thresholds, e.g. 'PSI > 0.2 on a top-50 feature "
                        "pages on-call'", alerts, th.MIN_ALERT_THRESHOLDS)),
    ]


def _s9_scale(body: str, p: CheckParams, limits: th.Thresholds, _: str) -> list[CheckResult]:
    return [
        _at_least("S9_capacity_math", 9, _lines(body, md.capacity_line), 1,
                  "Add capacity arithmetic with units, e.g. '2B users × 256 dims × 2 bytes "
                  "≈ 1 TB of user embeddings'"),
        _mentions("S9_training_scale", 9, body, lx.TRAINING_SCALE_TERMS,
                  "Name the training-scale strategy: sharded embedding tables, data or model "
                  "parallelism."),
        _at_least("S9_peak_load", 9, _lines(body, _peak_line), 1,
                  "Size the system for peak load, e.g. 'peak ≈ 3 × average ≈ 900k QPS'"),
    ]


def _peak_line(line: str) -> bool:
    return bool(re.search(r"\bpeak", line, re.I)) and bool(md.numbers(line))


def _focus_keywords(params: CheckParams) -> tuple[str, ...]:
    if params.focus_keywords is not None or not params.focus_area:
        return params.focus_keywords or ()
    from mlsd.prompts import load_catalogue  # Loaded lazily: only focus runs need the catalogue.

    return load_catalogue().focus_areas[params.focus_area].keywords


def _s10_topics(body: str, p: CheckParams, limits: th.Thresholds, context: str
                ) -> list[CheckResult]:
    years = [year for _, year in md.citations(context) if 1950 <= year <= p.current_year]
    recent = sum(1 for year in years if year >= p.current_year - th.RECENT_CITATION_YEARS)
    results = [
        _concepts("S10_advanced_topics", 10, body, lx.ADVANCED_TOPICS,
                  limits.min_advanced_topics, "advanced topics, each tied to this product"),
        _at_least("S10_citations", 10, len(years), limits.min_citations,
                  _more("papers or systems cited with a year, e.g. '(Naumov et al., 2019)'",
                        len(years), limits.min_citations)),
    ]
    if limits.min_recent_citations:
        results.append(_at_least(
            "S10_recent_citations", 10, recent, limits.min_recent_citations,
            _more(f"citations from {p.current_year - th.RECENT_CITATION_YEARS} or later", recent,
                  limits.min_recent_citations)))
    keywords = _focus_keywords(p)
    if keywords:
        found = md.matched_terms(context, keywords)
        need = min(th.MIN_FOCUS_KEYWORDS, len(keywords))
        unused = ", ".join(k for k in keywords if k not in found)
        results.append(_at_least("S10_focus_keywords", 10, len(found), need,
                                 f"{_more('focus-area concepts', len(found), need)} "
                                 f"in depth, from: {unused}"))
    return results


def _s11_deep_dives(body: str, p: CheckParams, limits: th.Thresholds, _: str
                    ) -> list[CheckResult]:
    dives = md.blocks(body)
    bare = [d.splitlines()[0].strip("#* ")[:60] for d in dives
            if not md.has_term(d, lx.TRADEOFF_TERMS)]
    with_tradeoff = len(dives) - len(bare)
    return [
        _at_least("S11_deep_dives", 11, len(dives), limits.min_deep_dives,
                  _more("deep dives, each under its own ### heading", len(dives),
                        limits.min_deep_dives)),
        _result("S11_tradeoffs", 11, bool(dives) and not bare, f"{with_tradeoff}/{len(dives)}",
                "all", f"State an explicit trade-off (X vs Y, pros/cons) in: {'; '.join(bare)}."),
    ]


def _s12_questions(body: str, p: CheckParams, limits: th.Thresholds, _: str
                   ) -> list[CheckResult]:
    questions = md.question_segments(body)
    answers = [a for a in map(_answer_text, questions) if a is not None]
    answered = len(answers)
    share = round(answered / len(questions), 2) if questions else 0.0
    depth = int(statistics.median(md.word_count(a) for a in answers)) if answers else 0
    return [
        _at_least("S12_questions", 12, len(questions), limits.min_questions,
                  _more("interview questions as numbered items or ### headings ending in '?'",
                        len(questions), limits.min_questions)),
        _result("S12_answers", 12, share >= th.MIN_ANSWER_SHARE, share, th.MIN_ANSWER_SHARE,
                f"Follow each question with an '**Expected answer:**' line ({answered} of "
                f"{len(questions)} have one; need {th.MIN_ANSWER_SHARE:.0%})."),
        _at_least("S12_answer_depth", 12, depth, th.MIN_ANSWER_WORDS,
                  "Make each expected answer a usable model answer (mechanism, numbers, "
                  "trade-off), not a phrase; median words per answer"),
    ]


def _answer_text(question: str) -> str | None:
    """The text after a question's expected-answer marker, or None when it has none."""
    for term in lx.ANSWER_MARKERS:
        match = md.term_pattern(term).search(question)
        if match:
            return question[match.end():]
    return None


Rule = Callable[[str, CheckParams, th.Thresholds, str], list[CheckResult]]
SECTION_RULES: dict[int, Rule] = {
    1: _s1_overview, 2: _s2_problem, 3: _s3_data, 4: _s4_model, 5: _s5_evaluation,
    6: _s6_serving, 7: _s7_architecture, 8: _s8_monitoring, 9: _s9_scale, 10: _s10_topics,
    11: _s11_deep_dives, 12: _s12_questions,
}


def check_section(number: int, body: str, params: CheckParams,
                  target_words: int | None = None) -> list[CheckResult]:
    """Run every per-section check on one section body (citations and focus: this body only)."""
    return _check_section(number, body, params, target_words, context=body)


def _check_section(number: int, body: str, params: CheckParams, target: int | None,
                   context: str) -> list[CheckResult]:
    limits = th.thresholds_for(params.seniority, params.duration, params.focus_area)
    results = _section_size(number, body, target) + _clean_checks(body, number)
    rule = SECTION_RULES.get(number)
    results += rule(body, params, limits, context) if rule else []
    return results + _focus_depth(number, body, params)


def focus_sections(focus_area: str | None) -> tuple[int, ...]:
    """The sections a focus area deepens (weighted ×1.5 in scores), from the catalogue."""
    if not focus_area:
        return ()
    from mlsd.prompts import load_catalogue  # Loaded lazily: only focus runs need the catalogue.

    return tuple(load_catalogue().focus_areas[focus_area].sections)


def _focus_depth(number: int, body: str, params: CheckParams) -> list[CheckResult]:
    """A focus section must use the focus vocabulary itself, not only somewhere in the document."""
    keywords = _focus_keywords(params)
    if not keywords or number not in focus_sections(params.focus_area):
        return []
    found = md.matched_terms(body, keywords)
    need = min(th.MIN_FOCUS_SECTION_KEYWORDS, len(keywords))
    unused = ", ".join(k for k in keywords if k not in found)
    return [_at_least("F_focus_depth", number, len(found), need,
                      f"{_more(f'{params.focus_area} concepts', len(found), need)} in this "
                      f"focus section, from: {unused}")]


def check_document(markdown: str, params: CheckParams,
                   target_words: dict[int, int] | None = None) -> list[CheckResult]:
    """Run the global checks and every present section's checks on a whole document."""
    limits = th.thresholds_for(params.seniority, params.duration, params.focus_area)
    _, body = md.split_front_matter(markdown)
    results = _heading_checks(body) + _length_checks(body, params, limits)
    results += _clean_checks(markdown, 0)
    for number, section in sorted(split_sections(markdown).items()):
        target = (target_words or {}).get(number)
        results += _check_section(number, section, params, target, context=body)
    return results


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Keep the results that did not pass."""
    return [r for r in results if not r.passed]


def gates_failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Keep the failed gates (any of them caps the document at "needs revision")."""
    return [r for r in results if r.gate and not r.passed]


def section_score(results: Iterable[CheckResult], number: int) -> float:
    """Pass rate of one section's checks (0 for document-wide); 0.0 when it has none."""
    mine = [r for r in results if r.section == number]
    return sum(r.passed for r in mine) / len(mine) if mine else 0.0
