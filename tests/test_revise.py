"""`mlsd revise` through the CLI, the real client and run store, against the loopback stub."""

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
import yaml
from helpers.cli import cli_invoker
from helpers.scripted import critic_json
from helpers.stub_agents import agents, brief_number, writer_requests

from mlsd.evals.markdown import split_front_matter
from mlsd.llm.models import ModelConfig, OpenAIChatFactory
from mlsd.paths import new_file_mode
from mlsd.prompts import load_catalogue
from mlsd.runs.revise import ReviseRequest, revise_document
from mlsd.runs.saved_document import parse_saved

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
KEY = "sk-revise-SECRET-7b7b7b7b7b"
NOTE = "Write the multi-task loss as a formula with its weights."


def home() -> Path:
    return Path(os.environ["MLSD_HOME"])


@pytest.fixture
def cli(stub, monkeypatch, tmp_path):
    return cli_invoker(stub(agents()), monkeypatch, tmp_path / "content", KEY)


def generate(cli) -> tuple[Path, str]:
    """One saved document (no critic rounds) and its run id."""
    result = cli("generate", EXAMPLE, "--out-dir", cli.out, "--max-revisions", "0")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    return path, yaml.safe_load(split_front_matter(path.read_text())[0].strip("-\n"))["run_id"]


def body(text: str) -> str:
    """Everything after the front matter."""
    return split_front_matter(text)[1]


def expected_body(original: str, revised: str, numbers: list[int]) -> str:
    """The original body with only the given sections' prose replaced, by plain text replacement."""
    expected = body(original)
    for number in numbers:
        old, new = parse_saved(original).prose(number), parse_saved(revised).prose(number)
        assert old and expected.count(old) == 1 and old != new
        expected = expected.replace(old, new)
    return expected


def test_revise_one_section_leaves_every_other_byte_alone(cli):
    path, run_id = generate(cli)
    original = path.read_text()
    before = len(cli.server.requests)
    result = cli("revise", path, "--section", 4, "--note", NOTE)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(path)
    revised = path.read_text()
    assert "Body of section 4, round 1" in parse_saved(revised).prose(4)
    assert "Body of section 4, round 0" in parse_saved(original).prose(4)
    assert body(revised) != body(original)
    assert body(revised) == expected_body(original, revised, [4])
    # the writer got the stored plan's fact sheet in its prefix and the note as the fix
    writers = writer_requests(cli.server)[12:]
    assert {brief_number(r) for r in writers} == {4}
    assert NOTE in writers[0].last_user_text and "<previous_draft>" in writers[0].last_user_text
    assert "Body of section 4, round 0" in writers[0].last_user_text
    assert "**Average feed QPS**: ≈230k QPS" in writers[0].messages[0]["content"]
    # the critic saw the whole document and was told the scope
    critics = [r for r in cli.server.requests[before:] if r.schema_name == "CriticReport"]
    assert critics and "only §4 were rewritten" in critics[0].last_user_text
    assert "## 12. Advanced Technical Interview Questions" in critics[0].last_user_text
    # backup, mode, front matter
    assert Path(f"{path}.bak").read_text() == original
    assert path.stat().st_mode & 0o777 == new_file_mode()
    meta = parse_saved(revised).front_matter
    assert meta["run_id"] == run_id
    entry = meta["revised"][-1]
    assert entry["sections"] == [4] and entry["note"] == NOTE and entry["source"] == "run"
    assert entry["tokens"]["calls"] >= 2 and entry["tokens"]["input_tokens"] > 0
    assert f"{entry['tokens']['input_tokens']} input" in result.stderr


def test_revise_two_sections_keeps_the_time_plan_and_the_diagram(cli):
    path, _ = generate(cli)
    original = path.read_text()
    result = cli("revise", path, "--section", 1, "--section", 7, "--note", NOTE, "--no-backup")
    assert result.exit_code == 0, result.output
    revised = path.read_text()
    assert body(revised) == expected_body(original, revised, [1, 7])
    for number in (1, 7):
        assert f"Body of section {number}, round 1" in parse_saved(revised).prose(number)
    old_overview, new_overview = body(original).split("## 2.")[0], body(revised).split("## 2.")[0]
    assert (
        old_overview.split("### Interview time plan")[1] == new_overview.split("### Interview time plan")[1]
    )
    diagram = body(original).split("```mermaid")[1].split("```")[0]
    assert f"```mermaid{diagram}```" in body(revised)
    for number in (2, 3, 4, 5, 6, 8, 9, 10, 11, 12):
        assert parse_saved(revised).prose(number) == parse_saved(original).prose(number)
    assert not Path(f"{path}.bak").exists()


