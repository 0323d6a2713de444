"""Batch progress on stderr: a live panel on a terminal, one plain line per document otherwise."""

from __future__ import annotations

import os
import time

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from mlsd.commands.progress import LiveDisplay


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _money(cost: float | None) -> str:
    return "—" if cost is None else f"${cost:.4f}"


class BatchProgress(LiveDisplay):
    """Counts documents done, failed and skipped, calls in flight, tokens, cost, elapsed and ETA."""

    def __init__(self, console: Console, total: int, live: bool, limiter=None, meter=None):
        self.console, self.total, self.limiter, self.meter = console, total, limiter, meter
        self.counts = {"saved": 0, "failed": 0, "skipped": 0}
        self.running: dict[int, str] = {}
        self.began = time.monotonic()
        self.live = Live(self, console=console, refresh_per_second=4, transient=True) if live else None

    @property
    def finished_count(self) -> int:
        """Documents that need nothing more in this batch."""
        return sum(self.counts.values())

    def eta(self) -> str:
        """Time left at the pace of the documents run so far (skipped ones cost no time)."""
        run = self.counts["saved"] + self.counts["failed"]
        left = self.total - self.finished_count
        if not run or not left:
            return "—" if left else _clock(0)
        return _clock((time.monotonic() - self.began) / run * left)

    def stats(self) -> str:
        """One line of numbers, shared by the live panel and the plain lines."""
        c = self.counts
        parts = [f"{c['saved']} saved", f"{c['failed']} failed", f"{c['skipped']} skipped"]
        if self.limiter is not None:
            parts.append(f"{self.limiter.in_flight} calls in flight, {self.limiter.waiting} waiting")
        if self.meter is not None:
            parts.append(f"{self.meter.tokens:,} tokens, ${self.meter.spent:.4f}")
        parts.append(f"elapsed {_clock(time.monotonic() - self.began)}, ETA {self.eta()}")
        return " · ".join(parts)

    def __rich__(self) -> Group:
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            Text("documents"),
            ProgressBar(total=max(self.total, 1), completed=self.finished_count, width=40),
            Text(f"{self.finished_count}/{self.total}"),
        )
        lines = [bar, Text(self.stats())]
        lines += [Text(f"  ▸ {label}", overflow="ellipsis", no_wrap=True) for label in self.running.values()]
        return Group(*lines)

    def _say(self, text: str) -> None:
        if self.live is None:
            self.console.print(text, markup=False, highlight=False)

    def started(self, job, run_id: str, resumed: bool) -> None:
        """A document began (or resumed)."""
        self.running[job.number] = job.label + (" (resumed)" if resumed else "")
        verb = "resuming" if resumed else "started"
        self._say(f"[{job.number}/{self.total}] {verb} {job.label} run {run_id}")

    def progressed(self, job, node: str, update: dict) -> None:
        """A node of a document finished; the live panel redraws on its own."""

    def finished(self, result) -> None:
        """A document was saved, failed or skipped."""
        self.running.pop(result.job.number, None)
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        job = result.job
        if result.status == "skipped":
            self._say(f"[{job.number}/{self.total}] skipped {job.label}: exists")
            return
        detail = f"{result.tokens:,} tokens · {_money(result.cost)} · {result.wall:.1f}s"
        if result.status == "failed":
            detail += f" · {result.error}"
        self._say(f"[{job.number}/{self.total}] {result.status} {job.label} · {detail} · {self.stats()}")


def _shown_path(path) -> str:
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if shown.startswith("..") else shown


def summary_table(report) -> Table:
    """Path, status, tokens, cost and wall time per document, with a total row."""
    table = Table(title="mlsd batch", show_footer=True)
    table.add_column("#", justify="right")
    table.add_column("document", footer="total")
    table.add_column("status")
    table.add_column("tokens", justify="right", footer=f"{sum(r.tokens for r in report.results):,}")
    costs = [r.cost for r in report.results if r.status != "skipped"]
    total = None if any(c is None for c in costs) else sum(c or 0 for c in costs)
    table.add_column("cost", justify="right", footer=_money(total))
    table.add_column("wall", justify="right", footer=f"{report.wall:.1f}s")
    for r in report.results:
        status = r.status + (" (resumed)" if r.resumed and r.status == "saved" else "")
        table.add_row(
            str(r.job.number),
            _shown_path(r.job.path),
            status,
            f"{r.tokens:,}" if r.status != "skipped" else "",
            _money(r.cost) if r.status not in ("skipped", "not started") else "",
            f"{r.wall:.1f}s" if r.wall else "",
        )
    return table
