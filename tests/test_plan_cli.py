"""`mlsd plan`, `mlsd generate --plan` and `--review-plan` through the CLI, against the loopback stub."""

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers.cli import cli_invoker
from helpers.crash import environment
from helpers.scripted import plan_json
from helpers.stub_agents import agents, writer_requests
from helpers.stub_server import content_text
from test_cli import EXAMPLE, KEY

from mlsd.commands import plan_review
from mlsd.commands.plan_file import plan_yaml
from mlsd.runs.store import RunStore

DOC = Path("ml-system-designs") / "Meta" / "Design a News Feed ML Ranking System.md"
# An editor that applies the next scripted edit to the file it is given: a Python expression over
# the file's text, taken in order from EDITS; the script counts its own runs in a file beside it.
EDITOR = """
import pathlib, sys
here = pathlib.Path(sys.argv[0]).parent
count = here / "count"
n = int(count.read_text()) if count.exists() else 0
count.write_text(str(n + 1))
edits = (here / "edits").read_text().split("\\n---\\n")
target = pathlib.Path(sys.argv[1])
text = target.read_text()
target.write_text(eval(edits[n]))
"""


@pytest.fixture
def cli(stub, monkeypatch, tmp_path):
    return cli_invoker(stub(agents()), monkeypatch, tmp_path / "content", KEY)


def schemas(server, since=0):
    return [r.schema_name for r in server.requests[since:]]


def prompt_text(request):
    return "\n".join(content_text(m.get("content")) for m in request.messages)


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """Script the edits a person makes in $EDITOR: each is an expression of the file's ``text``."""
    folder = tmp_path / "editor"
    folder.mkdir()
    (folder / "editor.py").write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {folder / 'editor.py'}")
    monkeypatch.delenv("VISUAL", raising=False)

    def script(*edits):
        (folder / "edits").write_text("\n---\n".join(edits))

    script.count = lambda: int((folder / "count").read_text()) if (folder / "count").exists() else 0
    return script


def paused_runs(home: Path) -> list[dict]:
    return RunStore(home / "runs.db").list_runs(status="paused") if (home / "runs.db").exists() else []


def paused_run_id():
    rows = paused_runs(Path(os.environ["MLSD_HOME"]))
    assert len(rows) == 1
    return rows[0]["id"]


def test_plan_writes_yaml_that_generate_plan_writes_from(cli, tmp_path):
    plan_file = tmp_path / "plan.yaml"
    result = cli("plan", EXAMPLE, "--out", plan_file)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(plan_file)
    assert schemas(cli.server) == ["ArchetypeChoice", "InterviewPlan", "PlanVerification"]
    text = plan_file.read_text()
    data = yaml.safe_load(text)
    assert list(data)[:4] == ["archetype", "archetype_reason", "framing", "ml_objective"]
    assert data["archetype"] == "ranking" and "# 7. Advanced System Architecture" in text
    assert not cli.out.exists()

    plan_file.write_text(text.replace("≈700k QPS", "≈910k QPS"))
    seen = len(cli.server.requests)
    result = cli("generate", EXAMPLE, "--plan", plan_file, "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 0, result.output
    asked = set(schemas(cli.server, seen))
    assert not asked & {"ArchetypeChoice", "InterviewPlan", "PlanVerification"}
    writers = writer_requests(cli.server)
    assert len(writers) == 12 and all("≈910k QPS" in prompt_text(r) for r in writers)
    assert (cli.out / DOC).is_file()


def test_plan_prints_yaml_on_stdout_and_refuses_to_overwrite(cli, tmp_path):
    result = cli("plan", EXAMPLE, "--archetype", "ranking", "--no-verify")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["facts"][0]["value"] == "2B DAU"
    assert schemas(cli.server) == ["InterviewPlan"]
    existing = tmp_path / "kept.yaml"
    existing.write_text("mine")
    result = cli("plan", EXAMPLE, "--out", existing)
    assert result.exit_code == 2 and "--out:" in result.stderr and existing.read_text() == "mine"


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t + "\n  broken: [", "not valid YAML (line"),
        (lambda t: t.replace("value: ≈700k QPS", "value: " + "9" * 41), "facts item 4, value: String should"),
        (
            lambda t: t.replace("  derivation: 3× average", "  derivaton: 3× average"),
            "derivaton: Extra inputs",
        ),
        (lambda t: t.replace("- number: 12", "- number: 11"), "sections: need exactly one entry"),
        (lambda t: t.replace("archetype: ranking\n", ""), "archetype: missing"),
    ],
)
def test_a_bad_plan_file_is_one_line_exit_2_and_no_model_call(cli, tmp_path, edit, needle):
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(edit(plan_yaml(plan_json() | {"archetype": "ranking"})))
    result = cli("generate", EXAMPLE, "--plan", plan_file, "--out-dir", cli.out)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {plan_file}") and needle in lines[0]
    assert cli.server.requests == [] and not cli.out.exists()


