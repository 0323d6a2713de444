"""Documents to evaluate: files or folders, with level, duration, focus and archetype from front matter.

The archetype decides the vocabulary of the checks and the judge's wording. It comes from the
caller (`--archetype`), else from the front matter's `archetype:`, else it is inferred from the
title and text and marked as inferred so reports can say so. The front matter may also carry the
critic's waivers (`critic_waivers: [{check, section, reason}]`) and the verifier's counts
(`verification: {found, fixed, open}`); both are reported, neither changes a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from mlsd.errors import InputError
from mlsd.evals import markdown as md
from mlsd.prompts.archetypes import ARCHETYPE_IDS, infer_archetype
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
    "archetype": ("archetype",),
    "archetype_reason": ("archetype_reason",),
    "critic_waivers": ("critic_waivers",),
    "verification": ("verification",),
}
VERIFICATION_KEYS = ("found", "fixed", "open")


@dataclass(frozen=True)
class Document:
    """One markdown document with what its front matter (or the command line) says about it.

    `archetype_source` is "flag" (the caller chose it), "front matter" or "inferred".
    """

    path: Path
    text: str
    params: Params
    meta: dict
    archetype: str = "ranking"
    archetype_source: str = "default"
    archetype_reason: str = ""

    @property
    def company(self) -> str | None:
        """The company the document is about, if known."""
        return self.meta.get("company_name")

    @property
    def waivers(self) -> list[dict]:
        """The critic's waivers from the front matter: {"check", "section", "reason"} each."""
        return list(self.meta.get("critic_waivers") or [])

    @property
    def verification(self) -> dict | None:
        """The verifier's {"found", "fixed", "open"} counts from the front matter, if any."""
        return self.meta.get("verification")

    @property
    def archetype_note(self) -> str:
        """One line for reports, e.g. "risk (inferred: matched risk terms: fraud*, …)"."""
        if self.archetype_source == "inferred":
            return f"{self.archetype} (inferred: {self.archetype_reason})"
        reason = f": {self.archetype_reason}" if self.archetype_reason else ""
        return f"{self.archetype} ({self.archetype_source}{reason})"

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


def _known_archetype(value: object, where: str) -> str:
    if value not in ARCHETYPE_IDS:
        raise InputError(where, f"unknown archetype {value!r}; valid: {', '.join(ARCHETYPE_IDS)}")
    return str(value)


def _waivers(raw: object, where: str) -> list[dict]:
    """Validate `critic_waivers`: a list of {check, section, reason}; anything else is an error."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputError(where, "critic_waivers must be a list of {check, section, reason}")
    waivers = []
    for item in raw:
        ok = isinstance(item, dict) and isinstance(item.get("check"), str)
        section = item.get("section") if isinstance(item, dict) else None
        if not ok or isinstance(section, bool) or not isinstance(section, int) or not 0 <= section <= 12:
            raise InputError(where, f"critic_waivers entry {item!r} needs check (text) and section (0-12)")
        waivers.append({"check": item["check"], "section": section, "reason": str(item.get("reason") or "")})
    return waivers


def _verification(raw: object, where: str) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(k, 0), int) or isinstance(raw.get(k), bool) for k in VERIFICATION_KEYS
    ):
        raise InputError(where, "verification must be {found: N, fixed: N, open: N}")
    return {k: raw.get(k, 0) for k in VERIFICATION_KEYS}


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
    path: Path,
    seniority: str | None = None,
    duration: str | None = None,
    focus_area: str | None = None,
    archetype: str | None = None,
) -> Document:
    """Read a document; flags override the front matter, which overrides the defaults.

    Without an archetype from the caller or the front matter, it is inferred from the title and
    text. An unknown archetype, malformed waivers or malformed verification counts are an
    InputError naming the file.
    """
    text = path.read_text(encoding="utf-8")
    meta = front_matter(text)
    where = str(path)
    meta["critic_waivers"] = _waivers(meta["critic_waivers"], where)
    meta["verification"] = _verification(meta["verification"], where)
    params = make_params(
        seniority or meta["seniority"] or "E7",
        focus_area or meta["focus_area"],
        duration or meta["duration"] or 60,
    )
    if archetype:
        chosen, source, reason = _known_archetype(archetype, "--archetype"), "flag", ""
    elif meta["archetype"]:
        chosen = _known_archetype(meta["archetype"], f"{where}: archetype")
        source, reason = "front matter", str(meta["archetype_reason"] or "")
    else:
        (chosen, reason), source = infer_archetype(text), "inferred"
    return Document(path, text, params, meta, chosen, source, reason)
