"""SIGKILL mid-fan-out, rerun the same command: it resumes and repeats no finished call."""

import os
import signal
import time
from pathlib import Path

import pytest
from helpers.crash import start, wait_for
from helpers.scripted import section_body
from helpers.stub_agents import agents, brief_number, writer_requests

# Slow tier (pyproject markers): SIGKILL mid-run.
pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
KEY = "sk-kill-SECRET-42"


def test_sigkill_after_eleven_sections_then_rerun_resumes(stub, tmp_path):
    hang = {"section": 7}

    def writer(number):
        return section_body(number)

    responder = agents(writer=writer)
    server = stub(responder)

    original = responder.__call__

    def slow_seven(request):
        reply = original(request)
        if request.schema_name is None and brief_number(request) == hang["section"]:
            reply.delay = 120.0  # stays in flight until the process is killed
        return reply

    server.responder = slow_seven
    env = os.environ | {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": KEY,
        "MLSD_HOME": str(tmp_path / "home"),
    }
    args = ["generate", str(EXAMPLE), "--out-dir", str(tmp_path / "content"), "--max-revisions", "0"]
    first = start(args, env)
    try:
        wait_for(lambda: sum(1 for r in writer_requests(server) if r.finished) >= 11, first, timeout=60.0)
        time.sleep(1.0)  # let the last finished branch's checkpoint write land
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "content").exists()
    finished_before = sorted(brief_number(r) for r in writer_requests(server) if r.finished)
    assert len(finished_before) == 11 and 7 not in finished_before

    hang["section"] = None
    seen = len(server.requests)
    second = start(args, env)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "resuming interrupted run" in err
    again = [r for r in server.requests[seen:]]
    # §7's writer, then the round's twelve verifiers (none ran before the kill), then the critic
    assert [r.schema_name for r in again] == [None, *["Verification"] * 12, "CriticReport"]
    assert brief_number(again[0]) == 7
    assert sum(1 for r in server.requests if r.schema_name == "InterviewPlan") == 1
    saved = Path(out.strip().splitlines()[-1])
    assert saved.exists() and "Body of section 7" in saved.read_text()
