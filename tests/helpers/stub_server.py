"""A loopback OpenAI-compatible HTTP server for tests (stdlib only).

The real ``ChatOpenAI`` client talks to it over HTTP, so tests exercise the actual
request encoding, retries, timeouts and response parsing without any network.
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StubReply:
    content: str = ""
    finish_reason: str = "stop"
    delay: float = 0.0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int = 0
    # Fault injection: "headers" drops the connection (TCP reset) right after the response
    # headers, "body" partway through the body; None answers normally.
    reset: str | None = None


@dataclass
class StubRequest:
    body: dict
    headers: dict[str, str]  # Keys are lower-cased, because HTTP header names are not.
    started: float
    finished: float | None = None

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or [])

    @property
    def schema_name(self) -> str | None:
        response_format = self.body.get("response_format") or {}
        return (response_format.get("json_schema") or {}).get("name")

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""


Responder = Callable[[StubRequest], "StubReply | str"]


def content_text(content: Any) -> str:
    """Flatten an OpenAI message content (string or list of parts) to plain text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _error_body(status: int, message: str, error_type: str) -> dict:
    return {"error": {"message": message, "type": error_type, "code": str(status)}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Keep-alive, like a real API, so pooled connections work.
    server: _StubHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.stub._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.stub._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Test output stays quiet; the recorded requests are the log.
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": "stub-model", "object": "model", "created": 0, "owned_by": "stub"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_json(404, _error_body(404, f"unknown path {self.path}", "not_found"))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, _error_body(404, f"unknown path {self.path}", "not_found"))
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            self._send_json(400, _error_body(400, f"invalid JSON: {exc}", "invalid_request"))
            return
        headers = {key.lower(): value for key, value in self.headers.items()}
        self.server.stub._handle_completion(self, StubRequest(body, headers, time.monotonic()))

    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_events(self, events: list[dict], headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        lines = [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]
        for line in lines:
            data = line.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def _send_and_reset(self, payload: dict, where: str) -> None:
        """Promise the whole body, send the headers (and half the body), then reset the connection."""
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if where == "body":
            self.wfile.write(data[: len(data) // 2])
        # Linger 0 makes close() send RST instead of FIN: the client sees a reset, not a clean end.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())
        self.close_connection = True


class _StubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections would make a blocking close wait forever; stop() closes them.
    block_on_close = False
    # The default backlog of 5 drops simultaneous connects, and the client's SYN retry then
    # arrives a second later, which would serialise a burst of parallel writer calls.
    request_queue_size = 128

    def __init__(self, stub: StubServer) -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or a stop() that dropped the connection is expected in tests.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class StubServer:
    """Serve ``/v1/chat/completions`` answers produced by ``responder`` on 127.0.0.1."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[StubRequest] = []
        self.max_in_flight = 0
        self.base_url = ""
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _StubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StubServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind a free loopback port and serve in a daemon thread."""
        self._httpd = _StubHTTPServer(self)
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, drop open connections and close the listening socket."""
        if self._httpd is None:
            return
        self._stopping.set()  # Wakes replies that are still sleeping out their delay.
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _handle_completion(self, handler: _Handler, request: StubRequest) -> None:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            self._answer(handler, request)
        finally:
            with self._lock:
                self._in_flight -= 1
                request.finished = time.monotonic()

    def _answer(self, handler: _Handler, request: StubRequest) -> None:
        try:
            reply = self.responder(request)
            if isinstance(reply, str):
                reply = StubReply(content=reply)
        except Exception as exc:  # The test must see why its responder failed.
            message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            handler._send_json(500, _error_body(500, message, "stub_responder_error"))
            return
        if reply.delay:
            self._stopping.wait(reply.delay)
        if reply.status != 200:
            message = reply.content or f"stub error {reply.status}"
            body = _error_body(reply.status, message, "stub_error")
            handler._send_json(reply.status, body, reply.headers)
        elif reply.reset:
            handler._send_and_reset(_completion(request, reply), reply.reset)
        elif request.body.get("stream"):
            handler._send_events(_completion_chunks(request, reply), reply.headers)
        else:
            handler._send_json(200, _completion(request, reply), reply.headers)


def _usage(request: StubRequest, reply: StubReply) -> dict:
    prompt_text = "".join(content_text(m.get("content")) for m in request.messages)
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else len(prompt_text) // 4
    completion = reply.completion_tokens if reply.completion_tokens is not None else len(reply.content) // 4
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
    }


def _envelope(request: StubRequest, kind: str) -> dict:
    return {
        "id": f"chatcmpl-stub-{uuid.uuid4().hex[:12]}",
        "object": kind,
        "created": int(time.time()),
        "model": request.body.get("model", "stub-model"),
    }


def _completion(request: StubRequest, reply: StubReply) -> dict:
    message = {"role": "assistant", "content": reply.content}
    choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
    return {
        **_envelope(request, "chat.completion"),
        "choices": [choice],
        "usage": _usage(request, reply),
    }


def _completion_chunks(request: StubRequest, reply: StubReply) -> list[dict]:
    """Split a reply into streaming chunks: role, content pieces, finish, then usage."""
    envelope = _envelope(request, "chat.completion.chunk")

    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return {**envelope, "choices": [choice]}

    pieces = re.findall(r"\S+\s*|\s+", reply.content)
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, reply.finish_reason))
    if (request.body.get("stream_options") or {}).get("include_usage"):
        events.append({**envelope, "choices": [], "usage": _usage(request, reply)})
    return events


@dataclass
class _Route:
    name: str
    schema: str | None
    pattern: re.Pattern[str] | None
    queue: list[Any]
    default: Callable[[StubRequest], Any] | None


class ScriptedResponder:
    """Route requests by schema name, else by a regex over the last user message.

    Each route has a queue of replies (a ``StubReply``, a string, a dict sent as JSON
    text, or a callable taking the ``StubRequest``) and an optional ``default``
    callable used once the queue is empty. Routing failures become 500 responses
    whose message names the problem.
    """

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def on_schema(
        self, schema_name: str, *replies: Any, default: Callable | None = None
    ) -> ScriptedResponder:
        """Answer structured calls whose ``response_format`` names ``schema_name``."""
        self._routes.append(_Route(schema_name, schema_name, None, list(replies), default))
        self.counts.setdefault(schema_name, 0)
        return self

    def on_text(
        self, pattern: str, *replies: Any, default: Callable | None = None, name: str | None = None
    ) -> ScriptedResponder:
        """Answer calls whose last user message matches ``pattern`` (``re.search``)."""
        route_name = name or pattern
        self._routes.append(_Route(route_name, None, re.compile(pattern), list(replies), default))
        self.counts.setdefault(route_name, 0)
        return self

    def __call__(self, request: StubRequest) -> StubReply | str:
        route = self._route_for(request)
        with self._lock:
            self.counts[route.name] += 1
            item = route.queue.pop(0) if route.queue else route.default
        if item is None:
            raise AssertionError(f"route {route.name!r} has no scripted reply left")
        if callable(item):
            item = item(request)
        if isinstance(item, dict):
            return json.dumps(item)
        return item

    def _route_for(self, request: StubRequest) -> _Route:
        schema = request.schema_name
        for route in self._routes:
            if schema is not None and route.schema == schema:
                return route
        text = request.last_user_text
        for route in self._routes:
            if route.pattern is not None and route.pattern.search(text):
                return route
        raise AssertionError(f"no route for schema={schema!r}, last user message={text[:200]!r}")
