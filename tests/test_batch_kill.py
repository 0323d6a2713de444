"""SIGKILL a batch mid-way, rerun the same command: finished documents skipped, the rest resumed."""

import json
import os
import signal
import time
from collections import Counter

import pytest
from helpers.crash import start, wait_for
from test_batch import TOPICS, batch_agents, request_key

# Slow tier (pyproject markers): SIGKILL mid-batch.
pytestmark = pytest.mark.slow

KEY = "sk-batchkill-SECRET-7"


def topic_of(request) -> str:
    text = json.dumps(request.messages)
    for line in TOPICS.read_text().splitlines():
        if json.loads(line)["ml_topic"] in text:
            return json.loads(line)["ml_topic"]
    raise AssertionError("request names no known topic")


def test_sigkill_mid_batch_then_rerun_skips_and_resumes(stub, tmp_path):
    records = tmp_path / "four.jsonl"
    records.write_text("".join(TOPICS.read_text().splitlines(keepends=True)[:4]))
    first_topic = json.loads(TOPICS.read_text().splitlines()[0])["ml_topic"]
    hang = {"on": True}
    inner = batch_agents()

    def responder(request):
        reply = inner(request)
        writer = request.schema_name is None
        if hang["on"] and writer and "# Section brief: 5." in request.last_user_text:
            if topic_of(request) != first_topic:
                reply.delay = 120.0  # stays in flight until the process is killed
        return reply

    server = stub(responder)
    env = os.environ | {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": KEY,
        "MLSD_HOME": str(tmp_path / "home"),
    }
    out = tmp_path / "content"
    args = ["batch", str(records), "--out-dir", str(out), "--max-revisions", "0", "--concurrency", "2"]
    first = start(args, env)

    def writers_done(topic):
        return sum(
            1 for r in server.requests if r.schema_name is None and r.finished and topic_of(r) == topic
        )

    topics = [json.loads(line)["ml_topic"] for line in records.read_text().splitlines()]
    try:
        wait_for(lambda: len(list(out.rglob("*.md"))) == 1, first, timeout=90.0)
        wait_for(lambda: writers_done(topics[1]) >= 11 and writers_done(topics[2]) >= 11, first, timeout=90.0)
        time.sleep(1.0)  # let the last finished branches' checkpoints land
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    finished_before = Counter(request_key(r) for r in server.requests if r.finished)
    assert not any(topic_of(r) == topics[3] for r in server.requests)  # the fourth never started

    hang["on"] = False
    seen = len(server.requests)
    second = start(args, env)
    stdout, stderr = second.communicate(timeout=180)
    assert second.returncode == 0, stderr
    assert len(list(out.rglob("*.md"))) == 4
    assert "skipped" in stderr and stderr.count("resuming") == 2
    again = server.requests[seen:]
    by_topic = Counter(topic_of(r) for r in again)
    assert by_topic[topics[0]] == 0  # saved before the kill: skipped, no call
    for topic in topics[1:3]:  # resumed: only the hung section 5, the round's verifiers and the critic
        calls = [r for r in again if topic_of(r) == topic]
        assert sorted(str(r.schema_name) for r in calls) == ["CriticReport", "None", *["Verification"] * 12]
        assert "# Section brief: 5." in next(r for r in calls if r.schema_name is None).last_user_text
    assert by_topic[topics[3]] == 28  # archetype, plan, plan verifier, 12 writers, 12 verifiers, critic
    repeated = [k for k in (request_key(r) for r in again) if finished_before[k]]
    assert repeated == []
