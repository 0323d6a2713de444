"""A full disk or an unwritable output folder: one clear line, no partial file, a resumable run.

What each test proves, honestly: ENOSPC is simulated in-process (the write of the temp file gets
half the text onto disk, then fails as a full disk does); an unwritable folder is a path under a
regular file (ENOTDIR, which even root cannot write through); a permission error is simulated at
the temp file's creation, because these tests run as root, for whom chmod blocks nothing.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.reliability import EXAMPLE, KEY, files_under, leak_scan, record  # noqa: F401
from helpers.stub_agents import agents
from typer.testing import CliRunner

import mlsd.paths as paths
from mlsd.cli import app

pytestmark = pytest.mark.usefixtures("leak_scan")

DOC = Path("ml-system-designs") / "Meta" / "Design a News Feed ML Ranking System.md"


class _FullDisk:
    """The ``os`` module as mlsd/paths.py sees it, with a disk that fills up mid-write."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def fdopen(fd, *args, **kwargs):
        handle = os.fdopen(fd, *args, **kwargs)

        class HalfThenFull:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def write(self, text):
                handle.write(text[: len(text) // 2])
                handle.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return HalfThenFull()


@pytest.fixture
def cli(stub, monkeypatch):
    server = stub(agents())
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)

    def invoke(*args):
        result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--max-revisions", "0", *map(str, args)])
        assert "Traceback" not in result.output
        return result

    invoke.server = server
    return invoke


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _fails_then_resumes(cli, out: Path, fix, expected: str) -> None:
    first = cli("--out-dir", out)
    assert first.exit_code == 3, first.output
    line = _error_line(first)
    assert line.startswith("error: output: cannot write") and expected in line
    assert "check that --out-dir is a writable folder with free space" in line
    run_id = line.rsplit(" ", 1)[1]
    assert "resume with: mlsd generate --resume" in line
    assert [p for p in files_under(out) if p.name.endswith(".md") or ".mlsd-" in p.name] == []
    calls = len(cli.server.requests)
    fix()
    second = cli("--out-dir", out, "--resume", run_id)
    assert second.exit_code == 0, second.output
    assert len(cli.server.requests) == calls  # the checkpoint kept every answer: only save ran again
    text = (out / DOC).read_text()
    assert text.rstrip().endswith(text.rstrip().splitlines()[-1]) and "## 12." in text
    assert sorted(p.name for p in files_under(out)) == [DOC.name]
    record(output_failures_resumed=1)


def test_disk_full_mid_write_leaves_nothing_and_resumes(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "os", _FullDisk())
    _fails_then_resumes(
        cli, tmp_path / "content", lambda: monkeypatch.setattr(paths, "os", os), "No space left on device"
    )


def test_out_dir_under_a_regular_file_fails_clearly_and_resumes(cli, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    _fails_then_resumes(cli, blocker / "content", blocker.unlink, "Not a directory")


def test_permission_denied_fails_clearly_and_resumes(cli, tmp_path, monkeypatch):
    def denied(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(paths, "tempfile", SimpleNamespace(mkstemp=denied))
    _fails_then_resumes(
        cli,
        tmp_path / "content",
        lambda: monkeypatch.setattr(paths, "tempfile", tempfile),
        "Permission denied",
    )
