"""Where a document goes, made safe, and how it is written (atomically, never overwritten silently)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from mlsd.errors import InputError, OutputWriteError
from mlsd.records import Params

MAX_NAME_BYTES = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\<>:"|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def safe_name(text: str) -> str:
    """A readable file or folder name: no separators, no leading dot, ≤120 bytes, not reserved."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("-", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        name = "unnamed"
    if _RESERVED.match(name):
        name = f"_{name}"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        # A digest of the full name keeps two long names that share a prefix apart.
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        name = _truncate_utf8(name, MAX_NAME_BYTES - 9).rstrip(" .") + f"~{digest}"
    return name


def document_path(out_dir: Path, company: str, topic: str, params: Params, suffix: str = "") -> Path:
    """``{out_dir}/ml-system-designs/{company}/{topic}[ (variant)].md``, inside out_dir."""
    stem = safe_name(topic)
    if not params.is_default or suffix:
        label = ", ".join(p for p in (params.label(), suffix) if p)
        stem = f"{stem} ({label})"
    root = Path(out_dir).resolve()
    path = root / "ml-system-designs" / safe_name(company) / f"{stem}.md"
    if not path.resolve().is_relative_to(root):
        raise InputError("ml_topic", "would be written outside --out-dir")
    return path


def write_atomically(path: Path, text: str, *, overwrite: bool, mode: int | None = None) -> None:
    """Write via a temp file in the same folder, then link or rename it into place.

    ``mode`` sets the file's permissions before it appears (the temp file is created 0600).

    Without overwrite, ``os.link`` fails if the target exists, so two processes can never both
    believe they wrote the document, and a reader never sees a partial file. The same text already
    in place counts as written: a run killed between the link and its checkpoint saves again on
    resume. Any other OS error (disk full, read-only or missing folder) becomes one OutputWriteError.
    """
    try:
        _link_or_replace(path, text, overwrite, mode)
    except FileExistsError:
        if _holds(path, text):
            return
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputWriteError(
            f"output: cannot write {path}: {reason}"
            " (check that --out-dir is a writable folder with free space)"
        ) from exc


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _link_or_replace(path: Path, text: str, overwrite: bool, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphan_temps(path.parent)
    # The writer's pid in the name lets a later save tell an orphan (its writer died) from a live write.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".mlsd-{os.getpid()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def user_file_mode() -> int:
    """The mode a plain ``open()`` would give a new file: 0666 less the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_TEMP = re.compile(r"^\.mlsd-(\d+)-.*\.tmp$")


def remove_orphan_temps(folder: Path) -> None:
    """Delete temp files whose writing process is gone (killed mid-save); never a live one's."""
    for entry in folder.iterdir():
        match = _TEMP.match(entry.name)
        if not match or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            entry.unlink(missing_ok=True)
        except (PermissionError, OverflowError):
            pass  # alive under another user, or not a pid at all: leave it
