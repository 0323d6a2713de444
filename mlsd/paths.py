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
OUT_DIR_HINT = "check that --out-dir is a writable folder with free space"
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


def write_atomically(path: Path, text: str, *, overwrite: bool, hint: str = OUT_DIR_HINT) -> None:
    """Write via a temp file in the same folder, then link or rename it into place.

    Without overwrite, ``os.link`` fails if the target exists, so two processes can never both
    believe they wrote the document, and a reader never sees a partial file. The same text already
    in place counts as written: a run killed between the link and its checkpoint saves again on
    resume. Any other OS error (disk full, read-only or missing folder) becomes one OutputWriteError
    whose line ends with ``hint``. The file gets the user's usual mode (0666 less the umask), or
    keeps the mode of the file it replaces.
    """
    try:
        _link_or_replace(path, text, overwrite)
    except FileExistsError:
        if _holds(path, text):
            return
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputWriteError(f"output: cannot write {path}: {reason} ({hint})") from exc


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _link_or_replace(path: Path, text: str, overwrite: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphan_temps(path.parent)
    # The writer's pid in the name lets a later save tell an orphan (its writer died) from a live write.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".mlsd-{os.getpid()}-", suffix=".tmp")
    try:
        # mkstemp makes the file 0600; a document is not secret, so it gets the mode any new file
        # of the user gets (or keeps the mode of the file it replaces).
        os.fchmod(fd, _mode_for(path) if overwrite else new_file_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def new_file_mode() -> int:
    """0666 less the process's umask: the mode ``open(path, "w")`` would give a new file."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # No /proc (macOS, or Linux before 4.7): reading the umask means setting it for a moment.
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return new_file_mode()


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
