"""Ranking the documents a plan matched: relevance (BM25F, coordination, proximity) or date.

``Match`` is what a plan matched in one commit, before ranking; ``ranked(match, start, stop)``
gives its documents ``start:stop`` in the plan's order with their scores. Relevance is the
archive's ``search.ranking.Ranking``: BM25F over the plan's scored terms (``scoring``); with a
relaxed query's clauses, documents matching more of them first; the proximity boost over the
best ones (``proximity``); ties newest first, then in document order.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..plan import Node
from ..ranking import Ranking
from .columns import ReaderColumns
from .docsets import mask_of, matching_docs
from .proximity import Proximity
from .scoring import bm25f_scores
from .weighting import weighting_of

__all__ = ["Match", "coordination", "ordered", "ranked", "top_ranked"]


@dataclasses.dataclass(frozen=True)
class Match:
    """What a plan matched in one commit, before ranking."""

    searcher: object  # the calling thread's Whoosh searcher
    columns: ReaderColumns
    matched: np.ndarray  # boolean mask over document numbers
    total: int
    allowed: np.ndarray | None  # the filters' mask (None: no filter)
    everything: bool  # the empty query: every article, unscored
    sort: str  # "relevance", "date" or "-date"
    scored: tuple[tuple[str, str, float], ...] = ()  # (field, text, boost) of the terms that score
    coordination: tuple[Node, ...] = ()  # a relaxed query's clauses
    nearby: tuple[str, ...] = ()  # a plain query's words, for the proximity boost


def ranked(match: Match, ranking: Ranking, start: int, stop: int) -> list[tuple[int, float]]:
    """Documents ``start:stop`` of ``match`` in its sort order, with each one's score.

    Relevance is ``ranking`` (``search.ranking``). With ``coordination`` (the clauses of a relaxed
    OR query), it ranks first by how many clauses a document matches, then by score; with
    ``nearby`` (the words of a plain query), scores get the proximity boost (``proximity``).
    """
    if start >= match.total:
        return []
    searcher, columns = match.searcher, match.columns
    reader = searcher.reader()  # type: ignore[attr-defined]
    live = columns.live_docs(reader)
    weighting = weighting_of(ranking)
    proximity = Proximity(reader, columns.postings, match.nearby, ranking)
    terms = [] if match.everything else list(match.scored)
    if match.sort == "relevance" and not match.everything:
        scores = bm25f_scores(searcher, terms, match.matched, weighting, columns.lengths, columns.postings)
        counts = (coordination(reader, match.coordination, match.matched, live, columns)
                  if match.coordination else None)
        return top_ranked(np.flatnonzero(match.matched), scores, counts, columns.days(reader), stop,
                          proximity=proximity)[start:]
    docs = columns.by_date(reader, match.matched, match.sort != "date", stop)[start:]
    if not terms:
        return [(d, 0.0) for d in docs]
    page_docs = np.asarray(docs, dtype=np.int64)  # each hit's score, for display
    scores = bm25f_scores(searcher, terms, mask_of(page_docs, len(live)), weighting, columns.lengths,
                          columns.postings)
    shown = proximity.boosted(scores[page_docs], page_docs)
    return [(d, round(float(score), 4)) for d, score in zip(docs, shown.tolist())]


def coordination(reader, clauses, matched: np.ndarray, live: np.ndarray, columns: ReaderColumns) -> np.ndarray:
    """Document number → how many of ``clauses`` it satisfies (0 outside ``matched``)."""
    counts = np.zeros(len(matched), dtype=np.int64)
    for clause in clauses:
        counts += matching_docs(reader, clause, live, columns.postings, lambda: columns.days(reader)) & matched
    return counts


def top_ranked(ids: np.ndarray, scores: np.ndarray, counts: np.ndarray | None, day: np.ndarray,
               limit: int, *, proximity: Proximity | None = None) -> list[tuple[int, float]]:
    """The ``limit`` best of ``ids``: most clauses matched (``counts``, when given), then highest
    score, then newest, then document order; with each one's score rounded for display.

    With a ``proximity`` boost, the first ``proximity.depth`` of that order are ranked again with
    the boost; the rest keep their order, so pages never overlap.
    """
    depth = proximity.depth if proximity is not None else 0
    if not depth or len(ids) < 2:
        return ordered(ids, scores, counts, day, limit)
    assert proximity is not None
    head = ordered(ids, scores, counts, day, max(limit, depth))
    docs = np.asarray([d for d, _ in head[:depth]], dtype=np.int64)
    again = scores.copy()
    again[docs] = proximity.boosted(scores[docs], docs)
    return (ordered(docs, again, counts, day, len(docs)) + head[depth:])[:limit]


def ordered(ids: np.ndarray, scores: np.ndarray, counts: np.ndarray | None, day: np.ndarray,
            limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best of ``ids`` by ``counts`` (when given), score, day (newest first) and
    document number, with each one's score rounded for display."""
    rounded = np.round(scores[ids], 9)  # equal up to float noise: let the date decide
    primary = counts[ids] if counts is not None else None
    if primary is None and len(ids) > limit:
        kth = np.partition(rounded, len(ids) - limit)[len(ids) - limit]
        keep = rounded >= kth
        ids, rounded = ids[keep], rounded[keep]
    keys = (ids, -day[ids], -rounded) + ((-primary,) if primary is not None else ())
    best = ids[np.lexsort(keys)[:limit]]
    return [(d, round(float(scores[d]), 4)) for d in best.tolist()]
