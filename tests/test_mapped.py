"""Indexes are read through memory maps: the same bytes as Whoosh's buffered files, fewer system calls."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import StructFile

from presse.indexer import mapped as mapped_module
from presse.indexer.build import update_index
from presse.indexer.mapped import MappedFile, MappedFileStorage
from presse.indexer.store import current_generation, open_generation
from presse.search import Archive
from presse.search.whoosh_engine.postings import PostingCache

from conftest import DATA, SEED


def test_a_mapped_file_reads_what_a_buffered_file_reads(tmp_path):
    path = tmp_path / "f.bin"
    with StructFile(open(path, "wb")) as out:
        out.write_int(-42)
        out.write_varint(300)
        out.write_pickle({"clé": [1, 2]})
        out.write(b"tail")
    mapped = MappedFile(str(path))
    plain = StructFile(open(path, "rb"))
    try:
        for f in (mapped, plain):
            f.seek(0)
        assert mapped.read_int() == plain.read_int() == -42
        assert mapped.read_varint() == plain.read_varint() == 300
        assert mapped.read_pickle() == plain.read_pickle() == {"clé": [1, 2]}
        assert mapped.read() == plain.read() == b"tail"
        assert mapped.get_int(0) == -42
        # get() reads at an offset without moving the read position
        mapped.seek(4)
        assert mapped.get(0, 4) == plain.get(0, 4)
        assert mapped.tell() == 4
    finally:
        mapped.close()
        plain.close()


def test_an_empty_file_or_an_unmappable_one_is_opened_the_usual_way(tmp_path, monkeypatch):
    storage = MappedFileStorage(str(tmp_path))
    (tmp_path / "empty").write_bytes(b"")
    f = storage.open_file("empty")
    assert not isinstance(f, MappedFile) and f.read() == b"" and f.get(0, 10) == b""
    f.close()
    (tmp_path / "full").write_bytes(b"abc")

    def no_mmap(*args, **kwargs):
        raise OSError(19, "No such device")  # ENODEV: a filesystem without mmap

    monkeypatch.setattr(mapped_module.mmap, "mmap", no_mmap)
    f = storage.open_file("full")
    assert not isinstance(f, MappedFile) and f.get(1, 2) == b"bc"
    f.close()


def test_a_missing_file_is_still_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        MappedFileStorage(str(tmp_path)).open_file("absent")


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=1, max_size=2000), position=st.integers(0, 2100), length=st.integers(0, 300))
def test_get_is_a_slice_of_the_file(tmp_path_factory, data, position, length):
    path = tmp_path_factory.mktemp("m") / "f"
    path.write_bytes(data)
    f = MappedFile(str(path))
    try:
        assert f.get(position, length) == data[position:position + length]
    finally:
        f.close()


def test_a_served_index_is_read_through_maps_and_answers_like_whoosh(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "articles.jsonl", corpus / "articles.jsonl")
    shutil.copy(SEED, corpus / SEED.name)
    root = tmp_path / "ix"
    update_index(root, [corpus], batch_size=3)  # several segments
    mapped_ix, generation, _ = open_generation(root)
    assert isinstance(mapped_ix.storage, MappedFileStorage)
    with mapped_ix.reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        assert isinstance(leaf._terms._dbfile, MappedFile)  # the term table
        assert isinstance(leaf._terms._postfile, MappedFile)  # the posting lists
    plain_ix = whoosh_index.open_dir(str(current_generation(root)))
    with mapped_ix.reader() as mapped, plain_ix.reader() as plain:
        assert list(mapped.all_stored_fields()) == list(plain.all_stored_fields())
        terms = [(f, t) for f, t in plain.all_terms() if f in ("body", "exact")]
        assert len(terms) > 500
        for field, text in terms:
            ids_m, weights_m = PostingCache().get(mapped, field, text)
            ids_p, weights_p = PostingCache().get(plain, field, text)
            assert ids_m.tolist() == ids_p.tolist() and weights_m.tolist() == weights_p.tolist()
    mapped_ix.close()
    plain_ix.close()
    page = Archive(root).search("capacités")
    assert page.total > 0 and "<mark>" in page.hits[0].snippet


def test_a_served_generation_still_answers_after_its_files_are_deleted(tmp_path):
    # presse reindex removes the old generation while readers may still hold it open.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "articles.jsonl", corpus / "articles.jsonl")
    root = tmp_path / "ix"
    update_index(root, [corpus])
    ix, generation, _ = open_generation(root)
    with ix.reader() as reader:
        before = {text: PostingCache().get(reader, "exact", text)[0].tolist() for text in reader.lexicon("exact")}
        shutil.rmtree(generation)
        after = {text: PostingCache().get(reader, "exact", text)[0].tolist() for text in reader.lexicon("exact")}
        assert after == before and len(before) > 100
    ix.close()