def test_the_revision_is_a_run_linked_to_the_original(cli):
    path, run_id = generate(cli)
    assert cli("revise", path, "--section", 4, "--note", NOTE).exit_code == 0
    row = (
        sqlite3.connect(home() / "runs.db")
        .execute("SELECT id, strategy, revises, revised_sections, status FROM runs ORDER BY started_at DESC")
        .fetchone()
    )
    new_id, strategy, revises, sections, status = row
    assert (strategy, revises, sections, status) == ("revise", run_id, "[4]", "done")
    assert parse_saved(path.read_text()).front_matter["revised"][-1]["run"] == new_id
    listed = cli("runs", "list")
    assert f"revise §4 of {run_id}" in listed.stdout
    shown = cli("runs", "show", new_id)
    assert shown.exit_code == 0
    assert "write_section" in shown.stdout and "§4 Advanced ML Model Design" in shown.stdout
    assert "critique" in shown.stdout and "§3" not in shown.stdout
    # a revision is not a generate run to resume
    resumed = cli("generate", "--resume", new_id)
    assert resumed.exit_code == 2 and "is a revision" in resumed.stderr


def test_a_document_whose_run_is_gone_is_revised_from_its_own_text(cli, tmp_path):
    path, run_id = generate(cli)
    original = path.read_text()
    (home() / "runs.db").unlink()
    (home() / "checkpoints.db").unlink()
    result = cli("revise", path, "--section", 4, "--note", NOTE)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and run_id in warnings[0] and "document's own text" in warnings[0]
    revised = path.read_text()
    assert body(revised) == expected_body(original, revised, [4])
    assert "Body of section 4, round 1" in parse_saved(revised).prose(4)
    writer = writer_requests(cli.server)[12]
    prefix = writer.messages[0]["content"] + writer.messages[1]["content"]
    assert "Body of section 9, round 0" in prefix  # the other sections stand in for the plan
    assert "Body of section 4, round 0" not in prefix  # its own old text comes once, in the brief
    assert "**Average feed QPS**" not in prefix
    assert parse_saved(revised).front_matter["revised"][-1]["source"].startswith("document text")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--section", "13", "--note", NOTE], "--section"),
        (["--section", "0", "--note", NOTE], "--section"),
        (["--note", NOTE], "--section"),
        (["--section", "4", "--note", "  "], "--note"),
        (["--section", "4"], "--note"),
    ],
)
def test_bad_flags_exit_2_and_write_nothing(cli, args, field):
    path, _ = generate(cli)
    original, before = path.read_bytes(), len(cli.server.requests)
    result = cli("revise", path, *args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: {field}:") and len(result.stderr.splitlines()) == 1
    assert path.read_bytes() == original and not Path(f"{path}.bak").exists()
    assert len(cli.server.requests) == before


@pytest.mark.parametrize(
    "text",
    [
        None,  # missing file
        "# Notes\n\nJust a markdown file.\n",
        "---\ncompany: Meta\ntopic: Feed\n---\n\n# Feed\n\n## 1. Interview Overview\n\nOnly one section.\n",
        "twelve sections, seniority E9",
    ],
)
def test_a_missing_or_foreign_document_exits_2(cli, tmp_path, text):
    path = tmp_path / "doc.md"
    if text == "twelve sections, seniority E9":
        sections = "\n\n".join(f"## {s.number}. {s.title}\n\nProse." for s in load_catalogue().sections)
        text = f"---\ncompany: Meta\ntopic: Feed\nseniority: E9\n---\n\n# Feed\n\n{sections}\n"
    if text is not None:
        path.write_text(text)
    result = cli("revise", path, "--section", 1, "--note", NOTE)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: DOCUMENT:") and len(result.stderr.splitlines()) == 1
    assert not cli.server.requests
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if text is None else ["doc.md"])


def _revise_direct(server, path, sections, max_revisions):
    config = ModelConfig(model="gpt-4.1-mini", base_url=server.base_url, api_key=KEY, max_retries=0)
    req = ReviseRequest(
        path=path,
        sections=sections,
        note=NOTE,
        home=home(),
        max_revisions=max_revisions,
        checker=lambda *a, **k: [],
    )
    return asyncio.run(revise_document(req, OpenAIChatFactory(config)))


