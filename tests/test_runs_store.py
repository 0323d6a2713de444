"""The run store records one row per LLM call through the callback handler; writers never lose rows."""

import asyncio
import json
import multiprocessing
import sqlite3

from helpers.scripted import critic_json
from helpers.stub_agents import agents
from helpers.stub_server import StubReply, content_text
from test_stub_e2e import KEY, RECORD

from mlsd.llm.models import ModelConfig, OpenAIChatFactory
from mlsd.records import Params, validate_record
from mlsd.runs import store as store_module
from mlsd.runs.runner import RunRequest, run_document
from mlsd.runs.store import RunStore

REVISE_4_AND_9 = critic_json({4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]})


def generate(server, tmp_path, model="gpt-4.1-mini", max_retries=0, **request):
    record, _ = validate_record(RECORD)
    config = ModelConfig(model, base_url=server.base_url, api_key=KEY, timeout=10, max_retries=max_retries)
    req = RunRequest(
        record=record, params=Params(), out_dir=tmp_path / "content", home=tmp_path / "home",
        checker=lambda *a, **k: [], **request,
    )  # fmt: skip
    outcome = asyncio.run(run_document(req, OpenAIChatFactory(config)))
    store = RunStore(tmp_path / "home" / "runs.db")
    return outcome, store, store.calls(outcome.run_id)


def test_one_row_per_request_with_the_servers_token_counts(stub, tmp_path):
    server = stub(agents(critic_replies=[REVISE_4_AND_9]))
    outcome, store, calls = generate(server, tmp_path, max_revisions=1)
    # archetype, plan, plan verifier, 12 writers + 12 verifiers, critique; §4 and §9 rewritten and
    # verified, critique
    assert len(calls) == len(server.requests) == 1 + 1 + 1 + 12 + 12 + 1 + 2 + 2 + 1
    # The stub counts a quarter token per character of the prompt and of the answer.
    sent = sorted(sum(len(content_text(m.get("content"))) for m in r.messages) // 4 for r in server.requests)
    assert sorted(c["input_tokens"] for c in calls) == sent
    assert all(c["output_tokens"] == len(c["answer"]) // 4 for c in calls)
    assert all(c["cost_usd"] is not None and c["cost_usd"] > 0 for c in calls)
    assert all(c["attempt"] == 1 and c["retries"] == 0 and c["error"] is None for c in calls)
    assert {(c["node"], c["role"]) for c in calls} == {
        ("archetype", "planner"), ("plan", "planner"), ("check_plan", "verifier"),
        ("write_section", "writer"), ("verify_section", "verifier"), ("critique", "critic"),
    }  # fmt: skip
    verified = sorted((c["section"], c["round"]) for c in calls if c["node"] == "verify_section")
    assert verified == sorted([(n, 0) for n in range(1, 13)] + [(4, 1), (9, 1)])
    assert all(c["verdicts"] == [] for c in calls if c["node"] == "verify_section")
    writers = [(c["section"], c["round"]) for c in calls if c["node"] == "write_section"]
    assert sorted(writers) == sorted([(n, 0) for n in range(1, 13)] + [(4, 1), (9, 1)])
    critics = [c for c in calls if c["node"] == "critique"]
    assert [c["round"] for c in critics] == [0, 1]
    revised = [v["number"] for v in critics[0]["verdicts"] if v["verdict"] == "revise"]
    assert revised == [4, 9]
    assert critics[0]["verdicts"][3]["fixes"] == ["Write the loss as a formula."]
    run = store.run_info(outcome.run_id)
    assert run["calls"] == len(calls) and run["status"] == "done"
    assert run["input_tokens"] == sum(c["input_tokens"] for c in calls)
    assert run["wall_ms"] > 0


def test_sdk_retries_are_counted_on_the_one_call_they_belong_to(stub, tmp_path):
    responder = agents()
    responder._routes[0].queue.append(StubReply(status=503, content="overloaded"))  # planner route
    server = stub(responder)
    _, _, calls = generate(server, tmp_path, max_retries=2, max_revisions=0)
    plan = [c for c in calls if c["node"] == "plan"]
    assert len(plan) == 1 and plan[0]["retries"] == 1 and plan[0]["error"] is None
    assert len(server.requests) == len(calls) + 1  # one row per LLM call; the retry is on its row


def test_unknown_model_costs_null_not_zero(stub, tmp_path):
    server = stub(agents())
    outcome, store, calls = generate(server, tmp_path, model="house-model-7b", max_revisions=0)
    assert calls and all(c["cost_usd"] is None for c in calls)
    run = store.run_info(outcome.run_id)
    assert run["cost_usd"] is None and run["unpriced_calls"] == len(calls)


def test_no_log_prompts_keeps_metadata_but_no_text(stub, tmp_path):
    server = stub(agents(critic_replies=[REVISE_4_AND_9]))
    _, _, calls = generate(server, tmp_path, max_revisions=1, log_prompts=False)
    assert len(calls) == len(server.requests)
    assert all(c["messages"] is None and c["answer"] is None for c in calls)
    assert all(c["input_tokens"] > 0 and c["latency_ms"] >= 0 for c in calls)
    critic = next(c for c in calls if c["node"] == "critique")
    assert [v["number"] for v in critic["verdicts"] if v["verdict"] == "revise"] == [4, 9]
    assert all("fixes" not in v for v in critic["verdicts"])
    raw = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("runs.db*"))
    assert b"Body of section" not in raw and b"Write the loss" not in raw


def test_a_failed_call_is_recorded_with_its_error(stub, tmp_path):
    responder = agents()
    responder._routes[0].queue.append(StubReply(status=400, content=f"bad request, key {KEY}"))
    server = stub(responder)
    try:
        generate(server, tmp_path, max_revisions=0)
    except Exception:
        pass
    store = RunStore(tmp_path / "home" / "runs.db")
    calls = store.calls(store.get("latest").id)
    assert len(calls) == len(server.requests) == 2  # the archetype step, then the refused plan
    refused = calls[-1]
    assert "400" in refused["error"] and "[redacted]" in refused["error"] and KEY not in refused["error"]
    assert refused["cost_usd"] is None and calls[0]["error"] is None


def _insert_many(path: str, writer: int, count: int) -> None:
    store = RunStore(path)
    for i in range(count):
        store.add_call({
            "run_id": "shared", "call_id": f"{writer}-{i}", "node": "write_section", "section": 1, "round": 0,
            "started_at": "2026-11-26T00:00:00.000000Z", "ended_at": "2026-11-26T00:00:01.000000Z",
            "latency_ms": 1000, "input_tokens": 1, "output_tokens": 1, "cached_tokens": 0, "retries": 0,
        })  # fmt: skip


def test_two_processes_writing_one_runs_db_lose_nothing(tmp_path):
    path = str(tmp_path / "runs.db")
    RunStore(path)
    count = 150
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_insert_many, args=(path, w, count)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    calls = RunStore(path).calls("shared")
    assert len(calls) == 2 * count
    # Counting earlier attempts and inserting happen in one transaction, so no number repeats.
    assert sorted(c["attempt"] for c in calls) == list(range(1, 2 * count + 1))
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_version_1_database_is_migrated_and_keeps_its_runs(tmp_path, monkeypatch):
    path = tmp_path / "runs.db"
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
        RunStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO runs (id, run_key, record, params, strategy, status, started_at)"
            " VALUES ('old-run', 'k', '{}', '{}', 'multi-agent', 'done', '2026-01-01T00:00:00.000000Z')"
        )
    store = RunStore(path)
    versions = [v for (v,) in sqlite3.connect(path).execute("SELECT version FROM schema_migrations")]
    assert versions == list(range(1, len(store_module.MIGRATIONS) + 1))
    assert store.get("old").id == "old-run" and store.run_info("old-run")["calls"] == 0


