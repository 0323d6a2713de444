"""Progress of one run on stderr: a live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from mlsd.prompts import load_catalogue


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
    """Shows the twelve sections as they finish and each critique round."""

    def __init__(self, console: Console, live: bool):
        self.console = console
        self.status = {s.number: "waiting" for s in load_catalogue().sections}
        self.started = time.monotonic()
        self.live = Live(self._table(), console=console, transient=True) if live else None

    def _table(self) -> Table:
        table = Table(title=f"mlsd · {time.monotonic() - self.started:.0f}s")
        table.add_column("§", justify="right")
        table.add_column("Section")
        table.add_column("Status")
        for spec in load_catalogue().sections:
            table.add_row(str(spec.number), spec.title, self.status[spec.number])
        return table

    def _say(self, text: str) -> None:
        if self.live:
            self.live.update(self._table())
        else:
            self.console.print(text, highlight=False)

    def __call__(self, node: str, update: dict) -> None:
        """Receive one node's update from the graph stream."""
        if node == "plan":
            self._say("planned: framing, fact sheet and key points")
        for draft in update.get("drafts", []):
            verb = "drafted" if draft["round"] == 0 else f"revised (round {draft['round']})"
            cut = " [cut off]" if draft["truncated"] else ""
            self.status[draft["number"]] = verb + cut
            self._say(f"§{draft['number']} {verb}{cut}")
        if node == "critique":
            flagged = [f["number"] for f in update.get("flagged", [])]
            for number in flagged:
                self.status[number] += " → flagged"
            listed = ", ".join(f"§{n}" for n in flagged) or "none"
            self._say(f"critique round {update.get('revision_round', 0)}: flagged {listed}")
        if node == "save":
            self._say("saved")
