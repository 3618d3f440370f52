"""Proximity: articles where the query's words stand close together, in order, rank higher.

BM25F counts words but not where they are: for "réforme des retraites" an article that speaks
of *la réforme* in one paragraph and of *retraites* in another scores like one about *la réforme
des retraites*. For a query of several plain words, Presse takes the best articles by BM25F
(``Ranking.proximity_docs`` of them for two words, ``Ranking.proximity_docs_long`` for more) and
multiplies by ``1 + Ranking.proximity_boost`` the score of each one where the query's words
follow each other: every consecutive pair (stop words left out) within
``Ranking.proximity_window`` positions, in that order, in the title or the text. A word none of
those articles has (a typo) is left out of the pairs.

All the pairs, not a share of them: two words of a description that happen to make a common
phrase in some other article ("salle de cinéma", "voie fermée") would otherwise lift it above the
article described; a reader's half-remembered passage has all its words close. For two words the
evidence is one common pair: it reorders the first page only (see ``search.ranking`` and
``bench/relevance.py`` for the figures).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..ranking import Ranking
from .docsets import follows, mask_of, occurrence_keys
from .postings import PostingCache

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
        return self.ranking.proximity_docs if len(self.words) == 2 else self.ranking.proximity_docs_long

    def boosted(self, scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The ``scores`` of ``docs`` (aligned with them) with the boost where the words are close."""
        if len(self.words) < 2 or not self.ranking.proximity_boost:
            return scores
        partial = self.ranking.proximity == "share"
        shares = pair_shares(self.reader, self.postings, self.words, docs, self.ranking.proximity_window,
                             leave_out_absent=not partial)
        return scores * (1.0 + self.ranking.proximity_boost * (shares if partial else shares >= 1.0))


def pair_shares(reader, postings: PostingCache, words, docs: np.ndarray, window: int,
                leave_out_absent: bool = True) -> np.ndarray:
    """For each document of ``docs``: the share (0 to 1) of the consecutive pairs of ``words``
    (exact, folded word forms in query order) found close together (the second at most ``window``
    positions after the first; 1: adjacent, stop words count), in order, in one field. With
    ``leave_out_absent``, words that none of ``docs`` has are left out first."""
    if not len(docs):
        return np.zeros(0, dtype=np.float64)
    size = reader.doc_count_all()
    wanted = mask_of(docs, size)
    keys = {(field, word): occurrence_keys(reader, postings, field, word, wanted)
            for field in FIELDS for word in set(words)}
    if leave_out_absent:
        words = [w for w in words if any(len(keys[field, w]) for field in FIELDS)]
    pairs = [(a, b) for a, b in zip(words, words[1:]) if a != b]
    if not pairs:
        return np.zeros(len(docs), dtype=np.float64)
    close = np.zeros(size, dtype=np.int64)
    for a, b in pairs:
        hit = np.zeros(size, dtype=bool)
        for field in FIELDS:
            after = keys[field, b]
            hit[after[follows(keys[field, a], after, window)] >> 32] = True
        close += hit
    return close[docs] / len(pairs)
