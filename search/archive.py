"""``Archive``: the embeddable search API over one Presse index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np
from whoosh import query as wq

from indexer.analysis import ANALYSIS_VERSION, CachedFilter
from indexer.article import is_valid_id
from indexer.lexicon import Lexicon
from indexer.store import (
    IndexNotFound,
    IndexVersionError,
    current_generation,
    default_index_dir,
    directory_size,
    open_generation,
)

from . import collapse as wire
from . import concordance as kwic
from .citation import SearchCitation, bibtex_entry, bibtex_key, french_citation, ris_entry, search_parameters
from .docsets import mask_of, matching_docs
from .entities import KINDS as ENTITY_KINDS
from .entities import EntityRef, EntityView, document_value, entity_table
from .export import Record, check_format, check_limit, write
from .scoring import bm25f_scores, exact_form_terms, positive_terms
from .facets import Filters, ReaderColumns
from .highlight import Highlighter
from .proximity import Proximity
from .query import Analysis, Compiler, Highlights, spelling_neighbours
from .ranking import Ranking
from .request import (DEFAULT_FACETS, DEFAULT_PER_PAGE, SearchRequest, as_day, as_list, as_value, check_facets,
                      check_page, check_per_page, check_sort)
from .syntax import And, QueryError, Word, parse, query_text
from .timeline import Matched, Timeline, Trends, build_trends, check_interval, check_queries, period_columns
from .types import ArchiveStats, ArticleView, FacetCount, Hit, SearchPage

__all__ = ["Archive", "ArchiveNotFound", "IndexVersionError", "QueryError"]

ArchiveNotFound = IndexNotFound

SORTS = ("relevance", "date", "-date")
FACETS = ("source", "year", "author", "section", "person", "place", "org")
MAX_PER_PAGE = 100
RECHECK_SECONDS = 0.5  # how often a searcher checks that the index changed on disk
CACHE_PAGES = 256
SEARCHER_CACHE_ENTRIES = 5_000  # per thread: words analysed by more_like, idf values


class _Generation:
    """One open generation of the index: its Whoosh index, lexicon, and one searcher per thread."""

    def __init__(self, root: Path, weighting):
        self.ix, self.path, self.meta = open_generation(root)
        self.weighting = weighting  # the archive's Ranking as a Whoosh weighting model
        self.lexicon = Lexicon.load(self.path)
        self.local = threading.local()
        self.lock = threading.Lock()
        self.whoosh_generation = self.ix.latest_generation()
        self.epoch = 0  # bumped when a new commit is seen; each thread's searcher follows
        self.stats: ArchiveStats | None = None
        self._columns: dict[int, ReaderColumns] = {}
        self.groups = wire.GroupCache(self.path)  # wire copies: each commit's groups of versions

    def columns(self, reader) -> ReaderColumns:
        """The column arrays of ``reader``'s commit, shared by every thread's searcher."""
        key = reader.generation()
        cols = self._columns.get(key)
        if cols is None:
            with self.lock:
                cols = self._columns.get(key)
                if cols is None:
                    self._columns = {k: v for k, v in self._columns.items() if k > key - 2}
                    cols = self._columns[key] = ReaderColumns(reader)
        return cols

    def searcher(self):
        """This thread's searcher, refreshed when the archive saw a new commit (``epoch`` changed)."""
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = _bounded(self.ix.searcher(weighting=self.weighting))
            self.local.epoch = self.epoch
        elif self.local.epoch != self.epoch:
            self.local.epoch = self.epoch
            if not s.up_to_date():
                # Not ``s.refresh()``: whoosh-reloaded 2.7.5's ``FileIndex._reader(reuse=…)`` adds the
                # old reader's segments to the new commit's, so segments merged away by the commit
                # were searched again beside the merged one (every article counted twice).
                fresh = self.local.searcher = _bounded(self.ix.searcher(weighting=self.weighting))
                s.close()
                s = fresh
        if len(s._idf_cache) > SEARCHER_CACHE_ENTRIES:  # Whoosh never empties it (more_like fills it)
            s._idf_cache.clear()
        return s


