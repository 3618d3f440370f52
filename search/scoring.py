"""BM25F scores of the matching documents, computed from posting arrays.

Whoosh's collector scores a document through its matcher tree, several Python calls per document
and per level. For queries made of terms (the common case: words, prefixes, fuzzy words, with
AND/OR/NOT, and phrases, scored as their words), Presse reads each positive term's posting list once — document ids and term
frequencies, a block at a time — and adds its BM25F contribution, with exactly Whoosh's formula,
idf and stored field lengths, so scores equal what Whoosh would give for the same terms. Other
queries (date ranges inside a query) fall back to Whoosh's collector.

A document's score is the sum over the query's positive terms it contains (terms under a NOT do
not count), which is how Whoosh scores AND and OR.
"""

from __future__ import annotations

import threading

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.scoring import BM25F


class FieldLengths:
    """Document number → stored length of each scored field, for one commit (built lazily)."""

    def __init__(self):
        self._arrays: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def array(self, reader, field: str) -> list[float]:
        arr = self._arrays.get(field)
        if arr is None:
            arr = []
            for leaf, _ in reader.leaf_readers():  # in document-number order
                arr.extend(_leaf_lengths(leaf, field))
            with self._lock:
                arr = self._arrays.setdefault(field, arr)
        return arr


def _leaf_lengths(leaf, field: str) -> list[float]:
    """The stored (byte-encoded) field lengths of one segment, decoded in bulk; Whoosh's
    per-document ``doc_field_length`` gives the same values, one call at a time."""
    try:
        column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except AttributeError:  # another codec: the slow, public way
        return [leaf.doc_field_length(d, field, 0) for d in range(leaf.doc_count_all())]
    if column is None:
        return [0] * leaf.doc_count_all()
    table = [byte_to_length(b) if b else 0 for b in range(256)]
    return [table[b] for b in column]


def positive_terms(q: wq.Query, positive: bool = True):
    """(field, text, boost) of the terms that add to a score; None when ``q`` has other leaves."""
    if isinstance(q, wq.Term):
        return [(q.fieldname, q.text, q.boost)] if positive else []
    if isinstance(q, wq.Not):
        inner = positive_terms(q.query, not positive)
        return None if inner is None else []
    if isinstance(q, (wq.And, wq.Or)):
        out = []
        for sub in q.subqueries:
            terms = positive_terms(sub, positive)
            if terms is None:
                return None
            out.extend((f, t, b * q.boost) for f, t, b in terms)
        return out
    if isinstance(q, wq.Phrase):
        # A phrase scores as its words (the documents are already those where they form the phrase).
        return [(q.fieldname, w, q.boost) for w in dict.fromkeys(q.words)] if positive else []
    if isinstance(q, wq.Every) or q is wq.NullQuery:
        return []
    return None


def _postings(matcher):
    """(ids, weights) of a fresh on-disk posting list."""
    ids: list[int] = []
    weights: list[float] = []
    m = matcher
    if not isinstance(m, W3LeafMatcher):
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return ids, weights
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        ids.extend(m._ids[m._i:])
        weights.extend(m._weights[m._i:])
        if m._lastblock:
            break
        m._next_block()
    return ids, weights


def bm25f_scores(searcher, terms, matched: set[int], weighting: BM25F, lengths: FieldLengths) -> dict[int, float]:
    """Score every document of ``matched`` for the positive ``terms`` (see ``positive_terms``)."""
    reader = searcher.reader()
    scores: dict[int, float] = dict.fromkeys(matched, 0.0)
    K1 = weighting.K1
    for field, text, boost in terms:
        if not reader.schema[field].scorable:
            continue
        B = weighting._field_B.get(field, weighting.B)
        idf = searcher.idf(field, text)
        avgfl = searcher.avg_field_length(field) or 1
        fl = lengths.array(reader, field)
        k_const = K1 * (1 - B)
        k_len = K1 * B / avgfl
        num = idf * (K1 + 1) * boost
        for leaf, offset in reader.leaf_readers():
            if (field, text) not in leaf:
                continue
            ids, weights = _postings(leaf.postings(field, text))
            for doc, tf in zip(ids, weights):
                doc += offset
                if doc in scores:
                    scores[doc] += num * tf / (tf + k_const + k_len * fl[doc])
    return scores
