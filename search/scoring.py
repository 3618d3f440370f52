"""BM25F scores of the matching documents, computed from posting arrays with numpy.

Whoosh's collector scores a document through its matcher tree, several Python calls per document
and per level. For queries made of terms (the common case: words, prefixes, fuzzy words, with
AND/OR/NOT, and phrases, scored as their words), Presse takes each positive term's posting list
(document numbers and term frequencies, ``search.postings``) and adds its BM25F contribution to a
score array in one vectorised step, with exactly Whoosh's formula, idf and stored field lengths,
so scores equal what Whoosh would give for the same terms. Other queries (date ranges inside a
query) fall back to Whoosh's collector.

A document's score is the sum over the query's positive terms it contains (terms under a NOT do
not count), which is how Whoosh scores AND and OR.
"""

from __future__ import annotations

import threading
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F

from indexer.segments import stored_lengths

from .postings import PostingCache


class FieldLengths:
    """Document number → stored length of each scored field, for one commit (built lazily)."""

    def __init__(self):
        self._arrays: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def array(self, reader, field: str) -> np.ndarray:
        """Document number → length of ``field`` (float64; read-only)."""
        arr = self._arrays.get(field)
        if arr is None:
            parts = [_leaf_lengths(leaf, field) for leaf, _ in reader.leaf_readers()]  # in document order
            arr = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
            arr.flags.writeable = False
            with self._lock:
                arr = self._arrays.setdefault(field, arr)
        return arr


def _leaf_lengths(leaf, field: str) -> np.ndarray:
    """The stored field lengths of one segment, decoded in bulk (another codec: one call each)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return np.asarray([leaf.doc_field_length(d, field, 0) for d in range(count)], dtype=np.float64)
    return stored_lengths(perdoc, field, count).astype(np.float64)


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


def bm25f_scores(searcher, terms, matched: np.ndarray, weighting: BM25F, lengths: FieldLengths,
                 postings: PostingCache) -> np.ndarray:
    """Scores (document number → score, float64) of the documents of the ``matched`` mask for the
    positive ``terms`` (see ``positive_terms``); 0 outside ``matched``.

    ``weighting`` gives each field's B and K1, and its weight: a ``search.ranking.RankingWeighting``
    (any other ``BM25F``: weight 1, its B and K1)."""
    reader = searcher.reader()
    scores = np.zeros(len(matched), dtype=np.float64)
    doc_count = searcher.get_parent().doc_count_all()
    for field, text, boost in terms:
        if not reader.schema[field].scorable:
            continue
        weight, B, K1 = field_parameters(weighting, field)
        if not weight:
            continue
        ids, tf, frequency = postings.for_documents(reader, field, text, matched)
        if not len(ids):
            continue
        # Whoosh's idf (WeightingModel.idf). Not searcher.idf, whose cache never shrinks.
        idf = log(doc_count / (frequency + 1)) + 1
        avgfl = searcher.avg_field_length(field) or 1
        fl = lengths.array(reader, field)
        k_const = K1 * (1 - B)
        k_len = K1 * B / avgfl
        num = idf * (K1 + 1) * boost * weight
        # Same operations, in the same order, as Whoosh's per-document BM25F.
        scores[ids] += num * tf / (tf + k_const + k_len * fl[ids])
    scores[~matched] = 0.0
    return scores


def field_parameters(weighting: BM25F, field: str) -> tuple[float, float, float]:
    """(weight, B, K1) of ``field`` under ``weighting``."""
    parameters = getattr(weighting, "parameters", None)
    if parameters is not None:
        p = parameters(field)
        return p.weight, p.B, p.K1
    return 1.0, weighting._field_B.get(field, weighting.B), weighting.K1
