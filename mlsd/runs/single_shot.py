"""Run the single-shot baseline like any document: a run id in the store, a lock, an atomic write."""

from __future__ import annotations

from collections.abc import Callable

from mlsd.agents.single_shot import generate_single_shot, output_path
from mlsd.llm.models import ChatFactory
from mlsd.paths import write_atomically
from mlsd.runs.runner import Progress, RunOutcome, RunRequest, recorded_end, resolve_run, run_lock
from mlsd.runs.store import RunStore


async def run_single_shot(
    req: RunRequest,
    models: ChatFactory,
    progress: Progress | None = None,
    on_start: Callable[[str, bool], None] | None = None,
) -> RunOutcome:
    """One call, then the document is written atomically; a failure leaves no file.

    `progress` is accepted so both strategies share a signature; one call has no steps to show.
    """
    store = RunStore(req.home / "runs.db")
    run_id, resumed, req = resolve_run(store, req)
    with run_lock(req.home, run_id):
        if on_start:
            on_start(run_id, resumed)
        try:
            generated = req.now.strftime("%Y-%m-%dT%H:%M:%SZ")
            document, tokens = await generate_single_shot(req.record, req.params, models, run_id, generated)
            path = output_path(req.out_dir, req.record, req.params)
            write_atomically(path, document, overwrite=req.force)
        except BaseException as exc:
            raised = recorded_end(store, run_id, exc)
            if raised is exc:
                raise
            raise raised from exc
        finally:
            closer = getattr(models, "aclose", None)
            if closer:
                await closer()
        store.finish(run_id, "done", output_path=str(path), totals=tokens)
    return RunOutcome(run_id, resumed, str(path), {"output_path": str(path), "document": document})