@pytest.mark.parametrize(("max_revisions", "writers", "critics"), [(0, 1, 1), (1, 2, 2), (2, 3, 3)])
def test_critic_flags_give_at_most_max_revisions_more_rounds(stub, cli, max_revisions, writers, critics):
    path, _ = generate(cli)
    flags = stub(agents(critic_default=lambda _r: critic_json({4: ["Add the loss weights."], 9: ["x"]})))
    outcome = _revise_direct(flags, path, [4], max_revisions)
    assert [brief_number(r) for r in writer_requests(flags)] == [4] * writers  # never §9
    assert sum(r.schema_name == "CriticReport" for r in flags.requests) == critics
    later = writer_requests(flags)[1:]
    assert all("Add the loss weights." in r.last_user_text and NOTE in r.last_user_text for r in later)
    assert outcome.unresolved == [4] and outcome.rounds == writers
    meta = parse_saved(path.read_text()).front_matter
    assert meta["revised"][-1]["critic"]["unresolved_sections"] == [4]
    assert 4 in meta["critic"]["unresolved_sections"]


def test_a_passing_critic_ends_after_one_round_and_clears_the_open_issue(stub, cli):
    path, _ = generate(cli)
    assert 4 in parse_saved(path.read_text()).front_matter["critic"]["unresolved_sections"]
    passes = stub(agents())
    outcome = _revise_direct(passes, path, [4], 2)
    assert len(writer_requests(passes)) == 1 and outcome.unresolved == []
    meta = parse_saved(path.read_text()).front_matter
    assert 4 not in meta["critic"]["unresolved_sections"]
    assert 5 in meta["critic"]["unresolved_sections"]  # not revised: still open


def test_splice_into_an_empty_section_keeps_the_separators():
    sections = "\n\n".join(
        f"## {s.number}. {s.title}\n\n{'' if s.number == 4 else f'Prose {s.number}.'}"
        for s in load_catalogue().sections
    )
    doc = parse_saved(f"---\ncompany: Meta\ntopic: Feed\n---\n\n# Feed\n\n{sections}\n")
    assert doc.prose(4) == "" and doc.prose(5) == "Prose 5."
    spliced = doc.spliced({4: "New prose 4.", 12: "New prose 12."})
    assert "## 4. Advanced ML Model Design\n\n" in spliced and "\nNew prose 4.\n\n## 5." in spliced
    assert spliced.endswith("## 12. Advanced Technical Interview Questions\n\nNew prose 12.\n")
    assert parse_saved(spliced).prose(4) == "New prose 4."


def test_splice_keeps_code_parts_when_the_prose_around_them_was_empty():
    extras = {1: "### Interview time plan\n\n| # | Phase |\n|---|---|\n| 1 | Clarify |", 7: DIAGRAM}
    sections = "\n\n".join(
        f"## {s.number}. {s.title}\n\n{extras.get(s.number, f'Prose {s.number}.')}"
        for s in load_catalogue().sections
    )
    doc = parse_saved(f"---\ncompany: Meta\ntopic: Feed\n---\n\n# Feed\n\n{sections}\n")
    assert doc.prose(1) == "" and doc.prose(7) == ""
    drawn = "```mermaid\nflowchart LR\n    x --> y\n```"
    spliced = doc.spliced({1: "New overview.", 7: f"New architecture.\n\n{drawn}\n\nMore."})
    assert "\n\nNew overview.\n\n### Interview time plan\n\n| # | Phase |" in spliced
    assert f"{DIAGRAM}\n\nNew architecture." in spliced and "More.\n\n## 8." in spliced
    assert spliced.count("```mermaid") == 1  # the writer's own diagram is dropped


DIAGRAM = "### System diagram\n\n```mermaid\nflowchart LR\n    a --> b\n```"


def test_a_revision_stopped_by_ctrl_c_is_recorded_as_interrupted_and_writes_nothing(stub, cli, monkeypatch):
    import mlsd.runs.revise as revise_module

    path, _ = generate(cli)
    before = path.read_text()

    async def ctrl_c(*_args, **_kwargs):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the writer was answering

    monkeypatch.setattr(revise_module, "write_section", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        _revise_direct(stub(agents()), path, [4], 0)
    with sqlite3.connect(home() / "runs.db") as conn:
        status = conn.execute("SELECT status FROM runs WHERE strategy = 'revise'").fetchone()[0]
    assert status == "interrupted"
    assert path.read_text() == before
