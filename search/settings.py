"""``EngineSettings``: the limits and cache sizes of searching, in one typed object.

Ranking is ``search.ranking.Ranking``; these are the other tuned values — how far a prefix or a
fuzzy word may expand, when a respelling is suggested, how much each cache keeps. The defaults
are the values Presse ships with; give another to ``Archive(path, settings=…)``::

    Archive(path, settings=EngineSettings(max_expansion=128, posting_cache_bytes=64 * 2**20))

Left as module constants, with their reason: the request's limits (pages, concordance, export,
timeline, query length: what ``search.request`` validates), the index lifecycle's
``search.whoosh_engine.index.RECHECK_SECONDS`` and ``SEARCHER_CACHE_ENTRIES`` (one value per
process), and the engine's internal strategy thresholds that change no answer
(``docsets.PHRASE_MASK_RATIO``, ``postings.SPARSE_READ_RATIO``, ``highlight``'s scan sizes).
"""

from __future__ import annotations

import dataclasses

__all__ = ["EngineSettings"]

MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """Limits and cache sizes of an ``Archive`` (the defaults are the tuned values)."""

    # Query compilation (search.query)
    max_expansion: int = 64  # index terms a prefix/wildcard word may expand to
    max_scanned_terms: int = 20_000  # vocabulary entries scanned for one prefix/wildcard expansion
    max_fuzzy_terms: int = 16  # closest spellings a fuzzy word searches
    max_fuzzy_scan: int = 8_000  # vocabulary entries compared by edit distance for one fuzzy word
    suggest_below: int = 3  # results under which a respelling is suggested
    query_cache_words: int = 20_000  # distinct words whose query-side analysis is kept
    # Results
    max_facet_values: int = 30  # values listed per facet
    similar_terms: int = 15  # key terms of an article that find similar ones
    similar_text_chars: int = 20_000  # of an article's body, read for its key terms
    # Caches
    page_cache: int = 256  # result pages kept
    filter_cache: int = 16  # filter masks kept per commit (one byte per article each)
    matches_kept: int = 8  # matched masks kept per commit (a search counts a plan, then ranks it)
    posting_cache_bytes: int = 24 * MIB  # decoded posting lists kept per commit
    position_cache_bytes: int = 32 * MIB  # decoded positions of frequent terms kept per commit
    cached_positions_from_docs: int = 1_000  # a term in this many documents has its positions kept

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field.name} invalide : {value!r} (un entier positif).")


DEFAULTS = EngineSettings()
