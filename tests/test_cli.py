"""The CLI through typer's CliRunner, against the loopback stub."""

import json
import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from helpers.cli import cli_invoker
from helpers.stub_agents import agents
from helpers.stub_server import StubReply
from typer.testing import CliRunner

from mlsd.cli import app
from mlsd.evals.checks import SECTION_TITLES, time_table_minutes

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
KEY = "sk-cli-SECRET-abcdef"


@pytest.fixture
def cli(stub, monkeypatch, tmp_path):
    return cli_invoker(stub(agents()), monkeypatch, tmp_path / "content", KEY)


def headings(text):
    return [line[3:].split(". ", 1)[1] for line in text.splitlines() if line.startswith("## ")]


def test_generate_the_reference_example_at_the_seed_path(cli):
    result = cli("generate", EXAMPLE, "--out-dir", cli.out)
    assert result.exit_code == 0, result.output
    path = cli.out / "ml-system-designs" / "Meta" / "Design a News Feed ML Ranking System.md"
    assert path.exists()
    assert result.stdout.strip().splitlines()[-1] == str(path.resolve())
    text = path.read_text()
    assert headings(text) == list(SECTION_TITLES)
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["seniority"] == "E7" and meta["duration"] == "60min" and meta["company"] == "Meta"
    assert sum(time_table_minutes(text)) == 60
    assert "run " in result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # a document, not a secret: not 0600


@pytest.mark.parametrize(
    ("flags", "suffix", "minutes"),
    [
        (["--seniority", "E5", "--duration", "45"], "(E5, 45min)", 45),
        (["--seniority", "e8", "--duration", "90min"], "(E8, 90min)", 90),
    ],
)
def test_variants_have_their_own_paths_and_time_tables(cli, flags, suffix, minutes):
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "0", *flags)
    assert result.exit_code == 0, result.output
    path = cli.out / "ml-system-designs" / "Meta" / f"Design a News Feed ML Ranking System {suffix}.md"
    assert sum(time_table_minutes(path.read_text())) == minutes


def test_record_from_stdin(cli):
    result = cli("generate", "-", "--out-dir", cli.out, "--max-revisions", "0", input=EXAMPLE.read_text())
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("record", "flags", "needle"),
    [
        ('{"company_name": "Meta"}', [], "ml_topic: is required"),
        (
            EXAMPLE.read_text().replace('"company_name"', '"compnay_name"'),
            [],
            "company_name: is required (found unknown key 'compnay_name' — did you mean 'company_name'?)",
        ),
        ("[1, 2]", [], "record: expected a JSON object"),
        ("{not json", [], "record: not valid JSON"),
        (None, ["--seniority", "E9"], "--seniority: must be one of"),
        (None, ["--duration", "30"], "--duration: must be one of"),
        (None, ["--focus-area", "vision"], "--focus-area: must be one of"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(cli, tmp_path, record, flags, needle):
    source = tmp_path / "record.json"
    source.write_text(record if record is not None else EXAMPLE.read_text())
    result = cli("generate", source, "--out-dir", cli.out, *flags)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not cli.out.exists()
    assert cli.server.requests == []


def test_unknown_fields_warn_and_name_them(cli, tmp_path):
    data = json.loads(EXAMPLE.read_text()) | {"salary": 1}
    source = tmp_path / "r.json"
    source.write_text(json.dumps(data))
    result = cli("generate", source, "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 0
    assert "ignoring unknown field(s): salary" in result.stderr


def test_flagged_sections_are_reported_truthfully_for_zero_and_n_rounds(cli):
    # The stub's short sections fail the deterministic checks whatever the rounds.
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "0", "--strict")
    assert result.exit_code == 4
    line = next(x for x in result.stderr.splitlines() if x.startswith("flagged: "))
    assert "no rewrite round was asked for (--max-revisions 0)" in line and "--max-revisions N" in line
    assert "still" not in result.stderr and "after the last round" not in result.stderr
    assert re.search(r"§1 \(checks [A-Z]\d+", line)  # names which checks flag the section
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "1", "--force", "--fresh")
    assert result.exit_code == 0
    assert "still flagged after revision round 1 of 1: §1 (checks " in result.stderr


def test_existing_document_is_kept_without_force_and_no_model_is_called(cli):
    assert cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "0").exit_code == 0
    calls = len(cli.server.requests)
    path = next(cli.out.rglob("*.md"))
    path.write_text("mine")
    result = cli("generate", EXAMPLE, "--out-dir", cli.out)
    assert result.exit_code == 0
    assert "exists" in result.stderr
    assert len(cli.server.requests) == calls
    assert path.read_text() == "mine"
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--force", "--fresh", "--max-revisions", "0")
    assert result.exit_code == 0
    assert path.read_text() != "mine"


