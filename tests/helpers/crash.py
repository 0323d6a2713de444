"""Helpers for SIGKILL tests: a stub team that names every call, and a checkpoint reader.

Every request is keyed by what it asks for: ``("plan",)``, ``("write", section, round)`` or
``("critique", round)``. A test holds the requests it wants in flight, kills ``mlsd generate``,
and compares the keys asked again after the rerun with the keys the checkpoint held at the kill.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from helpers.faults import CRITIC, PLANNER, as_first_ask
from helpers.scripted import critic_json, plan_json, section_body
from helpers.stub_agents import brief_number
from helpers.stub_server import StubReply, StubRequest, content_text

Key = tuple
_PREVIOUS_ROUND = re.compile(r"Body of section \d+, round (\d+)")
_REVIEW_ROUND = re.compile(r"Review round: (\d+)")

# Run in the child instead of plain ``mlsd``: RELIAB_PAUSE stops save at one step (for a kill
# there) by swapping the ``os`` that mlsd/paths.py sees, or holds the checkpoint that follows
# assemble; the product has no test hook.
CHILD = r"""
import os, sys, time
pause = os.environ.get("RELIAB_PAUSE")
if pause:
    import mlsd.paths as paths

    def hold():
        open(os.environ["RELIAB_MARKER"], "w").close()
        time.sleep(600)

    class PausingOs:
        def __getattr__(self, name):
            return getattr(os, name)

    proxy = PausingOs()
    if pause == "write":
        class HalfWriter:
            def __init__(self, handle):
                self.handle = handle
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                self.handle.close()
            def write(self, text):
                self.handle.write(text[: len(text) // 2])
                self.handle.flush()
                hold()

        proxy.fdopen = lambda fd, *a, **k: HalfWriter(os.fdopen(fd, *a, **k))
    elif pause == "fsync":
        proxy.fsync = lambda fd: (os.fsync(fd), hold())
    elif pause == "link":
        proxy.link = lambda src, dst: (os.link(src, dst), hold())
    elif pause == "checkpoint":
        import asyncio
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        real_aput = AsyncSqliteSaver.aput

        async def aput(self, config, checkpoint, metadata, new_versions):
            # The checkpoint after assemble: assemble's own writes are stored, the step is not.
            if "document" in checkpoint["channel_values"]:
                open(os.environ["RELIAB_MARKER"], "w").close()
                await asyncio.sleep(600)
            return await real_aput(self, config, checkpoint, metadata, new_versions)

        AsyncSqliteSaver.aput = aput
    paths.os = proxy
from mlsd.cli import main
main()
"""


def call_key(request: StubRequest) -> Key:
    """What a request asks for."""
    if request.schema_name == "ArchetypeChoice":
        return ("archetype",)
    if request.schema_name == "PlanVerification":
        return ("verify-plan",)
    if request.schema_name == "Verification":
        text = "".join(content_text(m.get("content")) for m in request.messages)
        number = int(re.search(r'<section number="(\d+)"', text).group(1))
        return ("verify", number, int(re.search(rf"Body of section {number}, round (\d+)", text).group(1)))
    if PLANNER(request):
        return ("plan",)
    if CRITIC(request):
        text = "".join(content_text(m.get("content")) for m in request.messages)
        return ("critique", int(_REVIEW_ROUND.search(text).group(1)))
    request = as_first_ask(request)
    brief = request.last_user_text
    previous = (
        _PREVIOUS_ROUND.search(brief.split("<previous_draft>", 1)[1]) if "<previous_draft>" in brief else None
    )
    return ("write", brief_number(request), int(previous.group(1)) + 1 if previous else 0)


class Team:
    """Planner, writers (bodies name their round) and critic; holds chosen calls in flight."""

    def __init__(self) -> None:
        self.hold: Callable[[Key], bool] = lambda _key: False
        self.fault: Callable[[Key], StubReply | None] = lambda _key: None
        self.held: list[Key] = []
        self.keys: list[Key] = []
        self._lock = threading.Lock()

    def __call__(self, request: StubRequest) -> StubReply:
        key = call_key(request)
        with self._lock:
            self.keys.append(key)
            held = self.hold(key)
            if held:
                self.held.append(key)
        fault = self.fault(key)
        if fault is not None:
            return fault
        if key[0] == "archetype":
            content = {"archetype": "ranking", "reason": "it ranks posts in a feed"}
        elif key[0] in ("verify", "verify-plan"):
            content = {"findings": []}
        elif key[0] == "plan":
            content = plan_json()
        elif key[0] == "critique":
            content = critic_json()
        else:
            content = section_body(key[1], key[2])
        import json

        text = content if isinstance(content, str) else json.dumps(content)
        return StubReply(content=text, delay=600.0 if held else 0.0)


class Checkpoints:
    """Read what a run has checkpointed, from another process, through LangGraph's own API."""

    def __init__(self, home: Path) -> None:
        self.path = home / "checkpoints.db"
        self._graph = None
        self._conn: sqlite3.Connection | None = None

    def _open(self):
        if self._graph is None:
            from langgraph.checkpoint.sqlite import SqliteSaver

            from mlsd.graph.builder import build_graph

            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._graph = build_graph(SqliteSaver(self._conn))
        return self._graph

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
        self._conn = self._graph = None

    def between_steps(self) -> bool:
        """Every task of the current step has its writes stored, but the step has no checkpoint yet."""
        snapshot = self._snapshot()
        return bool(
            snapshot is not None
            and not snapshot.next
            and snapshot.tasks
            and all(task.result is not None for task in snapshot.tasks)
        )

    def _snapshot(self):
        if not self.path.exists():
            return None
        try:
            graph = self._open()
            row = self._conn.execute("SELECT thread_id FROM checkpoints LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # tables not created yet
            return None
        return graph.get_state({"configurable": {"thread_id": row[0]}}) if row else None

    def done(self) -> set[Key]:
        """Calls whose results the checkpoint holds, including finished branches of the current step."""
        snapshot = self._snapshot()
        if snapshot is None:
            return set()
        values = dict(snapshot.values)
        drafts = list(values.get("drafts") or [])
        reviews = list(values.get("reviews") or [])
        for task in snapshot.tasks:
            if isinstance(task.result, dict):
                drafts += task.result.get("drafts") or []
                reviews += task.result.get("reviews") or []
                if task.result.get("plan"):
                    values["plan"] = task.result["plan"]
        done: set[Key] = {("plan",)} if values.get("plan") else set()
        done |= {("write", d["number"], d["round"]) for d in drafts}
        done |= {("critique", r["round"]) for r in reviews}
        return done


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``mlsd`` in a child process (through CHILD, so save can be paused)."""
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL and reap."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def wait_for(predicate: Callable[[], bool], process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll until predicate holds; fail early if the child exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"mlsd exited {process.returncode} before the kill point: {err[-2000:]}")
        time.sleep(0.03)
    raise AssertionError("kill point not reached in time")


class DocumentWatcher:
    """Read the output path every few milliseconds and keep every distinct text seen there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> DocumentWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.seen.add(self.path.read_text(encoding="utf-8"))
            except (FileNotFoundError, NotADirectoryError):
                pass
            self._stop.wait(0.01)


def stray_files(out_dir: Path, document: Path) -> list[Path]:
    """Anything under out_dir but the document (temp files a killed writer left behind)."""
    return sorted(p for p in out_dir.rglob("*") if p.is_file() and p != document)


def environment(server_url: str, home: Path, key: str) -> dict[str, str]:
    """The child's environment: the stub, the key and a private MLSD_HOME."""
    return os.environ | {"OPENAI_BASE_URL": server_url, "OPENAI_API_KEY": key, "MLSD_HOME": str(home)}
