"""Presse's vectorised query engine gives exactly what Whoosh's own machinery gives.

``search.whoosh_engine``'s ``postings``, ``docsets``, ``scoring``, ``vocabulary`` and ``ranker``
replace Whoosh's per-document matchers with numpy arrays. These
tests index random text over a small vocabulary (so that words repeat, phrases match and posting
lists span many blocks) into several segments with deleted documents, then compare every
vectorised answer with Whoosh's answer to the same question.
"""

from __future__ import annotations

import random
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.scoring import BM25F
from whoosh.support.levenshtein import distance

from presse.indexer.schema import FrenchText
from presse.indexer.segments import MemorySegmentWriter, NarrowPositions, PackedValues
from presse.search import plan
from presse.search.facets import UnknownFilterValue
from presse.search.plan import Filters
from presse.search.vocabulary import spelling_neighbours
from presse.search.whoosh_engine import docsets
from presse.search.whoosh_engine import postings as postings_module
from presse.search.whoosh_engine.columns import ReaderColumns
from presse.search.whoosh_engine.docsets import phrase_docs
from presse.search.whoosh_engine.postings import PostingCache, positions, positions_by_document, select_positions
from presse.search.whoosh_engine.ranker import top_ranked as _top_ranked
from presse.search.whoosh_engine.scoring import bm25f_scores
from presse.search.whoosh_engine.vocabulary import read_vocabulary as Vocabulary

WORDS = ["de", "la", "le", "et", "guerre", "paix", "gaz", "prix", "grève", "état", "etat", "russie", "russe",
         "ministre", "ministres", "minstre", "porte", "avions", "nord", "sud", "corridor", "pétrole", "pétroles"]
WEIGHTS = [40, 30, 30, 25, 6, 5, 5, 4, 3, 3, 2, 3, 2, 4, 2, 1, 3, 2, 2, 2, 1, 3, 1]
WEIGHTING = BM25F(B=0.75, K1=1.2, title_B=0.5)


@pytest.fixture(scope="module", params=["whoosh-writer", "presse-writer", "presse-writer-small-blocks"])
def engine(tmp_path_factory, request):
    """A three-segment Whoosh index of 900 random documents, 60 of them deleted; written by
    Whoosh's ``SegmentWriter`` (Whoosh's block layout, 128 postings a block) or Presse's
    ``MemorySegmentWriter`` (blocks packed in arrays), since the numpy readers take both.
    Presse's blocks hold 1024 postings, more than a segment here has documents: the small-block
    variant (32) gives its lists several blocks to skip through."""
    analyzer = SpaceSeparatedTokenizer() | LowercaseFilter()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=analyzer, phrase=False),
                           body=fields.TEXT(analyzer=analyzer, phrase=False),
                           exact=FrenchText(analyzer=analyzer, phrase=True),  # PackedPositions, like Presse's
                           day=fields.NUMERIC(int, sortable=True), source=fields.ID(sortable=True))
    storage = FileStorage(str(tmp_path_factory.mktemp("engine"))).create()
    ix = storage.create_index(schema)
    rng = random.Random(7)
    for batch in range(3):
        if request.param == "whoosh-writer":
            writer = ix.writer()
        elif request.param == "presse-writer":
            writer = MemorySegmentWriter(ix)
        else:
            writer = MemorySegmentWriter(ix, codec=W3Codec(blocklimit=32))
        for i in range(batch * 300, batch * 300 + 300):
            text = " ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(3, 60)))
            writer.add_document(id=f"d{i}", title=" ".join(rng.choices(WORDS, k=rng.randint(1, 6))), body=text,
                                exact=text, day=rng.randint(700000, 700010), source=rng.choice(["A", "B", "C"]))
        writer.commit(merge=False)
    writer = ix.writer()
    for i in rng.sample(range(900), 60):
        writer.delete_by_term("id", f"d{i}")
    writer.commit(merge=False)
    searcher = ix.searcher(weighting=WEIGHTING)
    assert len(searcher.reader().leaf_readers()) >= 3
    yield searcher
    searcher.close()
    ix.close()


