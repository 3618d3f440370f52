"""The seam between Presse and its storage engine.

Presse compiles a query into its own plan (``search.plan``); an engine runs it. ``Engine`` is the
index as a whole (open when constructed; statistics, refresh, close); ``Snapshot`` is one commit
of it as the calling thread sees it, consistent for the length of one request: it executes plans,
reads articles, finds similar ones, and answers the vocabulary questions the compiler asks
(prefixes, spellings, the lexicon of accented forms).

Document numbers (``Found.doc``, ``Snapshot.ranked``) are the engine's handles for one snapshot's
documents: valid with that snapshot only. The Whoosh/numpy engine is ``search.whoosh_engine``; a
cluster of Xapian shards is ``search.cluster.engine``: both implement these two protocols, and
``search.Archive`` runs over either.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np

from .entities import EntityTable
from .plan import Filters, Node, Plan
from .types import FacetCount, Version

__all__ = ["Dated", "DayCounts", "Engine", "EngineStats", "Found", "Lexicon", "Results", "Snapshot", "day_counts"]


class Found(NamedTuple):
    """One document an engine returns: its stored fields, its score, and (results grouped by
    dispatch) its group's key, how many other versions match and the first of them by date."""

    doc: int
    fields: dict[str, Any]
    score: float
    group: str | None = None
    other_versions: int = 0
    versions: tuple[Version, ...] = ()


@dataclasses.dataclass(frozen=True)
class Results:
    """What a ``Plan`` gives: ``total`` matching documents (``collapsed_total`` once each group of
    versions counts once), the documents of the requested ranks, and the facet counts.

    ``collapsed``: whether the hits were grouped by dispatch (an engine without groups of versions
    lists every article). On an engine of ``shards`` parts, ``missing`` are those that did not
    answer: the results are the others' (incomplete)."""

    total: int
    collapsed_total: int
    hits: tuple[Found, ...]
    facets: dict[str, tuple[FacetCount, ...]]
    collapsed: bool = False
    missing: tuple[int, ...] = ()
    shards: int = 1


@dataclasses.dataclass(frozen=True)
class EngineStats:
    """What the index holds: live articles, articles per source, the first and last dates, its
    size on disk, the name of its generation and what it was built with (``meta``); on an engine of
    several parts, the articles of each (``shard_articles``, None: it did not answer) and the
    numbers of those that did not answer (``missing``)."""

    articles: int
    sources: tuple[FacetCount, ...]
    date_min: dt.date | None
    date_max: dt.date | None
    size_bytes: int
    generation: str
    meta: Mapping[str, Any]
    shard_articles: tuple[int | None, ...] = ()
    missing: tuple[int, ...] = ()


class DayCounts(NamedTuple):
    """How many documents fall on each day: ``days``, distinct day numbers (``date.toordinal()``,
    ascending; 0: undated), and ``counts``, the documents of each (int64 arrays of one length)."""

    days: np.ndarray
    counts: np.ndarray


def day_counts(days: np.ndarray, docs: np.ndarray) -> DayCounts:
    """The ``DayCounts`` of the documents of the mask ``docs``, ``days`` giving each document's day."""
    selected = np.asarray(days, dtype=np.int64)[docs]
    undated = int(np.count_nonzero(selected <= 0))
    dated = selected[selected > 0]
    if len(dated):
        first = int(dated.min())
        histogram = np.bincount(dated - first)
        present = np.flatnonzero(histogram)
        found_days, found_counts = present + first, histogram[present]
    else:
        found_days = found_counts = np.zeros(0, dtype=np.int64)
    if undated:
        found_days = np.concatenate(([0], found_days))
        found_counts = np.concatenate(([undated], found_counts))
    return DayCounts(found_days.astype(np.int64), found_counts.astype(np.int64))


class Dated(NamedTuple):
    """A plan's matches as the timelines count them: the matching documents per day (``matched``),
    and the documents the filters keep per day (``population``: the articles of each period)."""

    matched: DayCounts
    population: DayCounts


class Lexicon(Protocol):
    """The index's lexicon (``indexer.lexicon.Lexicon``): search keys → index terms and accents."""

    def terms_for_key(self, key: str) -> Collection[str]: ...

    def accented(self, folded: str) -> str: ...


class Snapshot(Protocol):
    """One commit of the index, as one thread searches it."""

    @property
    def commit(self) -> Hashable:
        """What identifies this commit (caches key on it); None when the engine cannot tell one
        commit from the next (nothing is cached)."""
        ...

    @property
    def lexicon(self) -> Lexicon:
        """The folded search keys of the stemmed fields and the accented forms of words."""
        ...

    def with_prefix(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first ``limit`` terms of ``field`` starting with ``prefix``, with their document counts."""
        ...

    def neighbours(self, field: str, word: str, maxdist: int) -> list[tuple[int, int, str]]:
        """Terms of ``field`` within ``maxdist`` edits of ``word``, as (distance, -document count,
        term), closest and most frequent first (``search.vocabulary.spelling_neighbours``)."""
        ...

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents (deleted ones included) have ``text`` in ``field``."""
        ...

    def entities(self) -> EntityTable:
        """The named entities of this commit."""
        ...

    def check_filters(self, filters: Filters) -> None:
        """Nothing when every value of ``filters`` is in the archive.

        :raises search.facets.UnknownFilterValue: a filter value the archive does not have.
        """
        ...

    def count(self, query: Node, filters: Filters | None) -> int:
        """How many live documents ``query`` matches among those ``filters`` keep.

        :raises search.facets.UnknownFilterValue: a filter value the archive does not have.
        """
        ...

    def execute(self, plan: Plan) -> Results:
        """Run ``plan``: its total, the documents of ranks ``plan.start:plan.stop``, its facets."""
        ...

    def ranked(self, plan: Plan, start: int, stop: int) -> list[tuple[int, float]]:
        """(document, score) of ranks ``start:stop`` of ``plan``, without grouping."""
        ...

    def stored_fields(self, doc: int) -> dict[str, Any]:
        """The stored fields of document ``doc``."""
        ...

    def dated(self, plan: Plan) -> Dated:
        """``plan``'s matches as the timelines count them."""
        ...

    def document(self, article_id: str) -> Found | None:
        """The article ``article_id`` (its other versions in ``versions``, every one), or None."""
        ...

    def entity_value(self, article_id: str) -> str | None:
        """The named entities column of article ``article_id`` (None: none, or no such article)."""
        ...

    def similar(self, article_id: str, limit: int) -> list[Found]:
        """Up to ``limit`` articles similar to ``article_id`` by its key terms (empty: no such article)."""
        ...


class Engine(Protocol):
    """A Presse index behind the seam: open when constructed, safe to share between threads."""

    def snapshot(self) -> Snapshot:
        """The current commit for the calling thread (a new commit or generation on disk is
        noticed here)."""
        ...

    def refresh(self) -> None:
        """Check for a new commit or generation now (``snapshot`` checks every few moments)."""
        ...

    def stats(self) -> EngineStats:
        """What the index holds now."""
        ...

    def warm_up(self, facets: Sequence[str]) -> None:
        """Load now what the first searches would otherwise load (``facets``: those to count)."""
        ...

    def close(self) -> None:
        """Release the index."""
        ...
