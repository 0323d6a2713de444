"""``mlsd eval`` through typer's CliRunner: documents, datasets against the stub, and compare."""

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers.stub_agents import agents
from helpers.stub_server import StubReply
from typer.testing import CliRunner

from mlsd.cli import app

ROOT = Path(__file__).parents[1]
CALIBRATION = ROOT / "evals" / "calibration"
SMOKE = ROOT / "evals" / "datasets" / "smoke-v1.jsonl"
AIRBNB = CALIBRATION / "strong_e5_45_airbnb_search.md"
IDS = re.compile(r"^- \[([A-Za-z0-9_]+)\]", re.M)
QUOTE = "NDCG@18 on the first page, with relevance 1 for the booked listing"


def judge_reply(request):
    ids = IDS.findall(request.last_user_text)
    return json.dumps(
        {"answers": [{"id": i, "reason": "ok", "answer": "yes", "evidence": QUOTE} for i in ids]}
    )


def single_shot_reply(_request):
    return StubReply(content=AIRBNB.read_text().split("---\n", 2)[2])


def prefer_second(request):
    return json.dumps({"reason": "deeper", "winner": "B"})


@pytest.fixture
def cli(stub, monkeypatch):
    responder = (
        agents()
        .on_schema("JudgeReport", default=judge_reply)
        .on_schema("PairwisePreference", default=prefer_second)
        .on_text("Write the complete document now", default=single_shot_reply, name="single-shot")
    )
    server = stub(responder)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-eval")

    def invoke(*args):
        return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)

    invoke.server = server
    return invoke


def _json(result) -> dict:
    return json.loads(result.stdout)


def test_eval_paths_reports_every_document_deterministically(cli):
    result = cli("eval", CALIBRATION, "--format", "json")
    assert result.exit_code == 0, result.output
    docs = {Path(d["path"]).name: d for d in _json(result)["documents"]}
    assert len(docs) == len(list(Path(CALIBRATION).rglob("*.md"))) and not cli.server.requests
    assert docs["weak_e5_45_airbnb_search_infra.md"]["score"]["gates_failed"] == [
        "G4_placeholders",
        "G5_no_deployment",
    ]
    assert docs["strong_e5_45_airbnb_search.md"]["score"]["overall"] == 1.0
    assert all(not d["score"]["judged"] for d in docs.values())
    table = cli("eval", AIRBNB)
    assert "deterministic checks only" in table.stdout and "strong" in table.stdout
    md = cli("eval", AIRBNB, "--format", "md")
    assert "| strong_e5_45_airbnb_search.md | E5 | 45 |" in md.stdout


def test_min_score_exit_code(cli):
    assert cli("eval", CALIBRATION, "--min-score", "0.9").exit_code == 1
    assert (
        cli("eval", AIRBNB, CALIBRATION / "strong_e7_60_meta_news_feed.md", "--min-score", "0.9").exit_code
        == 0
    )


def test_flags_supply_or_override_front_matter(cli, tmp_path):
    bare = tmp_path / "bare.md"
    bare.write_text(AIRBNB.read_text().split("---\n", 2)[2])
    default = _json(cli("eval", bare, "--format", "json"))["documents"][0]
    assert (default["seniority"], default["duration"]) == ("E7", 60)
    supplied = _json(cli("eval", bare, "--seniority", "E5", "--duration", "45min", "--format", "json"))
    assert supplied["documents"][0]["score"]["overall"] == 1.0
    harder = _json(cli("eval", AIRBNB, "--seniority", "E8", "--duration", "90", "--format", "json"))
    assert harder["documents"][0]["seniority"] == "E8" and harder["documents"][0]["score"]["overall"] < 1.0


def test_judge_flag_uses_the_same_endpoint_flags(cli):
    result = cli("eval", AIRBNB, "--judge", "--format", "json")
    assert result.exit_code == 0, result.output
    score = _json(result)["documents"][0]["score"]
    assert score["judged"] and all(v["answer"] for v in score["judge_verdicts"])
    assert sum(r.schema_name == "JudgeReport" for r in cli.server.requests) == 13
    assert all(r.body["model"] == "gpt-4.1-mini" for r in cli.server.requests)


