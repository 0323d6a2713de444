"""Run many documents at once: bounded concurrency, one shared limiter, a cost cap, skip and resume.

Each document goes through ``run_document``, so an interrupted one resumes from its checkpoints
when the same batch runs again, and one that already has its file is skipped. Documents are
started in input order; once the money spent in this batch reaches ``max_cost`` no new document
starts, and those in flight finish (or stop at a checkpoint if they fail).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mlsd.llm.failures import as_mlsd_error
from mlsd.llm.models import ChatFactory
from mlsd.llm.pricing import cost_usd, usage_cost
from mlsd.paths import document_path
from mlsd.records import Params, Record


@dataclass(frozen=True)
class BatchJob:
    """One document of the batch: a record (from input line ``line``) with one set of parameters."""

    number: int
    line: int
    record: Record
    params: Params
    path: Path

    @property
    def label(self) -> str:
        """``Company / topic (E5, 45min)`` for progress lines."""
        return f"{self.record.company_name} / {self.record.ml_topic} ({self.params.label()})"


@dataclass
class JobResult:
    """How one document of the batch ended."""

    job: BatchJob
    status: str = "not started"  # saved, skipped, failed or not started (cost cap)
    run_id: str | None = None
    resumed: bool = False
    tokens: int = 0
    cost: float | None = 0.0
    wall: float = 0.0
    error: str | None = None
    plan_reused_from: str | None = None


@dataclass
class BatchSettings:
    """How the batch runs: where, how many at once, how much it may spend."""

    out_dir: Path
    home: Path
    concurrency: int = 4
    max_cost: float | None = None
    max_revisions: int = 2
    force: bool = False
    writer_concurrency: int | None = None
    provider: str = "openai"
    reuse_plans: bool = True
    checker: Callable | None = None
    archetype: str | None = None  # forced for every document; None: each run's archetype step
    verify: bool = True


class BatchListener(Protocol):
    """What a progress display receives."""

    def started(self, job: BatchJob, run_id: str, resumed: bool) -> None:
        """A document began, or resumed from its checkpoints."""

    def progressed(self, job: BatchJob, node: str, update: dict) -> None:
        """A node of a document finished with this update."""

    def finished(self, result: JobResult) -> None:
        """A document was saved, failed or skipped."""


@dataclass
class CostMeter:
    """Money and tokens spent in this batch, from each answer's reported usage."""

    spent: float = 0.0
    tokens: int = 0
    unpriced_calls: int = 0

    def add(self, usage: list[dict]) -> tuple[int, float]:
        """Count these answers; return their tokens and known cost."""
        tokens, cost = 0, 0.0
        for entry in usage:
            tokens += entry["input_tokens"] + entry["output_tokens"]
            price = cost_usd(
                entry["model"], entry["input_tokens"], entry["output_tokens"], entry["cached_tokens"]
            )
            if price is None:
                self.unpriced_calls += 1
            else:
                cost += price
        self.tokens += tokens
        self.spent += cost
        return tokens, cost


@dataclass
class BatchReport:
    """Every job's result, in batch order, and what the batch spent."""

    results: list[JobResult]
    meter: CostMeter
    capped: bool = False
    wall: float = 0.0
    failed: list[JobResult] = field(default_factory=list)


def plan_jobs(records: list, grid: list[Params], out_dir: Path) -> tuple[list[BatchJob], list[str]]:
    """Records × parameter grid, in input order; the same document twice is listed once."""
    jobs: list[BatchJob] = []
    seen: dict[Path, BatchJob] = {}
    duplicates: list[str] = []
    for item in records:
        for params in grid:
            path = document_path(out_dir, item.record.company_name, item.record.ml_topic, params)
            if path in seen:
                duplicates.append(f"line {item.line}: same document as line {seen[path].line} ({path.name})")
                continue
            job = BatchJob(len(jobs) + 1, item.line, item.record, params, path)
            seen[path] = job
            jobs.append(job)
    return jobs, duplicates