def plan_of(q: wq.Query) -> plan.Node:
    """The ``search.plan`` node of a Whoosh query: the tests build Whoosh's queries, whose answers
    the engine's answers to the same plan must equal."""
    if isinstance(q, wq.Term):
        return plan.Term(q.fieldname, q.text, q.boost)
    if isinstance(q, wq.Phrase):
        return plan.Phrase(q.fieldname, tuple(q.words), q.slop, q.boost)
    if isinstance(q, wq.And):
        return plan.AllOf(tuple(plan_of(p) for p in q.subqueries))
    if isinstance(q, wq.Or):
        return plan.AnyOf(tuple(plan_of(p) for p in q.subqueries))
    if isinstance(q, wq.Not):
        return plan.Not(plan_of(q.query))
    raise TypeError(q)


def matching_docs(searcher, q: wq.Query, live, postings) -> np.ndarray:
    """The engine's documents for the plan of ``q``."""
    return docsets.matching_docs(searcher.reader(), plan_of(q), live, postings)


def positive_terms(q: wq.Query) -> list[tuple[str, str, float]]:
    """The scored terms of the plan of ``q``."""
    return plan.scored_terms(plan_of(q))


def whoosh_docs(searcher, q) -> set[int]:
    return set(searcher.docs_for_query(q))


def as_set(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(mask).tolist())


def test_posting_arrays_equal_whooshs_postings(engine):
    reader = engine.reader()
    live = ReaderColumns(reader).live_docs(reader)
    cache = PostingCache()
    for field in ("title", "body", "exact"):
        for text in reader.lexicon(field):
            ids, weights = cache.get(reader, field, text)
            assert reader.doc_frequency(field, text) == len(ids)  # deleted documents included
            ids, weights = ids[live[ids]], weights[live[ids]]  # Whoosh's matchers hide them
            expected_ids, expected_weights = [], []
            for leaf, offset in reader.leaf_readers():
                if (field, text) in leaf:
                    m = leaf.postings(field, text)
                    while m.is_active():
                        expected_ids.append(m.id() + offset)
                        expected_weights.append(m.weight())
                        m.next()
            assert ids.tolist() == expected_ids
            assert weights.tolist() == expected_weights
    assert len(cache.ids(reader, "body", b"de")) > 300  # several blocks, but for Presse's 1024


@pytest.mark.parametrize("word", [b"guerre", b"de"])
@pytest.mark.parametrize("wanted_docs", [slice(None, None, 3), [5, 400, 401, 899], [], slice(None)])
def test_positions_equal_whooshs_positions(engine, word, wanted_docs):
    reader = engine.reader()
    wanted = np.zeros(reader.doc_count_all(), dtype=bool)
    wanted[wanted_docs] = True
    docs, pos = positions(reader, "exact", word, wanted)
    # The cache decodes the whole list once and selects from it: the same answer, twice.
    cache = PostingCache(positions_from_docs=1)
    for _ in range(2):
        cached_docs, cached_pos = cache.positions(reader, "exact", word, wanted)
        assert cached_docs.tolist() == docs.tolist() and cached_pos.tolist() == pos.tolist()
    assert cache.position_bytes > 0
    # The whole list by document: each document once, its positions end to end.
    ids, starts, counts, flat = positions_by_document(reader, "exact", word)
    everything = positions(reader, "exact", word, np.ones(reader.doc_count_all(), dtype=bool))
    assert ids.tolist() == sorted(set(everything[0].tolist())) and counts.sum() == len(flat)
    assert np.repeat(ids, counts).tolist() == everything[0].tolist() and flat.tolist() == everything[1].tolist()
    assert starts.tolist() == (np.cumsum(counts) - counts).tolist()
    # A list too big for a quarter of the cache is decoded for the wanted documents only, every time.
    small = PostingCache(max_position_bytes=256, positions_from_docs=1)
    small_docs, small_pos = small.positions(reader, "exact", word, wanted)
    assert small_docs.tolist() == docs.tolist() and small_pos.tolist() == pos.tolist()
    assert small.position_bytes == 0
    live = ReaderColumns(reader).live_docs(reader)
    docs, pos = docs[live[docs]], pos[live[docs]]
    expected = []
    for leaf, offset in reader.leaf_readers():
        m = leaf.postings("exact", word)
        while m.is_active():
            if wanted[m.id() + offset]:
                expected.extend((m.id() + offset, p) for p in m.value_as("positions"))
            m.next()
    assert list(zip(docs.tolist(), pos.tolist())) == expected
    assert expected or wanted.sum() < 10  # a few documents may all lack the word


