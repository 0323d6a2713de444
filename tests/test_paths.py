import os
import stat
from pathlib import Path

import pytest

from mlsd.paths import MAX_NAME_BYTES, document_path, new_file_mode, safe_name, write_atomically
from mlsd.records import Params


def test_default_parameters_use_the_seed_path(tmp_path):
    path = document_path(tmp_path, "Meta", "Design a News Feed ML Ranking System", Params())
    assert (
        path == tmp_path.resolve() / "ml-system-designs" / "Meta" / "Design a News Feed ML Ranking System.md"
    )


def test_variants_get_a_suffix(tmp_path):
    path = document_path(
        tmp_path, "Meta", "Feed", Params(seniority="E5", duration=45, focus_area="deep_learning")
    )
    assert path.name == "Feed (E5, 45min, deep_learning).md"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..",
        ".",
        "a/b/c",
        "a\\b",
        "x\ny",
        "\x00evil",
        ".hidden",
        "CON",
        "nul",
        "com1.txt",
        "🚀" * 100,
        "é" * 600,
        "a" * 600,
        " ",
        "Ω\u0301",
    ],
)
def test_names_are_safe(tmp_path, name):
    safe = safe_name(name)
    assert "/" not in safe and "\\" not in safe and "\n" not in safe and "\x00" not in safe
    assert safe not in {".", ".."} and not safe.startswith(".")
    assert 0 < len(safe.encode()) <= MAX_NAME_BYTES
    assert safe.split(".")[0].lower() not in {"con", "nul", "com1", "prn", "aux"}
    path = document_path(tmp_path, name, name, Params())
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert path.parent.parent == tmp_path.resolve() / "ml-system-designs"


def test_slash_in_topic_never_makes_a_folder(tmp_path):
    path = document_path(tmp_path, "Meta", "A/B Testing Platform", Params())
    assert path.name == "A-B Testing Platform.md"
    assert path.parent.name == "Meta"


def test_long_names_that_share_a_prefix_stay_distinct():
    assert safe_name("a" * 300 + "x") != safe_name("a" * 300 + "y")


def test_unicode_is_nfc_normalised():
    assert safe_name("e\u0301") == "\u00e9"


def test_atomic_write_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "d" / "doc.md"
    write_atomically(target, "one", overwrite=False)
    with pytest.raises(FileExistsError):
        write_atomically(target, "two", overwrite=False)
    assert target.read_text() == "one"
    write_atomically(target, "three", overwrite=True)
    assert target.read_text() == "three"
    assert [p.name for p in target.parent.iterdir()] == ["doc.md"]  # no temp file left behind


def test_document_path_is_under_out_dir_even_with_relative_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = document_path(Path("content"), "..", "../..", Params())
    assert path.is_relative_to(tmp_path / "content")


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_written_document_gets_the_users_usual_mode_not_the_temp_files(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        target = tmp_path / "doc.md"
        write_atomically(target, "one", overwrite=False)
        assert stat.S_IMODE(target.stat().st_mode) == mode
        assert new_file_mode() == mode
    finally:
        os.umask(previous)


def test_replacing_a_document_keeps_the_mode_its_owner_gave_it(tmp_path):
    target = tmp_path / "doc.md"
    write_atomically(target, "one", overwrite=False)
    target.chmod(0o640)
    write_atomically(target, "two", overwrite=True)
    assert target.read_text() == "two" and stat.S_IMODE(target.stat().st_mode) == 0o640
