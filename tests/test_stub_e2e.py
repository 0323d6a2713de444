"""The real ChatOpenAI client, through the real graph, against the loopback stub."""

import asyncio
from pathlib import Path

from helpers.scripted import critic_json
from helpers.stub_agents import agents, brief_number, writer_requests

from mlsd.llm.models import ModelConfig, OpenAIChatFactory
from mlsd.records import Params, validate_record
from mlsd.runs.runner import RunRequest, run_document

KEY = "sk-test-SECRET-0123456789"
RECORD = {
    "company_name": "Meta",
    "ml_topic": "Design a News Feed ML Ranking System",
    "interview_frequency": "Very High",
    "product_description": "Rank the Facebook News Feed for billions of users.",
}


def generate(server, tmp_path, max_revisions=2, params=None):
    record, _ = validate_record(RECORD)
    params = params or Params()
    config = ModelConfig(
        model="gpt-4.1-mini", base_url=server.base_url, api_key=KEY, timeout=10, max_retries=0
    )
    req = RunRequest(
        record=record,
        params=params,
        out_dir=tmp_path / "content",
        home=tmp_path / "home",
        max_revisions=max_revisions,
        checker=lambda *a, **k: [],
    )
    return asyncio.run(run_document(req, OpenAIChatFactory(config)))


def test_twelve_writers_are_in_flight_at_once(stub, tmp_path):
    server = stub(agents(writer_delay=1.5))
    generate(server, tmp_path, max_revisions=0)
    writers = writer_requests(server)
    assert len(writers) == 12
    latest_start = max(r.started for r in writers)
    earliest_end = min(r.finished for r in writers)
    assert latest_start < earliest_end  # every writer started before any finished
    assert server.max_in_flight == 12


def test_section_prompts_share_one_prefix_and_differ_only_in_the_brief(stub, tmp_path):
    server = stub(agents())
    generate(server, tmp_path, max_revisions=0)
    writers = writer_requests(server)
    prefixes = {repr(r.messages[:-1]) for r in writers}
    assert len(prefixes) == 1
    assert sorted(brief_number(r) for r in writers) == list(range(1, 13))


def test_revise_verdict_for_4_and_9_rewrites_exactly_those(stub, tmp_path):
    verdict = critic_json({4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]})
    server = stub(agents(critic_replies=[verdict]))
    outcome = generate(server, tmp_path)
    rewrites = writer_requests(server)[12:]
    assert sorted(brief_number(r) for r in rewrites) == [4, 9]
    assert any("Write the loss as a formula." in r.last_user_text for r in rewrites)
    text = Path(outcome.output_path).read_text()
    assert "Body of section 4, round 1" in text and "Body of section 3, round 0" in text


def test_loop_stops_at_max_revisions(stub, tmp_path):
    server = stub(agents(critic_default=lambda _r: critic_json({6: ["Add a fallback path."]})))
    generate(server, tmp_path, max_revisions=1)
    assert len(writer_requests(server)) == 13
    assert sum(1 for r in server.requests if r.schema_name == "CriticReport") == 2


def test_structured_calls_send_json_schema_and_the_key_as_bearer_only(stub, tmp_path):
    server = stub(agents())
    outcome = generate(server, tmp_path, max_revisions=0)
    structured = [r for r in server.requests if r.schema_name]
    names = {r.schema_name for r in structured}
    assert names == {"ArchetypeChoice", "InterviewPlan", "PlanVerification", "Verification", "CriticReport"}
    for r in structured:
        fmt = r.body["response_format"]
        assert fmt["type"] == "json_schema"
        # bounded, so a small local model's constrained decoding terminates: every string has a
        # maxLength and every array a maxItems
        text = repr(fmt)
        assert "maxLength" in text and text.count("'array'") <= text.count("maxItems")
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)
    assert all(KEY not in repr(r.body) for r in server.requests)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert Path(outcome.output_path) in written
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path


def test_usage_in_front_matter_matches_the_server(stub, tmp_path):
    server = stub(agents())
    outcome = generate(server, tmp_path, max_revisions=0)
    usage = outcome.state["usage"]
    # archetype, plan, plan verifier, 12 writers + 12 verifiers, critique
    assert len(usage) == len(server.requests) == 28
    assert all(u["input_tokens"] > 0 and u["output_tokens"] > 0 for u in usage)
