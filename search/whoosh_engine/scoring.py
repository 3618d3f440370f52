"""BM25F scores of the matching documents, computed from posting arrays with numpy.

Whoosh's collector scores a document through its matcher tree, several Python calls per document
and per level. Presse takes each positive term's posting list (document numbers and term
frequencies, ``postings``) and adds its contribution to a score array in one vectorised
step, with the stored field lengths. The model is BM25F as ``search.ranking`` describes it (each
word's frequencies over the fields combined, then saturated); with a plain Whoosh ``BM25F`` the
scores are exactly Whoosh's (fields saturating one by one: ``tests/test_engine.py`` checks it).

A document's score is the sum over the query's positive words it contains (terms under a NOT do
not count); a phrase scores as its words; a date range filters and does not score.
"""

from __future__ import annotations

import threading
from math import log

import numpy as np
from whoosh.scoring import BM25F

from presse.indexer.formats import stored_lengths

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


EXACT_FIELDS = ("title_exact", "exact")
TEXT_FIELDS = ("title", "lead", "body")


def bm25f_scores(searcher, terms, matched: np.ndarray, weighting: BM25F, lengths: FieldLengths,
                 postings: PostingCache) -> np.ndarray:
    """Scores (document number → score, float64) of the documents of the ``matched`` mask for the
    positive ``terms`` (see ``search.plan.scored_terms``); 0 outside ``matched``.

    With a ``weighting.RankingWeighting``, its ranking's settings (``saturation="word"``:
    BM25F proper, see ``search.ranking``). With any other ``BM25F``: Whoosh's scores (each field
    saturating on its own, weight 1, its B, K1 and idf)."""
    ranking = getattr(weighting, "ranking", None)
    if ranking is not None and ranking.saturation == "word":
        return _word_scores(searcher, terms, matched, ranking, lengths, postings)
    if ranking is not None:
        def parameters(field):
            return ranking.field(field).weight, ranking.field(field).B, ranking.K1
        idf_of = ranking.idf_of
    else:
        def parameters(field):
            return 1.0, weighting._field_B.get(field, weighting.B), weighting.K1
        idf_of = _whoosh_idf
    reader = searcher.reader()
    scores = np.zeros(len(matched), dtype=np.float64)
    doc_count = searcher.get_parent().doc_count_all()
    for field, text, boost in terms:
        if not reader.schema[field].scorable:
            continue
        weight, B, K1 = parameters(field)
        if not weight:
            continue
        ids, tf, frequency = postings.for_documents(reader, field, text, matched)
        if not len(ids):
            continue
        # The weighting's idf (Whoosh's WeightingModel.idf, or the ranking's). Not searcher.idf,
        # whose cache never shrinks.
        idf = idf_of(doc_count, frequency)
        avgfl = searcher.avg_field_length(field) or 1
        fl = lengths.array(reader, field)
        k_const = K1 * (1 - B)
        k_len = K1 * B / avgfl
        num = idf * (K1 + 1) * boost * weight
        # Same operations, in the same order, as Whoosh's per-document BM25F.
        scores[ids] += num * tf / (tf + k_const + k_len * fl[ids])
    scores[~matched] = 0.0
    return scores


def _whoosh_idf(documents: int, frequency: int) -> float:
    return log(documents / (frequency + 1)) + 1  # Whoosh's WeightingModel.idf


def _family(field: str) -> str:
    """Fields whose terms are the same word: the stems of title, lead, body; the exact forms of
    title_exact and exact."""
    return "stem" if field in TEXT_FIELDS else "exact" if field in EXACT_FIELDS else field


def _word_scores(searcher, terms, matched: np.ndarray, ranking, lengths: FieldLengths,
                 postings: PostingCache) -> np.ndarray:
    """BM25F proper: for each word (a term's text in one family of fields, see ``_family``), its
    weighted, length-normalised frequencies over the fields are added up, then saturated once;
    the idf is that of the field where the word is most frequent."""
    reader = searcher.reader()
    size = len(matched)
    scores = np.zeros(size, dtype=np.float64)
    weighted = np.zeros(size, dtype=np.float64)  # one word's combined frequency; zeroed after each word
    doc_count = searcher.get_parent().doc_count_all()
    K1 = ranking.K1
    words: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for field, text, boost in terms:
        if reader.schema[field].scorable:
            words.setdefault((_family(field), text), []).append((field, boost))
    for (_, text), fields in words.items():
        found = []
        frequency = 0
        for field, boost in fields:
            settings = ranking.field(field)
            if not settings.weight:
                continue
            ids, tf, df = postings.for_documents(reader, field, text, matched)
            frequency = max(frequency, df)
            inside = matched[ids]
            ids, tf = ids[inside], tf[inside]
            if not len(ids):
                continue
            length = lengths.array(reader, field)[ids] / (searcher.avg_field_length(field) or 1)
            weighted[ids] += (settings.weight * boost) * tf / (1 - settings.B + settings.B * length)
            found.append(ids)
        idf = ranking.idf_of(doc_count, frequency)
        for ids in found:  # a document in several fields' lists: scored once, then its frequency is 0
            tf = weighted[ids]
            weighted[ids] = 0.0
            scores[ids] += idf * (K1 + 1) * tf / (tf + K1)
    return scores