def test_review_without_a_terminal_pauses_then_the_flags_continue(cli, tmp_path):
    result = cli("generate", EXAMPLE, "--review-plan", "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 5, result.output
    run_id = paused_run_id()
    assert yaml.safe_load(result.stdout)["facts"][3]["value"] == "≈700k QPS"
    assert f"mlsd generate --resume {run_id} --accept-plan" in result.stderr
    assert writer_requests(cli.server) == [] and not cli.out.exists()
    listed = cli("runs", "list", "--status", "paused")
    assert run_id in listed.stdout and "paused" in listed.stdout

    # Feedback: one more planner call, then the run pauses again with the revised plan.
    seen = len(cli.server.requests)
    result = cli("generate", "--resume", run_id, "--plan-feedback", "Peak is 4x the average, not 3x.")
    assert result.exit_code == 5, result.output
    assert schemas(cli.server, seen) == ["InterviewPlan"]
    assert "Peak is 4x the average" in cli.server.requests[-1].last_user_text

    # An edited file: written from it, with the edited number in every writer's prompt.
    edited = tmp_path / "edited.yaml"
    edited.write_text(result.stdout.replace("≈700k QPS", "≈930k QPS"))
    result = cli("generate", "--resume", run_id, "--plan", edited)
    assert result.exit_code == 0, result.output
    assert "no longer says" not in result.stderr  # every mention was edited: nothing stale
    assert all("≈930k QPS" in prompt_text(r) for r in writer_requests(cli.server))
    assert "plan: edited in review" in (cli.out / DOC).read_text()

    result = cli("generate", "--resume", run_id, "--accept-plan")
    assert result.exit_code == 2 and "is not paused for a plan review (it is done)" in result.stderr


def test_decision_flags_need_a_paused_run(cli):
    result = cli("generate", EXAMPLE, "--accept-plan")
    assert result.exit_code == 2 and "--accept-plan: only with --resume RUN" in result.stderr
    result = cli("generate", EXAMPLE, "--review-plan", "--strategy", "single-shot")
    assert result.exit_code == 2 and "--review-plan: only with --strategy multi-agent" in result.stderr
    assert cli.server.requests == []


def test_at_a_terminal_an_invalid_edit_gets_a_second_chance(cli, editor, monkeypatch):
    monkeypatch.setattr(plan_review, "interactive", lambda: True)
    # The editor reopens on what the user saved, so the second edit fixes the first.
    editor(
        "text.replace('facts:', 'facts: [')", "text.replace('facts: [', 'facts:').replace('≈700k', '≈950k')"
    )
    result = cli(
        "generate", EXAMPLE, "--review-plan", "--out-dir", cli.out, "--max-revisions", "0", input="e\n"
    )
    assert result.exit_code == 0, result.output
    assert editor.count() == 2
    assert "not valid YAML" in result.stderr and "reopening the editor" in result.stderr
    assert "Peak feed QPS: ≈700k QPS  = 3× average" in result.stderr  # the readable view
    assert all("≈950k QPS" in prompt_text(r) for r in writer_requests(cli.server))


@pytest.mark.parametrize(
    "edits",
    [
        ("text.replace('value: 2B DAU', 'value: [')", "text.replace('framing:', 'framing: 1\\nframing:')"),
        ("''",),
    ],
    ids=["two invalid edits", "an empty file"],
)
def test_at_a_terminal_a_failed_edit_leaves_the_run_paused(cli, editor, monkeypatch, edits):
    monkeypatch.setattr(plan_review, "interactive", lambda: True)
    editor(*edits)
    result = cli("generate", EXAMPLE, "--review-plan", "--out-dir", cli.out, input="e\n")
    assert result.exit_code == 2, result.output
    assert editor.count() == len(edits)
    run_id = paused_run_id()
    assert f"--resume {run_id} --accept-plan" in result.stderr
    assert writer_requests(cli.server) == [] and not cli.out.exists()


def test_at_a_terminal_feedback_is_applied_then_reviewed_again(cli, monkeypatch):
    monkeypatch.setattr(plan_review, "interactive", lambda: True)
    result = cli(
        "generate", EXAMPLE, "--review-plan", "--out-dir", cli.out, "--max-revisions", "0",
        input="f\nUse 2.1B DAU from the last earnings report.\na\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert schemas(cli.server).count("InterviewPlan") == 2
    assert result.stderr.count("Fact sheet:") == 2  # shown, then shown again after the revision
    assert (
        "2.1B DAU from the last earnings report"
        in [r for r in cli.server.requests if r.schema_name == "InterviewPlan"][1].last_user_text
    )
    assert (cli.out / DOC).is_file()


@pytest.mark.slow  # SIGKILL of a real process at a pty prompt
def test_sigkill_while_paused_at_the_prompt_then_resume_finishes(stub, tmp_path):
    server = stub(agents())
    home, content = tmp_path / "home", tmp_path / "content"
    env = environment(server.base_url, home, "sk-review-SECRET-1")
    mlsd = [sys.executable, "-c", "from mlsd.cli import main; main()"]

    def run(*args):
        return subprocess.run([*mlsd, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    # A terminal on stdin, so the run waits at the review prompt as it would for a person.
    controller, terminal = pty.openpty()
    args = ["generate", str(EXAMPLE), "--review-plan", "--out-dir", str(content), "--max-revisions", "0"]
    first = subprocess.Popen([*mlsd, *args], env=env, stdin=terminal, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    os.close(terminal)
    try:
        deadline = time.monotonic() + 60
        while not paused_runs(home):
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "the run did not pause in time"
            time.sleep(0.05)
        time.sleep(0.5)
        assert first.poll() is None  # alive, waiting for the answer
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        os.close(controller)
    assert first.returncode == -signal.SIGKILL
    run_id = paused_runs(home)[0]["id"]
    assert writer_requests(server) == [] and not content.exists()

    # The pause outlived the process: the same plan is shown again, without any model call.
    seen = len(server.requests)
    again = run("generate", "--resume", run_id)
    assert again.returncode == 5, again.stderr
    assert yaml.safe_load(again.stdout)["facts"][0]["value"] == "2B DAU"
    assert len(server.requests) == seen

    # --max-revisions belongs to each invocation, not to the stored run (as for any --resume).
    done = run("generate", "--resume", run_id, "--accept-plan", "--max-revisions", "0")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip().splitlines()[-1]) == (content / DOC).resolve()
    assert schemas(server).count("InterviewPlan") == 1 and len(writer_requests(server)) == 12
    assert "sk-review-SECRET-1" not in done.stderr + again.stderr