def _bounded(searcher):
    """``searcher`` with bounded caches in its schema's analysers.

    Whoosh unpickles a copy of the schema, analysers included, for every searcher, and
    ``more_like`` runs the index-side analyser over article text: left as the indexer configures
    it (a 400,000-word cache, and every new word remembered for the lexicon), each server thread
    would keep growing.
    """
    schema = searcher.schema
    for name in schema.names():
        for item in getattr(getattr(schema[name], "analyzer", None), "items", ()):
            if isinstance(item, CachedFilter):
                item.bound(SEARCHER_CACHE_ENTRIES)
    return searcher


@dataclasses.dataclass
class _Match:
    """What a query matched in one commit, before ranking: the mask of matching documents and
    what ranking them needs (see ``Archive._match``)."""

    searcher: object  # the calling thread's Whoosh searcher
    columns: ReaderColumns
    compiler: Compiler  # its ``highlights`` mark what matched
    query: object
    matched: np.ndarray  # boolean mask over document numbers
    total: int
    allowed: np.ndarray | None  # the filters' mask (None: no filter)
    everything: bool  # the empty query: every article
    sort: str  # as requested; "-date" for the empty query's relevance
    coordination: tuple = ()  # a relaxed query's clauses
    nearby: tuple[str, ...] = ()  # a plain query's words, for the proximity boost
    suggestion: str | None = None
    rewritten: str | None = None
    relaxed: bool = False


