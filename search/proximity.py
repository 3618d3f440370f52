"""Proximity: articles where the query's words stand close together rank higher.

BM25F counts words but not where they are: for "réforme des retraites" an article that speaks
of *la réforme* in one paragraph and of *retraites* in another scores like one about *la réforme
des retraites*. For a query of several plain words, Presse takes the best ``Ranking.proximity_docs``
articles by BM25F and multiplies each one's score by ``1 + Ranking.proximity_boost × f``, where
``f`` is the share of the query's consecutive word pairs (stop words left out) found within
``Ranking.proximity_window`` positions of each other, in that order, in the title or the text
(see ``search.ranking``; the values are tuned with ``bench/relevance.py``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .docsets import follows, mask_of, occurrence_keys
from .postings import PostingCache
from .ranking import Ranking

__all__ = ["Proximity", "pair_shares"]

FIELDS = ("title_exact", "exact")


@dataclasses.dataclass(frozen=True)
class Proximity:
    """The proximity boost of one query: its words (exact, folded forms in query order), where to
    read their positions, and the ``Ranking`` that sets the boost, the window and the depth."""

    reader: object
    postings: PostingCache
    words: tuple[str, ...]
    ranking: Ranking

    @property
    def depth(self) -> int:
        """How many of the best articles by BM25F the boost may reorder (0 when it cannot apply)."""
        if len(self.words) < 2 or not self.ranking.proximity_boost:
            return 0
        return self.ranking.proximity_docs

    def boosted(self, scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The ``scores`` of ``docs`` (aligned with them) with the boost of each one's pair share."""
        if len(self.words) < 2 or not self.ranking.proximity_boost:
            return scores
        shares = pair_shares(self.reader, self.postings, self.words, docs, self.ranking.proximity_window)
        return scores * (1.0 + self.ranking.proximity_boost * shares)


def pair_shares(reader, postings: PostingCache, words, docs: np.ndarray, window: int) -> np.ndarray:
    """For each document of ``docs``: the share (0 to 1) of the consecutive pairs of ``words``
    (exact, folded word forms in query order) found close together (the second at most ``window``
    positions after the first; 1: adjacent, stop words count), in order, in one field."""
    pairs = [(a, b) for a, b in zip(words, words[1:]) if a != b]
    if not pairs or not len(docs):
        return np.zeros(len(docs), dtype=np.float64)
    size = reader.doc_count_all()
    wanted = mask_of(docs, size)
    keys = {(field, word): occurrence_keys(reader, postings, field, word, wanted)
            for field in FIELDS for word in {w for pair in pairs for w in pair}}
    close = np.zeros(size, dtype=np.int64)
    for a, b in pairs:
        hit = np.zeros(size, dtype=bool)
        for field in FIELDS:
            after = keys[field, b]
            hit[after[follows(keys[field, a], after, window)] >> 32] = True
        close += hit
    return close[docs] / len(pairs)
