"""The Whoosh/numpy engine: ``search.engine.Engine`` over a Presse index in Whoosh's format.

Whoosh stores the index (segments, posting blocks, stored fields, columns); Presse reads it with
numpy (``postings``, ``docsets``, ``scoring``, ``columns``) rather than through Whoosh's
matchers and collectors, except for similar articles (Whoosh's ``more_like``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from presse.indexer.store import directory_size

from .. import collapse as wire
from ..engine import Dated, DayCounts, EngineStats, Found, Results, day_counts
from ..entities import KINDS as ENTITY_KINDS
from ..entities import EntityTable, entity_table
from ..lru import LRU
from ..plan import Everything, Filters, Node, Plan
from ..ranking import Ranking
from ..settings import DEFAULTS, EngineSettings
from ..vocabulary import spelling_neighbours
from .columns import ReaderColumns
from .docsets import matching_docs
from .index import Generation, Index
from .ranker import Match, ranked
from .weighting import weighting_of

__all__ = ["WhooshEngine", "WhooshSnapshot"]

SCORED_FIELDS = ("title", "lead", "body", "title_exact", "exact")
VOCABULARY_FIELDS = ("title_exact", "exact")
POPULATIONS_KEPT = 32


class WhooshEngine:
    """The index at ``root`` (``indexer.store``'s generations), ranked with ``ranking``, its caches
    and limits set by ``settings``; ``on_open()`` runs each time a generation is (re)opened."""

    def __init__(self, root: Path, ranking: Ranking, settings: EngineSettings = DEFAULTS,
                 on_open: Callable[[], None] = lambda: None):
        self.ranking = ranking
        self.settings = settings
        self.index = Index(root, weighting_of(ranking), settings, on_open)
        # The articles per day that a set of filters keeps (a timeline's totals), per commit.
        self.populations: LRU[tuple, DayCounts] = LRU(POPULATIONS_KEPT)

    def snapshot(self) -> WhooshSnapshot:
        """The current commit for the calling thread (with its own Whoosh searcher)."""
        gen = self.index.current()
        searcher = gen.searcher()
        reader = searcher.reader()
        return WhooshSnapshot(gen, searcher, reader, gen.columns(reader), self.ranking, self.settings,
                              self.populations)

    def refresh(self) -> None:
        """Check the disk for a new commit or generation now."""
        self.index.recheck()

    def stats(self) -> EngineStats:
        """What the index holds now (computed once per commit)."""
        gen = self.index.current()
        found = gen.stats
        if isinstance(found, EngineStats):
            return found
        reader = gen.searcher().reader()
        columns = gen.columns(reader)
        live = columns.live_docs(reader)
        days = columns.days(reader)[live]
        days = days[days > 0]
        found = EngineStats(
            articles=reader.doc_count(), sources=columns.counts(reader, "source", live),
            date_min=dt.date.fromordinal(int(days.min())) if len(days) else None,
            date_max=dt.date.fromordinal(int(days.max())) if len(days) else None,
            size_bytes=directory_size(gen.path), generation=gen.path.name, meta=dict(gen.meta),
        )
        gen.stats = found
        return found

    def warm_up(self, facets: Sequence[str]) -> None:
        """Load now what the first searches would otherwise load: facet and date columns, field
        lengths, the vocabularies of prefixes and fuzzy words."""
        gen = self.index.current()
        reader = gen.searcher().reader()
        columns = gen.columns(reader)
        columns.live_docs(reader)
        for name in facets:
            if name in ENTITY_KINDS:
                entity_table(columns, reader)
            else:
                columns.codes(reader, name)
        columns.days(reader)
        gen.groups.of(reader, columns)
        for field in SCORED_FIELDS:
            columns.lengths.array(reader, field)
        for field in VOCABULARY_FIELDS:
            columns.vocabulary(reader, field)

    def close(self) -> None:
        """Release the index files."""
        self.index.close()


class WhooshSnapshot:
    """One commit as one thread searches it: ``search.engine.Snapshot`` over a Whoosh searcher."""

    def __init__(self, gen: Generation, searcher, reader, columns: ReaderColumns, ranking: Ranking,
                 settings: EngineSettings = DEFAULTS, populations: LRU[tuple, DayCounts] | None = None):
        self.gen = gen
        self.populations = populations if populations is not None else LRU(POPULATIONS_KEPT)
        self.settings = settings
        self.searcher = searcher
        self.reader = reader
        self.columns = columns
        self.ranking = ranking

    # -- the vocabulary
    @property
    def commit(self) -> Hashable:
        """The generation, the commit, and the state of its groups of versions."""
        return self.gen.path.name, self.reader.generation(), self.gen.groups.stamp()

    @property
    def lexicon(self):
        """The index's ``indexer.lexicon.Lexicon``."""
        return self.gen.lexicon

    def with_prefix(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first ``limit`` terms of ``field`` starting with ``prefix``, with their document counts."""
        return self.columns.vocabulary(self.reader, field).with_prefix(prefix, limit)

    def neighbours(self, field: str, word: str, maxdist: int) -> list[tuple[int, int, str]]:
        """Terms of ``field`` within ``maxdist`` edits of ``word`` (see ``spelling_neighbours``)."""
        return spelling_neighbours(self.columns.vocabulary(self.reader, field), word, maxdist,
                                   self.settings.max_fuzzy_scan)

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents (deleted ones included) have ``text`` in ``field``."""
        return self.reader.doc_frequency(field, text)

    def entities(self) -> EntityTable:
        """The named entities of this commit."""
        return entity_table(self.columns, self.reader)

    # -- matching and ranking
    def _matched(self, query: Node, filters: Filters | None) -> tuple[np.ndarray, np.ndarray | None]:
        """(the live documents ``query`` matches among those ``filters`` keep, the filters' mask).

        The last few are kept, since a search counts a plan before running it: keyed by the plan
        object itself, which the cache keeps alive (hashing a plan would walk it, and "NOT NOT …
        gaz" nests hundreds deep)."""
        columns, reader = self.columns, self.reader
        allowed = columns.filter_docs(reader, filters) if filters is not None else None
        key = (id(query), filters)
        found = columns.matches.get(key)
        if found is not None and found[0] is query:
            return found[1], allowed
        live = columns.live_docs(reader)
        matched = live if isinstance(query, Everything) else \
            matching_docs(reader, query, live, columns.postings, lambda: columns.days(reader))
        if allowed is not None:
            matched = matched & allowed
        matched.flags.writeable = False
        columns.matches.put(key, (query, matched))
        return matched, allowed

    def _match(self, plan: Plan) -> Match:
        matched, allowed = self._matched(plan.query, plan.filters)
        return Match(self.searcher, self.columns, matched, int(np.count_nonzero(matched)), allowed,
                     plan.everything, plan.sort, plan.scored, plan.coordination, plan.nearby)

    def check_filters(self, filters: Filters) -> None:
        """Nothing when every value of ``filters`` is in the archive (their mask is kept for the search).

        :raises UnknownFilterValue: a filter value the archive does not have.
        """
        self.columns.filter_docs(self.reader, filters)

    def count(self, query: Node, filters: Filters | None) -> int:
        """How many live documents ``query`` matches among those ``filters`` keep."""
        return int(np.count_nonzero(self._matched(query, filters)[0]))

    def execute(self, plan: Plan) -> Results:
        """Run ``plan``: its totals, ranks ``plan.start:plan.stop`` (one per group of versions with
        ``plan.collapse``, with the others matching), its facet counts."""
        match = self._match(plan)
        reader, columns = self.reader, self.columns
        facets = {name: columns.counts(reader, name, match.matched) for name in plan.facets}
        groups = self.gen.groups.of(reader, columns)
        grouped = groups.collapsed_total(match.matched)

        def rank(m: Match, start: int, stop: int) -> list[tuple[int, float]]:
            return ranked(m, self.ranking, start, stop)

        window = (wire.window(match, groups, columns.days(reader), grouped, plan.start, plan.stop, rank)
                  if plan.collapse else rank(match, plan.start, plan.stop))
        stored = self.searcher.stored_fields
        hits = []
        for docnum, score in window:
            code = int(groups.codes[docnum]) if plan.collapse else 0
            if code:
                count, listed = wire.versions(groups, docnum, match.matched, stored)
                hits.append(Found(docnum, stored(docnum), score, groups.keys[code - 1], count, listed))
            else:
                hits.append(Found(docnum, stored(docnum), score))
        return Results(match.total, grouped, tuple(hits), facets, collapsed=plan.collapse)

    def ranked(self, plan: Plan, start: int, stop: int) -> list[tuple[int, float]]:
        """(document, score) of ranks ``start:stop`` of ``plan``, without grouping."""
        return ranked(self._match(plan), self.ranking, start, stop)

    def stored_fields(self, doc: int) -> dict[str, Any]:
        """The stored fields of document ``doc``."""
        return self.searcher.stored_fields(doc)

    def dated(self, plan: Plan) -> Dated:
        """``plan``'s matches as the timelines count them."""
        matched, allowed = self._matched(plan.query, plan.filters)
        days = self.columns.days(self.reader)
        key = (self.commit, plan.filters)
        population = self.populations.get(key)
        if population is None:
            population = day_counts(days, allowed if allowed is not None else self.columns.live_docs(self.reader))
            self.populations.put(key, population)
        return Dated(day_counts(days, matched), population)

    # -- articles
    def document(self, article_id: str) -> Found | None:
        """The article ``article_id`` with all its other versions by date, or None."""
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return None
        groups = self.gen.groups.of(self.reader, self.columns)
        _, versions = wire.versions(groups, docnum, self.columns.live_docs(self.reader), self.searcher.stored_fields,
                                    limit=None)
        return Found(docnum, self.searcher.stored_fields(docnum), 0.0, versions=versions)

    def entity_value(self, article_id: str) -> str | None:
        """The named entities column of article ``article_id`` (None: none, or no such article)."""
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return None
        return self.columns.entity_value(self.reader, docnum)

    def similar(self, article_id: str, limit: int) -> list[Found]:
        """Up to ``limit`` articles similar to ``article_id`` by its key terms (Whoosh's ``more_like``)."""
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return []
        fields = self.searcher.stored_fields(docnum)
        body = fields.get("body", "")[:self.settings.similar_text_chars]
        text = f"{fields.get('title', '')}\n{fields.get('lead', '')}\n{body}"
        results = self.searcher.more_like(docnum, "body", text=text, top=limit, numterms=self.settings.similar_terms)
        return [Found(hit.docnum, hit.fields(), hit.score or 0.0) for hit in results]
