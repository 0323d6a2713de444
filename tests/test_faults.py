"""Faults injected into the loopback stub: what survives, what fails at once, what is resumable."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from helpers.faults import CRITIC, PLANNER, TRANSIENT_FAULTS, WRITER, FaultInjector
from helpers.reliability import EXAMPLE, KEY, leak_scan, record, record_faults  # noqa: F401
from helpers.stub_agents import agents, brief_number
from helpers.stub_server import StubReply
from typer.testing import CliRunner

from mlsd.cli import app

# Slow tier (pyproject markers): injected faults with real client backoff.
pytestmark = [pytest.mark.usefixtures("leak_scan"), pytest.mark.slow]

TIMEOUT = "2"  # seconds per call: a "hang" (3 s) times out, a normal stub answer never does


@pytest.fixture
def generate(stub, monkeypatch, tmp_path):
    """Run ``mlsd generate`` in-process against a stub wrapped in a FaultInjector."""
    runner = CliRunner()
    out = tmp_path / "content"

    def run(injector, *flags):
        if not getattr(injector, "server", None):
            injector.server = stub(injector)
            monkeypatch.setenv("OPENAI_BASE_URL", injector.server.base_url)
            monkeypatch.setenv("OPENAI_API_KEY", KEY)
        args = ["generate", str(EXAMPLE), "--out-dir", str(out), "--timeout", TIMEOUT, *flags]
        result = runner.invoke(app, args)
        assert "Traceback" not in result.output
        return result

    run.out = out
    return run


def saved(result) -> str:
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1]).read_text()


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def documents(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def starts(server, match) -> list[float]:
    return [r.started for r in server.requests if match(r)]


# Each transient kind hits the planner once, section 5's writer twice in a row and the critic once:
# all within the client's three retries, so the document must complete with every section.
@pytest.mark.parametrize("kind", TRANSIENT_FAULTS)
def test_transient_faults_are_retried_with_backoff_and_the_document_completes(generate, kind):
    injector = (
        FaultInjector(agents()).inject(PLANNER, kind).inject(WRITER(5), kind, kind).inject(CRITIC, kind)
    )
    result = generate(injector, "--max-revisions", "0")
    text = saved(result)
    assert injector.injected == [kind] * 4
    for n in range(1, 13):
        assert f"Body of section {n}, round 0" in text
    server = injector.server
    fifth = starts(server, WRITER(5))
    assert len(fifth) == 3 and len(starts(server, PLANNER)) == 2 and len(starts(server, CRITIC)) == 2
    gaps = [b - a for a, b in zip(fifth, fifth[1:], strict=False)]
    # Backoff: the SDK waits 0.5 s less up to 25 % jitter, Retry-After: 1 means a second, and a
    # hang is only noticed at the timeout, so retries are never fired back to back.
    floor = {"429-retry-after": 0.95, "hang": float(TIMEOUT)}.get(kind, 0.35)
    assert min(gaps) >= floor, gaps
    record_faults(injector.injected, survived=True)


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("401", "check OPENAI_API_KEY"),
        ("404", "check --model and --base-url"),
        ("400", "check --model"),
    ],
)
@pytest.mark.parametrize("target", ["planner", "writer"])
def test_client_errors_fail_at_once_with_one_line_saying_what_to_check(generate, kind, hint, target):
    match = PLANNER if target == "planner" else WRITER(3)
    injector = FaultInjector(agents()).always(match, kind)
    result = generate(injector, "--max-revisions", "0")
    assert result.exit_code == 3
    line = error_line(result)
    assert hint in line and "mlsd generate --resume" in line
    assert len([r for r in injector.server.requests if match(r)]) == 1  # never retried
    assert documents(generate.out) == []
    assert KEY not in result.output
    record_faults(injector.injected, survived=True)


@pytest.mark.parametrize("kind", ["invalid-json", "schema", "empty", "length"])
@pytest.mark.parametrize("target", ["planner", "critic"])
def test_invalid_structured_output_is_retried_once_with_the_validation_error(generate, kind, target):
    match = PLANNER if target == "planner" else CRITIC
    schema = "InterviewPlan" if target == "planner" else "CriticReport"
    injector = FaultInjector(agents()).inject(match, kind)
    text = saved(generate(injector, "--max-revisions", "0"))
    assert "Body of section 12, round 0" in text
    calls = [r for r in injector.server.requests if match(r)]
    assert len(calls) == 2
    repair = calls[1].last_user_text
    assert f"did not validate against the {schema} schema" in repair
    assert calls[1].messages[-2]["role"] == "assistant"  # the bad answer is shown back
    record_faults(injector.injected, survived=True)


def test_structured_output_invalid_twice_fails_resumably_then_resume_completes(generate):
    injector = FaultInjector(agents()).inject(PLANNER, "schema", "invalid-json")
    first = generate(injector, "--max-revisions", "0")
    assert first.exit_code == 3
    line = error_line(first)
    assert "failed validation twice" in line and "resume with: mlsd generate --resume" in line
    assert documents(generate.out) == []
    run_id = line.rsplit(" ", 1)[1]
    second = generate(injector, "--resume", run_id, "--max-revisions", "0")
    assert "Body of section 1, round 0" in saved(second)
    assert len(starts(injector.server, PLANNER)) == 3
    record_faults(injector.injected, survived=True)
    record(runs_failed_then_resumed=1)


def _run_in_process(stub, tmp_path, injector, max_revisions):
    """run_document with deterministic checks off, so only the truncation can flag a section."""
    import asyncio

    from mlsd.llm.models import ModelConfig, OpenAIChatFactory
    from mlsd.records import Params, load_record
    from mlsd.runs.runner import RunRequest, run_document

    server = stub(injector)
    rec, _ = load_record(str(EXAMPLE))
    config = ModelConfig(model="stub-model", base_url=server.base_url, api_key=KEY, timeout=5, max_retries=1)
    request = RunRequest(
        record=rec,
        params=Params(),
        out_dir=tmp_path / "content",
        home=tmp_path / "home",
        max_revisions=max_revisions,
        checker=lambda *_a, **_k: [],
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    outcome = asyncio.run(run_document(request, OpenAIChatFactory(config)))
    return server, Path(outcome.output_path).read_text()


def _front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def test_a_section_cut_off_twice_is_reported_not_saved_as_complete(stub, tmp_path):
    injector = FaultInjector(agents()).inject(WRITER(4), "length", "length")
    server, text = _run_in_process(stub, tmp_path, injector, max_revisions=0)
    fourth = [r for r in server.requests if WRITER(4)(r)]
    assert len(fourth) == 2 and "cut off by the length limit" in fourth[1].last_user_text
    assert _front_matter(text)["critic"]["unresolved_sections"] == [4]
    assert "2B D" not in text.split("## 4.")[1].split("## 5.")[0]  # the cut tail was dropped
    record_faults(injector.injected, survived=True)


def test_a_section_cut_off_twice_is_regenerated_in_the_next_round(stub, tmp_path):
    injector = FaultInjector(agents()).inject(WRITER(4), "length", "length")
    server, text = _run_in_process(stub, tmp_path, injector, max_revisions=1)
    rewrite = [r for r in server.requests if WRITER(4)(r)][-1]
    assert "<previous_draft>" in rewrite.last_user_text
    assert "cut off by the length limit: write it complete and shorter" in rewrite.last_user_text
    assert "Body of section 4, round 1" in text
    assert _front_matter(text)["critic"]["unresolved_sections"] == []
    record_faults(injector.injected, survived=True)


def test_an_empty_section_is_asked_again_not_saved_empty(stub, tmp_path):
    injector = FaultInjector(agents()).inject(WRITER(6), "empty")
    server, text = _run_in_process(stub, tmp_path, injector, max_revisions=0)
    assert len([r for r in server.requests if WRITER(6)(r)]) == 2
    assert "Body of section 6, round 0" in text
    assert _front_matter(text)["critic"]["unresolved_sections"] == []
    record_faults(injector.injected, survived=True)


def test_an_empty_section_twice_is_reported(stub, tmp_path):
    injector = FaultInjector(agents()).inject(WRITER(6), "empty", "empty")
    _server, text = _run_in_process(stub, tmp_path, injector, max_revisions=0)
    assert _front_matter(text)["critic"]["unresolved_sections"] == [6]
    record_faults(injector.injected, survived=True)


def _checkpoints(home: Path) -> int:
    with sqlite3.connect(home / "checkpoints.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]


@pytest.mark.parametrize(
    ("target", "resent"),
    # the failed writer, then the round's verifiers (they run once every section is drafted)
    [("writer", [None, *["Verification"] * 12, "CriticReport"]), ("critic", ["CriticReport"])],
)
def test_a_provider_that_stays_down_leaves_no_document_and_a_resumable_run(
    generate, monkeypatch, target, resent
):
    # Server-directed short waits keep the client's retries (and the collect step's re-send) fast.
    fast_503 = StubReply(status=503, content="down", headers={"retry-after-ms": "20"})
    inner = agents()
    down = {"on": True}
    match = WRITER(5) if target == "writer" else CRITIC

    def responder(request):
        if down["on"] and match(request):
            injector.injected.append("503")
            return fast_503
        return inner(request)

    injector = FaultInjector(responder)
    first = generate(injector, "--max-revisions", "0")
    assert first.exit_code == 3
    line = error_line(first)
    expected = "section writer failed after retries (§5" if target == "writer" else "kept failing with server"
    assert expected in line and "503" in line
    run_id = line.rsplit(" ", 1)[1]
    assert documents(generate.out) == []
    # Four attempts per call (the client's three retries); a writer is re-sent once more by collect.
    assert len(injector.injected) == (8 if target == "writer" else 4)
    assert _checkpoints(Path(os.environ["MLSD_HOME"])) > 0

    down["on"] = False
    seen = len(injector.server.requests)
    second = generate(injector, "--resume", run_id, "--max-revisions", "0")
    text = saved(second)
    assert "resuming interrupted run" in second.stderr
    again = injector.server.requests[seen:]
    assert [r.schema_name for r in again] == resent  # nothing that finished is asked again
    if target == "writer":
        assert brief_number(again[0]) == 5
    assert "Body of section 5, round 0" in text
    record_faults(injector.injected, survived=True)
    record(runs_failed_then_resumed=1)
