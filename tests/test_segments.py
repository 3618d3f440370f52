"""MemorySegmentWriter writes the index Whoosh's own SegmentWriter would: same terms, postings,
block statistics, stored fields, lengths and columns, read back through Whoosh."""

from __future__ import annotations

import itertools
import pickle
from array import array
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

import presse.indexer.memory_postings as memory_postings
from presse.indexer.build import update_index
from presse.indexer.inversion import Inverter
from presse.indexer.schema import PackedPositions, make_schema
from presse.indexer.segments import (
    BLOCK_PICKLE_PROTOCOL,
    BLOCK_POSTINGS,
    PACK_FROM_POSTINGS,
    MemoryPostings,
    MemorySegmentWriter,
    NarrowPositions,
    PackedValues,
    merge_small_segments,
    pack_block,
    stored_lengths,
)
from presse.indexer.store import open_generation

from conftest import seed_documents

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    """160 real articles: the seed page and the first OrangeSum articles the project ships."""
    docs = seed_documents(160)
    assert len(docs) >= 160
    return docs[:160]


def build(path: Path, writer_class, batches: list[list[dict]]) -> whoosh_index.Index:
    """An index of ``batches``, one commit (and one segment, before merging) per batch."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    for batch in batches:
        writer = writer_class(ix, compound=False)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit()
    return ix


def postings(reader, fieldname: str, text: bytes) -> list:
    m = reader.postings(fieldname, text)
    out = []
    while m.is_active():
        out.append((m.id(), round(m.weight(), 6), m.value()))
        m.next()
    return out


def blocks(reader, fieldname: str, text: bytes) -> list:
    """Each block's header: (postings, last id, max weight, compression, min/max length bytes)."""
    m = reader.postings(fieldname, text)
    out = []
    while True:
        out.append((m._blocklength, m._maxid, m._maxweight, m._compression, m._minlength, m._maxlength))
        if m._lastblock:
            return out
        m._next_block()


def assert_same_index(ours: whoosh_index.Index, theirs: whoosh_index.Index) -> None:
    with ours.reader() as a, theirs.reader() as b:
        assert a.doc_count_all() == b.doc_count_all()
        leaves = list(zip(a.leaf_readers(), b.leaf_readers(), strict=True))
        for (leaf_a, offset_a), (leaf_b, offset_b) in leaves:
            assert offset_a == offset_b
            assert_same_postings(leaf_a, leaf_b)
        assert list(a.iter_docs()) == list(b.iter_docs())
        for fieldname in a.schema.scorable_names():
            assert a.field_length(fieldname) == b.field_length(fieldname)
            for docnum in range(a.doc_count_all()):
                assert a.doc_field_length(docnum, fieldname) == b.doc_field_length(docnum, fieldname)
        for fieldname in ("id", "day", "source", "year"):
            assert list(a.column_reader(fieldname)) == list(b.column_reader(fieldname))


def assert_same_postings(a, b) -> None:
    """Same terms, term statistics, postings and block headers in two segments."""
    terms = sorted(a.all_terms())
    assert terms == sorted(b.all_terms())
    for fieldname, text in terms:
        # Term statistics are the same; only where the postings sit in the file may differ.
        info_a, info_b = (dict(vars(r.term_info(fieldname, text)), _offset=0, _length=0) for r in (a, b))
        assert info_a == info_b, (fieldname, text)
        assert postings(a, fieldname, text) == postings(b, fieldname, text), (fieldname, text)
        # Compression may differ (see below); everything else in the block headers is the same.
        ours_blocks, their_blocks = blocks(a, fieldname, text), blocks(b, fieldname, text)
        assert [h[:3] + h[4:] for h in ours_blocks] == [h[:3] + h[4:] for h in their_blocks], (fieldname, text)


