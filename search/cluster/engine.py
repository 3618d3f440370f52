"""``ClusterArchive``: Presse's search API over a sharded Xapian cluster.

The shards are opened one by one (``xapian.remote_open`` with bounded timeouts) and combined with
``Database.add_database``: Xapian merges the BM25 statistics over them, so ranking is global, not
per shard. A shard none of whose servers answers is left out: the results of the others come back
with ``partial=True`` and a French notice; the missing shard is tried again at most every
``RETRY_SECONDS`` (``HUNG_RETRY_SECONDS`` when it let the connection time out, since each try
holds a request that long), so the cluster recovers by itself. A shard's read copies (``replicas``) are
tried before it counts as missing.

Results are Presse's own types (``search.types``), the cluster's state in ``SearchPage.partial``
and ``ArchiveStats.partial`` (``missing``: the shards that did not answer; ``notice``: the French
notice). Requests are checked by ``search.request.SearchRequest``, as ``search.Archive`` checks them.
Exports and citations as ``search.Archive`` (``views``); not on the cluster (yet): grouping wire
copies (``collapse`` is accepted and lists every article), named entities, timelines and
concordances (a French ``views.NotOnCluster``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import xapian

from presse.indexer.analysis import ANALYSIS_VERSION
from presse.indexer.article import is_valid_id

from ..highlight import Highlighter
from ..query import Analysis, Highlights
from ..request import DEFAULT_FACETS, DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchRequest
from ..respelling import may_search_again, replace_word
from ..syntax import And, QueryError, parse
from ..types import ArchiveStats, ArticleView, FacetCount, Hit, SearchPage
from . import layout as L
from .compile import Compiled, compile_query
from .config import Cluster, load_cluster
from .connect import NETWORK_ERRORS, TIMEOUT_MS, ClusterUnavailable, Connection
from .facets import facet_counts, facet_spies, filter_query
from .terms import ClusterTerms
from .views import ClusterViews

__all__ = ["ClusterArchive", "ClusterUnavailable"]

# BM25 over the combined stem field (stems count STEM_WDF times per occurrence: 2 in the body).
# Chosen for agreeing with the local engine's first result on 40 queries over seeds/ (k1 1.6, b 0.75:
# mean reciprocal rank of the local first hit 0.61; k1 3.2, b 0.4: 0.75). To tune with bench/relevance.py.
WEIGHTING = dict(k1=3.2, k2=0.0, k3=1.0, b=0.4, min_normlen=0.5)
MORE_LIKE_TERMS = 15
COORDINATION_WEIGHT = 10_000.0  # per clause a relaxed query's article matches: above any BM25 score
# Shared by every relaxed query: Xapian clones it for each database it matches, or sends it to the shard.
_COORDINATION = xapian.FixedWeightPostingSource(COORDINATION_WEIGHT)

T = TypeVar("T")


# ---------------------------------------------------------------------------------------- the archive

@dataclasses.dataclass
class _Match:
    compiled: Compiled
    query: xapian.Query
    sort: str
    suggestion: str | None = None
    rewritten: str | None = None
    relaxed: bool = False


class ClusterArchive(ClusterViews):
    """A searchable press archive spread over the shards of a Xapian cluster; safe to share
    between threads (each thread has its own connections).

    >>> archive = ClusterArchive.from_file("grappe.toml")                 # doctest: +SKIP
    >>> page = archive.search("pétrole ET gaz SAUF Russie", sort="-date")  # doctest: +SKIP
    >>> page.total, page.partial                                          # doctest: +SKIP
    """

    def __init__(self, cluster: Cluster, *, timeout_ms: int = TIMEOUT_MS):
        self.cluster = cluster
        self.timeout_ms = timeout_ms
        self._analysis = Analysis()
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | os.PathLike, **kwargs) -> ClusterArchive:
        """The archive of the cluster file ``path`` (``ClusterConfigError``, in French, for a bad file)."""
        return cls(load_cluster(path), **kwargs)

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            for conn in self._all:
                conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _connection(self) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = Connection(self.cluster, self.timeout_ms)
            with self._lock:
                self._all.append(conn)
        return conn

    def _run(self, work: Callable[[xapian.Database], T]) -> tuple[T, tuple[int, ...]]:
        """``work(db)`` over the shards that answer, and the numbers of those that do not. A shard
        failing during the work is left out and the work done again once."""
        conn = self._connection()
        for attempt in range(3):
            try:
                db = conn.database()
                return work(db), conn.missing
            except (*NETWORK_ERRORS, xapian.DatabaseModifiedError):
                conn.reset()
                if attempt == 2:
                    raise ClusterUnavailable(f"La grappe {self.cluster.name} ne répond pas de façon fiable : "
                                             "réessayez dans un instant.") from None
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ search
    def search(self, q: str = "", *, page: int = 1, per_page: int = DEFAULT_PER_PAGE, source: Sequence[str] | str = (),
               author: Sequence[str] | str = (), section: Sequence[str] | str = (), year: Sequence[int] | int = (),
               date_from: dt.date | str | None = None, date_to: dt.date | str | None = None,
               sort: str = "relevance", facets: Sequence[str] = DEFAULT_FACETS,
               collapse: bool = True) -> SearchPage:
        """Search the cluster: the parameters, results and errors of ``search.Archive.search``
        (``collapse`` is checked, but the cluster does not group wire copies: every article is
        listed and the page says ``collapse=False``). ``partial`` says some shards did not answer.

        :raises QueryError: the query or a parameter cannot be searched (French message).
        :raises ClusterUnavailable: no shard answers.
        """
        started = time.perf_counter()
        request = SearchRequest.of(q, page=page, per_page=per_page, source=source, author=author, section=section,
                                   year=year, date_from=date_from, date_to=date_to, sort=sort, facets=facets,
                                   collapse=collapse)

        def work(db: xapian.Database) -> SearchPage:
            match, query, mset = self._window(db, request, (request.page - 1) * request.per_page, request.per_page)
            spies = facet_spies(db, query, request.facets)
            highlighter = Highlighter(match.compiled.highlights, self._analysis)
            # A relaxed query's scores without the clause counts (see _coordinated), as the local engine shows them.
            hits = tuple(Hit.from_fields(_fields(m.document), m.weight % COORDINATION_WEIGHT if match.relaxed
                                         else m.weight, highlighter) for m in mset)
            total = mset.get_matches_estimated()
            return SearchPage(  # no grouping: as many results as articles (collapsed_total)
                query=request.q, page=request.page, per_page=request.per_page, total=total, took_ms=0.0, hits=hits,
                facets={name: facet_counts(name, spies.get(name)) for name in request.facets},
                suggestion=match.suggestion, sort=match.sort, rewritten=match.rewritten, relaxed=match.relaxed,
                collapse=False, collapsed_total=total, shards=len(self.cluster.shards))

        out, missing = self._run(work)
        return dataclasses.replace(out, partial=bool(missing), missing=missing,
                                   took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _window(self, db: xapian.Database, request: SearchRequest, start: int,
                count: int) -> tuple[_Match, xapian.Query, xapian.MSet]:
        """What ``request`` matches (its query under its filters), and its results ``start:start + count``
        in its order (the total counted exactly)."""
        terms = ClusterTerms(db)
        match = self._match(terms, request.q, request.sort, filter_query(terms, request))
        return match, match.query, self._enquire(db, match.query, match.sort).get_mset(start, count, db.get_doccount())

    def _enquire(self, db: xapian.Database, query: xapian.Query, sort: str) -> xapian.Enquire:
        enquire = xapian.Enquire(db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(xapian.BM25Weight(*WEIGHTING.values()))
        if sort == "relevance":
            enquire.set_sort_by_relevance_then_value(L.DAY_SLOT, True)  # ties: newest first
        elif sort == "-date":
            enquire.set_sort_by_value_then_relevance(L.DAY_SLOT, True)
        else:
            enquire.set_sort_by_value_then_relevance(L.DAY_ASC_SLOT, False)
        return enquire

    def _match(self, terms: ClusterTerms, q: str, sort: str, kept: xapian.Query | None = None) -> _Match:
        """What ``q`` searches among the articles ``kept`` (the filters; None: all), as
        ``search.Archive._match`` settles it: when nothing has all the words of a plain query, its
        respelling, else the articles with any of the words. ``query`` includes the filters."""

        def within(query: xapian.Query) -> xapian.Query:
            return query if kept is None else xapian.Query(xapian.Query.OP_FILTER, query, kept)

        tree = parse(q)
        compiled = compile_query(tree, terms, self._analysis)
        if compiled.query is None:
            if tree is None:  # an empty query lists every article, newest first
                return _Match(compiled, within(xapian.Query.MatchAll), "-date" if sort == "relevance" else sort)
            return _Match(compiled, xapian.Query.MatchNothing, sort)
        match = _Match(compiled, within(compiled.query), sort)
        count = _count(terms.db, match.query, 3)
        if count < 3 and compiled.words:
            match.suggestion = self._suggest(terms, q, compiled.words)
        if count == 0 and may_search_again(q, tree):
            if match.suggestion:
                respelled = compile_query(parse(match.suggestion), terms, self._analysis)
                if respelled.query is not None and _count(terms.db, within(respelled.query), 1):
                    return _Match(respelled, within(respelled.query), sort, match.suggestion, match.suggestion)
            if isinstance(tree, And) and len(tree.items) > 1:
                clauses = [c.query for c in (compile_query(w, terms, self._analysis) for w in tree.items)
                           if c.query is not None]
                if len(clauses) > 1:
                    relaxed = within(_coordinated(clauses))
                    if _count(terms.db, relaxed, 1):
                        return _Match(compiled, relaxed, sort, match.suggestion, relaxed=True)
        return match

    def _suggest(self, terms: ClusterTerms, q: str, words) -> str | None:
        """A respelling of ``q``, each unknown word replaced by its likeliest neighbour
        (``search.Archive._suggest``, over the cluster's vocabulary)."""
        suggestion, changed = q, False
        for raw, folded, stems in words:
            if len(folded) < 3 or any(terms.frequency(L.STEMS + t) for t in stems):
                continue
            neighbours = terms.neighbours(L.FORMS, folded, 1 if len(folded) <= 5 else 2)
            if neighbours:
                suggestion = replace_word(suggestion, raw, terms.accented(neighbours[0][2]))
                changed = True
        return suggestion if changed and suggestion != q else None

    # ------------------------------------------------------------------ articles
    def get(self, article_id: str, q: str = "") -> ArticleView | None:
        """The whole article ``article_id`` (None when there is none), highlighted for ``q`` as
        ``search(q)`` highlights its hits."""
        if not isinstance(article_id, str) or not is_valid_id(article_id):
            return None

        def work(db: xapian.Database) -> ArticleView | None:
            doc = _document(db, article_id)
            if doc is None:
                return None
            highlights = Highlights()
            if q and isinstance(q, str):
                try:
                    highlights = self._match(ClusterTerms(db), q, "relevance").compiled.highlights
                except QueryError:
                    pass
            return ArticleView.from_fields(_fields(doc), Highlighter(highlights, self._analysis))

        return self._of_article(article_id, work)

    def more_like(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles similar to ``article_id``, by its key stems (Xapian's relevance feedback, over
        every shard); empty when there is no such article.

        :raises QueryError: ``limit`` is not a whole number from 0 to 100.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PER_PAGE:
            raise QueryError(f"Le nombre d'articles similaires doit être un entier de 0 à {MAX_PER_PAGE}.")
        if not isinstance(article_id, str) or not is_valid_id(article_id) or limit == 0:
            return []

        def work(db: xapian.Database) -> list[Hit]:
            postings = db.postlist(L.ID + article_id)
            docid = next((p.docid for p in postings), None)
            if docid is None:
                return []
            rset = xapian.RSet()
            rset.add_document(docid)
            enquire = xapian.Enquire(db)
            enquire.set_query(xapian.Query(L.ID + article_id))
            eset = enquire.get_eset(MORE_LIKE_TERMS, rset, _StemsOnly())
            if not eset.size():
                return []
            query = xapian.Query(xapian.Query.OP_AND_NOT,
                                 xapian.Query(xapian.Query.OP_OR, [item.term for item in eset]),
                                 xapian.Query(L.ID + article_id))
            mset = self._enquire(db, query, "relevance").get_mset(0, limit)
            empty = Highlighter(Highlights(), self._analysis)
            return [Hit.from_fields(_fields(m.document), m.weight, empty) for m in mset]

        return self._of_article(article_id, work)

    def _of_article(self, article_id: str, work: Callable[[xapian.Database], T]) -> T:
        """``work(db)`` about one article; when it finds nothing and the article's shard did not
        answer, a French ``ClusterUnavailable`` instead of "no such article"."""
        out, missing = self._run(work)
        shard = L.shard_of(article_id, len(self.cluster.shards)) + 1
        if not out and shard in missing:
            address = self.cluster.shards[shard - 1].address
            raise ClusterUnavailable(f"L'article {article_id} est sur le fragment {shard} ({address}), qui ne répond "
                                     "pas : réessayez dans un instant.")
        return out

    # ------------------------------------------------------------------ stats
    def stats(self) -> ArchiveStats:
        """How many articles (per shard too), from which sources, over which dates."""
        conn_parts: dict[int, int] = {}

        def work(db: xapian.Database) -> ArchiveStats:
            conn = self._connection()
            for number, part in conn.parts.items():
                conn_parts[number] = part.get_doccount()
            enquire = xapian.Enquire(db)
            enquire.set_query(xapian.Query.MatchAll)
            spy = xapian.ValueCountMatchSpy(L.FACET_SLOTS["source"])
            enquire.add_matchspy(spy)
            enquire.get_mset(0, 0, db.get_doccount())
            first = xapian.sortable_unserialise(db.get_value_lower_bound(L.DAY_ASC_SLOT) or
                                                xapian.sortable_serialise(L.UNDATED_LAST))
            last = xapian.sortable_unserialise(db.get_value_upper_bound(L.DAY_SLOT) or xapian.sortable_serialise(0))
            meta = {k: db.get_metadata(k).decode("utf-8") for k in (L.META_ANALYSIS, L.META_CREATED)}
            return ArchiveStats(
                articles=db.get_doccount(), sources=facet_counts("source", spy),
                date_min=dt.date.fromordinal(int(first)) if 0 < first < L.UNDATED_LAST else None,
                date_max=dt.date.fromordinal(int(last)) if last > 0 else None, size_bytes=0,
                analysis_version=int(meta[L.META_ANALYSIS] or ANALYSIS_VERSION), created=meta[L.META_CREATED] or None,
                generation=f"grappe de {len(self.cluster.shards)} fragments")

        out, missing = self._run(work)
        per_shard = tuple(conn_parts.get(s.number) for s in self.cluster.shards)
        return dataclasses.replace(out, shard_articles=per_shard, partial=bool(missing), missing=missing)

    def facet_values(self, name: str) -> tuple[FacetCount, ...]:
        """Every value of facet ``name`` in the cluster with its article count."""
        return self.search("", per_page=1, facets=[name]).facets[name]


# ---------------------------------------------------------------------------------------- helpers

class _StemsOnly(xapian.ExpandDecider):
    """Relevance feedback keeps the article's stems (unprefixed terms), not its bookkeeping terms."""

    def __call__(self, term: bytes) -> bool:
        return bool(term) and not (65 <= term[0] <= 90)


def _coordinated(clauses: list[xapian.Query]) -> xapian.Query:
    """The articles matching any of ``clauses``, those matching more of them first, then by score
    (``search.Archive``'s relaxed query): each clause matched adds ``COORDINATION_WEIGHT``, more
    than any BM25 score, through a fixed-weight posting source (built into Xapian: every shard runs it)."""
    counted = xapian.Query(_COORDINATION)
    return xapian.Query(xapian.Query.OP_OR, [xapian.Query(xapian.Query.OP_AND, c, counted) for c in clauses])


def _count(db: xapian.Database, query: xapian.Query, enough: int) -> int:
    """How many articles ``query`` matches, counted up to ``enough`` at least."""
    enquire = xapian.Enquire(db)
    enquire.set_query(query)
    enquire.set_weighting_scheme(xapian.BoolWeight())
    return enquire.get_mset(0, 0, enough).get_matches_lower_bound()


def _document(db: xapian.Database, article_id: str) -> xapian.Document | None:
    for posting in db.postlist(L.ID + article_id):
        return db.get_document(posting.docid)
    return None


def _fields(doc: xapian.Document) -> dict:
    """The stored fields of a shard document, the date as a ``datetime.date``."""
    fields = json.loads(doc.get_data().decode("utf-8"))
    if fields.get("date"):
        fields["date"] = dt.date.fromisoformat(fields["date"])
    return fields