def test_positions_past_65535_are_read_back_from_a_wide_block(tmp_path):
    """A block with a position too large for 2 bytes keeps 4-byte positions (PackedValues, not
    NarrowPositions); the numpy readers give what Whoosh's matcher gives for it."""
    analyzer = SpaceSeparatedTokenizer() | LowercaseFilter()
    schema = fields.Schema(id=fields.ID(stored=True), exact=FrenchText(analyzer=analyzer, phrase=True))
    ix = FileStorage(str(tmp_path)).create().create_index(schema)
    writer = MemorySegmentWriter(ix)
    texts = [f"marque mot{i} marque" for i in range(12)]
    texts[5] = "remplissage " * 70_000 + "marque fin"
    for i, text in enumerate(texts):
        writer.add_document(id=f"d{i}", exact=text)
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        matcher = reader.postings("exact", "marque")
        matcher._read_data()
        assert isinstance(matcher._data[2], PackedValues) and not isinstance(matcher._data[2], NarrowPositions)
        expected = []
        while matcher.is_active():
            expected.extend((matcher.id(), p) for p in matcher.value_as("positions"))
            matcher.next()
        assert (5, 70_000) in expected
        wanted = np.ones(reader.doc_count_all(), dtype=bool)
        docs, pos = positions(reader, "exact", "marque", wanted)
        assert list(zip(docs.tolist(), pos.tolist())) == expected
        by_document = positions_by_document(reader, "exact", "marque")
        docs, pos = select_positions(*by_document, wanted)
        assert list(zip(docs.tolist(), pos.tolist())) == expected


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5), slop=st.integers(1, 6))
def test_phrases_match_what_whooshs_phrase_matches(engine, words, slop):
    reader = engine.reader()
    everything = np.ones(reader.doc_count_all(), dtype=bool)
    found = phrase_docs(reader, PostingCache(positions_from_docs=50), "exact", [w.encode() for w in words], slop,
                        everything)
    expected = whoosh_docs(engine, wq.Phrase("exact", words, slop=slop))
    assert as_set(found) & set(reader.all_doc_ids()) == expected


def queries():
    term = st.builds(lambda f, w: wq.Term(f, w), st.sampled_from(["title", "body"]), st.sampled_from(WORDS))
    phrase = st.builds(lambda ws, s: wq.Phrase("exact", ws, slop=s), st.lists(st.sampled_from(WORDS), min_size=2,
                                                                              max_size=3), st.integers(1, 3))
    return st.recursive(term | phrase, lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(wq.And),
        st.lists(inner, min_size=1, max_size=3).map(wq.Or),
        st.builds(lambda a, b: wq.And([a, wq.Not(b)]), inner, inner),
    ), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(q=queries())
def test_boolean_queries_match_what_whoosh_matches(engine, q):
    reader = engine.reader()
    live = ReaderColumns(reader).live_docs(reader)
    expected = whoosh_docs(engine, q)
    # A phrase's frequent words narrow its candidates (ratio 32: in these 900 documents no word is
    # 32 times as frequent as another, so all do) or are left to the position check (ratio 0:
    # only the rarest word's documents are candidates): the same documents either way.
    for ratio in (docsets.PHRASE_MASK_RATIO, 0):
        with mock.patch.object(docsets, "PHRASE_MASK_RATIO", ratio):
            assert as_set(matching_docs(engine, q, live, PostingCache())) == expected