def test_dry_run_calls_no_model_and_writes_nothing(cli):
    result = cli("generate", EXAMPLE, "--dry-run", "--duration", "90", "--out-dir", cli.out)
    assert result.exit_code == 0, result.output
    assert "Interview time plan" in result.stdout and "Section budgets" in result.stdout
    assert "estimate for gpt-4.1-mini" in result.stdout and "$" in result.stdout
    assert "90" in result.stdout
    assert cli.server.requests == []
    assert not cli.out.exists()


def test_dry_run_counts_the_revision_rounds_asked_for(cli):
    def dry(rounds):
        result = cli("generate", EXAMPLE, "--dry-run", "--max-revisions", rounds, "--out-dir", cli.out)
        assert result.exit_code == 0, result.output
        line = next(x for x in result.stdout.splitlines() if x.startswith("calls: "))
        tokens = next(x for x in result.stdout.splitlines() if x.startswith("estimate for "))
        numbers = [int(n.replace(",", "")) for n in re.findall(r"~([\d,]+)", tokens)]
        return line, tokens, numbers

    none, none_tokens, none_numbers = dry(0)
    assert "no revision round (--max-revisions 0)" in none and "revision rounds of" not in none
    assert "upper bound" not in none_tokens
    # archetype, plan, plan verifier, 12 writers, 12 verifiers, one critique: nothing rewritten
    assert none.startswith("calls: about 28 (at most 29)")
    two, two_tokens, two_numbers = dry(2)
    assert "up to 2 revision rounds" in two and "upper bound" in two_tokens
    # each round: 6 (at most 12) rewrites, their verifiers and a critique; at most one plan repair
    assert two.startswith("calls: about 54 (at most 79)")
    assert two_numbers[0] > none_numbers[0] and two_numbers[1] > none_numbers[1]
    one = dry(1)[2]
    assert none_numbers[0] < one[0] < two_numbers[0]


def test_auth_failure_is_one_line_exit_3_with_resume_and_nothing_written(stub, monkeypatch, tmp_path):
    server = stub(lambda _r: StubReply(status=401, content="bad key"))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out-dir", str(tmp_path / "c")])
    assert result.exit_code == 3
    assert "API key was refused" in result.stderr
    assert "mlsd generate --resume" in result.stderr
    assert KEY not in result.output
    assert not (tmp_path / "c").exists()
    assert len(server.requests) == 1  # 401 is not retried


def test_help_lists_generate():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "generate" in result.stdout


def test_resume_latest_saves_where_the_run_started(stub, monkeypatch, tmp_path):
    state = {"down": True}
    healthy = agents()

    def responder(request):
        return StubReply(status=503, content="down") if state["down"] else healthy(request)

    server = stub(responder)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "elsewhere"
    args = ["generate", str(EXAMPLE), "--out-dir", str(out), "--max-revisions", "0", "--timeout", "2"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 3 and "resume with" in first.stderr
    state["down"] = False
    second = CliRunner().invoke(app, ["generate", "--resume", "latest"])
    assert second.exit_code == 0, second.output
    assert Path(second.stdout.strip().splitlines()[-1]).is_relative_to(out.resolve())
    assert not (tmp_path / "content").exists()