class Archive:
    """A searchable press archive: one index directory, safe to share between threads.

    >>> archive = Archive("instance/index")                         # doctest: +SKIP
    >>> page = archive.search("pétrole ET gaz SAUF Russie", date_from="2024-01-01")  # doctest: +SKIP
    >>> page.total, page.hits[0].title, page.facets["year"]       # doctest: +SKIP

    Searches reuse one Whoosh searcher per thread and notice a new commit (``presse index``) or a
    swapped generation (``presse reindex``) by themselves. ``ranking`` sets how results are
    ordered (``search.ranking.Ranking``; its defaults are the tuned values).
    """

    def __init__(self, path: str | os.PathLike, *, ranking: Ranking = Ranking()):
        if not isinstance(ranking, Ranking):
            raise TypeError(f"ranking attend un search.ranking.Ranking, pas {type(ranking).__name__}.")
        self.root = Path(path)
        self.ranking = ranking
        self._analysis = Analysis()
        self._lock = threading.Lock()
        self._generation: _Generation | None = None
        self._current_name: str | None = None
        self._checked = 0.0
        self._cache: OrderedDict = OrderedDict()
        self._kwic_cache = kwic.SortedCache()
        self._open()

    @classmethod
    def default(cls) -> "Archive":
        """The archive at ``$PRESSE_INDEX`` or in the per-user data directory."""
        return cls(default_index_dir())

    # ------------------------------------------------------------------ lifecycle
    def _open(self) -> _Generation:
        with self._lock:
            gen = _Generation(self.root, self.ranking.weighting)
            old, self._generation = self._generation, gen
            self._current_name = gen.path.name
            self._cache.clear()
        if old is not None:
            old.ix.close()
        return gen

    def _gen(self) -> _Generation:
        """The generation to search, reopened when ``presse reindex`` swapped in a new one."""
        gen = self._generation
        now = time.monotonic()
        if now - self._checked > RECHECK_SECONDS:
            self._checked = now
            current = current_generation(self.root)
            if current is None:
                raise ArchiveNotFound(f"L'index {self.root} a disparu.")
            if current.name != self._current_name:
                gen = self._open()
            elif gen.ix.latest_generation() != gen.whoosh_generation:
                with self._lock:
                    gen.lexicon = Lexicon.load(gen.path)
                    gen.whoosh_generation = gen.ix.latest_generation()
                    gen.stats = None
                    gen.epoch += 1
        return gen

    def close(self) -> None:
        """Release the index files."""
        if self._generation is not None:
            self._generation.ix.close()

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
        gen = self._gen()
        searcher = gen.searcher()
        # Keyed by what this searcher sees: a thread never caches a page for a commit it did not search.
        key = (q, page, per_page, sort, tuple(facets), repr(filters), gen.path.name, searcher.reader().generation(),
               collapse, gen.groups.stamp())
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return _with_time(cached, started)
        match = self._match(gen, searcher, q, filters, sort)
        facet_counts = {name: match.columns.counts(searcher.reader(), name, match.matched) for name in facets}
        groups = gen.groups.of(searcher.reader(), match.columns)
        grouped = groups.collapsed_total(match.matched)
        start, stop = (page - 1) * per_page, page * per_page
        window = (wire.window(match, groups, match.columns.days(searcher.reader()), grouped, start, stop, self._ranked)
                  if collapse else self._ranked(match, start, stop))
        highlighter = Highlighter(match.compiler.highlights, self._analysis)
        hits = tuple(_hit(searcher.stored_fields(docnum), score, highlighter) for docnum, score in window)
        if collapse:
            hits = wire.with_versions(hits, [d for d, _ in window], groups, match.matched, searcher.stored_fields)
        out = SearchPage(query=q, page=page, per_page=per_page, total=match.total, took_ms=0.0, hits=hits,
                         facets=facet_counts, suggestion=match.suggestion, sort=match.sort,
                         rewritten=match.rewritten, relaxed=match.relaxed, collapse=collapse, collapsed_total=grouped)
        with self._lock:
            self._cache[key] = out
            if len(self._cache) > CACHE_PAGES:
                self._cache.popitem(last=False)
        return _with_time(out, started)

    def _matches(self, q: str = "", *, sort: str = "relevance", source: Sequence[str] | str = (),
                 author: Sequence[str] | str = (), section: Sequence[str] | str = (), year: Sequence[int] | int = (),
                 date_from: dt.date | str | None = None, date_to: dt.date | str | None = None) -> _Match:
        """What ``search`` matches for these parameters, unranked: the one entry point of the views
        over a whole result set (timeline, export, concordance), so that they agree with ``search``.
        Rank it with ``_ranked(match, start, stop)``; read an article with ``match.searcher.stored_fields``.
        """
        q = query_text(q)
        _check_params(1, 1, sort, ())
        filters = _filters(_as_list(source), _as_list(author), _as_list(section), _as_list(year),
                           _as_date(date_from, "date_from"), _as_date(date_to, "date_to", end=True))
        gen = self._gen()
        return self._match(gen, gen.searcher(), q, filters, sort)

    def _match(self, gen: _Generation, searcher, q: str, filters: Filters | None, sort: str) -> _Match:
        """The articles ``q`` finds under ``filters``, as ``search`` shows them: when nothing has
        all the words of a plain query, those of its respelling, else those with the most words."""
        reader = searcher.reader()
        columns = gen.columns(reader)
        live = columns.live_docs(reader)
        allowed = columns.filter_docs(reader, filters) if filters is not None else None
        compiler = self._compiler(gen, searcher)
        tree = parse(q)
        query = compiler.compile(tree)
        if query is None and tree is None:  # an empty query lists every article
            query = wq.Every()
            if sort == "relevance":
                sort = "-date"
        elif query is None:  # words that cannot be searched (longer than any indexed word)
            query = wq.NullQuery

        def matching(query, nearby, compiler, coordination=()) -> _Match:
            everything = isinstance(query, wq.Every)
            matched = live if everything else matching_docs(searcher, query, live, columns.postings)
            if allowed is not None:
                matched = matched & allowed
            return _Match(searcher, columns, compiler, query, matched, int(np.count_nonzero(matched)), allowed,
                          everything, sort, tuple(coordination), nearby)

        match = matching(query, _nearby_words(tree, compiler), compiler)
        if match.total < 3 and compiler.words:
            match.suggestion = self._suggest(gen, searcher, q, compiler.words)
        if match.total == 0 and _plain_words(tree) and not OPERATOR_RE.search(q):
            # Nothing has all the words. A misspelling is the likeliest cause: show the respelled
            # query's results; failing that, the articles with the most of the words.
            if match.suggestion:
                respelled, respelled_tree = self._compiler(gen, searcher), parse(match.suggestion)
                respelled_query = respelled.compile(respelled_tree)
                if respelled_query is not None:
                    found = matching(respelled_query, _nearby_words(respelled_tree, respelled), respelled)
                    if found.total:
                        found.suggestion, found.rewritten = match.suggestion, match.suggestion
                        return found
            if len(tree.items if isinstance(tree, And) else ()) > 1:
                clauses = [compiler.compile(word) for word in tree.items]
                clauses = [c for c in clauses if c is not None]
                if len(clauses) > 1:
                    found = matching(wq.Or(clauses), match.nearby, compiler, clauses)
                    if found.total:
                        found.suggestion, found.relaxed = match.suggestion, True
                        return found
        return match

    def _ranked(self, match: _Match, start: int, stop: int) -> list[tuple[int, float]]:
        """Documents ``start:stop`` of ``match`` in its sort order, with each one's score.

        Relevance is the archive's ``Ranking`` (``search.ranking``). With ``coordination`` (the
        clauses of a relaxed OR query), it ranks first by how many clauses a document matches, then
        by score. The exact forms of the query's plain words score too (``Ranking.exact_forms``); with
        ``nearby`` (the words of a plain query), scores get the proximity boost (``search.proximity``).
        """
        if start >= match.total:
            return []
        searcher, columns = match.searcher, match.columns
        reader = searcher.reader()
        live = columns.live_docs(reader)
        weighting = self.ranking.weighting
        proximity = Proximity(reader, columns.postings, match.nearby, self.ranking)
        terms = [] if match.everything else self._scored_terms(match)
        if match.sort == "relevance" and not match.everything:
            scores = bm25f_scores(searcher, terms, match.matched, weighting, columns.lengths, columns.postings)
            counts = (_coordination(searcher, match.coordination, match.matched, live, columns)
                      if match.coordination else None)
            return _top_ranked(np.flatnonzero(match.matched), scores, counts, columns.days(reader), stop,
                               proximity=proximity)[start:]
        docs = columns.by_date(reader, match.matched, match.sort != "date", stop)[start:]
        if not terms:
            return [(d, 0.0) for d in docs]
        page_docs = np.asarray(docs, dtype=np.int64)  # each hit's score, for display
        scores = bm25f_scores(searcher, terms, mask_of(page_docs, len(live)), weighting, columns.lengths,
                              columns.postings)
        shown = proximity.boosted(scores[page_docs], page_docs)
        return [(d, round(float(score), 4)) for d, score in zip(docs, shown.tolist())]

    def _scored_terms(self, match: _Match) -> list[tuple[str, str, float]]:
        """The (field, text, boost) terms that score ``match``'s documents: the query's positive
        terms, and the exact forms of its plain words (``Ranking.exact_forms``)."""
        typed = [folded for _, folded, _ in match.compiler.words]
        return positive_terms(match.query) + exact_form_terms(typed, self.ranking.exact_forms)

    def _compiler(self, gen: _Generation, searcher) -> Compiler:
        """A query compiler for this thread's searcher, with the commit's cached vocabularies."""
        reader = searcher.reader()
        columns = gen.columns(reader)
        return Compiler(reader, gen.lexicon, self._analysis, lambda field: columns.vocabulary(reader, field),
                        lambda kind, name: entity_table(columns, reader).terms(kind, name))

    def _suggest(self, gen: _Generation, searcher, q: str, words) -> str | None:
        """A respelling of ``q`` with more results, each unknown word replaced by its likeliest neighbour."""
        reader = searcher.reader()
        vocabulary = gen.columns(reader).vocabulary(reader, "exact")
        changed = False
        suggestion = q
        for raw, folded, terms in words:
            if len(folded) < 3 or any(reader.doc_frequency(f, t) for t in terms for f in ("body", "title", "lead")):
                continue  # the word itself matches something
            neighbours = spelling_neighbours(vocabulary, folded, 1 if len(folded) <= 5 else 2)
            best = neighbours[0] if neighbours else None
            if best is not None:
                suggestion = _replace_word(suggestion, raw, gen.lexicon.accented(best[2]))
                changed = True
        if not changed or suggestion == q:
            return None
        return suggestion

    # ------------------------------------------------------------------ articles
    def get(self, article_id: str, q: str = "") -> ArticleView | None:
        """The whole article ``article_id`` (None when there is none), its text highlighted for ``q``
        as ``search(q)`` highlights its hits: the respelled query's words when ``search`` shows the
        respelling's results, the words of a fuzzy word's spellings… An invalid query marks nothing."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return None
        gen = self._gen()
        searcher = gen.searcher()
        fields = searcher.document(id=article_id)
        if fields is None:
            return None
        highlighter = self._highlighter(gen, searcher, q)
        body = fields.get("body", "")
        return ArticleView(
            id=fields["id"], title=fields.get("title", ""), body=body, date=_date(fields.get("date")),
            source=fields.get("source"), author=fields.get("author"), publisher=fields.get("publisher"),
            url=fields.get("url"), section=fields.get("section"), lead=fields.get("lead") or None,
            tags=tuple(t for t in (fields.get("tags") or "").split(",") if t), language=fields.get("language", "fr"),
            title_html=highlighter.mark(fields.get("title", "")), lead_html=highlighter.mark(fields.get("lead", "")),
            paragraphs_html=highlighter.mark_lines(body), versions=self._versions(gen, searcher, article_id),
        )

    def versions(self, article_id: str) -> tuple:
        """The other versions of the dispatch ``article_id`` (``search.Version``, by date; empty when
        it has none or there is no such article)."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return ()
        gen = self._gen()
        return self._versions(gen, gen.searcher(), article_id)

    def _versions(self, gen: _Generation, searcher, article_id: str) -> tuple:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return ()
        reader = searcher.reader()
        columns = gen.columns(reader)
        groups = gen.groups.of(reader, columns)
        return wire.versions(groups, docnum, columns.live_docs(reader), searcher.stored_fields, limit=None)[1]

    def _highlighter(self, gen: _Generation, searcher, q: str) -> Highlighter:
        """What ``search(q)`` marks in its hits: the words of the query ``_match`` settles on."""
        if q and isinstance(q, str):
            try:
                return Highlighter(self._match(gen, searcher, q, None, "relevance").compiler.highlights,
                                   self._analysis)
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
        gen = self._gen()
        searcher = gen.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return []
        fields = searcher.stored_fields(docnum)
        text = f"{fields.get('title', '')}\n{fields.get('lead', '')}\n{fields.get('body', '')[:20000]}"
        results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=15)
        empty = Highlighter(self._compiler(gen, searcher).highlights, self._analysis)
        return [_hit(hit.fields(), hit.score or 0.0, empty) for hit in results]

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
        gen = self._gen()
        reader = gen.searcher().reader()
        return entity_table(gen.columns(reader), reader).view(kind, name, related)

    def article_entities(self, article_id: str) -> tuple[EntityRef, ...]:
        """The persons, places and organisations of one article, named as the archive names them
        (empty when it has none, was not analysed, or does not exist)."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return ()
        gen = self._gen()
        searcher = gen.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return ()
        reader = searcher.reader()
        columns = gen.columns(reader)
        return entity_table(columns, reader).of_document(document_value(reader, docnum))

    def entities_analysed(self) -> int:
        """How many articles were analysed for named entities (0: the index has none, see
        ``indexer.entities``: ``presse index --entites``)."""
        gen = self._gen()
        reader = gen.searcher().reader()
        return entity_table(gen.columns(reader), reader).analysed

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
        match, reader = self._kwic(q, sort, width, filters)
        out = kwic.page_of(reader, query=q, sort=sort, width=width, page=page, per_page=per_page,
                           articles=match.total)
        return dataclasses.replace(out, took_ms=round((time.perf_counter() - started) * 1000, 2))

    def concordance_lines(self, q: str, *, width: int = kwic.DEFAULT_WIDTH, sort: str = "date",
                          limit: int | None = None, **filters):
        """Every line of the concordance of ``q`` (an iterator of ``ConcordanceLine``), or the first ``limit``.

        :raises TooLarge: more than ``MAX_LINES`` lines and no ``limit`` (a ``QueryError``, French message).
        """
        kwic.check_params(width, sort, 1, 1)
        _, reader = self._kwic(q, sort, width, filters)
        return kwic.all_lines(reader, sort, limit)

    def _kwic(self, q: str, sort: str, width: int, filters: dict) -> tuple[_Match, kwic.Reader]:
        match = self._matches(q, sort="-date" if sort == "-date" else "date", **filters)
        commit = (self._generation.path.name, match.searcher.reader().generation())
        reader = kwic.Reader(lambda start, stop: [d for d, _ in self._ranked(match, start, stop)],
                             match.searcher.stored_fields, Highlighter(match.compiler.highlights, self._analysis),
                             width, self._kwic_cache, (q, repr(sorted(filters.items())), commit))
        return match, reader

    def records(self, q: str = "", *, sort: str = "relevance", limit: int | None = None, **filters):
        """The articles ``search`` finds, all of them in ``sort`` order (an iterator of ``export.Record``),
        or the first ``limit``.

        :raises TooLarge: more than ``MAX_ARTICLES`` articles and no ``limit`` (a ``QueryError``, French message).
        """
        match = self._matches(q, sort=sort, **filters)
        ranked = self._ranked(match, 0, check_limit(match.total, limit))
        fields = match.searcher.stored_fields
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
        return SearchCitation(q, search_parameters(**filters, sort=sort), dt.datetime.now(dt.timezone.utc), total,
                              stats.generation, stats.articles)

    def warm_up(self) -> None:
        """Load now what the first searches would otherwise load: facet and date columns, field lengths."""
        gen = self._gen()
        reader = gen.searcher().reader()
        columns = gen.columns(reader)
        columns.live_docs(reader)
        for name in FACETS:
            if name in ENTITY_KINDS:
                entity_table(columns, reader)
            else:
                columns.codes(reader, name)
        columns.days(reader)
        gen.groups.of(reader, columns)
        for field in ("title", "lead", "body", "title_exact", "exact"):
            columns.lengths.array(reader, field)
        for field in ("title_exact", "exact"):
            columns.vocabulary(reader, field)
        self.stats()

    # ------------------------------------------------------------------ stats
    def stats(self) -> ArchiveStats:
        """How many articles, from which sources, over which dates; the index size and versions."""
        gen = self._gen()
        if gen.stats is not None:
            return gen.stats
        searcher = gen.searcher()
        reader = searcher.reader()
        columns = gen.columns(reader)
        live = columns.live_docs(reader)
        days = columns.days(reader)[live]
        days = days[days > 0]
        gen.stats = ArchiveStats(
            articles=reader.doc_count(), sources=columns.counts(reader, "source", live),
            date_min=dt.date.fromordinal(int(days.min())) if len(days) else None,
            date_max=dt.date.fromordinal(int(days.max())) if len(days) else None,
            size_bytes=directory_size(gen.path), analysis_version=gen.meta.get("analysis_version", ANALYSIS_VERSION),
            created=gen.meta.get("created"), generation=gen.path.name,
        )
        return gen.stats

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
        filters = dict(source=source, author=author, section=section, year=year, date_from=date_from,
                       date_to=date_to)
        key = _filters(_as_list(source), _as_list(author), _as_list(section), _as_list(year),
                       _as_date(date_from, "date_from"), _as_date(date_to, "date_to", end=True))
        matched = []
        for q in queries:
            match = self._matches(q, **filters)
            reader = match.searcher.reader()
            population = match.allowed if match.allowed is not None else match.columns.live_docs(reader)
            matched.append(Matched(q, match.columns.days(reader), match.matched, population,
                                   period_columns(match.columns), key, match.rewritten, match.relaxed))
        stats = self.stats()
        bounds = (stats.date_min.toordinal(), stats.date_max.toordinal()) if stats.date_min and stats.date_max else None
        return build_trends(matched, interval, (key.day_from, key.day_to) if key is not None else (None, None), bounds)


# ---------------------------------------------------------------------- helpers

OPERATOR_RE = re.compile(r"(?<!\S)(?:ET|AND|OU|OR|SAUF|NOT)(?!\S)")


def _plain_words(tree) -> bool:
    """True for a query of plain words only (no operator, phrase, field, wildcard)."""
    if isinstance(tree, Word):
        return tree.field is None
    return isinstance(tree, And) and all(isinstance(w, Word) and w.field is None for w in tree.items)


def _nearby_words(tree, compiler: Compiler) -> tuple[str, ...]:
    """The exact forms of a plain query's words, in order, for the proximity boost (else ())."""
    if not _plain_words(tree):
        return ()
    return tuple(folded for _, folded, _ in compiler.words)