def writers(blocklimit: int) -> tuple:
    """Presse's writer and Whoosh's, both writing blocks of ``blocklimit`` postings."""
    return (partial(MemorySegmentWriter, codec=W3Codec(blocklimit=blocklimit)),
            partial(SegmentWriter, codec=W3Codec(blocklimit=blocklimit)))


# Presse's block size, and a small one so that the lists of 160 articles span several blocks.
BLOCK_SIZES = pytest.mark.parametrize("blocklimit", [BLOCK_POSTINGS, 16])


@BLOCK_SIZES
def test_one_segment_reads_back_exactly_like_whooshs(tmp_path, documents, blocklimit):
    ours_writer, their_writer = writers(blocklimit)
    ours = build(tmp_path / "ours", ours_writer, [documents])
    theirs = build(tmp_path / "theirs", their_writer, [documents])
    assert_same_index(ours, theirs)


@BLOCK_SIZES
def test_merged_segments_read_back_exactly_like_whooshs(tmp_path, documents, blocklimit):
    # Small commits: Whoosh's merge policy folds earlier segments into the writer's pool.
    batches = [documents[i:i + 16] for i in range(0, len(documents), 16)]
    ours_writer, their_writer = writers(blocklimit)
    ours = build(tmp_path / "ours", ours_writer, batches)
    theirs = build(tmp_path / "theirs", their_writer, batches)
    assert len(ours._segments()) == len(theirs._segments()) < len(batches)
    assert_same_index(ours, theirs)


def test_long_lists_boosts_and_several_inversions_read_back_exactly_like_whooshs(tmp_path, monkeypatch):
    # 600 articles: common words have hundreds of postings in one block of BLOCK_POSTINGS; some
    # documents and fields boosted (weights that are not whole numbers); and the documents given
    # as tokens are inverted every 5,000 tokens instead of once.
    monkeypatch.setattr(memory_postings, "INVERT_EVERY_TOKENS", 5_000)
    documents = seed_documents(600)[:600]
    for i, doc in enumerate(documents):
        if i % 7 == 0:
            doc["_boost"] = 1.5
        if i % 11 == 0:
            doc["_title_boost"] = 3.0
    ours_writer, their_writer = writers(BLOCK_POSTINGS)
    ours = build(tmp_path / "ours", ours_writer, [documents])
    theirs = build(tmp_path / "theirs", their_writer, [documents])
    with ours.reader() as r:
        assert r.doc_frequency("exact", b"de") > 300
        assert block_data(r, "exact", b"de")[1].typecode == "f"  # frequencies × 1.5: not whole numbers
    assert_same_index(ours, theirs)


@pytest.mark.parametrize("blocklimit", [BLOCK_POSTINGS, 16])
def test_the_writer_packs_each_block_as_pack_block_would(tmp_path, documents, blocklimit):
    # The writer packs blocks from statistics of all blocks at once (formats.pack_deltas); pack_block
    # is the reference, given the block's postings as Whoosh's reader decodes them.
    ix = build(tmp_path / "ix", partial(MemorySegmentWriter, codec=W3Codec(blocklimit=blocklimit)), [documents])
    sizes = set()
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            positions = isinstance(r.schema[fieldname].format, PackedPositions)
            m = r.postings(fieldname, text)
            while True:
                written = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                m._read_ids(), m._read_weights()
                values = m._data[2]  # as stored: the reader gives Nones for a field without values
                assert written == pack_block(list(m._ids), list(m._weights),
                                             values if isinstance(values, bytes) else list(values), positions), (fieldname, text)
                ids = m._ids
                sizes.add(min(len(ids), PACK_FROM_POSTINGS))
                if m._lastblock:
                    break
                m._next_block()
    assert sizes == {1, *range(2, PACK_FROM_POSTINGS), PACK_FROM_POSTINGS}  # blocks of every kind were compared


