"""One atomic file write for every file Presse rewrites in an index (``indexer.files``, issue 17).

A crash between writing the new content and renaming it over the old file must leave the old
file as it was and no temporary file behind; the rename must be made durable (directory fsync).
"""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from presse.indexer import files
from presse.indexer.build import MANIFEST_FILE, _save_manifest
from presse.indexer.dedup import DEDUP_FILE, Signatures
from presse.indexer.lexicon import LEXICON_FILE, PARTS_DIR, Lexicon, write_part
from presse.indexer.store import CURRENT_FILE, META_FILE, make_current, read_meta, write_meta

TEXT = ("Le gouvernement a présenté mercredi en Conseil des ministres son projet de loi sur l'énergie, "
        "qui prévoit la relance de six réacteurs nucléaires et un objectif de neutralité carbone en 2050.")


def _lexicon(directory, n):
    Lexicon(stems={"capacit": {"capac"}}, display={"etat": f"état{n}"}).save(directory)


def _signatures(directory, n):
    signatures = Signatures(directory)
    signatures.add("a", f"hash{n}", 738000, TEXT)
    signatures.save()


# (file written, write version n into a directory, read the version back, whether a failure is raised)
WRITERS = {
    "presse.json": (META_FILE, lambda d, n: write_meta(d, {"n": n}), lambda d: read_meta(d)["n"], True),
    "CURRENT": (CURRENT_FILE, lambda d, n: make_current(d, d / f"gen-{n}"), lambda d: (d / CURRENT_FILE).read_text(),
                True),
    "lexicon.json": (LEXICON_FILE, _lexicon, lambda d: Lexicon.load(d).display["etat"], True),
    "dedup.npz": (DEDUP_FILE, _signatures, lambda d: Signatures(d).content_hash("a"), True),
    # The manifest only speeds up the next run: failing to write it is no error.
    "files.json": (MANIFEST_FILE, lambda d, n: _save_manifest(d, {"/corpus/a.txt": [n, n]}),
                   lambda d: json.loads((d / MANIFEST_FILE).read_text()), False),
}


def _crash_before_rename(monkeypatch):
    def crash(src, dst):
        raise OSError(errno.EIO, "coupure simulée avant le renommage")

    monkeypatch.setattr(os, "replace", crash)


@pytest.mark.parametrize("name", WRITERS)
def test_a_crash_before_the_rename_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, name):
    filename, write, read, raises = WRITERS[name]
    write(tmp_path, 1)
    old = read(tmp_path)
    before = sorted(os.listdir(tmp_path))
    assert filename in before
    _crash_before_rename(monkeypatch)
    if raises:
        with pytest.raises(OSError):
            write(tmp_path, 2)
    else:
        write(tmp_path, 2)
    monkeypatch.undo()
    assert read(tmp_path) == old
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("name", WRITERS)
def test_the_new_content_replaces_the_old(tmp_path, name):
    _, write, read, _ = WRITERS[name]
    write(tmp_path, 1)
    old = read(tmp_path)
    before = sorted(os.listdir(tmp_path))
    write(tmp_path, 2)
    assert read(tmp_path) != old
    assert sorted(os.listdir(tmp_path)) == before


def test_a_lexicon_part_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    _crash_before_rename(monkeypatch)
    with pytest.raises(OSError):
        write_part(tmp_path, ["États-Unis", "capacités"])
    monkeypatch.undo()
    assert os.listdir(tmp_path / PARTS_DIR) == []
    assert Lexicon.load(tmp_path).display == {}
    write_part(tmp_path, ["États-Unis", "capacités"])
    assert Lexicon.load(tmp_path).accented("etats") == "états"


def test_a_failure_while_writing_leaves_the_old_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"ancien")
    with pytest.raises(ValueError):
        with files.atomic_file(path) as f:
            f.write(b"moitie")
            raise ValueError("échec au milieu de l'écriture")
    assert path.read_bytes() == b"ancien"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_the_rename_is_made_durable(tmp_path, monkeypatch):
    synced = []
    fsync = os.fsync

    def recording_fsync(fd):
        synced.append("dossier" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fichier")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    write_meta(tmp_path, {"n": 1})
    assert synced == ["fichier", "dossier"]


def test_files_are_created_with_the_usual_permissions(tmp_path):
    # Not mkstemp's 0600: an index written by one user may be served by another.
    umask = os.umask(0o022)
    try:
        files.atomic_write(tmp_path / "CURRENT", "gen-1\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "CURRENT").st_mode) == 0o644
    assert (tmp_path / "CURRENT").read_text(encoding="utf-8") == "gen-1\n"
