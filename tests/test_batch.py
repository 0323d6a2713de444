"""``mlsd batch`` against the loopback stub: faults, plan reuse, cost cap, bad lines, grid."""

import hashlib
import json
import threading
from collections import Counter
from pathlib import Path

import pytest
import yaml
from helpers.scripted import plan_json
from helpers.stub_agents import agents
from helpers.stub_server import StubReply
from typer.testing import CliRunner

from mlsd.cli import app
from mlsd.commands.batch_input import params_grid, read_records, split_list

TOPICS = Path(__file__).parent / "fixtures" / "batch_topics.jsonl"
KEY = "sk-batch-SECRET-0042"


def level_plan(_request):
    """A LevelPlan answer: the level-specific key points only."""
    return {"sections": plan_json()["sections"]}


def batch_agents(**kwargs):
    """Planner, level planner, writers and critic."""
    return agents(**kwargs).on_schema("LevelPlan", default=level_plan)


def request_key(request) -> str:
    """Identical requests are the same call repeated: same messages, same schema."""
    payload = json.dumps([request.schema_name, request.messages], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class Faults:
    """Fail every fifth request (alternately 429 and 500), never the same call twice in a row."""

    def __init__(self, inner, every=5):
        self.inner, self.every = inner, every
        self.lock = threading.Lock()
        self.n = 0
        self.attempts = Counter()
        self.faults = Counter()
        self.last_faulted = set()

    def __call__(self, request):
        key = request_key(request)
        with self.lock:
            self.n += 1
            self.attempts[key] += 1
            fault = self.n % self.every == 0 and key not in self.last_faulted
            if fault:
                self.faults[key] += 1
                self.last_faulted.add(key)
                status = 429 if (self.n // self.every) % 2 else 500
            else:
                self.last_faulted.discard(key)
        if fault:
            return StubReply(status=status, headers={"retry-after-ms": "100"})
        return self.inner(request)


@pytest.fixture
def cli(stub, monkeypatch, tmp_path):
    def start(responder):
        server = stub(responder)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        return server

    def invoke(*args):
        return CliRunner().invoke(app, ["batch", *map(str, args)], catch_exceptions=False)

    invoke.start = start
    invoke.out = tmp_path / "content"
    return invoke


def saved(out: Path) -> list[Path]:
    return sorted(out.rglob("*.md"))


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text().split("---")[1])


def test_six_records_two_levels_with_faults_on_a_fifth_of_requests(cli):
    faults = Faults(batch_agents())
    server = cli.start(faults)
    result = cli(
        TOPICS, "--seniority", "E5,E7", "--out-dir", cli.out, "--max-revisions", "0", "--concurrency", "3"
    )
    assert result.exit_code == 0, result.output
    docs = saved(cli.out)
    assert len(docs) == 12
    # Every fifth request faults unless that would fault the same call twice in a row: ≥ 1 in 8.
    assert sum(faults.faults.values()) >= len(server.requests) // 8  # faults really happened
    for key, attempts in faults.attempts.items():
        assert attempts == 1 + faults.faults[key], "a call was repeated beyond its retries"
    # One full plan per company × topic; the other level reused its framing and facts.
    assert (
        sum(1 for r in server.requests if r.schema_name == "InterviewPlan") - sum(faults.faults.values()) <= 6
    )
    plans = Counter(r.schema_name for r in server.requests if r.schema_name in ("InterviewPlan", "LevelPlan"))
    assert plans["InterviewPlan"] >= 6 and plans["LevelPlan"] >= 6
    reused = [front(p) for p in docs if front(p).get("plan_reused_from")]
    assert len(reused) == 6
    assert all(any("reused from run" in n for n in f["notes"]) for f in reused)
    assert "answered 429" in result.output and "mlsd batch" in result.output
    for doc in docs:
        assert str(doc) in result.stdout


def test_reused_plan_keeps_the_first_variants_facts(cli):
    server = cli.start(batch_agents())
    result = cli(TOPICS, "--seniority", "E5,E6,E8", "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 0, result.output
    level_requests = [r for r in server.requests if r.schema_name == "LevelPlan"]
    assert len(level_requests) == 12
    assert sum(1 for r in server.requests if r.schema_name == "InterviewPlan") == 6
    assert all(
        "≈230k QPS" in r.last_user_text and "Target level: E" in r.last_user_text for r in level_requests
    )
    # The writers of a reusing variant see the first variant's fact sheet.
    meta = [p for p in saved(cli.out) if "News Feed" in p.name]
    sources = {front(p).get("plan_reused_from") for p in meta}
    assert len(sources - {None}) == 1


def test_rerun_skips_finished_documents_without_calls(cli):
    server = cli.start(batch_agents())
    first = cli(TOPICS, "--out-dir", cli.out, "--max-revisions", "0")
    assert first.exit_code == 0, first.output
    seen = len(server.requests)
    again = cli(TOPICS, "--out-dir", cli.out, "--max-revisions", "0")
    assert again.exit_code == 0, again.output
    assert len(server.requests) == seen
    assert again.output.count("skipped") >= 6
    forced = cli(TOPICS, "--out-dir", cli.out, "--max-revisions", "0", "--force")
    assert forced.exit_code == 0 and len(server.requests) > seen


def fixed_usage(inner):
    """Every answer reports 1,000 prompt and 500 output tokens, so costs are exact."""

    def respond(request):
        reply = inner(request)
        if isinstance(reply, str):
            reply = StubReply(content=reply)
        reply.prompt_tokens, reply.completion_tokens = 1000, 500
        return reply

    return respond


def test_cost_cap_stops_starting_new_documents(cli, tmp_path):
    records = tmp_path / "four.jsonl"
    records.write_text("".join(TOPICS.read_text().splitlines(keepends=True)[:4]))
    server = cli.start(fixed_usage(batch_agents()))
    # gpt-4.1-mini: 1,000 × $0.40/M + 500 × $1.60/M = $0.0012 per call; 28 calls per document
    # (archetype, plan, plan verifier, 12 writers, 12 verifiers, critique).
    args = [
        records,
        "--out-dir",
        cli.out,
        "--max-revisions",
        "0",
        "--model",
        "gpt-4.1-mini",
        "--concurrency",
        "1",
    ]
    result = cli(*args, "--max-cost", "0.05")
    assert result.exit_code == 0, result.output
    assert len(saved(cli.out)) == 2  # $0.0336 after one (< cap), $0.0672 after two (≥ cap)
    assert len(server.requests) == 56
    assert "cost cap" in result.output and "2 document(s) not started" in result.output
    assert "not started" in result.output
    rest = cli(*args)
    assert rest.exit_code == 0 and len(saved(cli.out)) == 4


def test_a_failing_document_does_not_stop_the_others(cli):
    def fail_marketplace(inner):
        def respond(request):
            if "Marketplace" in json.dumps(request.messages):
                return StubReply(status=400, content="model refuses this one")
            return inner(request)

        return respond

    server = cli.start(fail_marketplace(batch_agents()))
    result = cli(TOPICS, "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 3
    assert len(saved(cli.out)) == 5
    assert "failed: Meta / Facebook Marketplace Search and Ranking" in result.output
    assert "resume with: mlsd batch" in result.output or "resume with: the same mlsd batch" in result.output
    assert server.requests


GOOD = {
    "company_name": "Meta",
    "ml_topic": "Feed",
    "interview_frequency": "High",
    "product_description": "Rank.",
}
BAD = [
    json.dumps(GOOD),
    '{"company_name": "Meta", "ml_topic": "Ads", "interview_frequency": "High"}',
    "{not json",
    "",
    json.dumps(GOOD | {"company_name": "Uber", "interview_frequency": "Sometimes"}),
]


def test_bad_lines_are_reported_with_line_and_field_and_skipped(cli, tmp_path):
    records = tmp_path / "mixed.jsonl"
    records.write_text("\n".join(BAD) + "\n")
    server = cli.start(batch_agents())
    result = cli(records, "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 0, result.output
    assert "line 2: product_description: is required (skipped)" in result.output
    assert "line 3: json: not valid JSON" in result.output
    assert "line 5: interview_frequency:" in result.output
    assert len(saved(cli.out)) == 1 and server.requests


def test_a_misspelled_field_on_a_batch_line_suggests_the_field(cli, tmp_path):
    records = tmp_path / "typo.jsonl"
    typo = {("compnay_name" if k == "company_name" else k): v for k, v in GOOD.items()}
    records.write_text(json.dumps(GOOD) + "\n" + json.dumps(typo) + "\n")
    server = cli.start(batch_agents())
    result = cli(records, "--out-dir", cli.out, "--strict")
    assert result.exit_code == 2
    hint = "(found unknown key 'compnay_name' — did you mean 'company_name'?)"
    assert f"line 2: company_name: is required {hint} (aborting)" in result.output
    assert server.requests == [] and not cli.out.exists()


def test_strict_aborts_on_a_bad_line_before_any_model_call(cli, tmp_path):
    records = tmp_path / "mixed.jsonl"
    records.write_text("\n".join(BAD) + "\n")
    server = cli.start(batch_agents())
    result = cli(records, "--out-dir", cli.out, "--strict")
    assert result.exit_code == 2
    assert "line 2: product_description: is required (aborting)" in result.output
    assert "3 bad record(s)" in result.output
    assert server.requests == [] and not cli.out.exists()


def test_json_array_input_and_grid_expansion(cli, tmp_path):
    rows = [json.loads(line) for line in TOPICS.read_text().splitlines()[:2]]
    records = tmp_path / "two.json"
    records.write_text(json.dumps(rows, indent=2))
    cli.start(batch_agents())
    result = cli(
        records, "--out-dir", cli.out, "--max-revisions", "0",
        "--seniority", "E5,E6", "--duration", "45,60", "--focus-area", "none,evaluation",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = {p.name for p in saved(cli.out)}
    assert len(names) == 2 * 2 * 2 * 2
    assert "News Feed Ranking System (E5, 45min).md" in names
    assert "News Feed Ranking System (E6, 60min, evaluation).md" in names


def test_grid_and_record_parsing_units(tmp_path):
    assert split_list("E5, E6") == ["E5", "E6"] and split_list(None) == [None]
    grid = params_grid("e5,E8", "45m,90", "none,algorithms")
    assert len(grid) == 8 and {p.seniority.value for p in grid} == {"E5", "E8"}
    assert len(params_grid("E7,E7", "60", None)) == 1
    path = tmp_path / "arr.json"
    path.write_text(json.dumps([json.loads(BAD[0]), {"company_name": "X"}]))
    good, bad = read_records(path)
    assert len(good) == 1 and [(b.line, b.field) for b in bad] == [(2, "ml_topic")]


def test_bad_flag_in_a_list_names_the_flag(cli):
    cli.start(batch_agents())
    result = cli(TOPICS, "--seniority", "E5,E9")
    assert result.exit_code == 2 and "--seniority" in result.output
