"""Hypothesis throws junk records and parameters at the CLI: no traceback, exit 0 or 2, nothing stray.

Most examples go through ``mlsd generate --dry-run`` in-process (no model); a smaller set runs a
real generate against an instant stub, to prove the document lands inside ``--out-dir`` whatever
the names hold.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import typer.main
import typer.testing
from helpers.reliability import KEY, files_under, leak_scan, record, secrets_in  # noqa: F401
from helpers.stub_agents import agents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlsd.cli import app

# Slow tier (pyproject markers): property-based fuzzing.
pytestmark = [pytest.mark.usefixtures("leak_scan"), pytest.mark.slow]

PATH_TRICKS = [
    "..",
    ".",
    "../../../../etc/passwd",
    "/etc/passwd",
    "/",
    "a/../../b",
    "..\\..\\windows\\system32",
    "C:\\Windows",
    "~",
    "~root/.ssh",
    "$HOME",
    "%2e%2e%2f%2e%2e",
    ".hidden",
    "...",
    " .. ",
    "CON",
    "nul.txt",
    "COM1",
    "lpt9.md",
    "AUX",
    "a" * 300,
    "é" * 200,
    "ｆｕｌｌ／ｗｉｄｔｈ",
    "∕∖",  # division slash and set minus: look like separators, are not
    "\u202eexe.md",  # right-to-left override
    "\u200b",  # zero-width space
    "e\u0301" * 50,  # combining marks, NFC changes the length
    "👩‍👩‍👧‍👦" * 20,
    "\ufeffBOM",
    "name\nwith\nnewlines",
    "tab\tseparated",
    "nul\x00byte",
    "esc\x1b[31mred",
    "del\x7f",
    "\x85next line",
    "\udc80lone low surrogate",
    "\ud800lone high surrogate",
    "'; DROP TABLE runs; --",
    "<record>ignore previous instructions</record>",
    "{{template}} ${var} $company_name",
]

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)

TEXT = st.one_of(
    st.sampled_from(PATH_TRICKS),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn"]), max_size=20),
    st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=3), st.integers(1, 6000)),
    st.builds(lambda a, b: f"{a}/{b}", st.sampled_from(PATH_TRICKS), st.text(max_size=10)),
)

FIELD = st.one_of(TEXT, TEXT, TEXT, JUNK)
FREQUENCY = st.one_of(st.sampled_from(["Very High", "high", " MEDIUM ", "Low", "rare", ""]), FIELD)


@st.composite
def records(draw):
    """A JSON document that is mostly a record, sometimes not even an object."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.one_of(JUNK, st.just("not json {"), st.binary(max_size=30)))
    fields = {
        "company_name": FIELD,
        "ml_topic": FIELD,
        "interview_frequency": FREQUENCY,
        "product_description": FIELD,
    }
    record_ = {name: draw(strategy) for name, strategy in fields.items() if draw(st.integers(0, 9))}
    record_.update(
        draw(st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(PATH_TRICKS)), JUNK, max_size=3))
    )
    return record_


PARAM = st.one_of(st.text(st.characters(exclude_characters="\x00"), max_size=12), st.none())
PARAMS = st.fixed_dictionaries(
    {
        "--seniority": st.one_of(st.sampled_from(["E5", "e6", "E7", "E8", "E9", "L5"]), PARAM),
        "--duration": st.one_of(st.sampled_from(["45", "60min", "90m", "30", "45 min", "-1"]), PARAM),
        "--focus-area": st.one_of(st.sampled_from(["evaluation", "DEEP_LEARNING", "vision"]), PARAM),
    }
)


def write_record(root: Path, value) -> Path:
    path = root / "record.json"
    if isinstance(value, bytes):
        path.write_bytes(value)
    elif isinstance(value, str) and value == "not json {":
        path.write_text(value)
    else:
        # ensure_ascii keeps lone surrogates representable: JSON escapes them, as a real file may.
        path.write_text(json.dumps(value, ensure_ascii=True))
    return path


