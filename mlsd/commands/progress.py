"""Progress of one run on stderr: a live table on a terminal, plain lines otherwise.

It shows the phase, a ticking clock, output tokens so far and an ETA from the measured tokens/s,
and per section whether it is waiting, being written, drafted or flagged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live
from rich.table import Table

from mlsd.prompts import load_catalogue

# What a call of each role means for the run as a whole.
PRIOR_SECONDS = 60.0
PHASES = {"planner": "planning", "writer": "writing", "verifier": "verifying", "critic": "reviewing"}


@dataclass(frozen=True)
class Expectation:
    """What the run is expected to produce, for the ETA before and while tokens are measured."""

    output_tokens: int
    # A measured prior for this model on this machine (the embedded model); None: wait for data.
    tokens_per_s: float | None = None


def clock_text(seconds: float) -> str:
    """42s, 3m05s."""
    seconds = max(0, round(seconds))
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"


class LiveDisplay:
    """A context manager around an optional rich ``Live``: plain output when ``live`` is None."""

    live: Live | None = None

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live:
            self.live.__exit__(*exc)


class RunProgress(LiveDisplay):
    """The twelve sections as they are written, each critique round, tokens and an ETA."""

    def __init__(self, console: Console, live: bool, expect: Expectation | None = None, clock=time.monotonic):
        self.console = console
        self.expect = expect
        self.clock = clock
        self.started = clock()
        self.phase = "starting"
        self.output_tokens = 0
        self.section_tokens = {s.number: 0 for s in load_catalogue().sections}
        self.status = {s.number: "waiting" for s in load_catalogue().sections}
        # The rich Live re-renders this object (``__rich__``) twice a second, so the clock ticks.
        self.live = Live(self, console=console, transient=True, refresh_per_second=2) if live else None

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self.clock() - self.started

    def eta_seconds(self) -> float | None:
        """Seconds left at the measured output rate (a prior before the first answer), or None."""
        if self.expect is None:
            return None
        remaining = max(self.expect.output_tokens - self.output_tokens, 0)
        elapsed, prior = self.elapsed(), self.expect.tokens_per_s
        if prior:
            # The prior counts as PRIOR_SECONDS of evidence, so one slow first answer (a plan
            # after a cold prompt) does not swing the ETA tenfold.
            rate = (self.output_tokens + prior * PRIOR_SECONDS) / (elapsed + PRIOR_SECONDS)
        else:
            rate = self.output_tokens / elapsed if self.output_tokens and elapsed > 0 else None
        return remaining / rate if rate else None

    def header(self) -> str:
        """The title line, e.g. ``mlsd · writing · 1m12s · 1,840 tokens · ETA ~1m30s``."""
        eta = self.eta_seconds()
        tail = "" if eta is None else (" · finishing" if eta < 1 else f" · ETA ~{clock_text(eta)}")
        return f"mlsd · {self.phase} · {clock_text(self.elapsed())} · {self.output_tokens:,} tokens{tail}"

    def __rich__(self) -> Table:
        table = Table(title=self.header())
        table.add_column("§", justify="right")
        table.add_column("Section")
        table.add_column("Status")
        table.add_column("Tokens", justify="right")
        for spec in load_catalogue().sections:
            tokens = self.section_tokens[spec.number]
            shown = f"{tokens:,}" if tokens else ""
            table.add_row(str(spec.number), spec.title, self.status[spec.number], shown)
        return table

    def _say(self, text: str) -> None:
        if not self.live:
            self.console.print(f"[{clock_text(self.elapsed()):>6}] {text}", highlight=False, markup=False)

    def call_event(self, kind: str, meta: dict, output_tokens: int) -> None:
        """One model call started or ended (from the run's tracing callback)."""
        role, section = meta.get("mlsd_role"), meta.get("mlsd_section")
        if kind == "start":
            phase = PHASES.get(role, self.phase)
            if meta.get("langgraph_node") == "archetype":
                phase = "choosing the archetype"
            if phase != self.phase:
                self.phase = phase
                self._say(f"{phase}…")
            if role == "writer" and section in self.status:
                round_ = meta.get("mlsd_round") or 0
                self.status[section] = "writing" if not round_ else f"rewriting (round {round_})"
            return
        self.output_tokens += output_tokens
        if section in self.section_tokens and role == "writer":
            self.section_tokens[section] += output_tokens

    def __call__(self, node: str, update: dict) -> None:
        """Receive one node's update from the graph stream."""
        if node == "plan":
            self._say(f"planned: framing, fact sheet and key points · {self.output_tokens:,} tokens")
        for draft in update.get("drafts", []):
            verb = "drafted" if draft["round"] == 0 else f"revised (round {draft['round']})"
            cut = " [cut off]" if draft["truncated"] else ""
            number = draft["number"]
            self.status[number] = verb + cut
            eta = self.eta_seconds()
            tail = "" if eta is None else f" · ETA ~{clock_text(eta)}"
            self._say(f"§{number} {verb}{cut} · {self.output_tokens:,} tokens so far{tail}")
        if node == "critique":
            flagged = [f["number"] for f in update.get("flagged", [])]
            for number in flagged:
                self.status[number] += " → flagged"
            listed = ", ".join(f"§{n}" for n in flagged) or "none"
            self._say(f"critique round {update.get('revision_round', 0)}: flagged {listed}")
        if node == "save":
            self.phase = "saved"
            self._say("saved")
