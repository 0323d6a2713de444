"""Input records and generation parameters (ARCHITECTURE.md, "Contract"), validated with pydantic v2."""

from __future__ import annotations

import difflib
import json
import re
import sys
import unicodedata
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mlsd.errors import InputError

MAX_NAME_CHARS = 200
# A topic is a title, but the path rules must cope with long ones, so it may exceed a name.
MAX_TOPIC_CHARS = 600
MAX_DESCRIPTION_CHARS = 4000
RECORD_FIELDS = ("company_name", "ml_topic", "interview_frequency", "product_description")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Frequency(StrEnum):
    """How often the question is asked, canonical case."""

    VERY_HIGH = "Very High"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Seniority(StrEnum):
    """Target level of the candidate."""

    E5 = "E5"
    E6 = "E6"
    E7 = "E7"
    E8 = "E8"


class FocusArea(StrEnum):
    """Optional area the document emphasises."""

    DEEP_LEARNING = "deep_learning"
    OPTIMIZATION = "optimization"
    EVALUATION = "evaluation"
    ALGORITHMS = "algorithms"


DURATIONS = (45, 60, 90)
# The one source of the valid levels and focus areas; everything else imports these.
LEVELS = tuple(s.value for s in Seniority)
FOCUS_AREAS = tuple(f.value for f in FocusArea)


def _clean_text(value: Any, *, single_line: bool, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {_json_type(value)}")
    text = unicodedata.normalize("NFC", value)
    if _CONTROL.search(text):
        raise ValueError("must not contain control characters")
    if _SURROGATE.search(text):
        # JSON can escape half of a UTF-16 pair (\ud800); no file name or database can store it.
        raise ValueError("must be valid Unicode (it holds an unpaired surrogate)")
    text = _SPACES.sub(" ", text).strip() if single_line else text.strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > limit:
        raise ValueError(f"must be at most {limit} characters, got {len(text)}")
    return text


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


class Record(BaseModel):
    """One interview question: the four fields of the seed's input format."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    company_name: str
    ml_topic: str
    interview_frequency: Frequency
    product_description: str

    @field_validator("company_name", mode="before")
    @classmethod
    def _company(cls, v: Any) -> str:
        return _clean_text(v, single_line=True, limit=MAX_NAME_CHARS)

    @field_validator("ml_topic", mode="before")
    @classmethod
    def _topic(cls, v: Any) -> str:
        return _clean_text(v, single_line=True, limit=MAX_TOPIC_CHARS)

    @field_validator("product_description", mode="before")
    @classmethod
    def _description(cls, v: Any) -> str:
        return _clean_text(v, single_line=False, limit=MAX_DESCRIPTION_CHARS)

    @field_validator("interview_frequency", mode="before")
    @classmethod
    def _frequency(cls, v: Any) -> Frequency:
        text = _clean_text(v, single_line=True, limit=MAX_NAME_CHARS)
        for member in Frequency:
            if member.value.lower() == text.lower():
                return member
        raise ValueError("must be one of Very High, High, Medium, Low")


class Params(BaseModel):
    """Generation parameters: level, optional focus area and interview length in minutes."""

    model_config = ConfigDict(frozen=True)

    seniority: Seniority = Seniority.E7
    focus_area: FocusArea | None = None
    duration: int = 60

    @field_validator("seniority", mode="before")
    @classmethod
    def _seniority(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().upper() in Seniority.__members__:
            return v.strip().upper()
        raise ValueError("must be one of E5, E6, E7, E8")

    @field_validator("focus_area", mode="before")
    @classmethod
    def _focus(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str) and v.strip().lower() in {f.value for f in FocusArea}:
            return v.strip().lower()
        raise ValueError("must be one of deep_learning, optimization, evaluation, algorithms")

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> int:
        return parse_duration(v)

    @property
    def is_default(self) -> bool:
        """True when these are the seed's defaults (E7, 60min, no focus)."""
        return self == Params()

    def label(self) -> str:
        """Human-readable variant label, e.g. ``E5, 45min, deep_learning``."""
        parts = [self.seniority.value, f"{self.duration}min"]
        if self.focus_area:
            parts.append(self.focus_area.value)
        return ", ".join(parts)


def parse_duration(value: Any) -> int:
    """Accept 45, "45", "45m" and "45min" alike."""
    if isinstance(value, bool):
        raise ValueError("must be one of 45min, 60min, 90min")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{2})\s*(m|min|mins|minutes)?\s*", value.lower())
        minutes = int(match.group(1)) if match else -1
    else:
        minutes = -1
    if minutes not in DURATIONS:
        raise ValueError("must be one of 45min, 60min, 90min")
    return minutes


def _first_error(exc: ValidationError, default_field: str) -> InputError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or default_field
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "is required"
    return InputError(field, message)


def _misspelling_hint(field: str, data: dict) -> str:
    """`` (found unknown key 'compnay_name' — did you mean 'company_name'?)`` or nothing."""
    unknown = {_key_shape(k): str(k) for k in data if k not in RECORD_FIELDS}
    wanted = _key_shape(field)
    # A typo ('compnay_name'), or part of the name ('topic', 'description').
    close = difflib.get_close_matches(wanted, list(unknown), n=1, cutoff=0.75)
    close = close or [k for k in unknown if len(k) >= 4 and k in wanted][:1]
    if not close:
        return ""
    return f" (found unknown key {unknown[close[0]]!r} — did you mean {field!r}?)"


def _key_shape(key: Any) -> str:
    # Case, spaces, hyphens and underscores do not tell field names apart for a hint.
    return re.sub(r"[\s_-]+", "", str(key).lower())


def validate_record(data: Any) -> tuple[Record, list[str]]:
    """Validate a parsed JSON value; return the record and warnings about ignored fields."""
    if not isinstance(data, dict):
        raise InputError("record", f"expected a JSON object, got {_json_type(data)}")
    for field in RECORD_FIELDS:
        if field not in data:
            raise InputError(field, "is required" + _misspelling_hint(field, data))
    try:
        record = Record.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, "record") from None
    unknown = sorted(str(k) for k in data if k not in RECORD_FIELDS)
    warnings = [f"ignoring unknown field(s): {', '.join(unknown)}"] if unknown else []
    return record, warnings


def make_params(seniority: Any = "E7", focus_area: Any = None, duration: Any = 60) -> Params:
    """Build parameters from CLI values; errors name the CLI flag."""
    flags = {"seniority": "--seniority", "focus_area": "--focus-area", "duration": "--duration"}
    try:
        return Params(seniority=seniority, focus_area=focus_area, duration=duration)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = flags.get(str(err["loc"][0]), str(err["loc"][0]))
        raise InputError(field, err["msg"].removeprefix("Value error, ")) from None


def read_record_text(source: str, stdin: TextIO | None = None) -> str:
    """Read the record file, or stdin when source is ``-``."""
    if source == "-":
        return (stdin or sys.stdin).read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("record", f"file not found: {source}") from None
    except IsADirectoryError:
        raise InputError("record", f"is a directory: {source}") from None
    except UnicodeDecodeError:
        raise InputError("record", "file is not UTF-8 text") from None
    except OSError as exc:
        raise InputError("record", f"cannot read {source}: {exc.strerror}") from None


def parse_record_json(text: str) -> Any:
    """Parse JSON text, turning syntax errors into one-line input errors."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "record", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise InputError("record", "not valid JSON (nested too deeply)") from None


def load_record(source: str, stdin: TextIO | None = None) -> tuple[Record, list[str]]:
    """Read, parse and validate one record from a file path or ``-``."""
    return validate_record(parse_record_json(read_record_text(source, stdin)))
