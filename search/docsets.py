"""The set of documents a query matches, as a boolean mask over the reader's document numbers.

Totals and facet counts need *every* matching document. Walking Whoosh's matcher tree costs
several Python calls per document and per tree level; Presse reads each term's posting list once
(``search.postings``), marks its documents in a numpy boolean array, and combines the arrays with
``&``, ``|`` and ``~``, which run in C over one byte per article. Queries without a mask form
here (ranges inside a query…) fall back to Whoosh's own matching. Phrases are checked on the
documents that have all their words only, from the words' positions, vectorised over those
documents (``phrase_docs``), with the semantics of Whoosh's ``Phrase``/``SpanNear2``.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from .postings import PostingCache

# In a phrase, words in more than this many times the documents of its rarest word are not
# used to narrow the candidates (see _docs).
PHRASE_MASK_RATIO = 32

__all__ = ["follows", "matching_docs", "mask_of", "occurrence_keys", "phrase_docs", "term_mask"]


def mask_of(docs, size: int) -> np.ndarray:
    """A boolean mask of ``size`` documents with ``docs`` (document numbers) set."""
    mask = np.zeros(size, dtype=bool)
    ids = np.fromiter(docs, dtype=np.int64) if not isinstance(docs, np.ndarray) else docs
    if len(ids):
        mask[ids] = True
    return mask


def term_mask(reader, postings: PostingCache, field: str, text) -> np.ndarray:
    """Documents (deleted ones included) whose ``field`` contains ``text``."""
    return mask_of(postings.ids(reader, field, text), reader.doc_count_all())


def matching_docs(searcher, query: wq.Query, live: np.ndarray, postings: PostingCache) -> np.ndarray:
    """The live documents ``query`` matches (a new mask the caller may modify)."""
    return _docs(searcher, searcher.reader(), query, live, postings) & live


def _docs(searcher, reader, q: wq.Query, live: np.ndarray, postings: PostingCache) -> np.ndarray:
    if isinstance(q, wq.Term):
        return term_mask(reader, postings, q.fieldname, q.text)
    if isinstance(q, wq.Every):
        return live
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return np.zeros(len(live), dtype=bool)
    if isinstance(q, wq.Not):
        return live & ~_docs(searcher, reader, q.query, live, postings)
    if isinstance(q, wq.And):
        positives = [p for p in q.subqueries if not isinstance(p, wq.Not)]
        negatives = [p.query for p in q.subqueries if isinstance(p, wq.Not)]
        result = None
        for p in positives:
            docs = _docs(searcher, reader, p, live, postings)
            result = docs.copy() if result is None else np.logical_and(result, docs, out=result)
            if not result.any():
                return result
        if result is None:
            result = live.copy()
        for n in negatives:
            result &= ~_docs(searcher, reader, n, live, postings)
        return result
    if isinstance(q, wq.Or):
        result = np.zeros(len(live), dtype=bool)
        for p in q.subqueries:
            result |= _docs(searcher, reader, p, live, postings)
        return result
    if isinstance(q, wq.Phrase) and q.words:
        # Documents with every word first (mask algebra), then positions checked for those only.
        # A word far more frequent than the rarest one ("de" in "de discret") narrows nothing
        # worth its whole posting list: its positions, read for the candidates only, filter.
        frequency = {word: reader.doc_frequency(q.fieldname, word) for word in q.words}
        rarest = min(frequency.values())
        candidates = None
        for word in sorted(frequency, key=frequency.get):
            if candidates is not None and frequency[word] > PHRASE_MASK_RATIO * rarest:
                break
            docs = term_mask(reader, postings, q.fieldname, word)
            candidates = docs if candidates is None else np.logical_and(candidates, docs, out=candidates)
            if not candidates.any():
                return candidates
        return phrase_docs(reader, postings, q.fieldname, q.words, q.slop, candidates & live)
    return mask_of(searcher.docs_for_query(q), len(live))


def occurrence_keys(reader, postings: PostingCache, field: str, word, wanted: np.ndarray) -> np.ndarray:
    """The occurrences of ``word`` in ``field`` in the documents of the ``wanted`` mask, as sorted
    keys ``document << 32 | position``."""
    docs, pos = postings.positions(reader, field, word, wanted)
    return (docs << 32) | pos


def follows(before: np.ndarray, after: np.ndarray, window: int) -> np.ndarray:
    """A mask over the occurrence keys ``after``: those 1 to ``window`` positions after one of the
    keys ``before``, in the same document (a binary search each)."""
    first = np.searchsorted(before, after - window)  # the earliest key of "before" not too far back
    ok = first < len(before)
    ok[ok] = before[first[ok]] <= after[ok] - 1
    return ok


def phrase_docs(reader, postings: PostingCache, field: str, words, slop: int, candidates: np.ndarray) -> np.ndarray:
    """The documents of the ``candidates`` mask where ``words`` occur in order, each within
    ``slop`` positions after the previous one (1: adjacent), as Whoosh's ``Phrase`` matches.

    ``ends`` holds the occurrences where a chain of the first words can end; the next word keeps
    its occurrences that ``follow`` one of them. A word met again (``de`` in a pasted paragraph)
    reuses the occurrences read the first time: those of documents the chain has left since
    follow no end, so they drop out by themselves.
    """
    read: dict = {}
    ends = None
    for word in words:
        keys = read.get(word)
        if keys is None:
            keys = read[word] = occurrence_keys(reader, postings, field, word, candidates)
        ends = keys if ends is None else keys[follows(ends, keys, slop)]
        if not len(ends):
            return np.zeros(len(candidates), dtype=bool)
        candidates = mask_of(ends >> 32, len(candidates))  # repeated documents: set twice, no harm
    return candidates
