"""Ctrl-C and SIGTERM mid-run: the run is recorded as interrupted, the exit code says which signal
(130, 143), the resume command is printed, and rerunning finishes the run without repeating calls."""

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from helpers.crash import start, wait_for
from helpers.scripted import section_body
from helpers.stub_agents import agents, brief_number, writer_requests

from mlsd.runs.interrupts import Terminated, sigterm_cancels

# Slow tier (pyproject markers): real SIGTERM and SIGINT.
pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
KEY = "sk-signal-SECRET-77"


def statuses(home: Path) -> list[str]:
    with sqlite3.connect(home / "runs.db") as db:
        return [row[0] for row in db.execute("SELECT status FROM runs ORDER BY started_at")]


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")]
)
def test_a_signal_mid_run_records_interrupted_and_the_rerun_resumes(stub, tmp_path, signum, code, name):
    hang = {"section": 7}
    responder = agents(writer=section_body)
    server = stub(responder)
    answer = responder.__call__

    def slow_seven(request):
        reply = answer(request)
        if request.schema_name is None and brief_number(request) == hang["section"]:
            reply.delay = 120.0  # in flight when the signal comes
        return reply

    server.responder = slow_seven
    home = tmp_path / "home"
    env = os.environ | {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": KEY, "MLSD_HOME": str(home)}
    args = ["generate", str(EXAMPLE), "--out-dir", str(tmp_path / "content"), "--max-revisions", "0"]
    first = start(args, env)
    try:
        wait_for(lambda: sum(1 for r in writer_requests(server) if r.finished) >= 11, first, timeout=60.0)
        time.sleep(1.0)  # the finished branches' checkpoints land
        first.send_signal(signum)
        _out, err = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == code, err
    run_id = err.split("run ", 1)[1].split()[0]
    last = err.strip().splitlines()[-1]
    assert last == f"error: interrupted by {name}; resume with: mlsd generate --resume {run_id}"
    assert statuses(home) == ["interrupted"]
    assert not (tmp_path / "content").exists()

    from typer.testing import CliRunner

    from mlsd.cli import app

    listed = CliRunner(env={"MLSD_HOME": str(home)}).invoke(app, ["runs", "list", "--status", "interrupted"])
    assert listed.exit_code == 0 and run_id in listed.stdout

    hang["section"] = None
    seen = len(server.requests)
    second = start(["generate", "--resume", run_id, "--max-revisions", "0"], env)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert statuses(home) == ["done"]
    again = server.requests[seen:]
    assert [brief_number(r) for r in again if r.schema_name is None] == [7]  # only the unfinished writer
    assert Path(out.strip().splitlines()[-1]).exists()


def test_sigterm_mid_batch_records_each_running_document_interrupted(stub, tmp_path):
    records = tmp_path / "two.jsonl"
    line = EXAMPLE.read_text().replace("\n", " ").strip()
    records.write_text(line + "\n" + line.replace("News Feed", "Reels") + "\n")
    responder = agents(writer=section_body)
    server = stub(responder)
    answer = responder.__call__

    def slow_fives(request):
        reply = answer(request)
        if request.schema_name is None and brief_number(request) == 5:
            reply.delay = 120.0
        return reply

    server.responder = slow_fives
    home = tmp_path / "home"
    env = os.environ | {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": KEY, "MLSD_HOME": str(home)}
    args = ["batch", str(records), "--out-dir", str(tmp_path / "content"), "--max-revisions", "0"]
    first = start(args, env)
    try:
        wait_for(lambda: sum(1 for r in writer_requests(server) if r.finished) >= 22, first, timeout=90.0)
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 143, err
    assert "error: interrupted by SIGTERM; resume with: mlsd batch " in err
    assert statuses(home) == ["interrupted", "interrupted"]


def test_the_previous_sigterm_handler_is_back_after_a_run():
    def mine(_signum, _frame):
        raise AssertionError("not during the run")

    previous = signal.signal(signal.SIGTERM, mine)
    try:

        async def run():
            with sigterm_cancels():
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.sleep(5)

        with pytest.raises(Terminated):
            asyncio.run(run())
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
