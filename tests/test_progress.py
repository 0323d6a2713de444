"""What a user sees before, during and after a run: expectation, progress with ETA, next steps."""

import io
from pathlib import Path

from helpers.stub_agents import agents
from rich.console import Console
from typer.testing import CliRunner

from mlsd.cli import app
from mlsd.commands.expectations import bundled_seconds, expectation, next_steps
from mlsd.commands.progress import Expectation, RunProgress, clock_text
from mlsd.records import Params
from mlsd.settings import Endpoint

EXAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "examples" / "meta-news-feed.json"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _progress(expect=None):
    out = io.StringIO()
    clock = Clock()
    progress = RunProgress(Console(file=out, width=120), live=False, expect=expect, clock=clock)
    return progress, clock, out


def test_clock_text():
    assert clock_text(42.4) == "42s" and clock_text(185) == "3m05s" and clock_text(-3) == "0s"


def test_eta_starts_from_the_prior_then_follows_the_measured_rate():
    progress, clock, _out = _progress(Expectation(output_tokens=3000, tokens_per_s=30.0))
    assert progress.eta_seconds() == 100.0  # 3,000 tokens at the prior 30 tokens/s
    clock.now += 50
    progress.call_event("end", {"mlsd_role": "writer", "mlsd_section": 3}, 1000)
    # 1,000 tokens in 50 s, blended with 60 s of the prior: (1,000 + 1,800) / 110 tokens/s.
    assert abs(progress.eta_seconds() - 2000 / (2800 / 110)) < 1e-9
    assert progress.section_tokens[3] == 1000
    assert "1,000 tokens" in progress.header() and "ETA ~1m19s" in progress.header()
    clock.now += 950
    progress.call_event("end", {"mlsd_role": "writer", "mlsd_section": 4}, 1000)
    # After 1,000 s the measured 2 tokens/s dominates: the 1,000 tokens left take minutes, not 33 s.
    assert progress.eta_seconds() > 250  # (2,000 + 1,800) / 1,060 s ≈ 3.6 tokens/s


def test_no_eta_without_an_expectation_or_data():
    progress, _clock, _out = _progress()
    assert progress.eta_seconds() is None and "ETA" not in progress.header()
    measured, clock, _out = _progress(Expectation(output_tokens=300))
    assert measured.eta_seconds() is None
    clock.now += 10
    measured.call_event("end", {"mlsd_role": "planner"}, 100)
    assert measured.eta_seconds() == 20.0  # 200 left at the measured 10 tokens/s


def test_plain_lines_carry_elapsed_time_phase_and_tokens():
    progress, clock, out = _progress(Expectation(output_tokens=500, tokens_per_s=10.0))
    progress.call_event("start", {"mlsd_role": "planner", "langgraph_node": "plan"}, 0)
    clock.now += 12
    progress.call_event("end", {"mlsd_role": "planner"}, 120)
    progress("plan", {})
    progress.call_event("start", {"mlsd_role": "writer", "mlsd_section": 4, "mlsd_round": 0}, 0)
    assert progress.status[4] == "writing" and progress.phase == "writing"
    progress("write_section", {"drafts": [{"number": 4, "round": 0, "truncated": False}]})
    text = out.getvalue()
    assert "[    0s] planning…" in text
    assert "[   12s] planned" in text and "120 tokens" in text
    assert "§4 drafted · 120 tokens so far · ETA ~" in text
    assert progress.status[4] == "drafted"


def test_the_live_table_renders_with_a_ticking_title():
    progress, clock, _out = _progress(Expectation(output_tokens=100))
    clock.now += 65
    table = progress.__rich__()
    assert table.title.startswith("mlsd · starting · 1m05s") and len(table.rows) == 12


def test_bundled_model_expectation_says_time_and_quality():
    endpoint = Endpoint("local", "local", None, None)
    line, expect = expectation(endpoint, None, Params(), 0)
    assert "SmolLM2-135M" in line and "demo quality" in line and "2-core" in line
    assert expect is not None and expect.tokens_per_s and expect.output_tokens > 2000
    # Rewrite rounds are counted, not ignored.
    assert bundled_seconds(Params(), 2) > bundled_seconds(Params(), 0)
    other, none = expectation(endpoint, Path("/models/qwen.gguf"), Params(), 0)
    assert "qwen.gguf" in other and none is None
    remote, _ = expectation(Endpoint("openai", "gpt-4.1-mini", None, "k"), None, Params(), 2)
    assert remote == "model: gpt-4.1-mini at the OpenAI API"


def test_next_steps_name_four_servers_with_the_users_record():
    lines = next_steps("my.json")
    assert all("mlsd generate my.json" in line for line in lines[1:])
    assert [line.split()[0] for line in lines[1:]] == ["OpenAI", "Ollama", "vLLM", "llama.cpp"]


def test_generate_prints_model_line_summary_and_next_steps(stub, tmp_path):
    # The stub server is an OpenAI-compatible endpoint: the summary has no next steps there.
    server = stub(agents())
    args = ["generate", str(EXAMPLE), "--base-url", server.base_url, "--out-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, "--max-revisions", "0", "--no-verify"])
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert err.splitlines()[0].startswith("model: ")
    assert "saved " in err and " calls · " in err and "tokens/s" in err
    assert "inspect: mlsd runs show " in err and "next: " not in err


def test_dry_run_on_the_embedded_model_gives_its_own_estimate(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "SmolLM2-135M" in result.output and "13 calls" in result.output
    assert "expect about" in result.output and "estimate for local" not in result.output
    asked = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--dry-run", "--max-revisions", "1"])
    assert "up to 25 calls, 1 rewrite round" in asked.output
