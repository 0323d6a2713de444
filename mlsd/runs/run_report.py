"""One run read back from the store and shaped for ``mlsd runs``: summary, sections, breakdowns."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from mlsd.prompts import load_catalogue
from mlsd.runs.store import RunStore

TOKEN_KEYS = ("input_tokens", "output_tokens", "cached_tokens")


@dataclass
class SectionHistory:
    """Every draft of one section, and what the critic said after each."""

    number: int
    title: str
    drafts: list[dict] = field(default_factory=list)  # writer calls, oldest first
    # review round → {"verdict", "fixes", "failed_checks", "waived_checks"} (see review_verdict)
    verdicts: dict[int, dict] = field(default_factory=dict)
    findings: dict[int, list[dict]] = field(default_factory=dict)  # verifier round → its findings


@dataclass
class RunReport:
    """A stored run with its calls, grouped the ways the CLI and the HTML page show them."""

    run: dict
    calls: list[dict]

    @property
    def label(self) -> str:
        """Company / topic, after what a revision revised."""
        return run_label(self.run)

    @property
    def level(self) -> str:
        """Level, duration and focus area, e.g. ``E7 60min``."""
        params = self.run["params"] or {}
        focus = f" {params['focus_area']}" if params.get("focus_area") else ""
        return f"{params.get('seniority', '?')} {params.get('duration', '?')}min{focus}"

    def call(self, seq: int) -> dict:
        """Call number ``seq`` (1-based, in start order)."""
        if not 1 <= seq <= len(self.calls):
            from mlsd.errors import InputError

            raise InputError("--call", f"run {self.run['id']} has calls 1–{len(self.calls)}, not {seq}")
        return self.calls[seq - 1]

    def critic_rounds(self) -> dict[int, dict]:
        """The last critic call of each round (a repair attempt replaces an invalid answer)."""
        rounds: dict[int, dict] = {}
        for call in self.calls:
            if call["role"] == "critic" and call["round"] is not None:
                rounds[call["round"]] = call
        return rounds

    def sections(self) -> list[SectionHistory]:
        """Each section's drafts and verdicts; a verdict of round k judges the newest draft ≤ k."""
        catalogue = load_catalogue()
        histories = {n: SectionHistory(n, catalogue.section(n).title) for n in range(1, 13)}
        for call in self.calls:
            if call["node"] == "write_section" and call["section"] in histories:
                histories[call["section"]].drafts.append(call)
            if call["role"] == "verifier" and call["section"] in histories and call["round"] is not None:
                # The last verifier call of a round wins (a repair replaces an invalid answer).
                histories[call["section"]].findings[call["round"]] = call["verdicts"] or []
        for round_, call in self.critic_rounds().items():
            for verdict in call["verdicts"] or []:
                if verdict.get("number") in histories:
                    histories[verdict["number"]].verdicts[round_] = verdict
        return list(histories.values())

    def breakdown(self, key: str) -> list[dict]:
        """Calls, tokens, cost and latency summed by a call field (node, role or model)."""
        groups: dict[str, dict] = defaultdict(lambda: {"calls": 0, "latency_ms": 0, "cost_usd": None})
        for call in self.calls:
            group = groups[str(call[key])]
            group["calls"] += 1
            group["latency_ms"] += call["latency_ms"]
            for token in TOKEN_KEYS:
                group[token] = group.get(token, 0) + call[token]
            if call["cost_usd"] is not None:
                group["cost_usd"] = (group["cost_usd"] or 0.0) + call["cost_usd"]
        return [{key: name, **values} for name, values in groups.items()]

    def span(self) -> tuple[datetime, float]:
        """The first call's start and the seconds until the last call ended."""
        if not self.calls:
            return datetime.min, 0.0
        start = min(parse_time(c["started_at"]) for c in self.calls)
        end = max(parse_time(c["ended_at"]) for c in self.calls)
        return start, (end - start).total_seconds()

    def as_dict(self) -> dict:
        """Everything stored about the run, for ``mlsd runs export``."""
        return {"run": self.run, "calls": self.calls}


def run_label(run: dict) -> str:
    """``Company / topic``; a run of ``mlsd revise`` starts with ``revise §4 of RUN_ID · ``."""
    record = run.get("record") or {}
    label = f"{record.get('company_name', '?')} / {record.get('ml_topic', '?')}"
    if run.get("revises"):
        sections = ",".join(f"§{n}" for n in run.get("revised_sections") or [])
        label = f"revise {sections} of {run['revises']} · {label}"
    return label


@dataclass(frozen=True)
class ReviewVerdict:
    """One section's review in one round: the deterministic checks' verdict and the critic's."""

    checks: str  # "pass", "FAIL G4_…, S3_…" or "not recorded" (runs traced before checks were)
    critic: str  # "pass", "REVISE" or "no verdict"
    fixes: tuple[str, ...]
    passed: bool  # True only when both passed: a failed check is never shown as a plain pass

    @property
    def line(self) -> str:
        """``checks FAIL S3_labels · critic pass`` for one line of text."""
        return f"checks {self.checks} · critic {self.critic}"


def review_verdict(verdict: dict) -> ReviewVerdict:
    """Both verdicts of one stored review entry (mlsd/runs/tracing.py ``_verdicts``)."""
    critic = {"pass": "pass", "revise": "REVISE", None: "no verdict"}.get(verdict.get("verdict"), "?")
    failed = verdict.get("failed_checks")
    waived = verdict.get("waived_checks") or []
    if failed is None:
        checks = "not recorded"
    else:
        checks = f"FAIL {', '.join(failed)}" if failed else "pass"
        checks += f" (waived by the critic: {', '.join(waived)})" if waived else ""
    passed = critic == "pass" and failed == []
    return ReviewVerdict(checks, critic, tuple(verdict.get("fixes") or ()), passed)


def parse_time(stamp: str) -> datetime:
    """A stored UTC timestamp."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def load_report(store: RunStore, ref: str) -> RunReport:
    """The run named by id, unique prefix or ``latest``, with its calls."""
    run_id = store.get(ref).id
    return RunReport(store.run_info(run_id), store.calls(run_id))


def money(cost: float | None, unpriced: int = 0) -> str:
    """A cost for people: unknown prices show as ``?``, never as $0."""
    if cost is None:
        return "?" if unpriced else "$0"
    return f"${cost:.4f}" + ("+?" if unpriced else "")


def tokens(n: int) -> str:
    """A token count, short."""
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def seconds(ms: int | float | None) -> str:
    """A duration for people."""
    if ms is None:
        return "-"
    return f"{ms / 1000:.1f}s" if ms >= 1000 else f"{int(ms)}ms"