def test_no_block_is_compressed(tmp_path, documents):
    ix = build(tmp_path / "ix", MemorySegmentWriter, [documents])
    with ix.reader() as r:
        headers = [h for fieldname, text in r.all_terms() for h in blocks(r, fieldname, text)]
        assert any(h[0] >= PACK_FROM_POSTINGS for h in headers) and any(h[0] < PACK_FROM_POSTINGS for h in headers)
        assert all(h[3] == 0 for h in headers)


@pytest.mark.parametrize("procs", [1, 2])
def test_presses_writers_put_block_postings_in_a_block(tmp_path, procs):
    # Whoosh's writer would cut the list of "de" in 400 articles into blocks of 128 postings.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(REPO / "seeds" / "orangesum-demo-2000.jsonl", encoding="utf-8") as f:
        (corpus / "articles.jsonl").write_text("".join(itertools.islice(f, 400)), encoding="utf-8")
    root = tmp_path / "ix"
    update_index(root, [corpus], procs=procs)
    ix, _, _ = open_generation(root)
    with ix.reader() as r:
        frequencies = []
        for leaf, _ in r.leaf_readers():
            frequencies.append(leaf.doc_frequency("exact", b"de"))
            assert [h[0] for h in blocks(leaf, "exact", b"de")] == [frequencies[-1]]  # BLOCK_POSTINGS: 1024
        # With two writer processes, how the 400 articles are shared between them varies (jobs of
        # 100 go to whichever process is free): one segment at least has more than 128.
        assert sum(frequencies) > 256 and max(frequencies) > 128
    ix.close()


def block_data(reader, fieldname: str, text: bytes) -> tuple:
    """The unpickled data of the first block of a posting list."""
    m = reader.postings(fieldname, text)
    m._read_data()
    return m._data


def test_full_blocks_are_packed_in_arrays_and_small_ones_kept_as_whoosh_tuples(tmp_path, documents):
    ix = build(tmp_path / "ix", MemorySegmentWriter, [documents])
    with ix.reader() as r:
        ids, weights, values = block_data(r, "exact", b"de")
        assert r.doc_frequency("exact", b"de") > PACK_FROM_POSTINGS
        assert isinstance(ids, array) and isinstance(weights, array) and isinstance(values, NarrowPositions)
        assert len(values.blob) * 2 == sum(values.lengths)  # 2 bytes a position instead of 4
        ids, weights, values = block_data(r, "body", b"gouvern")  # stems: fixed-size frequencies
        assert isinstance(ids, array) and isinstance(values, bytes)
        rare = next(text for fieldname, text in r.all_terms()
                    if fieldname == "exact" and r.doc_frequency("exact", text) == 2)
        ids, weights, values = block_data(r, "exact", rare)
        assert isinstance(ids, tuple) and isinstance(values, tuple)


@given(st.lists(st.binary(min_size=1, max_size=40), max_size=40))
def test_packed_values_give_back_each_value(values):
    packed = pickle.loads(pickle.dumps(PackedValues.of(values), BLOCK_PICKLE_PROTOCOL))
    assert len(packed) == len(values) and list(packed) == values
    assert [packed[i] for i in range(-len(values), len(values))] == values + values
    with pytest.raises(IndexError):
        packed[len(values)]


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=128, unique=True).map(sorted),
       st.data())
def test_a_packed_block_unpickles_to_what_whoosh_pickles(ids, data):
    """The reader's view of a block — ids, weights, values — whatever the numbers' sizes."""
    n = len(ids)
    weights = data.draw(st.one_of(
        st.just([1.0] * n), st.just([2.5] * n),
        st.lists(st.integers(0, 2**20).map(float), min_size=n, max_size=n),
        st.lists(st.floats(0, 1e6, width=32), min_size=n, max_size=n)))
    values = data.draw(st.lists(st.binary(min_size=1, max_size=12), min_size=n, max_size=n))
    deltas, packed_weights, packed_values = pickle.loads(pack_block(ids, weights, values))
    assert list(itertools.accumulate(deltas)) == ids
    if packed_weights is None or isinstance(packed_weights, float):
        assert weights == [1.0 if packed_weights is None else packed_weights] * n
    else:
        assert list(packed_weights) == weights
    assert list(packed_values) == values
    fixed = pickle.loads(pack_block(ids, weights, b"\x01\x00\x00\x00" * n))[2]
    assert fixed == b"\x01\x00\x00\x00" * n


