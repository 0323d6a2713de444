"""Documents to evaluate: files or folders, with level, duration and focus from front matter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from mlsd.evals import markdown as md

from mlsd.errors import InputError
from mlsd.records import Params, make_params

# Front-matter spellings: the generator writes the first, hand-written documents may use others.
_KEYS = {
    "seniority": ("seniority", "seniority_level", "level"),
    "duration": ("duration", "interview_duration"),
    "focus_area": ("focus", "focus_area"),
    "company_name": ("company", "company_name"),
    "ml_topic": ("topic", "ml_topic"),
    "interview_frequency": ("frequency", "interview_frequency"),
    "product_description": ("product_description",),
    "run_id": ("run_id",),
    "strategy": ("strategy",),
}


@dataclass(frozen=True)
class Document:
    """One markdown document with what its front matter (or the command line) says about it."""

    path: Path
    text: str
    params: Params
    meta: dict

    @property
    def company(self) -> str | None:
        """The company the document is about, if known."""
        return self.meta.get("company_name")

    def record(self) -> dict:
        """The record fields known for this document, for the judge's prompt."""
        keys = ("company_name", "ml_topic", "interview_frequency", "product_description")
        return {k: self.meta[k] for k in keys if self.meta.get(k)}


def front_matter(text: str) -> dict:
    """The document's front matter under canonical keys (empty when it has none or it is not YAML)."""
    block, _ = md.split_front_matter(text)
    try:
        raw = yaml.safe_load(block.strip().strip("-")) if block else {}
    except yaml.YAMLError:
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    return {
        key: next((raw[s] for s in spellings if raw.get(s) is not None), None)
        for key, spellings in _KEYS.items()
    }


def find_documents(paths: list[Path]) -> list[Path]:
    """Markdown files named directly or found under folders, sorted, each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.md") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(str(path), "no such file or folder")
    return list(dict.fromkeys(found))


def load_document(
    path: Path, seniority: str | None = None, duration: str | None = None, focus_area: str | None = None
) -> Document:
    """Read a document; flags override the front matter, which overrides the defaults."""
    text = path.read_text(encoding="utf-8")
    meta = front_matter(text)
    params = make_params(
        seniority or meta["seniority"] or "E7",
        focus_area or meta["focus_area"],
        duration or meta["duration"] or 60,
    )
    return Document(path, text, params, meta)
