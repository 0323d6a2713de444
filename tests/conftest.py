"""Shared fixtures: a loopback stub server, no real network, no developer settings."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator

import pytest
from helpers.stub_server import Responder, StubServer

# Settings a developer may have exported; each would make a test depend on their machine
# (a real key or endpoint, another model, LangSmith tracing, or a proxy between the client
# and the loopback stub).
_DEVELOPER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "MLSD_MODEL",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING_V2",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_network: let this test open non-loopback sockets")


def _is_loopback(sock: socket.socket, address: object) -> bool:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False  # Any other host name would need a DNS lookup, which is network.
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


@pytest.fixture(autouse=True)
def block_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse non-loopback connects before they happen, so no test can reach a real API."""
    if request.node.get_closest_marker("allow_network"):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(sock: socket.socket, address: object) -> None:
        if not _is_loopback(sock, address):
            raise RuntimeError(f"network blocked in tests: {address!r}")
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        if not _is_loopback(sock, address):
            raise RuntimeError(f"network blocked in tests: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point MLSD_HOME at a fresh temp dir and hide the developer's model settings."""
    monkeypatch.setenv("MLSD_HOME", str(tmp_path_factory.mktemp("mlsd_home")))
    for name in _DEVELOPER_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def stub() -> Iterator[Callable[[Responder], StubServer]]:
    """Start a loopback OpenAI-compatible server per call: ``server = stub(responder)``."""
    servers: list[StubServer] = []

    def start(responder: Responder) -> StubServer:
        server = StubServer(responder)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.stop()
