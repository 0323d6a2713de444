"""The commands in the docs and the benchmarks' usage lines work in any clone: relative to the
repository root, naming files that exist there, never a path of the machine they were measured on."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "BENCHMARKS.md", "RELIABILITY.md", "ARCHITECTURE.md"]
# A machine's own folders: a clone has none of them.
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(work|home|root|tmp|opt|Users|srv|mnt)/")
# Scripts a command runs: `.venv/bin/python benchmarks/x.py`, `bash benchmarks/x.sh`, `scripts/setup`.
USAGE = re.compile(r"    (\S*/bin/python|\S*python3? |bash |scripts/|mlsd )")  # a docstring's usage line
SCRIPT = re.compile(
    r"(?:^|\s)((?:benchmarks|scripts|evals|tests)/[\w./-]+\.(?:py|sh|jsonl|json)|scripts/[\w-]+)\b"
)


def command_lines(text: str) -> list[str]:
    """Lines inside ```bash fences and indented usage lines of docstrings."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside and line.strip() != "```"
            continue
        if inside or USAGE.match(line):
            lines.append(line)
    return lines


SOURCES = DOCS + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("name", SOURCES)
def test_no_command_uses_a_path_of_one_machine(name):
    lines = command_lines((ROOT / name).read_text(encoding="utf-8"))
    assert not [line for line in lines if MACHINE_PATH.search(line)]


@pytest.mark.parametrize("name", SOURCES)
def test_every_script_a_command_names_exists_in_the_clone(name):
    lines = command_lines((ROOT / name).read_text(encoding="utf-8"))
    named = {m.group(1) for line in lines for m in SCRIPT.finditer(line)}
    missing = sorted(p for p in named if not (ROOT / p).exists() and "<" not in p)
    assert not missing


def test_the_docs_do_name_scripts_so_the_check_above_checks_something():
    lines = [line for name in SOURCES for line in command_lines((ROOT / name).read_text(encoding="utf-8"))]
    named = {m.group(1) for line in lines for m in SCRIPT.finditer(line)}
    assert {"benchmarks/bench_perf.py", "benchmarks/bench_batch.py", "scripts/setup"} <= named