def _coordination(searcher, clauses, matched: np.ndarray, live: np.ndarray, columns: ReaderColumns) -> np.ndarray:
    """Document number → how many of ``clauses`` it satisfies (0 outside ``matched``)."""
    counts = np.zeros(len(matched), dtype=np.int64)
    for clause in clauses:
        counts += matching_docs(searcher, clause, live, columns.postings) & matched
    return counts


def _top_ranked(ids: np.ndarray, scores: np.ndarray, counts: np.ndarray | None, day: np.ndarray,
                limit: int, *, proximity: Proximity | None = None) -> list[tuple[int, float]]:
    """The ``limit`` best of ``ids``: most clauses matched (``counts``, when given), then highest
    score, then newest, then document order; with each one's score rounded for display.

    With a ``proximity`` boost, the first ``proximity.depth`` of that order are ranked again with
    the boost; the rest keep their order, so pages never overlap.
    """
    depth = proximity.depth if proximity is not None else 0
    if not depth or len(ids) < 2:
        return _ordered(ids, scores, counts, day, limit)
    head = _ordered(ids, scores, counts, day, max(limit, depth))
    docs = np.asarray([d for d, _ in head[:depth]], dtype=np.int64)
    again = scores.copy()
    again[docs] = proximity.boosted(scores[docs], docs)
    return (_ordered(docs, again, counts, day, len(docs)) + head[depth:])[:limit]


