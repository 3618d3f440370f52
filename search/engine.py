"""The seam between Presse and its storage engine.

Presse compiles a query into its own plan (``search.plan``); an engine runs it. ``Engine`` is the
index as a whole (open when constructed; statistics, refresh, close); ``Snapshot`` is one commit
of it as the calling thread sees it, consistent for the length of one request: it executes plans,
reads articles, finds similar ones, and answers the vocabulary questions the compiler asks
(prefixes, spellings, the lexicon of accented forms).

Document numbers (``Found.doc``, ``Snapshot.ranked``) are the engine's handles for one snapshot's
documents: valid with that snapshot only. The Whoosh/numpy engine is ``search.whoosh_engine``;
another (a cluster of Xapian shards, say) implements these two protocols.
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

__all__ = ["Dated", "Engine", "EngineStats", "Found", "Lexicon", "Results", "Snapshot"]


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
    versions counts once), the documents of the requested ranks, and the facet counts."""

    total: int
    collapsed_total: int
    hits: tuple[Found, ...]
    facets: dict[str, tuple[FacetCount, ...]]


@dataclasses.dataclass(frozen=True)
class EngineStats:
    """What the index holds: live articles, articles per source, the first and last dates, its
    size on disk, the name of its generation and what it was built with (``meta``)."""

    articles: int
    sources: tuple[FacetCount, ...]
    date_min: dt.date | None
    date_max: dt.date | None
    size_bytes: int
    generation: str
    meta: Mapping[str, Any]


class Dated(NamedTuple):
    """A plan's matches as the timelines count them: document → day number (0: undated), the
    matching documents, the documents the filters keep (the population of each period), as masks
    over document numbers, and ``periods``, the commit's ``search.timeline.PeriodColumns``."""

    days: np.ndarray
    matched: np.ndarray
    population: np.ndarray
    periods: Any


class Lexicon(Protocol):
    """The index's lexicon (``indexer.lexicon.Lexicon``): search keys → index terms and accents."""

    def terms_for_key(self, key: str) -> Collection[str]: ...

    def accented(self, folded: str) -> str: ...


class Snapshot(Protocol):
    """One commit of the index, as one thread searches it."""

    @property
    def commit(self) -> Hashable:
        """What identifies this commit (caches key on it)."""
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