def _usage_totals(usage: list[dict]) -> tuple[int, float | None]:
    tokens = sum(u["input_tokens"] + u["output_tokens"] for u in usage)
    return tokens, usage_cost(usage)


def _one_line(exc: BaseException) -> str:
    error = as_mlsd_error(exc)
    text = str(error) if error is not None else f"internal: {type(exc).__name__}: {exc}"
    return " ".join(text.split())[:400]


class _Batch:
    """The state one ``run_batch`` call shares between its workers."""

    def __init__(self, settings: BatchSettings, make_models: Callable[[], ChatFactory], listener):
        from mlsd.graph.plan_reuse import PlanLibrary
        from mlsd.runs.store import RunStore

        self.settings, self.make_models, self.listener = settings, make_models, listener
        self.meter = CostMeter()
        if settings.reuse_plans:
            RunStore(settings.home / "runs.db")  # its migrations create the shared_plans table
        self.library = PlanLibrary(settings.home / "runs.db") if settings.reuse_plans else None
        self.capped = False

    def over_budget(self) -> bool:
        cap = self.settings.max_cost
        self.capped = self.capped or (cap is not None and self.meter.spent >= cap)
        return self.capped

    async def work(self, queue: deque[BatchJob], results: dict[int, JobResult]) -> None:
        while queue and not self.over_budget():
            job = queue.popleft()
            results[job.number] = result = await self.run_one(job)
            if self.listener:
                self.listener.finished(result)

    async def run_one(self, job: BatchJob) -> JobResult:
        from mlsd.runs.runner import RunRequest, run_document

        s, result = self.settings, JobResult(job)
        began = time.monotonic()

        def on_start(run_id: str, resumed: bool) -> None:
            result.run_id, result.resumed = run_id, resumed
            if self.listener:
                self.listener.started(job, run_id, resumed)

        def progress(node: str, update: dict) -> None:
            tokens, cost = self.meter.add(update.get("usage") or [])
            result.tokens += tokens
            result.cost = (result.cost or 0.0) + cost
            if self.listener:
                self.listener.progressed(job, node, update)

        request = RunRequest(
            record=job.record,
            params=job.params,
            out_dir=s.out_dir,
            home=s.home,
            max_revisions=s.max_revisions,
            force=s.force,
            provider=s.provider,
            writer_concurrency=s.writer_concurrency,
            checker=s.checker,
            plan_library=self.library,
            archetype=s.archetype,
            verify=s.verify,
        )
        try:
            outcome = await run_document(request, self.make_models(), progress, on_start)
        except Exception as exc:  # one document failing must not stop the others
            result.status, result.error = "failed", _one_line(exc)
        else:
            result.status = "saved"
            result.tokens, result.cost = _usage_totals(outcome.state.get("usage", []))
            result.plan_reused_from = outcome.state.get("plan_reused_from")
        result.wall = time.monotonic() - began
        return result


async def run_batch(
    jobs: list[BatchJob],
    make_models: Callable[[], ChatFactory],
    settings: BatchSettings,
    listener: BatchListener | None = None,
) -> BatchReport:
    """Run the jobs; never raises for a failed document (its result says why)."""
    began = time.monotonic()
    batch = _Batch(settings, make_models, listener)
    results: dict[int, JobResult] = {}
    queue: deque[BatchJob] = deque()
    for job in jobs:
        if job.path.exists() and not settings.force:
            results[job.number] = JobResult(job, status="skipped")
            if listener:
                listener.finished(results[job.number])
        else:
            queue.append(job)
    workers = [batch.work(queue, results) for _ in range(max(1, min(settings.concurrency, len(queue))))]
    await asyncio.gather(*workers)
    ordered = [results.get(job.number) or JobResult(job) for job in jobs]
    failed = [r for r in ordered if r.status == "failed"]
    # Jobs still queued were never started because the cost cap was reached.
    return BatchReport(ordered, batch.meter, bool(queue), time.monotonic() - began, failed)