def test_the_redactor_removes_known_secrets_and_key_shaped_strings():
    from mlsd.secrets import Redactor, env_secrets

    redact = Redactor([KEY, *env_secrets({"MY_SERVICE_TOKEN": "tok-1234567890", "HOME": "/root/home"})])
    text = f"{KEY} sk-otherkey12345 Authorization: Bearer abc.def tok-1234567890 /root/home"
    assert redact(text) == "[redacted] [redacted] [redacted] [redacted] /root/home"


def test_critic_verdicts_carry_the_rounds_failed_checks_and_accepted_waivers():
    from mlsd.runs.run_report import review_verdict
    from mlsd.runs.tracing import _verdicts

    answer = critic_json({4: ["Write the loss as a formula."]}) | {
        "waivers": [
            {"check_id": "S3_labels", "section": 3, "reason": "labels are given"},
            {"check_id": "G4_placeholders", "section": 2, "reason": "a gate cannot be waived"},
        ]
    }
    checks = [
        [2, "G4_placeholders", True],
        [3, "S3_labels", False],
        [3, "S3_leakage", False],
        [0, "G1", True],
    ]
    verdicts = {v["number"]: v for v in _verdicts(json.dumps(answer), True, checks)}
    assert verdicts[2]["failed_checks"] == ["G4_placeholders"] and verdicts[2]["waived_checks"] == []
    assert verdicts[3]["failed_checks"] == ["S3_leakage"] and verdicts[3]["waived_checks"] == ["S3_labels"]
    assert verdicts[1]["failed_checks"] == [] and 0 not in verdicts
    shown = {n: review_verdict(v) for n, v in verdicts.items()}
    assert shown[1].passed and shown[1].line == "checks pass · critic pass"
    assert not shown[2].passed and shown[2].line == "checks FAIL G4_placeholders · critic pass"
    assert shown[3].checks == "FAIL S3_leakage (waived by the critic: S3_labels)"
    assert shown[4].line == "checks pass · critic REVISE"
    # An unreadable critic answer still keeps the checks' verdict; an old row says it has none.
    broken = {v["number"]: v for v in _verdicts("{not json", True, checks)}
    assert broken[2]["verdict"] is None and review_verdict(broken[2]).line.startswith("checks FAIL")
    assert review_verdict({"number": 1, "verdict": "pass"}).line == "checks not recorded · critic pass"
    assert not review_verdict({"number": 1, "verdict": "pass"}).passed
