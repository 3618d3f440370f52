"""The values the search API returns: plain frozen dataclasses, no Whoosh object inside."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol


class Marks(Protocol):
    """What marks the words of a query in a text (``search.highlight.Highlighter``): HTML, escaped."""

    def snippet(self, text: str) -> str: ...

    def mark(self, text: str) -> str: ...

    def mark_lines(self, text: str) -> tuple[str, ...]: ...


def stored_day(value: object) -> dt.date | None:
    """A stored date as a day (a ``datetime``'s time left out); None when unknown."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def incomplete_notice(missing: Sequence[int], shards: int) -> str | None:
    """The French notice of results some shards of a cluster did not answer for, None when all did:
    « 1 fragment sur 3 ne répond pas : résultats incomplets »."""
    if not missing:
        return None
    n = len(missing)
    verb = "ne répond pas" if n == 1 else "ne répondent pas"
    return f"{n} fragment{'s' if n > 1 else ''} sur {shards} {verb} : résultats incomplets"


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
    versions: tuple[Version, ...] = ()

    @classmethod
    def from_fields(cls, fields: Mapping, score: float, marks: Marks) -> Hit:
        """The result of an article's stored fields, its words marked by ``marks``."""
        title = fields.get("title", "")
        lead = fields.get("lead", "") or ""
        return cls(
            id=fields["id"], title=title, date=stored_day(fields.get("date")), source=fields.get("source"),
            author=fields.get("author"), url=fields.get("url"), section=fields.get("section"), lead=lead or None,
            score=round(float(score), 4), snippet=marks.snippet(fields.get("body", "")), title_html=marks.mark(title),
            lead_html=marks.mark(lead),
        )


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
    # On a cluster (``search.cluster``): some of its ``shards`` did not answer (``missing``: their
    # numbers, from 1), the results are those of the others.
    partial: bool = False
    missing: tuple[int, ...] = ()
    shards: int = 1

    @property
    def notice(self) -> str | None:
        """The French notice of incomplete results (``incomplete_notice``), None when complete."""
        return incomplete_notice(self.missing, self.shards)

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

    @classmethod
    def from_fields(cls, fields: Mapping, marks: Marks, versions: tuple[Version, ...] = ()) -> ArticleView:
        """The article of its stored fields, its words marked by ``marks``."""
        body = fields.get("body", "")
        return cls(
            id=fields["id"], title=fields.get("title", ""), body=body, date=stored_day(fields.get("date")),
            source=fields.get("source"), author=fields.get("author"), publisher=fields.get("publisher"),
            url=fields.get("url"), section=fields.get("section"), lead=fields.get("lead") or None,
            tags=tuple(t for t in (fields.get("tags") or "").split(",") if t), language=fields.get("language", "fr"),
            title_html=marks.mark(fields.get("title", "")), lead_html=marks.mark(fields.get("lead", "")),
            paragraphs_html=marks.mark_lines(body), versions=versions,
        )


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
    # On a cluster: articles per shard (None: it did not answer), and the shards that did not answer.
    shard_articles: tuple[int | None, ...] = ()
    partial: bool = False
    missing: tuple[int, ...] = ()

    @property
    def notice(self) -> str | None:
        """The French notice of incomplete statistics (``incomplete_notice``), None when complete."""
        return incomplete_notice(self.missing, len(self.shard_articles))
