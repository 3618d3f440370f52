"""``ClusterEngine``: the storage engine of a sharded Xapian cluster, behind Presse's seam
(``search.engine.Engine`` and ``Snapshot``), so that ``search.Archive`` runs over it unchanged:
the same query plans (``search.query.plan_query``, compiled by ``compile``), results, facets,
timelines, concordances, exports and citations as over a local index.

The shards are opened one by one (``xapian.remote_open`` with bounded timeouts) and combined with
``Database.add_database``: Xapian merges the BM25 statistics over them, so ranking is global, not
per shard. A shard none of whose servers answers is left out: the results of the others come back
with ``Results.missing`` (the page says ``partial`` and gives a French notice); the missing shard
is tried again at most every ``RETRY_SECONDS`` (``HUNG_RETRY_SECONDS`` when it let the connection
time out, since each try holds a request that long), so the cluster recovers by itself. A shard's
read copies (``replicas``) are tried before it counts as missing.

What the cluster does not have: groups of wire copies (every article is listed, ``Results.collapsed``
is False) and named entities (an empty table: no article analysed). Xapian's remote backend gives
no revision numbers, so a snapshot's ``commit`` is None and ``Archive`` caches no cluster page.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import xapian

from presse.indexer.analysis import ANALYSIS_VERSION

from ..engine import Dated, DayCounts, EngineStats, Found, Results
from ..entities import EntityTable
from ..plan import Everything, Filters, Node, Plan
from ..ranking import Ranking
from ..settings import DEFAULTS, EngineSettings
from . import layout as L
from .compile import COORDINATION_WEIGHT, compile_plan, near_pairs, node_query, term_prefix
from .config import Cluster
from .connect import NETWORK_ERRORS, TIMEOUT_MS, ClusterUnavailable, Connection
from .facets import counted, facet_counts, facet_spies, filter_query
from .terms import ClusterTerms

__all__ = ["ClusterEngine", "ClusterSnapshot", "ClusterUnavailable"]

# BM25 over the combined stem field, where a body occurrence counts STEM_WDF["body"] = 2: k1 1.6 is
# the local engine's K1 0.8 (search.ranking.Ranking) in those units; b the usual 0.75. Chosen on the
# tuning half of bench/relevance.py's sample (bench/RESULTS.md, "The cluster's relevance").
WEIGHTING = dict(k1=1.6, k2=0.0, k3=1.0, b=0.75, min_normlen=0.5)
MORE_LIKE_TERMS = 15
ATTEMPTS = 3  # a request whose shards fail under it is tried this many times before a French error
NO_ENTITIES = EntityTable([], np.zeros(0, dtype=bool))
T = TypeVar("T")


class ClusterEngine:
    """The shards of ``cluster`` as one Presse index; safe to share between threads (each thread
    has its own connections). ``timeout_ms`` bounds every network operation."""

    def __init__(self, cluster: Cluster, ranking: Ranking = Ranking(), settings: EngineSettings = DEFAULTS, *,
                 timeout_ms: int = TIMEOUT_MS):
        self.cluster = cluster
        self.ranking = ranking
        self.settings = settings
        self.timeout_ms = timeout_ms
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = Connection(self.cluster, self.timeout_ms)
            with self._lock:
                self._all.append(conn)
        return conn

    def snapshot(self) -> ClusterSnapshot:
        """The shards that answer now, combined, for the calling thread."""
        return ClusterSnapshot(self, self._connection())

    def refresh(self) -> None:
        """Open the calling thread's connections again at its next snapshot: new commits, shards back."""
        self._connection().reset()

    def stats(self) -> EngineStats:
        """How many articles (per shard too), from which sources, over which dates."""
        return self.snapshot().stats()

    def warm_up(self, facets: Sequence[str]) -> None:
        """Open the calling thread's connections to the shards now."""
        self.snapshot()

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            for conn in self._all:
                conn.close()