def _ordered(ids: np.ndarray, scores: np.ndarray, counts: np.ndarray | None, day: np.ndarray,
             limit: int) -> list[tuple[int, float]]:
    rounded = np.round(scores[ids], 9)  # equal up to float noise: let the date decide
    primary = counts[ids] if counts is not None else None
    if primary is None and len(ids) > limit:
        kth = np.partition(rounded, len(ids) - limit)[len(ids) - limit]
        keep = rounded >= kth
        ids, rounded = ids[keep], rounded[keep]
    keys = (ids, -day[ids], -rounded) + ((-primary,) if primary is not None else ())
    best = ids[np.lexsort(keys)[:limit]]
    return [(d, round(float(scores[d]), 4)) for d in best.tolist()]


def _check_params(page, per_page, sort, facets):
    """Page, results per page, sort and facets as ``search.request`` checks them (``QueryError``, French)."""
    return check_page(page), check_per_page(per_page), check_sort(sort), list(check_facets(facets))


def _check_entity_kind(kind) -> None:
    if not isinstance(kind, str) or kind not in ENTITY_KINDS:
        raise QueryError(f"Type d'entité inconnu « {kind} » : choisissez parmi {', '.join(ENTITY_KINDS)}.")


_as_list = as_list  # a list parameter (filters, facets): search.request's rule
_as_value = as_value


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


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _hit(fields: dict, score: float, highlighter: Highlighter) -> Hit:
    title = fields.get("title", "")
    lead = fields.get("lead", "") or ""
    body = fields.get("body", "")
    return Hit(
        id=fields["id"], title=title, date=_date(fields.get("date")), source=fields.get("source"),
        author=fields.get("author"), url=fields.get("url"), section=fields.get("section"), lead=lead or None,
        score=round(float(score), 4), snippet=highlighter.snippet(body), title_html=highlighter.mark(title),
        lead_html=highlighter.mark(lead),
    )


def _with_time(page: SearchPage, started: float) -> SearchPage:
    return dataclasses.replace(page, took_ms=round((time.perf_counter() - started) * 1000, 2))


def _replace_word(q: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", replacement, q, count=1)