def test_bad_input_is_one_line(cli, tmp_path):
    missing = cli("eval", tmp_path / "nope.md")
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr
    assert cli("eval", AIRBNB, "--format", "xml").exit_code == 2
    assert "dataset" in cli("eval", "--help").stdout


def _dataset(cli, report, strategy):
    result = cli(
        "eval", "dataset", SMOKE, "--strategy", strategy, "--report-dir", report, "--max-revisions", "0"
    )
    assert result.exit_code == 0, result.output
    return result


def test_dataset_run_generates_scores_and_resumes(cli, tmp_path):
    report = tmp_path / "multi"
    _dataset(cli, report, "multi-agent")
    docs = sorted(p.stem for p in (report / "documents").glob("*.json"))
    assert docs == ["t01-e5-45", "t11-e7-60", "t14-e8-90-deep_learning"]
    aggregate = json.loads((report / "aggregate.json").read_text())
    assert aggregate["documents"] == 3 and len(set(aggregate["run_ids"])) == 3
    assert set(aggregate["criteria_pass_rate"]) >= {"S1_time_table@1", "G1_headings@0"}
    entry = json.loads((report / "documents" / "t14-e8-90-deep_learning.json").read_text())
    assert entry["focus_area"] == "deep_learning" and entry["strategy"] == "multi-agent"
    assert Path(entry["path"]).is_relative_to(report / "content")
    assert "| Document |" in (report / "report.md").read_text()
    before = len(cli.server.requests)
    again = _dataset(cli, report, "multi-agent")
    assert len(cli.server.requests) == before and again.stderr.count("already scored") == 3


def test_dataset_resumes_a_row_generated_but_not_scored(cli, tmp_path):
    report = tmp_path / "single"
    _dataset(cli, report, "single-shot")
    (report / "documents" / "t11-e7-60.json").unlink()
    before = len(cli.server.requests)
    _dataset(cli, report, "single-shot")
    assert len(cli.server.requests) == before  # the saved document is scored, not regenerated
    assert (report / "documents" / "t11-e7-60.json").exists()


def test_compare_two_reports_with_deltas_and_a_pairwise_win_rate(cli, tmp_path):
    _dataset(cli, tmp_path / "multi", "multi-agent")
    _dataset(cli, tmp_path / "single", "single-shot")
    result = cli("eval", "compare", tmp_path / "multi", tmp_path / "single")
    assert result.exit_code == 0, result.output
    assert "Overall:" in result.stdout and "| §12 |" in result.stdout and "G1_headings@0" not in result.stdout
    data = _json(cli("eval", "compare", tmp_path / "multi", tmp_path / "single", "--format", "json"))
    assert data["overall"]["delta"] == pytest.approx(data["overall"]["b"] - data["overall"]["a"], abs=1e-3)
    assert data["overall"]["delta"] > 0  # the stub's single-shot answer is the strong Airbnb document
    judged = cli("eval", "compare", tmp_path / "multi", tmp_path / "single", "--judge", "--format", "json")
    pairwise = _json(judged)["pairwise"]
    assert sum(r.schema_name == "PairwisePreference" for r in cli.server.requests) == 6
    # The stub always answers "B": B wins when shown second, loses when shown first.
    assert pairwise["b_win_rate"] == 0.5 and pairwise["order_disagreements"] == 3
    assert pairwise["ci95"][0] < 0.5 < pairwise["ci95"][1]


def test_compare_rejects_a_folder_that_is_not_a_report(cli, tmp_path):
    shutil.copytree(CALIBRATION, tmp_path / "docs")
    result = cli("eval", "compare", tmp_path / "docs", tmp_path / "docs")
    assert result.exit_code == 2 and "not a report folder" in result.stderr
