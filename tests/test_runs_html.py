"""`mlsd runs html`: one self-contained page, one timeline bar per call, checked in headless Chromium."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.scripted import section_body
from helpers.stub_agents import agents
from test_runs_store import REVISE_4_AND_9, generate

from mlsd.runs.html_report import render_html
from mlsd.runs.run_report import load_report

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
HOSTILE = "<script>alert('x')</script> & </pre>"


def page(stub, tmp_path):
    writer = lambda n: section_body(n) + (f"\n\n{HOSTILE}" if n == 1 else "")  # noqa: E731
    server = stub(agents(critic_replies=[REVISE_4_AND_9], writer=writer))
    outcome, store, calls = generate(server, tmp_path, max_revisions=1)
    path = tmp_path / "run.html"
    path.write_text(render_html(load_report(store, outcome.run_id)), encoding="utf-8")
    return path, calls


def test_the_page_is_self_contained_with_one_bar_per_call(stub, tmp_path):
    path, calls = page(stub, tmp_path)
    text = path.read_text()
    # archetype, plan, plan verifier, 12 writers, 12 verifiers, critique; §4 and §9 rewritten and
    # verified, critique
    assert text.count('class="bar ') == len(calls) == 28 + 2 + 2 + 1
    assert not re.search(r"""\b(src|href)\s*=|url\(|@import|<link\b""", text)
    assert HOSTILE not in text and "&lt;script&gt;alert(" in text
    assert "Write the loss as a formula." in text and "revision 1" in text
    for heading in ("Timeline of every call", "Revision history by section", "Tokens and cost"):
        assert heading in text


@pytest.mark.slow  # drives a real browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium (.ci/run installs Debian's)")
def test_headless_chromium_renders_every_bar_and_saves_a_screenshot(stub, tmp_path):
    path, calls = page(stub, tmp_path)
    flags = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    dom = subprocess.run(
        [*flags, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    bars = re.findall(r'<rect class="bar (?:r\d|plan|critic|err)"[^>]*data-seq="(\d+)"', dom)
    assert sorted(int(b) for b in bars) == list(range(1, len(calls) + 1))
    assert "§12" in dom and "critique" in dom
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "runs_html_timeline.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [*flags, "--window-size=1100,1400", f"--screenshot={shot}", path.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.stat().st_size > 10_000
    shutil.copy(path, artifacts / "runs_html_timeline.html")
