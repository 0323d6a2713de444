"""Invoke the ``mlsd`` CLI in-process against a loopback stub server."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mlsd.cli import app


def cli_invoker(server, monkeypatch, out: Path, key: str):
    """``invoke(*args, input=None)`` runs ``mlsd`` with the endpoint pointed at ``server``.

    The returned function carries ``.server`` and ``.out`` (the out-dir tests pass with
    ``--out-dir``); ``key`` is the API key, so tests can assert it never leaks.
    """
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    invoke.server, invoke.out = server, out
    return invoke