class ClusterSnapshot:
    """The cluster as one thread searches it for one request (``search.engine.Snapshot``).

    Document numbers are the combined database's, valid while its connections last: when a shard
    fails during the request, the work is done again over the shards that answer, and reading an
    article by a number from before (``stored_fields``) gives a French ``ClusterUnavailable``
    rather than another article.
    """

    def __init__(self, engine: ClusterEngine, conn: Connection):
        self.engine = engine
        self.conn = conn
        self.epoch = 0
        self._frequencies: dict[str, int] = {}
        self._filters: dict[tuple[int, Filters], xapian.Query | None] = {}
        self.db = self._retry(conn.database)

    # -- running work over the shards
    def _retry(self, open_db: Callable[[], xapian.Database]) -> xapian.Database:
        try:
            return open_db()
        except (*NETWORK_ERRORS, xapian.DatabaseModifiedError):  # a recheck found a shard gone
            self.conn.reset()
            return self.conn.database()

    def _run(self, work: Callable[[xapian.Database], T]) -> T:
        """``work(db)`` over the shards that answer; a shard failing during it is left out and the
        work done again.

        :raises ClusterUnavailable: no shard answers, or they keep failing (French).
        """
        for attempt in range(ATTEMPTS):
            try:
                return work(self.db)
            except (*NETWORK_ERRORS, xapian.DatabaseModifiedError):
                self.conn.reset()
                if attempt == ATTEMPTS - 1:
                    break
                self.db = self._retry(self.conn.database)
                self.epoch += 1
        raise ClusterUnavailable(f"La grappe {self.engine.cluster.name} ne répond pas de façon fiable : "
                                 "réessayez dans un instant.")

    @property
    def missing(self) -> tuple[int, ...]:
        """The numbers of the shards that did not answer."""
        return self.conn.missing

    # -- the vocabulary
    @property
    def commit(self) -> None:
        """None: the remote backend has no revision numbers (nothing is cached)."""
        return None

    @property
    def lexicon(self) -> ClusterSnapshot:
        """The cluster's lexicon (``terms_for_key``, ``accented``): this snapshot."""
        return self

    def terms_for_key(self, key: str) -> set[str]:
        """The stems indexed for the words whose key is ``key`` (``indexer.lexicon.Lexicon.terms_for_key``)."""
        return self._run(lambda db: ClusterTerms(db).terms_for_key(key))

    def accented(self, folded: str) -> str:
        """How ``folded`` is most often written with accents in the cluster (itself when never)."""
        return self._run(lambda db: ClusterTerms(db).accented(folded))

    def with_prefix(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first ``limit`` terms of ``field`` starting with ``prefix``, with their article counts."""
        head = term_prefix(field)
        if head is None or not L.fits(head + prefix):
            return []
        return self._run(lambda db: ClusterTerms(db).listing(head, prefix, limit))

    def neighbours(self, field: str, word: str, maxdist: int) -> list[tuple[int, int, str]]:
        """Terms of ``field`` within ``maxdist`` edits of ``word`` (``search.vocabulary.spelling_neighbours``)."""
        head = term_prefix(field)
        if head is None:
            return []
        return self._run(lambda db: ClusterTerms(db).neighbours(head, word, maxdist))

    def doc_frequency(self, field: str, text: str) -> int:
        """How many articles have ``text`` in ``field`` (lead and body: in the combined stems)."""
        head = term_prefix(field)
        if head is None:
            return 0
        term = head + text
        if term not in self._frequencies:
            self._frequencies[term] = self._run(lambda db: ClusterTerms(db).frequency(term))
        return self._frequencies[term]

    def entities(self) -> EntityTable:
        """Named entities are not in the cluster: an empty table."""
        return NO_ENTITIES

    # -- matching
    def _kept(self, db: xapian.Database, filters: Filters | None) -> xapian.Query | None:
        """What ``filters`` keep (read once per request: a facet's values are listed from every shard)."""
        if filters is None:
            return None
        key = (self.epoch, filters)
        if key not in self._filters:
            self._filters[key] = filter_query(ClusterTerms(db), filters)
        return self._filters[key]

    def check_filters(self, filters: Filters) -> None:
        """Nothing when every value of ``filters`` is in the cluster (else ``UnknownFilterValue``)."""
        self._run(lambda db: self._kept(db, filters))

    def count(self, query: Node, filters: Filters | None) -> int:
        """How many articles ``query`` matches among those ``filters`` keep."""
        if isinstance(query, Everything) and filters is None:
            return self._run(lambda db: db.get_doccount())

        def work(db: xapian.Database) -> int:
            kept = self._kept(db, filters)
            compiled = node_query(query)
            return counted(db, compiled if kept is None else xapian.Query(xapian.Query.OP_FILTER, compiled, kept))

        return self._run(work)

    def _enquire(self, db: xapian.Database, plan: Plan) -> xapian.Enquire:
        enquire = xapian.Enquire(db)
        enquire.set_query(compile_plan(plan, self._kept(db, plan.filters)))
        enquire.set_weighting_scheme(xapian.BM25Weight(*WEIGHTING.values()))
        if plan.sort == "relevance":
            enquire.set_sort_by_relevance_then_value(L.DAY_SLOT, True)  # ties: newest first
        elif plan.sort == "-date":
            enquire.set_sort_by_value_then_relevance(L.DAY_SLOT, True)
        else:
            enquire.set_sort_by_value_then_relevance(L.DAY_ASC_SLOT, False)
        return enquire

    def _score(self, plan: Plan, weight: float) -> float:
        # A relaxed query's scores without the clause counts, as the local engine shows them.
        return weight % COORDINATION_WEIGHT if plan.coordination else weight

    def execute(self, plan: Plan) -> Results:
        """Run ``plan``: its total, ranks ``plan.start:plan.stop`` (not grouped), its facets."""

        def work(db: xapian.Database) -> Results:
            enquire = self._enquire(db, plan)
            if plan.facets:  # the facets' match counts exactly; the ranked one need not
                total, spies = facet_spies(db, enquire.get_query(), plan.facets)
                window, _ = self._window(db, plan, enquire, plan.start, plan.stop)
            else:
                window, mset = self._window(db, plan, enquire, plan.start, plan.stop, db.get_doccount())
                total, spies = mset.get_matches_estimated(), {}
            hits = tuple(Found(self._handle(docid), _fields(db.get_document(docid)), score) for docid, score in window)
            return Results(total, total, hits, {name: facet_counts(name, spies.get(name)) for name in plan.facets},
                           collapsed=False, missing=self.missing, shards=len(self.engine.cluster.shards))

        return self._run(work)

    def ranked(self, plan: Plan, start: int, stop: int) -> list[tuple[int, float]]:
        """(document, score) of ranks ``start:stop`` of ``plan``."""

        def work(db: xapian.Database) -> list[tuple[int, float]]:
            window, _ = self._window(db, plan, self._enquire(db, plan), start, stop)
            return [(self._handle(docid), score) for docid, score in window]

        return self._run(work)

    def _window(self, db: xapian.Database, plan: Plan, enquire: xapian.Enquire, start: int, stop: int,
                check_at_least: int = 0) -> tuple[list[tuple[int, float]], xapian.MSet]:
        """(docid, score) of ranks ``start:stop`` of ``plan``, and the match read (its counts).

        The proximity boost of the local engine (``search.whoosh_engine.proximity``): for a query of
        several plain words in relevance order, the best ``proximity_docs`` articles (two words) or
        ``proximity_docs_long`` (more) have their score multiplied by 1 + ``proximity_boost`` where
        every consecutive pair of the words stands close, and are ordered again (a relaxed query's
        articles matching more clauses still first). Words no article has (typos) are left out.
        """
        ranking = self.engine.ranking
        words = [w for w in plan.nearby if _known_form(db, w)] \
            if plan.sort == "relevance" and len(plan.nearby) > 1 and ranking.proximity_boost else []
        near = near_pairs(words, ranking.proximity_window) if len(words) > 1 else None
        depth = (ranking.proximity_docs if len(words) == 2 else ranking.proximity_docs_long) if near is not None else 0
        if start >= depth:
            mset = enquire.get_mset(start, max(0, stop - start), check_at_least)
            return [(m.docid, self._score(plan, m.weight)) for m in mset], mset
        mset = enquire.get_mset(0, max(depth, stop), check_at_least)
        head = [(m.docid, m.weight) for m in mset]
        # The articles of the head where the words stand close: the best of those matching the pairs
        # too, by the same weights (an article of the head ranks within the first ``depth`` of them).
        close = xapian.Enquire(db)
        close.set_query(xapian.Query(xapian.Query.OP_FILTER, enquire.get_query(), near))
        close.set_weighting_scheme(xapian.BM25Weight(*WEIGHTING.values()))
        close.set_sort_by_relevance_then_value(L.DAY_SLOT, True)  # ties as the head breaks them
        boosted = {m.docid for m in close.get_mset(0, depth)}
        factor = 1.0 + ranking.proximity_boost
        scored = []
        for rank, (docid, weight) in enumerate(head[:depth]):
            score = self._score(plan, weight)  # a relaxed query's clause count stays first
            scored.append((docid, weight - score + (score * factor if docid in boosted else score), rank))
        scored.sort(key=lambda x: (-x[1], x[2]))
        ordered = [(docid, self._score(plan, weight)) for docid, weight, _ in scored]
        ordered += [(docid, self._score(plan, weight)) for docid, weight in head[depth:]]
        return ordered[start:stop], mset

    def stored_fields(self, doc: int) -> dict[str, Any]:
        """The stored fields of document ``doc`` (a number this snapshot gave)."""
        epoch, docid = divmod(doc, 1 << 32)
        if epoch != self.epoch:
            raise ClusterUnavailable(f"Un fragment de la grappe {self.engine.cluster.name} a cessé de répondre "
                                     "pendant la lecture : réessayez dans un instant.")
        try:
            return self._run(lambda db: _fields(db.get_document(docid)))
        except xapian.DocNotFoundError:  # deleted by presse index since this snapshot ranked it
            raise ClusterUnavailable("Un article de ces résultats vient d'être supprimé de la grappe : "
                                     "réessayez.") from None

    def _handle(self, docid: int) -> int:
        """The document number of ``docid`` for this snapshot (its connections' epoch included)."""
        return (self.epoch << 32) | docid

    def dated(self, plan: Plan) -> Dated:
        """``plan``'s matches per day, and the articles its filters keep per day (value counts)."""

        def work(db: xapian.Database) -> Dated:
            kept = self._kept(db, plan.filters)
            return Dated(_day_counts(db, compile_plan(plan, kept)),
                         _day_counts(db, xapian.Query.MatchAll if kept is None else kept))

        return self._run(work)

    # -- articles
    def _of_article(self, article_id: str, work: Callable[[xapian.Database], T]) -> T:
        """``work(db)`` about one article; when it finds nothing and the article's shard did not
        answer, a French ``ClusterUnavailable`` instead of "no such article"."""
        out = self._run(work)
        cluster = self.engine.cluster
        shard = L.shard_of(article_id, len(cluster.shards)) + 1
        if not out and shard in self.missing:
            address = cluster.shards[shard - 1].address
            raise ClusterUnavailable(f"L'article {article_id} est sur le fragment {shard} ({address}), qui ne répond "
                                     "pas : réessayez dans un instant.")
        return out

    def document(self, article_id: str) -> Found | None:
        """The article ``article_id`` (no other versions: the cluster does not group them), or None."""

        def work(db: xapian.Database) -> Found | None:
            for posting in db.postlist(L.ID + article_id):
                return Found(self._handle(posting.docid), _fields(db.get_document(posting.docid)), 0.0)
            return None

        return self._of_article(article_id, work)

    def entity_value(self, article_id: str) -> None:
        """Named entities are not in the cluster: None."""
        return None

    def similar(self, article_id: str, limit: int) -> list[Found]:
        """Articles similar to ``article_id`` by its key stems (Xapian's relevance feedback, over every shard)."""

        def work(db: xapian.Database) -> list[Found]:
            docid = next((p.docid for p in db.postlist(L.ID + article_id)), None)
            if docid is None:
                return []
            rset = xapian.RSet()
            rset.add_document(docid)
            enquire = xapian.Enquire(db)
            enquire.set_query(xapian.Query(L.ID + article_id))
            eset = enquire.get_eset(MORE_LIKE_TERMS, rset, _StemsOnly())
            if not eset.size():
                return []
            enquire.set_query(xapian.Query(xapian.Query.OP_AND_NOT,
                                           xapian.Query(xapian.Query.OP_OR, [item.term for item in eset]),
                                           xapian.Query(L.ID + article_id)))
            enquire.set_weighting_scheme(xapian.BM25Weight(*WEIGHTING.values()))
            enquire.set_sort_by_relevance_then_value(L.DAY_SLOT, True)
            return [Found(self._handle(m.docid), _fields(m.document), m.weight) for m in enquire.get_mset(0, limit)]

        return self._of_article(article_id, work)

    # -- statistics
    def stats(self) -> EngineStats:
        """What the shards that answer hold (``missing``: those that did not)."""

        def work(db: xapian.Database) -> EngineStats:
            spy = xapian.ValueCountMatchSpy(L.FACET_SLOTS["source"])
            counted(db, xapian.Query.MatchAll, [spy])
            first = xapian.sortable_unserialise(db.get_value_lower_bound(L.DAY_ASC_SLOT) or
                                                xapian.sortable_serialise(L.UNDATED_LAST))
            last = xapian.sortable_unserialise(db.get_value_upper_bound(L.DAY_SLOT) or xapian.sortable_serialise(0))
            meta = {k: db.get_metadata(k).decode("utf-8") for k in (L.META_ANALYSIS, L.META_CREATED)}
            parts = {number: part.get_doccount() for number, part in self.conn.parts.items()}
            return EngineStats(
                articles=db.get_doccount(), sources=facet_counts("source", spy),
                date_min=dt.date.fromordinal(int(first)) if 0 < first < L.UNDATED_LAST else None,
                date_max=dt.date.fromordinal(int(last)) if last > 0 else None, size_bytes=0,
                generation=f"grappe de {len(self.engine.cluster.shards)} fragments",
                meta={"analysis_version": int(meta[L.META_ANALYSIS] or ANALYSIS_VERSION),
                      "created": meta[L.META_CREATED] or None},
                shard_articles=tuple(parts.get(s.number) for s in self.engine.cluster.shards), missing=self.missing)

        return self._run(work)


# ---------------------------------------------------------------------------------------- helpers

class _StemsOnly(xapian.ExpandDecider):
    """Relevance feedback keeps the article's stems (unprefixed terms), not its bookkeeping terms."""

    def __call__(self, term: bytes) -> bool:
        return bool(term) and not (65 <= term[0] <= 90)


def _known_form(db: xapian.Database, word: str) -> bool:
    """True when some article has the word form ``word`` (in its title or its text)."""
    terms = ClusterTerms(db)
    return any(terms.frequency(prefix + word) for prefix in (L.TITLE_FORMS, L.FORMS))


def _day_counts(db: xapian.Database, query: xapian.Query) -> DayCounts:
    """The articles ``query`` matches per day (day 0: undated), from the day values of every shard."""
    spy = xapian.ValueCountMatchSpy(L.DAY_SLOT)
    counted(db, query, [spy])
    found = sorted((int(xapian.sortable_unserialise(item.term)), item.termfreq) for item in spy.values())
    return DayCounts(np.array([d for d, _ in found], dtype=np.int64), np.array([c for _, c in found], dtype=np.int64))


def _fields(doc: xapian.Document) -> dict:
    """The stored fields of a shard document, the date as a ``datetime.date``."""
    fields = json.loads(doc.get_data().decode("utf-8"))
    if fields.get("date"):
        fields["date"] = dt.date.fromisoformat(fields["date"])
    return fields
