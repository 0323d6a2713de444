"""The single-shot baseline: one real ChatOpenAI call to the loopback stub, saved at its own path."""

import asyncio
from pathlib import Path

import pytest
import yaml
from helpers.stub_server import ScriptedResponder, StubReply
from typer.testing import CliRunner

from mlsd.agents.single_shot import clean_document, seed_sections
from mlsd.cli import app
from mlsd.llm.models import ModelConfig, OpenAIChatFactory
from mlsd.records import Params, validate_record
from mlsd.runs.runner import RunRequest
from mlsd.runs.single_shot import run_single_shot
from mlsd.runs.store import RunStore

CALIBRATION = Path(__file__).parents[1] / "evals" / "calibration"
EXAMPLE = Path(__file__).parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"
RECORD = {
    "company_name": "Meta",
    "ml_topic": "Design a News Feed ML Ranking System",
    "interview_frequency": "Very High",
    "product_description": "Rank the Facebook News Feed for billions of users.",
}
SEED_CALL = r"Write the complete document now"


def document_body() -> str:
    text = (CALIBRATION / "strong_e7_60_meta_news_feed.md").read_text()
    return text.split("---\n", 2)[2]


def responder(reply=None) -> ScriptedResponder:
    default = (
        (lambda _r: StubReply(content=f"```markdown\n{document_body()}\n```")) if reply is None else reply
    )
    return ScriptedResponder().on_text(SEED_CALL, default=default, name="single-shot")


def run(server, tmp_path, params=None):
    record, _ = validate_record(RECORD)
    config = ModelConfig(
        model="gpt-4.1-mini", base_url=server.base_url, api_key="sk-x", timeout=10, max_retries=0
    )
    req = RunRequest(
        record=record,
        params=params or Params(),
        out_dir=tmp_path / "content",
        home=tmp_path / "home",
        strategy="single-shot",
    )
    return asyncio.run(run_single_shot(req, OpenAIChatFactory(config)))


def test_one_call_with_the_seed_prompt_saves_the_document_at_its_own_path(stub, tmp_path):
    server = stub(responder())
    outcome = run(server, tmp_path, Params(seniority="E5", duration=45))
    assert len(server.requests) == 1
    request = server.requests[0]
    system, user = request.messages[0]["content"], request.last_user_text
    assert "### 4. Advanced ML Model Design" in system and "**E7 Criteria**" in system
    assert "No infrastructure details" in system
    assert "seniority_level: E5" in user and "interview_duration: 45min" in user and '"Meta"' in user
    limit = request.body.get("max_completion_tokens") or request.body.get("max_tokens")
    assert limit > 5000 and request.schema_name is None
    path = Path(outcome.output_path)
    assert path.name == "Design a News Feed ML Ranking System (E5, 45min, single-shot).md"
    text = path.read_text()
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["strategy"] == "single-shot" and meta["run_id"] == outcome.run_id
    assert meta["seniority"] == "E5" and meta["duration"] == "45min" and meta["tokens"]["calls"] == 1
    assert "```markdown" not in text and "## 12. Advanced Technical Interview Questions" in text
    row = RunStore(tmp_path / "home" / "runs.db").get(outcome.run_id)
    assert row.strategy == "single-shot" and row.status == "done" and row.output_path == str(path)


def test_default_parameters_still_get_the_single_shot_label(stub, tmp_path):
    outcome = run(stub(responder()), tmp_path)
    assert Path(outcome.output_path).name.endswith("(E7, 60min, single-shot).md")


def test_a_failed_call_leaves_no_file_and_a_failed_run(stub, tmp_path):
    server = stub(responder(lambda _r: StubReply(status=500, content="boom")))
    with pytest.raises(Exception, match="server errors"):
        run(server, tmp_path)
    assert not list((tmp_path / "content").rglob("*.md")) if (tmp_path / "content").exists() else True
    assert RunStore(tmp_path / "home" / "runs.db").get("latest").status == "failed"


def test_seed_sections_follow_the_seed_and_fences_are_dropped():
    sections = seed_sections()
    assert (
        sections.count("- **E7 Focus**:") == 12
        and "### 12. Advanced Technical Interview Questions" in sections
    )
    assert clean_document("```md\n# T\n\nbody\n```\n") == "# T\n\nbody\n"
    assert clean_document("# T\n\n```python\nx = 1\n```\n") == "# T\n\n```python\nx = 1\n```\n"


def test_generate_strategy_single_shot_through_the_cli(stub, tmp_path, monkeypatch):
    server = stub(responder())
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    out = tmp_path / "content"
    result = CliRunner().invoke(
        app, ["generate", str(EXAMPLE), "--out-dir", str(out), "--strategy", "single-shot"]
    )
    assert result.exit_code == 0, result.output
    path = (
        out
        / "ml-system-designs"
        / "Meta"
        / "Design a News Feed ML Ranking System (E7, 60min, single-shot).md"
    )
    assert result.stdout.strip().splitlines()[-1] == str(path.resolve())
    assert len(server.requests) == 1
    again = CliRunner().invoke(
        app, ["generate", str(EXAMPLE), "--out-dir", str(out), "--strategy", "single-shot"]
    )
    assert again.exit_code == 0 and "exists:" in again.stderr and len(server.requests) == 1
    bad = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out-dir", str(out), "--strategy", "two-shot"])
    assert bad.exit_code == 2 and "--strategy: must be one of" in bad.stderr
