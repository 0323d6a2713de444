"""Tracing overhead and runs.db size per document (a measurement, not a test).

    .venv/bin/python benchmarks/bench_tracing.py [--docs 15]

Runs whole documents through the real runner (SQLite checkpoints, the real graph) on instant scripted
fake models, alternating runs with the call recorder and runs where it is replaced by a handler that
ignores every event; the critic sends two sections back once, so each document makes 17 calls.
The deterministic checks are switched off so the ratio isolates the recorder (an upper bound: with
real models each call takes seconds, not microseconds). Writes ``benchmarks/results/tracing.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers.fake_chat import FakeModelFactory, ScriptedChatModel  # noqa: E402
from helpers.scripted import critic_json, plan_json, section_body, section_number  # noqa: E402
from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402

from mlsd.records import Params, validate_record  # noqa: E402
from mlsd.runs import tracing  # noqa: E402
from mlsd.runs.runner import RunRequest, run_document  # noqa: E402

RECORD = json.loads((ROOT / "evals/datasets/examples/meta-news-feed.json").read_text())
# About 600 words, the size of a real section, so stored answers weigh what real ones do.
FILLER = " ".join(["The ranker scores 1,500 candidates in 80 ms at ≈700k peak QPS."] * 55)


class Ignore(BaseCallbackHandler):
    """Stands in for the recorder: receives nothing."""

    ignore_llm = ignore_chat_model = ignore_chain = ignore_agent = ignore_retriever = True


def factory() -> FakeModelFactory:
    """Scripted planner, writers and a critic that sends §4 and §9 back once."""

    def write(messages):
        round_ = 1 if any("<previous_draft>" in m.content for m in messages) else 0
        return section_body(section_number(messages), round_) + "\n\n" + FILLER

    revise = critic_json({4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]})
    models = FakeModelFactory({
        "planner": ScriptedChatModel([plan_json()]),
        "writer": ScriptedChatModel(default=write),
        "critic": ScriptedChatModel([revise], default=lambda _m: critic_json()),
    })  # fmt: skip
    models.context_length = None
    return models


def one_document(home: Path, traced: bool, log_prompts: bool = True) -> float:
    """Seconds for one document, fresh output folder, shared runs.db in ``home``."""
    record, _ = validate_record(RECORD)
    out = Path(tempfile.mkdtemp(dir=home))
    req = RunRequest(record=record, params=Params(), out_dir=out, home=home, max_revisions=1, fresh=True,
                     force=True, checker=lambda *a, **k: [], log_prompts=log_prompts)  # fmt: skip
    real = tracing.CallRecorder
    if not traced:
        tracing.CallRecorder = lambda *a, **k: Ignore()
    try:
        start = time.perf_counter()
        asyncio.run(run_document(req, factory()))
        return time.perf_counter() - start
    finally:
        tracing.CallRecorder = real


def db_bytes(home: Path) -> int:
    """runs.db size after folding the write-ahead log into it."""
    with sqlite3.connect(home / "runs.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in home.glob("runs.db*"))


def main() -> None:
    """Measure and print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=15)
    docs = parser.parse_args().docs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("warm", "on", "off", "text", "notext"):
            (root / name).mkdir()
        one_document(root / "warm", True)  # imports, tokenizer, templates
        on, off = [], []
        for _ in range(docs):
            off.append(one_document(root / "off", False))
            on.append(one_document(root / "on", True))
        empty = db_bytes(root / "off")  # runs rows only, no calls
        for _ in range(docs):
            one_document(root / "text", True, log_prompts=True)
            one_document(root / "notext", True, log_prompts=False)
        calls = sqlite3.connect(root / "on" / "runs.db").execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        result = {
            "documents_per_arm": docs,
            "calls_per_document": calls / docs,
            "median_s_without_store": round(statistics.median(off), 4),
            "median_s_with_store": round(statistics.median(on), 4),
            "overhead_ratio": round(statistics.median(on) / statistics.median(off), 3),
            "runs_db_bytes_per_document": round(db_bytes(root / "text") / docs),
            "runs_db_bytes_per_document_no_log_prompts": round(db_bytes(root / "notext") / docs),
            "runs_db_bytes_per_document_without_calls": round(empty / docs),
        }
    out = ROOT / "benchmarks" / "results" / "tracing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
