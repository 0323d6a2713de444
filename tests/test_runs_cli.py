"""`mlsd runs` through typer's CliRunner, on runs generated against the loopback stub."""

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from helpers.scripted import critic_json
from helpers.stub_agents import agents
from typer.testing import CliRunner

from mlsd.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
KEY = "sk-runs-SECRET-5a5a5a5a5a"
REVISE_4_AND_9 = critic_json({4: ["Write the loss as a formula."], 9: ["Add capacity arithmetic."]})


@pytest.fixture
def cli(stub, monkeypatch, tmp_path):
    server = stub(agents(critic_replies=[REVISE_4_AND_9]))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    runner = CliRunner()
    seen: list[str] = []

    def invoke(*args):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        seen.append(result.output + (result.stderr if result.stderr_bytes is not None else ""))
        return result

    invoke.server, invoke.out, invoke.seen = server, tmp_path / "content", seen
    return invoke


def home() -> Path:
    import os

    return Path(os.environ["MLSD_HOME"])


def generate(cli, *extra):
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "1", *extra)
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(home() / "runs.db")
    return db.execute("SELECT id FROM runs ORDER BY started_at DESC").fetchone()[0]


def test_list_show_and_export_a_run(cli):
    run_id = generate(cli)
    listed = cli("runs", "list")
    assert listed.exit_code == 0
    assert run_id in listed.output and "Meta / Design a News Feed" in listed.output
    assert "done" in listed.output
    assert "no runs" in cli("runs", "list", "--status", "failed").output
    shown = cli("runs", "show", run_id[:12])
    assert shown.exit_code == 0
    assert "§4 Advanced ML Model Design" in shown.output
    assert "critic REVISE" in shown.output and "fix: Write the loss as a formula." in shown.output
    assert "round 1" in shown.output and "critique" in shown.output
    one = cli("runs", "show", "latest", "--call", "1")
    assert "=== system ===" in one.output and "=== answer ===" in one.output
    calls = len(cli.server.requests)
    lines = cli("runs", "export", "latest", "--format", "jsonl").output.splitlines()
    assert len(lines) == calls + 1
    assert json.loads(lines[0])["type"] == "run" and json.loads(lines[1])["type"] == "call"
    whole = json.loads(cli("runs", "export", run_id).output)
    assert whole["run"]["id"] == run_id and len(whole["calls"]) == calls
    html = cli.out / "run.html"
    assert cli("runs", "html", "latest", "-o", html).exit_code == 0
    assert html.read_text().count('class="bar ') == calls


def test_show_and_html_give_the_checks_verdict_next_to_the_critics(cli):
    # The stub's short sections fail deterministic checks while the critic passes most of them:
    # no such section may read as a plain "pass".
    run_id = generate(cli)
    shown = cli("runs", "show", run_id).output
    reviews = [line for line in shown.splitlines() if "review round" in line]
    assert len(reviews) >= 12
    assert all("checks FAIL " in line for line in reviews), reviews
    assert any("checks FAIL G7_section_words" in line and "critic pass" in line for line in reviews)
    assert sum("critic REVISE" in line for line in reviews) == 2  # §4 and §9 in round 0
    assert "critic round" not in shown
    page = cli.out / "run.html"
    assert cli("runs", "html", run_id, "-o", page).exit_code == 0
    assert 'checks <span class="revise">FAIL G7_section_words' in page.read_text()
    assert 'checks <span class="pass">' not in page.read_text()


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 139])
def test_list_prints_run_ids_whole_in_a_narrow_terminal(cli, monkeypatch, width):
    from rich.console import Console

    import mlsd.commands.runs as runs_command

    run_id = generate(cli)
    monkeypatch.setattr(runs_command, "_console", lambda: Console(width=width, highlight=False))
    listed = cli("runs", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.stdout.splitlines() if line.startswith(run_id[:8]))
    assert row.split()[0] == run_id  # whole, and copyable as one word
    assert "done" in row  # the status is never dropped or cropped
    if width < 100:
        assert "not shown" in listed.stderr and "calls" in listed.stderr


def test_list_status_filter_knows_interrupted_and_rejects_unknown(cli):
    generate(cli)
    assert (
        "no runs recorded yet with status interrupted"
        in cli("runs", "list", "--status", "interrupted").output
    )
    bad = cli("runs", "list", "--status", "finished")
    assert bad.exit_code == 2 and "--status: must be one of" in bad.output


def test_html_without_o_writes_run_id_html_here_and_says_where(cli, monkeypatch, tmp_path):
    run_id = generate(cli)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("runs", "html", run_id[:12])
    assert result.exit_code == 0, result.output
    page = here / f"run-{run_id}.html"
    assert result.stdout.strip() == str(page)
    assert 'class="bar ' in page.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(page.stat().st_mode) == 0o666 & ~umask
    into = tmp_path / "reports"
    into.mkdir()
    result = cli("runs", "html", "latest", "-o", into)  # a folder: the default name inside it
    assert result.exit_code == 0 and result.stdout.strip() == str(into / f"run-{run_id}.html")
    assert sorted(p.name for p in here.iterdir()) == [page.name]  # no temp file left behind


def test_unknown_or_ambiguous_runs_are_one_line_errors(cli):
    generate(cli)
    generate(cli, "--seniority", "E5")
    for ref, message in (("nope", "no run matches"), ("2", "more than one run")):
        result = cli("runs", "show", ref)
        assert result.exit_code == 2
        assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert cli("runs", "export", "latest", "--format", "xml").exit_code == 2
    assert cli("runs", "show", "latest", "--call", "999").exit_code == 2


def test_the_key_is_nowhere_in_the_store_exports_html_or_output(cli):
    run_id = generate(cli)
    commands = [("runs", "list"), ("runs", "show", run_id)]
    commands += [("runs", "show", run_id, "--call", n) for n in range(1, 4)]
    commands += [("runs", "export", run_id, "--format", "jsonl"), ("runs", "export", run_id)]
    commands += [("runs", "html", run_id, "-o", cli.out / "run.html")]
    for args in commands:
        # A command that failed wrote nothing to scan: the scan would pass by accident.
        result = cli(*args)
        assert result.exit_code == 0 and result.output.strip(), (args, result.output)
    assert (cli.out / "run.html").stat().st_size > 0
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in cli.server.requests)
    assert all(KEY not in text for text in cli.seen)
    files = [p for root in (home(), cli.out) for p in root.rglob("*") if p.is_file()]
    assert any(p.name.startswith("runs.db") for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_log_prompts_drops_text_but_keeps_metadata(cli, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("MLSD_NO_LOG_PROMPTS", "1")
    run_id = generate(cli, *(["--no-log-prompts"] if how == "flag" else []))
    calls = json.loads(cli("runs", "export", run_id).output)["calls"]
    assert len(calls) == len(cli.server.requests)
    assert all(c["messages"] is None and c["answer"] is None and c["input_tokens"] > 0 for c in calls)
    assert "not logged" in cli("runs", "show", run_id, "--call", "1").output
    cli("runs", "html", run_id, "-o", cli.out / "run.html")
    assert "Body of section" not in (cli.out / "run.html").read_text()
    assert "REVISE" in cli("runs", "show", run_id).output  # verdicts are metadata, fixes are text
