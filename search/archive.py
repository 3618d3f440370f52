"""``Archive``: the embeddable search API over one Presse index.

Over 400 lines on purpose: it is the whole public API of the library (search, articles, research
views, exports, citations, statistics), each method a few lines over the engine, with its docstring.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from presse.indexer.analysis import ANALYSIS_VERSION
from presse.indexer.article import is_valid_id
from presse.indexer.store import IndexNotFound, IndexVersionError, default_index_dir

from . import concordance as kwic
from .citation import SearchCitation, bibtex_entry, bibtex_key, french_citation, ris_entry, search_parameters
from .engine import Engine, Found, Snapshot
from .entities import KINDS as ENTITY_KINDS
from .entities import EntityRef, EntityView
from .export import Record, check_format, check_limit, write
from .highlight import Highlighter
from .lru import LRU
from .plan import Filters
from .query import Analysis, Highlights, Planned, plan_query
from .ranking import Ranking
from .request import (
    DEFAULT_FACETS,
    DEFAULT_PER_PAGE,
    FACETS,
    MAX_PER_PAGE,
    SearchRequest,
    as_day,
    as_list,
    check_facets,
    check_page,
    check_per_page,
    check_sort,
)
from .settings import EngineSettings
from .syntax import QueryError, query_text
from .timeline import Matched, Timeline, Trends, build_trends, check_interval, check_queries
from .types import ArchiveStats, ArticleView, FacetCount, Hit, SearchPage
from .whoosh_engine import WhooshEngine

__all__ = ["Archive", "ArchiveNotFound", "IndexVersionError", "QueryError"]

ArchiveNotFound = IndexNotFound



class Archive:
    """A searchable press archive: one index directory, safe to share between threads.

    >>> archive = Archive("instance/index")                         # doctest: +SKIP
    >>> page = archive.search("pétrole ET gaz SAUF Russie", date_from="2024-01-01")  # doctest: +SKIP
    >>> page.total, page.hits[0].title, page.facets["year"]       # doctest: +SKIP

    Searches go through the storage engine (``search.engine``): the Whoosh/numpy one over an index
    directory, which notices a new commit (``presse index``) or a swapped generation (``presse
    reindex``) by itself, or a cluster of Xapian shards (``Archive.cluster``).
    ``ranking`` sets how results are ordered (``search.ranking.Ranking``), ``settings`` the limits
    and cache sizes (``search.settings.EngineSettings``); their defaults are the tuned values.
    """

    def __init__(self, path: str | os.PathLike, *, ranking: Ranking = Ranking(),
                 settings: EngineSettings = EngineSettings()):
        self._setup(ranking, settings)
        root = Path(path)
        self.root: Path | None = root
        self._engine: Engine = WhooshEngine(root, ranking, settings, on_open=self._cache.clear)

    def _setup(self, ranking: Ranking, settings: EngineSettings) -> None:
        if not isinstance(ranking, Ranking):
            raise TypeError(f"ranking attend un search.ranking.Ranking, pas {type(ranking).__name__}.")
        if not isinstance(settings, EngineSettings):
            raise TypeError(f"settings attend un search.settings.EngineSettings, pas {type(settings).__name__}.")
        self.ranking = ranking
        self.settings = settings
        self._analysis = Analysis(settings)
        self._cache: LRU[tuple, SearchPage] = LRU(settings.page_cache)
        self._kwic_cache = kwic.SortedCache()

    @classmethod
    def over(cls, engine: Engine, *, ranking: Ranking = Ranking(), settings: EngineSettings = EngineSettings(),
             root: str | os.PathLike | None = None) -> Archive:
        """The archive searched through ``engine`` (an ``search.engine.Engine``: another storage
        engine than the local index's); ``root``: where it lives on disk, if it does."""
        archive = cls.__new__(cls)
        archive._setup(ranking, settings)
        archive.root = Path(root) if root is not None else None
        archive._engine = engine
        return archive

    @classmethod
    def default(cls) -> Archive:
        """The archive at ``$PRESSE_INDEX`` or in the per-user data directory."""
        return cls(default_index_dir())

    @classmethod
    def cluster(cls, cluster_file: str | os.PathLike, **kwargs) -> Archive:
        """The archive of a cluster of Xapian shards described by ``cluster_file`` (docs/cluster.md):
        the same API over every shard (``pip install 'presse[cluster]'``); ``kwargs``: those of
        ``search.cluster.open_archive``. Its pages and statistics say when a shard did not answer
        (``partial``, ``missing``, ``notice``).

        :raises search.cluster.ClusterConfigError: a bad cluster file, or Xapian is missing (French).
        """
        from .cluster import open_archive
        return open_archive(cluster_file, **kwargs)

    def refresh(self) -> None:
        """Look for new commits now (``presse index`` run by another process; searches notice them
        by themselves within moments)."""
        self._engine.refresh()

    def close(self) -> None:
        """Release the index files (a cluster's connections)."""
        self._engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ search
    def search(self, q: str = "", *, page: int = 1, per_page: int = DEFAULT_PER_PAGE, source: Sequence[str] | str = (),
               author: Sequence[str] | str = (), section: Sequence[str] | str = (), year: Sequence[int] | int = (),
               date_from: dt.date | str | None = None, date_to: dt.date | str | None = None,
               sort: str = "relevance", facets: Sequence[str] = DEFAULT_FACETS,
               collapse: bool = True) -> SearchPage:
        """Search the archive.

        :param q: the query (see ``search.query`` for the syntax); empty lists every article, newest first.
        :param page: 1-based page number; a page past the end is empty.
        :param per_page: results per page, 1 to 100.
        :param source, author, section, year: keep only articles with one of these values.
        :param date_from, date_to: keep articles dated within (inclusive; ``date`` or ``"YYYY-MM-DD"``).
        :param sort: ``"relevance"`` (ties: newest first), ``"-date"`` (newest first) or ``"date"`` (oldest first).
        :param facets: facet counts to compute over all matching articles: source, year, author, section
            (the default), and the named entities person, place, org (when the index has them; see ``entity``).
        :param collapse: one hit per group of versions of a dispatch (``search.collapse``): its
            best-ranked matching version, with the others in ``hit.versions``; pages count groups
            (``collapsed_total``). False lists every article. ``total`` and the facets count
            articles either way.
        :raises QueryError: the query cannot be searched (French message), or a parameter is invalid
            (``search.request``: the rules of a request, shared with the web and the command line).
        """
        started = time.perf_counter()
        request = SearchRequest.of(q, page=page, per_page=per_page, source=source, author=author, section=section,
                                   year=year, date_from=date_from, date_to=date_to, sort=sort, facets=facets,
                                   collapse=collapse)
        q, page, per_page, sort, facets = request.q, request.page, request.per_page, request.sort, request.facets
        filters = _request_filters(request)
        snapshot = self._engine.snapshot()
        # Keyed by what this thread's snapshot sees: a thread never caches a page for a commit it did not search.
        commit = snapshot.commit
        key = (q, page, per_page, sort, tuple(facets), repr(filters), commit, collapse)
        cached = self._cache.get(key) if commit is not None else None
        if cached is not None:
            return _with_time(cached, started)
        planned = plan_query(snapshot, self._analysis, self.ranking, q, filters, sort, self.settings)
        results = snapshot.execute(planned.plan((page - 1) * per_page, page * per_page, tuple(facets), collapse))
        highlighter = Highlighter(planned.compiler.highlights, self._analysis)
        hits = tuple(_hit(found, highlighter) for found in results.hits)
        out = SearchPage(query=q, page=page, per_page=per_page, total=results.total, took_ms=0.0, hits=hits,
                         facets=results.facets, suggestion=planned.suggestion, sort=planned.sort,
                         rewritten=planned.rewritten, relaxed=planned.relaxed, collapse=results.collapsed,
                         collapsed_total=results.collapsed_total, partial=bool(results.missing),
                         missing=results.missing, shards=results.shards)
        if commit is not None and not results.missing:  # incomplete results are never kept
            self._cache.put(key, out)
        return _with_time(out, started)

    def _matches(self, q: str = "", *, sort: str = "relevance", source: Sequence[str] | str = (),
                 author: Sequence[str] | str = (), section: Sequence[str] | str = (), year: Sequence[int] | int = (),
                 date_from: dt.date | str | None = None,
                 date_to: dt.date | str | None = None) -> tuple[Snapshot, Planned]:
        """What ``search`` matches for these parameters, unranked: the one entry point of the views
        over a whole result set (timeline, export, concordance), so that they agree with ``search``.
        Rank it with ``snapshot.ranked(planned.plan(), start, stop)``; read an article with
        ``snapshot.stored_fields``.
        """
        q = query_text(q)
        _check_params(1, 1, sort, ())
        filters = _filters(_as_list(source), _as_list(author), _as_list(section), _as_list(year),
                           _as_date(date_from, "date_from"), _as_date(date_to, "date_to", end=True))
        snapshot = self._engine.snapshot()
        return snapshot, plan_query(snapshot, self._analysis, self.ranking, q, filters, sort, self.settings)

    # ------------------------------------------------------------------ articles
    def get(self, article_id: str, q: str = "") -> ArticleView | None:
        """The whole article ``article_id`` (None when there is none), its text highlighted for ``q``
        as ``search(q)`` highlights its hits: the respelled query's words when ``search`` shows the
        respelling's results, the words of a fuzzy word's spellings… An invalid query marks nothing."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return None
        snapshot = self._engine.snapshot()
        found = snapshot.document(article_id)
        if found is None:
            return None
        fields = found.fields
        highlighter = self._highlighter(snapshot, q)
        return ArticleView.from_fields(fields, highlighter, versions=found.versions)

    def versions(self, article_id: str) -> tuple:
        """The other versions of the dispatch ``article_id`` (``search.Version``, by date; empty when
        it has none or there is no such article)."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return ()
        found = self._engine.snapshot().document(article_id)
        return found.versions if found is not None else ()

    def _highlighter(self, snapshot: Snapshot, q: str) -> Highlighter:
        """What ``search(q)`` marks in its hits: the words of the query ``plan_query`` settles on."""
        if q and isinstance(q, str):
            try:
                planned = plan_query(snapshot, self._analysis, self.ranking, q, None, "relevance", self.settings)
                return Highlighter(planned.compiler.highlights, self._analysis)
            except QueryError:
                pass
        return Highlighter(Highlights(), self._analysis)

    def more_like(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles similar to ``article_id``, by its key terms (empty when there is no such article).

        :param limit: how many, 0 to 100.
        :raises QueryError: ``limit`` is not a whole number from 0 to 100.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PER_PAGE:
            raise QueryError(f"Le nombre d'articles similaires doit être un entier de 0 à {MAX_PER_PAGE}.")
        if not isinstance(article_id, str) or not is_valid_id(article_id) or limit == 0:
            return []
        found = self._engine.snapshot().similar(article_id, limit)
        empty = Highlighter(Highlights(), self._analysis)
        return [_hit(f, empty) for f in found]

    # ------------------------------------------------------------------ named entities
    def entity(self, kind: str, name: str, related: int = 10) -> EntityView | None:
        """The entity ``name`` (a person, place or organisation found in the articles; any of its
        forms: « Macron », « emmanuel macron ») with its article count and the ``related`` entities
        of each kind most often found in the same articles; None when no article has it.
        Its articles and timeline: ``search(view.query)``, ``timeline(view.query)``.

        :raises QueryError: ``kind`` is not person, place or org.
        """
        _check_entity_kind(kind)
        if not isinstance(name, str) or not name.strip():
            return None
        return self._engine.snapshot().entities().view(kind, name, related)

    def article_entities(self, article_id: str) -> tuple[EntityRef, ...]:
        """The persons, places and organisations of one article, named as the archive names them
        (empty when it has none, was not analysed, or does not exist)."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return ()
        snapshot = self._engine.snapshot()
        value = snapshot.entity_value(article_id)
        return snapshot.entities().of_document(value) if value is not None else ()

    def entities_analysed(self) -> int:
        """How many articles were analysed for named entities (0: the index has none, see
        ``indexer.entities``: ``presse index --entites``)."""
        return self._engine.snapshot().entities().analysed

    # ------------------------------------------------------------------ research views: concordance, export, citation
    def concordance(self, q: str, *, width: int = kwic.DEFAULT_WIDTH, sort: str = "date", page: int = 1,
                    per_page: int = kwic.DEFAULT_PER_PAGE, **filters) -> kwic.ConcordancePage:
        """One page of the concordance of ``q``: every occurrence the search highlights in the matching
        articles (title, lead, body), with ``width`` words of context on each side.

        :param sort: ``"date"`` (oldest first), ``"-date"``, ``"left"`` or ``"right"`` (by the words left or
            right of the match, over the first ``MAX_LINES`` lines in date order).
        :param filters: those of ``search``: source, author, section, year, date_from, date_to.
        :raises QueryError: the query or a parameter cannot be used (French message).
        """
        started = time.perf_counter()
        kwic.check_params(width, sort, page, per_page)
        total, reader = self._kwic(q, sort, width, filters)
        out = kwic.page_of(reader, query=q, sort=sort, width=width, page=page, per_page=per_page,
                           articles=total)
        return dataclasses.replace(out, took_ms=round((time.perf_counter() - started) * 1000, 2))

    def concordance_lines(self, q: str, *, width: int = kwic.DEFAULT_WIDTH, sort: str = "date",
                          limit: int | None = None, **filters):
        """Every line of the concordance of ``q`` (an iterator of ``ConcordanceLine``), or the first ``limit``.

        :raises TooLarge: more than ``MAX_LINES`` lines and no ``limit`` (a ``QueryError``, French message).
        """
        kwic.check_params(width, sort, 1, 1)
        _, reader = self._kwic(q, sort, width, filters)
        return kwic.all_lines(reader, sort, limit)

    def _kwic(self, q: str, sort: str, width: int, filters: dict) -> tuple[int, kwic.Reader]:
        """(the articles ``q`` finds, a concordance reader over them in date order)."""
        snapshot, planned = self._matches(q, sort="-date" if sort == "-date" else "date", **filters)
        plan = planned.plan()
        reader = kwic.Reader(lambda start, stop: [d for d, _ in snapshot.ranked(plan, start, stop)],
                             snapshot.stored_fields, Highlighter(planned.compiler.highlights, self._analysis),
                             width, self._kwic_cache,
                             None if snapshot.commit is None else (q, repr(sorted(filters.items())), snapshot.commit))
        return planned.total, reader

    def records(self, q: str = "", *, sort: str = "relevance", limit: int | None = None, **filters):
        """The articles ``search`` finds, all of them in ``sort`` order (an iterator of ``export.Record``),
        or the first ``limit``.

        :raises TooLarge: more than ``MAX_ARTICLES`` articles and no ``limit`` (a ``QueryError``, French message).
        """
        snapshot, planned = self._matches(q, sort=sort, **filters)
        ranked = snapshot.ranked(planned.plan(), 0, check_limit(planned.total, limit))
        fields = snapshot.stored_fields
        return (Record.from_fields(fields(docnum), rank, score) for rank, (docnum, score) in enumerate(ranked, 1))

    def export(self, q: str = "", format: str = "csv", *, sort: str = "relevance", limit: int | None = None,
               **filters):
        """The articles ``search`` finds as text chunks of ``format``: ``"csv"``, ``"jsonl"``, ``"ris"`` or
        ``"bibtex"`` (see ``search.export``); the arguments as in ``records``."""
        check_format(format)
        return write(format, self.records(q, sort=sort, limit=limit, **filters))

    def cite(self, article_id: str, format: str = "text", consulted: dt.date | None = None) -> str | None:
        """The citation of an article: ``"text"`` (French style; ``consulted``: the day it was read),
        ``"ris"`` or ``"bibtex"``; None when there is no such article."""
        if format not in ("text", "ris", "bibtex"):
            raise QueryError(f"Format de citation inconnu « {format} » : choisissez text, ris ou bibtex.")
        view = self.get(article_id)
        if view is None:
            return None
        record = Record.from_article(view)
        if format == "ris":
            return ris_entry(record)
        if format == "bibtex":
            return bibtex_entry(record, bibtex_key(record.id, set()))
        return french_citation(record, consulted)

    def cite_search(self, q: str = "", *, sort: str = "relevance", **filters) -> SearchCitation:
        """The search ``q`` as it stands now: its parameters, its date, its result count and the
        archive's state (generation, article count), with a Python snippet that runs it again."""
        total = self.search(q, per_page=1, sort=sort, facets=(), **filters).total
        stats = self.stats()
        return SearchCitation(q, search_parameters(**filters, sort=sort), dt.datetime.now(dt.UTC), total,
                              stats.generation, stats.articles)

    def warm_up(self) -> None:
        """Load now what the first searches would otherwise load: facet and date columns, field lengths."""
        self._engine.warm_up(FACETS)
        self.stats()

    # ------------------------------------------------------------------ stats
    def stats(self) -> ArchiveStats:
        """How many articles, from which sources, over which dates; the index size and versions."""
        found = self._engine.stats()
        return ArchiveStats(
            articles=found.articles, sources=found.sources, date_min=found.date_min, date_max=found.date_max,
            size_bytes=found.size_bytes, analysis_version=found.meta.get("analysis_version", ANALYSIS_VERSION),
            created=found.meta.get("created"), generation=found.generation, shard_articles=found.shard_articles,
            partial=bool(found.missing), missing=found.missing,
        )

    def facet_values(self, name: str) -> tuple[FacetCount, ...]:
        """Every value of facet ``name`` in the archive with its article count."""
        _check_params(1, 1, "relevance", [name])
        return self.search("", per_page=1, facets=[name]).facets[name]

    # ------------------------------------------------------------------ over time
    def timeline(self, q: str = "", interval: str | None = None, *, source: Sequence[str] | str = (),
                 author: Sequence[str] | str = (), section: Sequence[str] | str = (),
                 year: Sequence[int] | int = (), date_from: dt.date | str | None = None,
                 date_to: dt.date | str | None = None) -> Timeline:
        """How many articles ``search(q, …)`` finds each year, month or day, against the articles of
        that period that the filters keep (``Period.total``, for a normalised view).

        :param interval: ``"year"``, ``"month"``, ``"day"``, or None to choose it from the span of the
            matches (days up to two months, months up to four years, else years).
        :param source, author, section, year, date_from, date_to: as ``search``; with a date filter the
            periods cover the whole range (within the archive's first and last dated article).
        :returns: a ``Timeline``: its ``total`` is the search's; undated articles are counted in
            ``undated``, in no period.
        :raises QueryError: as ``search``; an unknown interval; more than 5,000 periods.
        """
        return self.trends([q], interval, source=source, author=author, section=section, year=year,
                           date_from=date_from, date_to=date_to).series[0]

    def trends(self, queries: Sequence[str], interval: str | None = None, *, source: Sequence[str] | str = (),
               author: Sequence[str] | str = (), section: Sequence[str] | str = (),
               year: Sequence[int] | int = (), date_from: dt.date | str | None = None,
               date_to: dt.date | str | None = None) -> Trends:
        """The timelines of 1 to 6 queries over the same periods and filters (see ``timeline``): each
        query counts the articles its search finds (phrases, inflections, respelling included).

        >>> trends = archive.trends(['"gilets jaunes"', "grève"], "year")   # doctest: +SKIP
        >>> [(p.label, p.count, round(p.per_10000, 1)) for p in trends.series[0].periods]  # doctest: +SKIP
        """
        queries = check_queries(queries)
        interval = check_interval(interval)
        filters: dict[str, Any] = dict(source=source, author=author, section=section, year=year,
                                       date_from=date_from, date_to=date_to)
        key = _filters(_as_list(source), _as_list(author), _as_list(section), _as_list(year),
                       _as_date(date_from, "date_from"), _as_date(date_to, "date_to", end=True))
        matched = []
        for q in queries:
            snapshot, planned = self._matches(q, **filters)
            dated = snapshot.dated(planned.plan())
            matched.append(Matched(q, dated.matched, dated.population, planned.rewritten, planned.relaxed))
        stats = self.stats()
        bounds = (stats.date_min.toordinal(), stats.date_max.toordinal()) if stats.date_min and stats.date_max else None
        return build_trends(matched, interval, (key.day_from, key.day_to) if key is not None else (None, None), bounds)


# ---------------------------------------------------------------------- helpers

def _check_params(page, per_page, sort, facets):
    """Page, results per page, sort and facets as ``search.request`` checks them (``QueryError``, French)."""
    return check_page(page), check_per_page(per_page), check_sort(sort), list(check_facets(facets))


def _check_entity_kind(kind) -> None:
    if not isinstance(kind, str) or kind not in ENTITY_KINDS:
        raise QueryError(f"Type d'entité inconnu « {kind} » : choisissez parmi {', '.join(ENTITY_KINDS)}.")


_as_list = as_list  # a list parameter (filters, facets): search.request's rule


def _as_date(value, name: str, end: bool = False) -> dt.datetime | None:
    """A date parameter (``search.request.as_day``) as its first second, or with ``end`` its last."""
    day = as_day(value, name)
    return None if day is None else dt.datetime.combine(day, dt.time(23, 59, 59) if end else dt.time())


def _filters(sources, authors, sections, years, date_from, date_to) -> Filters | None:
    """The search's filters (None: keep everything); a ``QueryError`` for a bad year or date range."""
    return _request_filters(SearchRequest(source=sources, author=authors, section=sections, year=years,
                                          date_from=date_from, date_to=date_to))


def _request_filters(request: SearchRequest) -> Filters | None:
    """What a checked request keeps, as the engine's filters (None: keep everything)."""
    filters = Filters(sources=request.source, authors=request.author, sections=request.section, years=request.year,
                      day_from=request.date_from.toordinal() if request.date_from else None,
                      day_to=request.date_to.toordinal() if request.date_to else None)
    return None if filters == Filters() else filters


def _hit(found: Found, highlighter: Highlighter) -> Hit:
    """The search result of one document the engine found, highlighted."""
    return dataclasses.replace(Hit.from_fields(found.fields, found.score, highlighter), group=found.group,
                               other_versions=found.other_versions, versions=found.versions)


def _with_time(page: SearchPage, started: float) -> SearchPage:
    return dataclasses.replace(page, took_ms=round((time.perf_counter() - started) * 1000, 2))