def matched_and_terms(engine, q):
    """(the reader's columns, the documents ``q`` matches, its positive terms)."""
    reader = engine.reader()
    columns = ReaderColumns(reader)
    matched = matching_docs(engine, q, columns.live_docs(reader), columns.postings)
    return columns, matched, positive_terms(q)


@settings(max_examples=150, deadline=None)
@given(q=queries())
def test_scores_equal_whooshs_bm25f(engine, q):
    columns, matched, terms = matched_and_terms(engine, q)
    scores = bm25f_scores(engine, terms, matched, WEIGHTING, columns.lengths, columns.postings)
    # Whoosh scores a phrase through its spans; Presse scores it as its words: compare term queries.
    flat = wq.Or([wq.Term(f, t, boost=b) for f, t, b in terms]) if terms else None
    if flat is None or not matched.any():
        return
    results = engine.search(flat, limit=None, filter=as_set(matched))
    expected = {results.docnum(i): results.score(i) for i in range(results.scored_length())}
    assert set(expected) == as_set(matched)
    for doc, score in expected.items():
        assert scores[doc] == pytest.approx(score, rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(q=queries())
def test_scores_from_lists_read_only_around_the_matches_equal_scores_from_whole_lists(engine, q):
    columns, matched, terms = matched_and_terms(engine, q)
    whole = bm25f_scores(engine, terms, matched, WEIGHTING, columns.lengths, PostingCache())
    with mock.patch.object(postings_module, "SPARSE_READ_RATIO", 0):  # every list read sparsely
        cache = PostingCache()
        sparse = bm25f_scores(engine, terms, matched, WEIGHTING, columns.lengths, cache)
    assert sparse.tolist() == whole.tolist()
    assert cache.bytes == 0  # partial lists are not kept


def test_ranking_breaks_ties_newest_first_then_in_document_order():
    ids = np.arange(8)
    scores = np.array([1.0, 2.0, 2.0, 2.0 + 1e-12, 0.5, 2.0, 3.0, 2.0])
    day = np.array([5, 1, 9, 1, 9, 9, 0, 3])
    top = [d for d, _ in _top_ranked(ids, scores, None, day, 5)]
    # 6 scores best; 1, 2, 3, 5, 7 tie at 2.0 (float noise ignored): days 9, 9, 3, 1, 1.
    assert top == [6, 2, 5, 7, 1]
    counts = np.array([0, 1, 0, 0, 0, 0, 0, 2])
    assert [d for d, _ in _top_ranked(ids, scores, counts, day, 3)] == [7, 1, 6]
    assert [d for d, _ in _top_ranked(ids, scores, None, day, 100)] == [6, 2, 5, 7, 1, 3, 0, 4]


@settings(max_examples=100, deadline=None)
@given(day=st.lists(st.integers(0, 5), min_size=1, max_size=60), limit=st.integers(1, 70),
       newest_first=st.booleans(), data=st.data())
def test_date_order_equals_a_plain_sort(engine, day, limit, newest_first, data):
    columns = ReaderColumns(engine.reader())
    columns._days = np.array(day)  # the "day" column: 0 when undated
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(day), max_size=len(day))))
    docs = [d for d in range(len(day)) if mask[d]]
    if newest_first:
        expected = sorted(docs, key=lambda d: (-day[d], d))
    else:
        expected = sorted(docs, key=lambda d: (day[d] or 10**9, d))
    assert columns.by_date(None, mask, newest_first, limit) == expected[:limit]


def test_facet_counts_equal_a_plain_count(engine):
    reader = engine.reader()
    columns = ReaderColumns(reader)
    live = columns.live_docs(reader)
    source = columns.array(reader, "source")
    expected = {}
    for d in np.flatnonzero(live).tolist():
        expected[source[d]] = expected.get(source[d], 0) + 1
    assert {f.value: f.count for f in columns.counts(reader, "source", live)} == expected


