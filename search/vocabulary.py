"""The sorted terms of one field of one commit, for prefix and fuzzy expansion.

An engine reads a field's terms once per commit (``search.whoosh_engine.vocabulary``) into this
sorted list with their document frequencies (numpy), so that a prefix is two binary searches; fuzzy words compare the
candidates' edit distance with RapidFuzz (C++), the same restricted Damerau–Levenshtein distance
(adjacent transpositions count as one edit) as Whoosh's ``damerau_levenshtein``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .settings import DEFAULTS

__all__ = ["Vocabulary", "spelling_neighbours"]


class Vocabulary:
    """Every term of one field with its document frequency, sorted."""

    def __init__(self, counts: Mapping[str, int] | Mapping[bytes, int]):
        """``counts``: term → how many documents have it (text, or its UTF-8 bytes)."""
        ordered: list = sorted(counts)  # UTF-8 bytes sort in code point order
        self.terms: list[str] = [t.decode("utf-8") if isinstance(t, bytes) else t for t in ordered]
        self.frequencies = np.fromiter((counts[t] for t in ordered), dtype=np.int64,
                                       count=len(ordered))

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """(start, end) positions of the terms that start with ``prefix``."""
        start = bisect_left(self.terms, prefix)
        end = bisect_left(self.terms, prefix + "\U0010ffff", start) if prefix else len(self.terms)
        return start, end

    def with_prefix(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first ``limit`` terms starting with ``prefix`` (in term order) with their document
        frequencies."""
        start, end = self.prefix_range(prefix)
        end = min(end, start + limit)
        return list(zip(self.terms[start:end], self.frequencies[start:end].tolist()))


def spelling_neighbours(vocabulary: Vocabulary, word: str, maxdist: int,
                        max_scan: int = DEFAULTS.max_fuzzy_scan) -> list[tuple[int, int, str]]:
    """Terms of ``vocabulary`` within ``maxdist`` edits of ``word`` (``word`` itself excluded), as
    (distance, -document frequency, term), closest and most frequent first.

    Typos rarely hit the first two letters, and scanning the vocabulary from a two-letter prefix
    is much cheaper; when that finds nothing, the scan starts again from the first letter. At most
    ``max_scan`` vocabulary entries are compared per scan.
    """
    if maxdist < 1 or not word:
        return []
    found: list[tuple[int, int, str]] = []
    for size in ((2, 1) if len(word) > 4 else (1,)):
        start, end = vocabulary.prefix_range(word[:size])
        end = min(end, start + max_scan)
        candidates = vocabulary.terms[start:end]
        for term, distance, i in process.extract(word, candidates, scorer=OSA.distance, score_cutoff=maxdist,
                                                 limit=None):
            if term != word:
                found.append((int(distance), -int(vocabulary.frequencies[start + i]), term))
        if found:
            break
    found.sort()
    return found
