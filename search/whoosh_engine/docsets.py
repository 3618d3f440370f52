"""The set of documents a query plan (``search.plan``) matches, as a boolean mask over the
reader's document numbers.

Totals and facet counts need *every* matching document. Walking Whoosh's matcher tree costs
several Python calls per document and per tree level; Presse reads each term's posting list once
(``postings``), marks its documents in a numpy boolean array, and combines the arrays with
``&``, ``|`` and ``~``, which run in C over one byte per article; a date range inside a query is
a mask of the day column. Phrases are checked on the documents that have all their words only,
from the words' positions, vectorised over those documents (``phrase_docs``), with the semantics
of Whoosh's ``Phrase``/``SpanNear2``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..plan import AllOf, AnyOf, DayRange, Everything, Expansion, Node, Not, Nothing, Phrase, Term
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


def day_mask(days: np.ndarray, first: int | None, last: int | None) -> np.ndarray:
    """Documents dated from day ``first`` to day ``last`` (inclusive, None: open) in the ``days``
    column (document number → ``date.toordinal()``, 0 when undated: in no range)."""
    docs = days > 0
    if first is not None:
        docs &= days >= first
    if last is not None:
        docs &= days <= last
    return docs


def matching_docs(reader, query: Node, live: np.ndarray, postings: PostingCache,
                  days: Callable[[], np.ndarray] | None = None) -> np.ndarray:
    """The live documents ``query`` (a ``search.plan`` node) matches (a new mask the caller may
    modify); ``days()`` gives the day column, for the ``DayRange`` nodes."""
    return _docs(reader, query, live, postings, days) & live


def _docs(reader, q: Node, live: np.ndarray, postings: PostingCache, days) -> np.ndarray:
    if isinstance(q, Term):
        return term_mask(reader, postings, q.field, q.text)
    if isinstance(q, Everything):
        return live
    if isinstance(q, Nothing):
        return np.zeros(len(live), dtype=bool)
    if isinstance(q, DayRange):
        if days is None:
            raise ValueError("A date range needs the day column.")
        return day_mask(days(), q.first, q.last)
    if isinstance(q, Not):
        return live & ~_docs(reader, q.item, live, postings, days)
    if isinstance(q, AllOf):
        positives = [p for p in q.items if not isinstance(p, Not)]
        negatives = [p.item for p in q.items if isinstance(p, Not)]
        result = None
        for p in positives:
            docs = _docs(reader, p, live, postings, days)
            result = docs.copy() if result is None else np.logical_and(result, docs, out=result)
            if not result.any():
                return result
        if result is None:
            result = live.copy()
        for n in negatives:
            result &= ~_docs(reader, n, live, postings, days)
        return result
    if isinstance(q, (AnyOf, Expansion)):
        result = np.zeros(len(live), dtype=bool)
        items: tuple[Node, ...] = q.items if isinstance(q, AnyOf) else q.terms
        for item in items:
            result |= _docs(reader, item, live, postings, days)
        return result
    if isinstance(q, Phrase):
        if not q.words:
            return np.zeros(len(live), dtype=bool)
        # Documents with every word first (mask algebra), then positions checked for those only.
        # A word far more frequent than the rarest one ("de" in "de discret") narrows nothing
        # worth its whole posting list: its positions, read for the candidates only, filter.
        frequency = {word: reader.doc_frequency(q.field, word) for word in q.words}
        rarest = min(frequency.values())
        candidates = None
        for word in sorted(frequency, key=frequency.__getitem__):
            if candidates is not None and frequency[word] > PHRASE_MASK_RATIO * rarest:
                break
            docs = term_mask(reader, postings, q.field, word)
            candidates = docs if candidates is None else np.logical_and(candidates, docs, out=candidates)
            if not candidates.any():
                return candidates
        return phrase_docs(reader, postings, q.field, q.words, q.slop, candidates & live)
    raise TypeError(f"Not a query plan node: {q!r}")


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
