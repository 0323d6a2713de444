"""Batch input: records from JSONL or a JSON array, and the parameter grid from list flags."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from mlsd.errors import InputError
from mlsd.records import Params, Record, make_params, read_record_text, validate_record


@dataclass(frozen=True)
class BadLine:
    """A record that was rejected: where it is and which field is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class BatchRecord:
    """A valid record and the line (or array position, from 1) it came from."""

    line: int
    record: Record
    warnings: tuple[str, ...] = ()


def _entries(text: str) -> list[tuple[int, object]]:
    """(line, parsed value) pairs; a value that is not JSON becomes an InputError in its slot."""
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError("records", f"not a valid JSON array ({exc.msg} at line {exc.lineno})") from None
        return list(enumerate(data, 1))
    entries: list[tuple[int, object]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            entries.append((number, InputError("json", f"not valid JSON ({exc.msg} at column {exc.colno})")))
    return entries


def read_records(source: str | Path) -> tuple[list[BatchRecord], list[BadLine]]:
    """Parse every record of a JSONL file (or a JSON array file); bad ones are returned apart."""
    text = read_record_text(str(source))
    good: list[BatchRecord] = []
    bad: list[BadLine] = []
    for line, value in _entries(text):
        if isinstance(value, InputError):
            bad.append(BadLine(line, value.field, str(value).split(": ", 1)[1]))
            continue
        try:
            record, warnings = validate_record(value)
        except InputError as exc:
            bad.append(BadLine(line, exc.field, str(exc).split(": ", 1)[1]))
            continue
        good.append(BatchRecord(line, record, tuple(warnings)))
    return good, bad


def split_list(value: str | None) -> list[str | None]:
    """``E5,E6`` → ['E5', 'E6']; ``none`` (or an empty item) means no value, e.g. no focus area."""
    if value is None:
        return [None]
    items = [v.strip() for v in value.split(",")]
    return [None if v.lower() in ("", "none") else v for v in items] or [None]


def params_grid(seniority: str, duration: str, focus_area: str | None) -> list[Params]:
    """Every combination of the comma-separated levels, durations and focus areas, in flag order."""
    grid: list[Params] = []
    for level, minutes, focus in itertools.product(
        split_list(seniority), split_list(duration), split_list(focus_area)
    ):
        params = make_params(level or "E7", focus, minutes or 60)
        if params not in grid:
            grid.append(params)
    return grid