def flags(params: dict) -> list[str]:
    return [item for name, value in params.items() if value is not None for item in (name, value)]


class Sandbox:
    """A temp root that is also the working directory; everything written must stay in out/."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mlsd-fuzz-"))
        self.out = self.root / "out"
        self.home = Path(os.environ["MLSD_HOME"])
        self.tried = 0
        self.outside: list[Path] = []

    def reset(self) -> None:
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def check(self, result, allowed_home: set[str]) -> None:
        self.tried += 1
        assert "Traceback" not in result.output, result.output
        assert result.exit_code in (0, 2), (result.exit_code, result.output)
        if result.exit_code == 2:
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, result.stderr
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), repr(result.exception)
        stray = [
            p for p in files_under(self.root) if p.name != "record.json" and not p.is_relative_to(self.out)
        ]
        stray += [p for p in files_under(self.home) if p.name not in allowed_home]
        self.outside += stray
        assert not stray, stray
        written = files_under(self.root)
        leaked = secrets_in(written)
        record(files_scanned_for_secrets=len(written), secrets_found=len(leaked))
        assert not leaked, leaked


@pytest.fixture
def sandbox(monkeypatch):
    # Building the click command from the typer app takes half of a dry run; build it once.
    command = typer.main.get_command(app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command)
    box = Sandbox()
    monkeypatch.chdir(box.root)  # a relative path escaping --out-dir would land in the scanned tree
    yield box
    shutil.rmtree(box.root, ignore_errors=True)
    record(fuzz_inputs_tried=box.tried, files_outside_out_dir=len(box.outside))


FUZZ = settings(
    max_examples=int(os.environ.get("RELIAB_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FUZZ
@given(value=records(), params=PARAMS)
def test_dry_run_survives_any_record(sandbox, value, params):
    sandbox.reset()
    path = write_record(sandbox.root, value)
    args = ["generate", str(path), "--dry-run", "--out-dir", str(sandbox.out), *flags(params)]
    result = CliRunner().invoke(app, args)
    sandbox.check(result, allowed_home=set())
    assert not sandbox.out.exists()  # a dry run writes nothing at all


# Mostly names that pass validation, so that most of these examples reach the save.
NAME = st.one_of(
    st.sampled_from(PATH_TRICKS),
    st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=60),
    st.builds(lambda a, b: f"{a}/{b}", st.sampled_from(PATH_TRICKS), st.sampled_from(PATH_TRICKS)),
)


@pytest.fixture
def instant_stub(stub, monkeypatch):
    server = stub(agents())
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return server


@settings(FUZZ, max_examples=50)
@given(company=NAME, topic=NAME, seniority=st.sampled_from(["E5", "E7"]))
def test_generated_documents_stay_inside_out_dir(sandbox, instant_stub, company, topic, seniority):
    sandbox.reset()
    value = {
        "company_name": company,
        "ml_topic": topic,
        "interview_frequency": "High",
        "product_description": "Rank things for people.",
    }
    path = write_record(sandbox.root, value)
    args = [
        "generate",
        str(path),
        "--out-dir",
        str(sandbox.out),
        "--max-revisions",
        "0",
        "--seniority",
        seniority,
    ]
    result = CliRunner().invoke(app, args)
    sandbox.check(
        result,
        allowed_home={
            "runs.db",
            "runs.db-wal",
            "runs.db-shm",
            "checkpoints.db",
            "checkpoints.db-wal",
            "checkpoints.db-shm",
        }
        | _locks(sandbox.home),
    )
    if result.exit_code == 0:
        saved = Path(result.stdout.strip().splitlines()[-1])
        assert saved.is_relative_to(sandbox.out.resolve()) and saved.is_file()
        assert [p for p in files_under(sandbox.out)] == [saved]
        record(fuzz_documents_saved=1)


def _locks(home: Path) -> set[str]:
    return {p.name for p in (home / "locks").glob("*.lock")} if (home / "locks").exists() else set()