@given(st.lists(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20, unique=True).map(sorted),
                min_size=PACK_FROM_POSTINGS, max_size=128))
def test_positions_are_packed_narrow_when_they_fit_and_read_back_the_same(position_lists):
    fmt = PackedPositions()
    values = [fmt.encode(p) for p in position_lists]
    ids = list(range(0, 3 * len(values), 3))
    packed = pickle.loads(pack_block(ids, [float(len(p)) for p in position_lists], values, positions=True))[2]
    fits = max(map(max, position_lists)) < 1 << 16
    assert isinstance(packed, NarrowPositions) == fits and isinstance(packed, PackedValues)
    assert [fmt.decode_positions(v) for v in packed] == position_lists  # what Whoosh's reader sees
    assert [packed[i] for i in range(len(values))] == values


def test_a_document_whose_field_fails_leaves_nothing_behind(tmp_path, documents):
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), make_schema())
    writer = MemorySegmentWriter(ix, compound=False)
    writer.add_document(**documents[0])
    bad = dict(documents[1], title="mot-témoin-unique", year="pas une année")
    with pytest.raises(ValueError):
        writer.add_document(**bad)
    writer.add_document(**documents[2])
    writer.commit()
    with ix.searcher() as s:
        assert s.doc_count() == 2
        assert [d["id"] for d in s.documents()] == [documents[0]["id"], documents[2]["id"]]
        assert ("title", b"mot-temoin-uniqu") not in s.reader()
        assert not any(text.startswith(b"mot-t") for _, text in s.reader().all_terms())


