"""SIGKILL ``mlsd generate`` at 21 points, rerun the same command: nothing lost, nothing paid twice.

At each point the test reads what the checkpoint holds, kills the process, reruns, and checks that
the rerun completes, asks for none of the calls the checkpoint held, and that the output path only
ever held the complete document (a watcher reads it every 10 ms throughout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.crash import Checkpoints, DocumentWatcher, Team, environment, kill, start, stray_files, wait_for
from helpers.reliability import EXAMPLE, KEY, leak_scan, record  # noqa: F401
from helpers.stub_server import StubReply

# Slow tier (pyproject markers): SIGKILL at every kill point.
pytestmark = [pytest.mark.usefixtures("leak_scan"), pytest.mark.slow]

DOC = Path("ml-system-designs") / "Meta" / "Design a News Feed ML Ranking System.md"


def writes(done, round_):
    return sum(1 for k in done if k[0] == "write" and k[2] == round_)


def held_writes(held, round_):
    return sum(1 for k in held if k[0] == "write" and k[2] == round_)


@dataclass
class Seen:
    """What the test can observe while the child runs."""

    done: set  # calls the checkpoint holds
    held: list  # calls the stub is holding in flight
    marker: Path  # exists once save paused (see crash.CHILD)
    server: object
    checkpoints: Checkpoints


@dataclass
class KillPoint:
    """Where to kill: what to keep in flight, and when the process has reached the point."""

    revisions: int
    ready: Callable[[Seen], bool]
    hold: Callable[[tuple], bool] = lambda _k: False
    pause: str | None = None  # stop save at "write", "fsync" or "link"
    fault: Callable[[tuple, list], StubReply | None] = lambda _k, _sent: None
    then: list[KillPoint] = field(default_factory=list)  # kill the rerun again at these points


def fanout(k: int) -> KillPoint:
    return KillPoint(
        0,
        hold=lambda key: key[0] == "write" and key[1] > k,
        ready=lambda s: writes(s.done, 0) == k and held_writes(s.held, 0) == 12 - k,
    )


def revision(round_: int, k: int) -> KillPoint:
    return KillPoint(
        2,
        hold=lambda key: key[0] == "write" and key[2] == round_ and key[1] > k,
        ready=lambda s: writes(s.done, round_) == k and held_writes(s.held, round_) == 12 - k,
    )


def critique(round_: int, revisions: int) -> KillPoint:
    return KillPoint(
        revisions,
        hold=lambda key: key == ("critique", round_),
        ready=lambda s: ("critique", round_) in s.held and writes(s.done, round_) == 12,
    )


def save(step: str) -> KillPoint:
    return KillPoint(0, pause=step, ready=lambda s: s.marker.exists())


def invalid_first_plan(key, sent):
    if key == ("plan",) and key not in sent:
        sent.append(key)
        return StubReply(content='{"framing": 42}')
    return None


def slow_retry_for_section_3(key, sent):
    if key == ("write", 3, 0) and key not in sent:
        sent.append(key)
        # The client honours Retry-After: it sleeps 30 s before retrying, and is killed meanwhile.
        return StubReply(status=503, content="overloaded", headers={"Retry-After": "30"})
    return None


def critic_answered(s: Seen) -> bool:
    return any(r.finished for r in s.server.requests if r.schema_name == "CriticReport")


POINTS = {
    "planning": KillPoint(0, hold=lambda k: k == ("plan",), ready=lambda s: ("plan",) in s.held),
    "planning-repair-retry": KillPoint(
        0, hold=lambda k: k == ("plan",), fault=invalid_first_plan, ready=lambda s: ("plan",) in s.held
    ),
    "fan-out-0-done": fanout(0),
    "fan-out-1-done": fanout(1),
    "fan-out-4-done": fanout(4),
    "fan-out-6-done": fanout(6),
    "fan-out-8-done": fanout(8),
    "fan-out-11-done": fanout(11),
    "fan-out-retry-backoff": KillPoint(
        0, fault=slow_retry_for_section_3, ready=lambda s: writes(s.done, 0) == 11
    ),
    "critique-0": critique(0, 0),
    "revision-1-0-done": revision(1, 0),
    "revision-1-6-done": revision(1, 6),
    "critique-1": critique(1, 2),
    "revision-2-3-done": revision(2, 3),
    "critique-2-last": critique(2, 2),
    "after-last-critique-answer": KillPoint(0, ready=critic_answered),
    "save-writing-temp": save("write"),
    "save-before-link": save("fsync"),
    "save-after-link": save("link"),
    "after-assemble-before-its-checkpoint": KillPoint(
        0, pause="checkpoint", ready=lambda s: s.marker.exists() and s.checkpoints.between_steps()
    ),
    "fan-out-5-then-critique-0": KillPoint(
        0,
        hold=lambda key: key[0] == "write" and key[1] > 5,
        ready=lambda s: writes(s.done, 0) == 5 and held_writes(s.held, 0) == 7,
        then=[critique(0, 0)],
    ),
}


def _kill_at(point: KillPoint, team: Team, args, env, tmp_path, server) -> set:
    marker = tmp_path / f"paused-{len(team.keys)}"
    sent: list = []
    team.hold = point.hold
    team.fault = lambda key: point.fault(key, sent)
    child_env = env | ({"RELIAB_PAUSE": point.pause, "RELIAB_MARKER": str(marker)} if point.pause else {})
    process = start(args, child_env)
    checkpoints = Checkpoints(Path(env["MLSD_HOME"]))
    try:
        wait_for(
            lambda: point.ready(Seen(checkpoints.done(), list(team.held), marker, server, checkpoints)),
            process,
        )
    finally:
        kill(process)
    done = checkpoints.done()
    checkpoints.close()
    team.held.clear()
    return done


@pytest.mark.parametrize("name", list(POINTS))
def test_sigkill_then_rerun_completes_without_repeating_finished_calls(stub, tmp_path, name):
    point = POINTS[name]
    team = Team()
    server = stub(team)
    out = tmp_path / "content"
    home = tmp_path / "home"
    env = environment(server.base_url, home, KEY)
    args = ["generate", str(EXAMPLE), "--out-dir", str(out), "--max-revisions", str(point.revisions)]
    document = out / DOC
    # What the checkpoint held at each kill, and where the calls of the process after it start.
    kills: list[tuple[set, int]] = []
    with DocumentWatcher(document) as watcher:
        for stage in [point, *point.then]:  # each stage after the first is a rerun killed again
            done = _kill_at(stage, team, args, env, tmp_path, server)
            existed = document.exists()
            if name not in ("save-after-link", "after-last-critique-answer"):
                assert not existed
            kills.append((done, len(team.keys)))
        team.hold = lambda _k: False
        team.fault = lambda _k: None
        rerun = start(args, env)
        _out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
    ends = [begin for _done, begin in kills[1:]] + [len(team.keys)]
    for (done, begin), end in zip(kills, ends, strict=True):
        again = team.keys[begin:end]
        # The checkpoint held these at the kill: the rerun must not pay for them again.
        assert not set(again) & done, (sorted(set(again) & done), err[-500:])
        assert len(again) == len(set(again))
    if existed:
        assert "exists:" in err  # killed once the document was in place: nothing was left to do
    else:
        assert "resuming interrupted run" in err
    text = document.read_text()
    for n in range(1, 13):
        assert f"Body of section {n}, round {point.revisions}" in text
    assert watcher.seen <= {text}, "the output path held something other than the finished document"
    if name == "save-after-link":
        # The rerun saw the document in place; the killed run's own resume must still finish it.
        _assert_resume_completes_the_run(home, out, server.base_url)
        assert document.read_text() == text
    assert stray_files(out, document) == []  # a killed writer's temp file is gone after the resume
    record(kill_points=1, kills=len(kills), resumes_completed=1)


def _assert_resume_completes_the_run(home: Path, out: Path, base_url: str) -> None:
    """The killed run's own resume saves the same text again and finishes (no --force needed)."""
    from mlsd.llm.models import ModelConfig, OpenAIChatFactory
    from mlsd.records import Params, load_record
    from mlsd.runs.runner import RunRequest, run_document
    from mlsd.runs.store import RunStore

    rec, _ = load_record(str(EXAMPLE))
    row = RunStore(home / "runs.db").get("latest")
    request = RunRequest(record=rec, params=Params(), out_dir=out, home=home, resume_id=row.id)
    config = ModelConfig(model="stub-model", base_url=base_url, api_key=KEY)
    outcome = asyncio.run(run_document(request, OpenAIChatFactory(config)))
    assert outcome.output_path == str(out / DOC)
    assert RunStore(home / "runs.db").get(row.id).status == "done"
