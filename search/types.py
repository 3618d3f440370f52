"""The values the search API returns: plain frozen dataclasses, no Whoosh object inside."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Mapping, NamedTuple


class FacetCount(NamedTuple):
    """One facet value and how many matching articles have it: ``(2024, 132)``."""

    value: str | int
    count: int  # type: ignore[assignment]  # (a field named like tuple.count)


@dataclasses.dataclass(frozen=True)
class Hit:
    """One search result. ``snippet``, ``title_html`` and ``lead_html`` are HTML: escaped text with ``<mark>``."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    author: str | None
    url: str | None
    section: str | None
    lead: str | None
    score: float
    snippet: str
    title_html: str
    lead_html: str
    # Wire copies (``search.collapse``), when results are grouped: the key of the hit's group (the
    # id of its earliest article), how many other versions match, and the first of them by date.
    group: str | None = None
    other_versions: int = 0
    versions: tuple["Version", ...] = ()


@dataclasses.dataclass(frozen=True)
class Version:
    """Another version of a dispatch (an article of the same group): enough to list and link it."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None


@dataclasses.dataclass(frozen=True)
class SearchPage:
    """One page of results for a query, with facet counts over *all* matching articles."""

    query: str
    page: int
    per_page: int
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetCount, ...]]
    suggestion: str | None
    sort: str = "relevance"
    # When no article has all the words: the respelled query whose results are shown instead
    # (``rewritten``), or ``relaxed``: the results are the articles with the most of the words.
    rewritten: str | None = None
    relaxed: bool = False
    # Wire copies: whether the results are grouped (one hit per group of versions of a dispatch),
    # and how many results the matching articles make once grouped (``total`` counts articles).
    collapse: bool = False
    collapsed_total: int | None = None

    @property
    def shown_total(self) -> int:
        """How many results the pages list: groups when grouped, else articles."""
        return self.collapsed_total if self.collapse and self.collapsed_total is not None else self.total

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(1, -(-self.shown_total // self.per_page))


@dataclasses.dataclass(frozen=True)
class ArticleView:
    """A whole article, its text highlighted for a query (HTML: escaped, ``<mark>`` around matches)."""

    id: str
    title: str
    body: str
    date: dt.date | None
    source: str | None
    author: str | None
    publisher: str | None
    url: str | None
    section: str | None
    lead: str | None
    tags: tuple[str, ...]
    language: str
    title_html: str
    lead_html: str
    paragraphs_html: tuple[str, ...]
    versions: tuple[Version, ...] = ()  # the other versions of this dispatch, by date (``search.collapse``)


@dataclasses.dataclass(frozen=True)
class ArchiveStats:
    """What an archive holds."""

    articles: int
    sources: tuple[FacetCount, ...]
    date_min: dt.date | None
    date_max: dt.date | None
    size_bytes: int
    analysis_version: int
    created: str | None
    generation: str