@given(st.lists(st.integers(0, 2**32 - 1), max_size=300, unique=True).map(sorted), st.floats(0.5, 4))
def test_packed_positions_give_back_the_positions_and_their_count(positions, boost):
    fmt = PackedPositions(field_boost=boost)
    value = fmt.encode(positions)
    assert len(value) == 4 * len(positions)
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_as("positions", value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == len(positions) * boost


def test_the_phrase_fields_store_packed_positions():
    schema = make_schema()
    assert all(isinstance(schema[name].format, PackedPositions)
               for name in ("exact", "title_exact", "author_text", "source_text"))
    assert not schema["body"].format.supports("positions")


def commit_batches(path: Path, batches: list[list[dict]]) -> list[list[int]]:
    """Commit each batch with Presse's merge policy; the segment sizes after each commit."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    sizes = []
    for batch in batches:
        writer = MemorySegmentWriter(ix, compound=False)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit(mergetype=merge_small_segments)
        sizes.append(sorted(seg.doc_count_all() for seg in ix._segments()))
    return sizes


def test_small_segments_of_incremental_runs_are_merged_by_size_tier(tmp_path, documents):
    sizes = commit_batches(tmp_path / "ix", [[doc] for doc in documents[:10]])
    # One-article updates pile up until their tier holds MERGE_FACTOR (8) segments; the next
    # commit folds them in.
    assert sizes[:8] == [[1] * n for n in range(1, 9)]
    assert sizes[8] == [9]
    assert sizes[9] == [1, 9]


def test_an_update_never_rewrites_the_segments_of_the_bulk_load(tmp_path, documents):
    # The seed index is two segments of about a thousand articles: the first update of a fresh
    # index used to merge both (8 s for one article).
    sizes = commit_batches(tmp_path / "ix", [documents[:70], documents[70:140], [documents[140]]])
    assert sizes[-1] == [1, 70, 70]


def test_a_full_tier_is_merged_with_the_smaller_tiers(tmp_path, documents, monkeypatch):
    monkeypatch.setattr("presse.indexer.segments.MERGE_FACTOR", 2)
    sizes = commit_batches(tmp_path / "ix", [documents[:1], documents[1:11], documents[11:21], documents[21:22]])
    # 10 + 10 fill tier 1 (2 segments): they go with the tier-0 segment into the fourth commit.
    assert sizes == [[1], [1, 10], [1, 10, 10], [22]]


def test_segments_of_a_bulk_load_are_never_merged(tmp_path, documents, monkeypatch):
    # Whoosh's Fibonacci rule would merge nearly every segment of a long bulk load at once.
    monkeypatch.setattr("presse.indexer.segments.MERGE_BELOW_DOCS", 8)
    sizes = commit_batches(tmp_path / "ix", [documents[i:i + 8] for i in range(0, 160, 8)])
    assert sizes[-1] == [8] * 20


def test_merging_stops_at_its_document_budget(tmp_path, documents, monkeypatch):
    monkeypatch.setattr("presse.indexer.segments.MERGE_AT_MOST_DOCS", 25)
    monkeypatch.setattr("presse.indexer.segments.MERGE_FACTOR", 2)
    sizes = commit_batches(tmp_path / "ix", [documents[i:i + 10] for i in range(0, 60, 10)])
    assert all(max(s) <= 30 for s in sizes)  # never more than 20 merged docs + the 10 new ones
    assert any(max(s) > 10 for s in sizes)   # but merged they are


def test_memory_postings_give_back_what_was_added_in_whooshs_order():
    pool = MemoryPostings()
    pool.add(("title", b"paix", 0, 1.0, b"\x00\x00\x00\x01"))
    pool.add_field("body", 1, [(b"guerre", 2, 2.0, b"ab"), (b"paix", 1, 1.0, b"")])
    pool.add_field("body", 3, [(b"guerre", 1, 1.0, b"c")], boost=2.0)
    assert list(pool.iter_postings()) == [
        ("body", b"guerre", 1, 2.0, b"ab"),
        ("body", b"guerre", 3, 2.0, b"c"),
        ("body", b"paix", 1, 1.0, b""),
        ("title", b"paix", 0, 1.0, b"\x00\x00\x00\x01"),
    ]
    assert pool.fieldnames == {"title", "body"}


def test_token_rows_need_the_postings_of_the_writers_schema_and_inverter():
    schema, inverter = make_schema(), Inverter()
    field = schema["body"]
    inverter.start_document()
    rows = inverter.rows(field, "la guerre et la paix")
    with pytest.raises(ValueError, match="schema"):
        MemoryPostings().add_tokens("body", 0, inverter.table(field), rows, field.format)
    pool = MemoryPostings(schema, inverter)
    assert pool.add_tokens("body", 0, inverter.table(field), rows, field.format) == 2
    assert list(pool.iter_postings()) == [("body", b"guerr", 0, 1.0, b"\x00\x00\x00\x01"),
                                          ("body", b"paix", 0, 1.0, b"\x00\x00\x00\x01")]


def test_stored_lengths_are_what_whoosh_gives_one_document_at_a_time(tmp_path, documents):
    ix = build(tmp_path / "ix", MemorySegmentWriter, [documents])
    with ix.reader() as r:
        for fieldname in r.schema.scorable_names():
            got = stored_lengths(r._perdoc, fieldname, r.doc_count_all()).tolist()
            # (Whoosh gives None for a length stored as 0)
            assert got == [r.doc_field_length(d, fieldname, 0) or 0 for d in range(r.doc_count_all())]
            assert any(got) or fieldname in ("author_text", "source_text", "tags")


def test_a_schema_with_term_vectors_is_refused_with_a_clear_error(tmp_path):
    from whoosh.fields import TEXT, Schema

    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), Schema(text=TEXT(vector=True)))
    with pytest.raises(ValueError, match="term vectors"):
        MemorySegmentWriter(ix)
