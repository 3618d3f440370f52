"""Indexes are read through memory maps: the same bytes as Whoosh's buffered files, fewer system calls."""

from __future__ import annotations

import shutil

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import StructFile

from indexer.build import update_index
from indexer.mapped import MappedFile, MappedFileStorage
from indexer.store import current_generation, open_generation
from search import Archive
from search.postings import PostingCache

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


def test_an_empty_file_opens_and_reads_nothing(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    f = MappedFile(str(path))
    assert f.read() == b"" and f.get(0, 10) == b""
    f.close()


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
