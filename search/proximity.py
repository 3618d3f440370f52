"""Proximity: articles where the query's words stand close together rank higher.

BM25F counts words but not where they are: for "réforme des retraites" an article that speaks
of *la réforme* in one paragraph and of *retraites* in another scores like one about *la réforme
des retraites*. For a query of several plain words, Presse takes the best ``PROXIMITY_DOCS``
articles by BM25F and multiplies each one's score by ``1 + PROXIMITY_BOOST × f``, where ``f`` is
the share of the query's consecutive word pairs (stop words left out) found within
``PROXIMITY_WINDOW`` positions of each other, in that order, in the title or the text. The weights
are tuned with ``bench/relevance.py``.
"""

from __future__ import annotations

import numpy as np

from .docsets import follows, mask_of, occurrence_keys
from .postings import PostingCache

__all__ = ["PROXIMITY_BOOST", "PROXIMITY_DOCS", "PROXIMITY_WINDOW", "pair_shares"]

PROXIMITY_BOOST = 0.5
PROXIMITY_WINDOW = 3  # "b" at most this many positions after "a" (1: adjacent; stop words count)
PROXIMITY_DOCS = 100  # the articles, best by BM25F, that proximity may reorder
FIELDS = ("title_exact", "exact")


def pair_shares(reader, postings: PostingCache, words, docs: np.ndarray) -> np.ndarray:
    """For each document of ``docs``: the share (0 to 1) of the consecutive pairs of ``words``
    (exact, folded word forms in query order) found close together, in order, in one field."""
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
            hit[after[follows(keys[field, a], after, PROXIMITY_WINDOW)] >> 32] = True
        close += hit
    return close[docs] / len(pairs)


def boosted(scores: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """BM25F ``scores`` with the proximity boost of their ``shares``."""
    return scores * (1.0 + PROXIMITY_BOOST * shares)