def test_vocabulary_lists_every_term_with_its_frequency(engine):
    reader = engine.reader()
    vocabulary = Vocabulary(reader, "exact")
    assert vocabulary.terms == [t.decode() for t in reader.lexicon("exact")]
    assert vocabulary.frequencies.tolist() == [reader.doc_frequency("exact", t) for t in reader.lexicon("exact")]
    assert [t for t, _ in vocabulary.with_prefix("pé", 10)] == ["pétrole", "pétroles"]
    assert vocabulary.with_prefix("zz", 10) == []


@pytest.mark.parametrize("word, maxdist", [("ministre", 1), ("ministre", 2), ("minsitre", 1), ("etat", 1),
                                           ("russ", 1), ("gaz", 1), ("prix", 2), ("petrole", 1), ("xyz", 1)])
def test_spelling_neighbours_equal_a_scan_with_whooshs_distance(engine, word, maxdist):
    reader = engine.reader()
    vocabulary = Vocabulary(reader, "exact")
    expected = []
    for size in ((2, 1) if len(word) > 4 else (1,)):
        expected = sorted((distance(t, word, limit=maxdist), -reader.doc_frequency("exact", t), t)
                          for t in vocabulary.terms if t.startswith(word[:size]) and t != word
                          and distance(t, word, limit=maxdist) <= maxdist)
        if expected:
            break
    assert spelling_neighbours(vocabulary, word, maxdist) == expected


@settings(max_examples=60, deadline=None)
@given(sources=st.lists(st.sampled_from(["A", "B", "C"]), max_size=3, unique=True),
       day_from=st.none() | st.integers(700000, 700010), day_to=st.none() | st.integers(700000, 700010))
def test_filters_keep_what_whooshs_filter_queries_keep(engine, sources, day_from, day_to):
    reader = engine.reader()
    columns = ReaderColumns(reader)
    found = columns.filter_docs(reader, Filters(sources=tuple(sources), day_from=day_from, day_to=day_to))
    parts = [wq.Or([wq.Term("source", s) for s in sources])] if sources else []
    if day_from is not None or day_to is not None:
        parts.append(wq.NumericRange("day", day_from, day_to))
    expected = whoosh_docs(engine, wq.And(parts)) if parts else set(reader.all_doc_ids())
    assert as_set(found) == expected
    assert columns.filter_docs(reader, Filters(sources=tuple(sources), day_from=day_from, day_to=day_to)) is found
    # A value no article has is not an empty result but a French error naming the known values.
    with pytest.raises(UnknownFilterValue, match="« A », « B », « C »"):
        columns.filter_docs(reader, Filters(sources=tuple(sources) + ("Z",), day_from=day_from, day_to=day_to))


@settings(max_examples=60, deadline=None)
@given(first=st.none() | st.integers(699999, 700011), last=st.none() | st.integers(699999, 700011), q=queries())
def test_date_ranges_in_a_plan_match_what_whooshs_range_matches(engine, first, last, q):
    # A date inside a query ("date:2024") is a mask of the day column, not Whoosh's collector.
    reader = engine.reader()
    columns = ReaderColumns(reader)
    live = columns.live_docs(reader)
    both = plan.AllOf((plan.DayRange(first, last), plan_of(q)))
    found = docsets.matching_docs(reader, both, live, columns.postings, lambda: columns.days(reader))
    assert as_set(found) == whoosh_docs(engine, wq.And([wq.NumericRange("day", first, last), q]))
    outside = docsets.matching_docs(reader, plan.Not(plan.DayRange(first, last)), live, columns.postings,
                                    lambda: columns.days(reader))
    # Against the live documents outside Whoosh's range: Whoosh's matcher for a lone Not gave
    # document 299, the last of the first segment, inside a range that holds it.
    inside = whoosh_docs(engine, wq.NumericRange("day", first, last))
    assert as_set(outside) == set(reader.all_doc_ids()) - inside
