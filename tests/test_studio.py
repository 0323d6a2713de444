"""`langgraph dev` loads langgraph.json and runs the same graph against the loopback stub."""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers.stub_agents import agents, writer_requests
from test_stub_e2e import RECORD

ROOT = Path(__file__).resolve().parents[1]
LANGGRAPH = Path(sys.executable).parent / "langgraph"
KEY = "sk-studio-SECRET-9876543210"

# Slow tier (pyproject markers): starts the langgraph dev server.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not LANGGRAPH.exists() or importlib.util.find_spec("langgraph_api") is None,
        reason="langgraph-cli[inmem] is not installed (pip install -e '.[test]')",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, payload: dict | None = None, timeout: float = 10) -> dict:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait_until_up(base: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"langgraph dev exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            call(f"{base}/ok", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"langgraph dev did not answer /ok in {seconds}s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and its reloader/workers: its own process group, by its process id."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def test_langgraph_dev_runs_the_graph_once_against_the_stub(stub, tmp_path):
    server = stub(agents())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY=KEY,
        MLSD_MODEL="gpt-4.1-mini",
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGSMITH_TRACING="false",
        LANGCHAIN_TRACING_V2="false",
    )
    log = tmp_path / "langgraph-dev.log"
    command = [str(LANGGRAPH), "dev", "--config", str(ROOT / "langgraph.json"), "--host", "127.0.0.1"]
    # --allow-blocking: the nodes read prompt files and the tokenizer synchronously (small, cached reads),
    # which the dev server's blocking-call detector would otherwise turn into errors.
    command += ["--port", str(port), "--no-browser", "--no-reload", "--allow-blocking"]
    with log.open("wb") as out:
        # Its own session, so stop() can end the server and any worker it forks, and nothing else.
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc, log)
        thread = call(f"{base}/threads", {})
        payload = {
            "assistant_id": "mlsd",
            "input": {"record": RECORD, "params": {"seniority": "E7", "duration": 60}},
            "context": {"out_dir": str(tmp_path / "content"), "max_revisions": 0},
        }
        state = call(f"{base}/threads/{thread['thread_id']}/runs/wait", payload, timeout=120)
        # The plan review is Studio's human-in-the-loop step: the run stops at the interrupt, and
        # a resume command with the decision continues it.
        review = call(f"{base}/threads", {})
        url = f"{base}/threads/{review['thread_id']}"
        context = {"out_dir": str(tmp_path / "reviewed"), "max_revisions": 0, "review_plan": True}
        paused = call(f"{url}/runs/wait", {**payload, "context": context}, timeout=120)
        waiting = call(f"{url}/state")
        resumed = {"assistant_id": "mlsd", "command": {"resume": {"action": "accept"}}, "context": context}
        reviewed = call(f"{url}/runs/wait", resumed, timeout=120)
    finally:
        stop(proc)
    assert proc.poll() is not None
    assert not paused.get("output_path") and waiting["next"] == ["review_plan"]
    assert waiting["tasks"][0]["interrupts"][0]["value"]["plan"]["facts"][0]["value"] == "2B DAU"
    assert Path(reviewed["output_path"]).is_file()
    assert state.get("output_path"), json.dumps(state)[:2000]
    assert Path(state["output_path"]).is_file()
    assert len(writer_requests(server)) == 24
    assert {r.schema_name for r in server.requests} == {
        "ArchetypeChoice", "InterviewPlan", "PlanVerification", "Verification", "CriticReport", None,
    }  # fmt: skip
    assert KEY not in log.read_text()
