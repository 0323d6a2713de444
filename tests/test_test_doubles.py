"""The test doubles behave like the things they stand in for."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import urllib.error
import urllib.request

import openai
import pytest
from helpers.fake_chat import FakeModelFactory, FakeReply, ScriptedChatModel
from helpers.stub_server import ScriptedResponder, StubReply, StubServer
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError


class InterviewPlan(BaseModel):
    title: str
    sections: list[str]


PLAN = InterviewPlan(title="Feed ranking", sections=["Problem framing", "Metrics"])


def client(server: StubServer, max_retries: int = 0) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=server.base_url,
        api_key="sk-test-123",
        model="gpt-4o-mini",
        timeout=5,
        max_retries=max_retries,
    )


# Note: langchain-openai caches one async HTTP client per base URL, and its pooled
# connections belong to the event loop that opened them, so each test below runs all
# its async calls inside a single asyncio.run().


def test_plain_answer_reports_the_stub_token_counts(stub):
    reply = StubReply("## Metrics\nNDCG", prompt_tokens=11, completion_tokens=7, cached_tokens=3)
    server = stub(lambda request: reply)

    answer = asyncio.run(client(server).ainvoke([HumanMessage("write the metrics section")]))

    assert answer.content == "## Metrics\nNDCG"
    assert answer.response_metadata["finish_reason"] == "stop"
    assert answer.usage_metadata["input_tokens"] == 11
    assert answer.usage_metadata["output_tokens"] == 7
    assert answer.usage_metadata["total_tokens"] == 18
    assert answer.usage_metadata["input_token_details"]["cache_read"] == 3
    [request] = server.requests
    assert request.body["model"] == "gpt-4o-mini"
    assert request.last_user_text == "write the metrics section"
    assert request.headers["authorization"] == "Bearer sk-test-123"


def test_truncated_answer_shows_finish_reason_length(stub):
    server = stub(lambda request: StubReply("cut off mid", finish_reason="length"))

    answer = asyncio.run(client(server).ainvoke("write a long section"))

    assert answer.response_metadata["finish_reason"] == "length"


def test_structured_call_sends_json_schema_and_parses(stub):
    server = stub(lambda request: PLAN.model_dump_json())
    structured = client(server).with_structured_output(InterviewPlan, method="json_schema", include_raw=True)

    result = asyncio.run(structured.ainvoke([SystemMessage("plan"), HumanMessage("feed ranking")]))

    assert result["parsed"] == PLAN
    assert result["parsing_error"] is None
    assert result["raw"].response_metadata["finish_reason"] == "stop"
    [request] = server.requests
    assert request.body["response_format"]["type"] == "json_schema"
    assert request.schema_name == "InterviewPlan"
    assert [m["role"] for m in request.messages] == ["system", "user"]


def test_real_structured_call_raises_instead_of_filling_parsing_error(stub):
    # ChatOpenAI's json_schema path parses inside the openai SDK, so schema mismatches and
    # truncation raise from ainvoke even with include_raw=True; parsing_error stays unused.
    replies = ['{"title": "no sections"}', StubReply(PLAN.model_dump_json()[:20], "length")]
    server = stub(lambda request: replies.pop(0))
    structured = client(server).with_structured_output(InterviewPlan, method="json_schema", include_raw=True)

    async def run() -> None:
        with pytest.raises(ValidationError):
            await structured.ainvoke("plan")
        with pytest.raises(openai.LengthFinishReasonError):
            await structured.ainvoke("plan")

    asyncio.run(run())
    assert len(server.requests) == 2


def test_twelve_concurrent_calls_are_served_in_parallel(stub):
    def reply(request):
        delay = 0.0 if request.last_user_text == "warm up" else 0.3
        return StubReply(f"section for {request.last_user_text}", delay=delay)

    server = stub(reply)
    model = client(server)

    async def write_all() -> tuple[list[str], float]:
        await model.ainvoke("warm up")  # The first call builds the HTTP client; keep it untimed.
        started = time.monotonic()
        answers = await asyncio.gather(*(model.ainvoke(f"topic {i}") for i in range(12)))
        return [answer.content for answer in answers], time.monotonic() - started

    contents, elapsed = asyncio.run(write_all())

    assert sorted(contents) == sorted(f"section for topic {i}" for i in range(12))
    assert elapsed < 12 * 0.3 / 2
    assert server.max_in_flight == 12
    timed = server.requests[1:]
    assert all(r.headers["authorization"] == "Bearer sk-test-123" for r in timed)
    assert all(r.finished is not None and r.finished - r.started >= 0.3 for r in timed)


def test_server_error_raises_internal_server_error(stub):
    server = stub(lambda request: StubReply("overloaded", status=500))

    with pytest.raises(openai.InternalServerError, match="overloaded"):
        asyncio.run(client(server).ainvoke("hi"))
    assert len(server.requests) == 1


def test_rate_limit_is_retried_then_succeeds(stub):
    replies = [StubReply("slow down", status=429, headers={"Retry-After": "0"}), "fine"]
    server = stub(lambda request: replies.pop(0))

    answer = asyncio.run(client(server, max_retries=1).ainvoke("hi"))

    assert answer.content == "fine"
    assert len(server.requests) == 2


def test_responder_exception_surfaces_as_500_with_its_message(stub):
    def broken(request):
        raise ValueError("responder bug here")

    server = stub(broken)

    with pytest.raises(openai.InternalServerError, match="responder bug here"):
        asyncio.run(client(server).ainvoke("hi"))


def test_streaming_call_gets_chunks_and_usage(stub):
    server = stub(lambda request: StubReply("one two three", prompt_tokens=5, completion_tokens=3))

    chunks = list(client(server).stream("hi", stream_usage=True))

    message = sum(chunks[1:], chunks[0])
    assert message.content == "one two three"
    assert len(chunks) > 3
    assert message.usage_metadata["total_tokens"] == 8
    assert server.requests[0].body["stream"] is True


def test_models_endpoint_and_unknown_path(stub):
    server = stub(lambda request: "unused")

    with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
        models = json.load(response)
    with pytest.raises(urllib.error.HTTPError) as not_found:
        urllib.request.urlopen(f"{server.base_url}/nowhere", timeout=5)

    assert models["data"][0]["id"] == "stub-model"
    assert not_found.value.code == 404
    assert "error" in json.load(not_found.value)


def test_port_is_closed_after_exit():
    with StubServer(lambda request: "hi") as server:
        port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_scripted_responder_routes_by_schema_then_text(stub):
    responder = (
        ScriptedResponder()
        .on_schema("InterviewPlan", PLAN.model_dump(), default=lambda request: "{}")
        .on_text(r"section: (\w+)", default=lambda request: f"# {request.last_user_text}")
    )
    server = stub(responder)
    model = client(server)
    planner = model.with_structured_output(InterviewPlan, method="json_schema", include_raw=True)

    async def run() -> tuple:
        plan = await planner.ainvoke("plan it")
        sections = await asyncio.gather(*(model.ainvoke(f"section: s{i}") for i in range(3)))
        with pytest.raises(ValidationError):
            await planner.ainvoke("plan again")  # The default "{}" misses required fields.
        with pytest.raises(openai.InternalServerError, match="no route"):
            await model.ainvoke("something unexpected")
        return plan, sections

    plan, sections = asyncio.run(run())

    assert plan["parsed"] == PLAN
    assert sorted(s.content for s in sections) == [f"# section: s{i}" for i in range(3)]
    assert responder.counts == {"InterviewPlan": 2, r"section: (\w+)": 3}


def test_network_block_refuses_non_loopback_connects():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match="network blocked in tests"):
            sock.connect(("10.1.2.3", 443))
        with pytest.raises(RuntimeError, match="network blocked in tests"):
            sock.connect_ex(("10.1.2.3", 443))
        with pytest.raises(RuntimeError, match="network blocked in tests"):
            sock.connect(("api.openai.com", 443))
    finally:
        sock.close()


def test_environment_is_isolated():
    assert os.path.isdir(os.environ["MLSD_HOME"])
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_MODEL"):
        assert name not in os.environ


def test_fake_answers_in_queue_order_and_raises_exception_items():
    model = ScriptedChatModel(["first", {"a": 1}, RuntimeError("quota"), FakeReply("half", "length")])

    first = model.invoke("q1")
    second = model.invoke([HumanMessage("q2")])
    with pytest.raises(RuntimeError, match="quota"):
        model.invoke("q3")
    third = asyncio.run(model.ainvoke("q4"))

    assert first.content == "first"
    assert json.loads(second.content) == {"a": 1}
    assert third.content == "half"
    assert third.response_metadata["finish_reason"] == "length"
    assert first.response_metadata["finish_reason"] == "stop"
    assert first.usage_metadata["total_tokens"] == first.usage_metadata["input_tokens"] + 1
    assert [call[0].content for call in model.calls] == ["q1", "q2", "q3", "q4"]
    with pytest.raises(AssertionError, match="no scripted reply left"):
        model.invoke("q5")


def test_fake_uses_default_when_queue_is_empty():
    model = ScriptedChatModel(["queued"], default=lambda messages: f"echo {messages[-1].content}")

    assert model.invoke("a").content == "queued"
    assert model.invoke("b").content == "echo b"


def test_fake_structured_output_parses_and_reports_errors():
    model = ScriptedChatModel([PLAN, '{"title": 3}', '{"title": "x", "sections": []}', "nope"])
    raw_planner = model.with_structured_output(InterviewPlan, method="json_schema", include_raw=True)
    planner = model.with_structured_output(InterviewPlan)

    good = raw_planner.invoke("plan")
    bad = asyncio.run(raw_planner.ainvoke("plan"))
    plain = planner.invoke("plan")

    assert good["parsed"] == PLAN and good["parsing_error"] is None
    assert good["raw"].content == PLAN.model_dump_json()
    assert bad["parsed"] is None
    assert isinstance(bad["parsing_error"], ValidationError)
    assert plain == InterviewPlan(title="x", sections=[])
    with pytest.raises(ValidationError):
        planner.invoke("plan")
    assert model.schemas == ["InterviewPlan"] * 4


def test_fake_can_raise_structured_errors_like_chat_openai():
    model = ScriptedChatModel(['{"title": 3}', FakeReply('{"title": "cut', "length")])
    model.raise_like_openai = True
    planner = model.with_structured_output(InterviewPlan, method="json_schema", include_raw=True)

    with pytest.raises(ValidationError):
        planner.invoke("plan")
    with pytest.raises(openai.LengthFinishReasonError):
        asyncio.run(planner.ainvoke("plan"))


def test_fake_serves_twelve_concurrent_tasks_distinct_replies():
    model = ScriptedChatModel([f"section {i}" for i in range(12)])

    async def write_all() -> list[str]:
        answers = await asyncio.gather(*(model.ainvoke(f"topic {i}") for i in range(12)))
        return [answer.content for answer in answers]

    contents = asyncio.run(write_all())

    assert sorted(contents) == sorted(f"section {i}" for i in range(12))
    assert len(model.calls) == 12
    assert model.remaining == 0


def test_fake_factory_hands_out_role_models_and_records_max_tokens():
    planner, writer = ScriptedChatModel(), ScriptedChatModel()
    factory = FakeModelFactory({"planner": planner, "writer": writer})

    assert factory.chat("planner") is planner
    assert factory.chat("writer", max_tokens=900) is writer
    assert factory.chat("writer", max_tokens=1200) is writer
    assert factory.max_tokens == {"planner": [None], "writer": [900, 1200]}
    assert factory.model_names == {"planner": "fake-planner", "writer": "fake-writer"}
    with pytest.raises(AssertionError, match="critic"):
        factory.chat("critic")
