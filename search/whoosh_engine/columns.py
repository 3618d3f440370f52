"""Facet counts, filters and date order from per-commit column arrays.

Whoosh's grouped collector calls several Python methods per matching document and facet. Presse
reads each facet column once per index commit into numpy arrays — document number → value code,
plus the list of distinct values — and counts the matching documents with ``numpy.bincount`` over
a boolean mask: no Python work per matching document. Filter masks (``source=…``, date ranges)
are cached per commit too, since a user clicking through facets repeats them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from ..entities import KINDS as ENTITY_KINDS
from ..entities import entity_table
from ..facets import UnknownFilterValue, filter_values, suggested_values, value_words
from ..lru import LRU
from ..plan import Filters
from ..settings import DEFAULTS, EngineSettings
from ..types import FacetCount
from ..vocabulary import Vocabulary
from .docsets import day_mask, mask_of
from .postings import PostingCache
from .scoring import FieldLengths
from .vocabulary import read_vocabulary

__all__ = ["ReaderColumns"]


class ReaderColumns:
    """Column arrays, decoded postings, vocabularies and cached filter masks of one index commit.

    Methods take the calling thread's reader: Whoosh readers are not shared between threads.
    Every array handed out is shared between threads: treat it as read-only.
    """

    def __init__(self, reader, settings: EngineSettings = DEFAULTS):
        self.settings = settings
        self.doc_count_all = reader.doc_count_all()
        self._codes: dict[str, tuple[np.ndarray, list]] = {}
        self._words: dict[str, list[tuple[str, ...]]] = {}
        self._days: np.ndarray | None = None
        self._filters: LRU[Filters, np.ndarray] = LRU(settings.filter_cache)
        self._live: np.ndarray | None = None
        self.lengths = FieldLengths()
        self.postings = PostingCache(settings.posting_cache_bytes, settings.position_cache_bytes,
                                     settings.cached_positions_from_docs)
        self._vocabularies: dict[str, Vocabulary] = {}
        # (id of a query plan, filters) → (the plan, its matched mask): see WhooshSnapshot._matched.
        self.matches: LRU[tuple, tuple[object, np.ndarray]] = LRU(settings.matches_kept)
        self._lock = threading.Lock()

    def vocabulary(self, reader, field: str) -> Vocabulary:
        """The sorted terms of ``field`` with their document frequencies."""
        found = self._vocabularies.get(field)
        if found is None:
            found = read_vocabulary(reader, field)
            with self._lock:
                found = self._vocabularies.setdefault(field, found)
        return found

    def array(self, reader, name: str) -> list:
        """Document number → value of column ``name`` (None when missing), read from the index
        (not kept: ``codes`` and ``days`` keep what searches need)."""
        # Segment by segment: Whoosh's multi-segment column reader skips the segments that lack
        # the column (no article of that batch had a source, say), which would shift the numbers.
        values: list = []
        for leaf, _ in reader.leaf_readers():
            if leaf.has_column(name):
                values.extend(leaf.column_reader(name))
            else:
                values.extend([None] * leaf.doc_count_all())
        if name == "year":
            return [v if isinstance(v, int) and 0 < v < 10000 else None for v in values]
        if name == "day":
            return [0 if v is None else v for v in values]
        return [(v.decode("utf-8", "replace") if isinstance(v, bytes) else v) or None for v in values]

    def codes(self, reader, name: str) -> tuple[np.ndarray, list]:
        """Column ``name`` as (document number → code, code → value); code 0 is "no value"."""
        found = self._codes.get(name)
        if found is None:
            index: dict = {None: 0}
            codes = np.fromiter((index.setdefault(v, len(index)) for v in self.array(reader, name)),
                                dtype=np.int32, count=self.doc_count_all)
            codes.flags.writeable = False
            found = (codes, list(index))
            with self._lock:
                found = self._codes.setdefault(name, found)
        return found

    def days(self, reader) -> np.ndarray:
        """Document number → day (``date.toordinal()``; 0 when undated), as an int64 array."""
        if self._days is None:
            days = np.asarray(self.array(reader, "day"), dtype=np.int64)
            days.flags.writeable = False
            self._days = days
        return self._days

    def live_docs(self, reader) -> np.ndarray:
        """The mask of live (not deleted) documents."""
        if self._live is None:
            live = mask_of(np.fromiter(reader.all_doc_ids(), dtype=np.int64), self.doc_count_all)
            live.flags.writeable = False
            self._live = live
        return self._live

    def filter_docs(self, reader, filters: Filters) -> np.ndarray:
        """The mask of live documents that ``filters`` keep, cached."""
        docs = self._filters.get(filters)
        if docs is not None:
            return docs
        docs = self.live_docs(reader).copy()
        for name, wanted in (("source", filters.sources), ("author", filters.authors),
                             ("section", filters.sections)):
            if wanted:
                codes, _ = self.codes(reader, name)
                docs &= np.isin(codes, self.filter_codes(reader, name, wanted))
        if filters.years:
            codes, values = self.codes(reader, "year")
            years = set(filters.years)
            docs &= np.isin(codes, [c for c, v in enumerate(values) if c and v in years])
        if filters.day_from is not None or filters.day_to is not None:
            docs &= day_mask(self.days(reader), filters.day_from, filters.day_to)
        docs.flags.writeable = False
        self._filters.put(filters, docs)
        return docs

    def filter_codes(self, reader, name: str, wanted: Sequence[str]) -> list[int]:
        """The codes of column ``name`` that the filter values ``wanted`` keep (see ``filter_values``).

        :raises UnknownFilterValue: one of ``wanted`` matches no value.
        """
        _, values = self.codes(reader, name)
        words = self._words.get(name)
        if words is None:
            words = [value_words(v) if v is not None else () for v in values]
            with self._lock:
                words = self._words.setdefault(name, words)
        kept: set[int] = set()
        for value in wanted:
            found = [c for c in filter_values(values, value, words) if c]
            if not found:
                frequent = [str(c.value) for c in self.counts(reader, name, self.live_docs(reader))]
                raise UnknownFilterValue(name, value, *suggested_values(values[1:], value, frequent))
            kept.update(found)
        return sorted(kept)

    def counts(self, reader, name: str, docs: np.ndarray) -> tuple[FacetCount, ...]:
        """The values of facet ``name`` among the ``docs`` mask with their counts: years newest
        first, other facets by count."""
        if name in ENTITY_KINDS:  # multi-valued: (document, entity) pairs
            return entity_table(self, reader).counts(name, docs, self.settings.max_facet_values)
        codes, values = self.codes(reader, name)
        tally = np.bincount(codes[docs], minlength=len(values))
        items = [(values[c], int(tally[c])) for c in np.flatnonzero(tally[1:]) + 1]
        if name == "year":
            items.sort(key=lambda x: -x[0])
        else:
            items.sort(key=lambda x: (-x[1], str(x[0])))
        return tuple(FacetCount(v, c) for v, c in items[:self.settings.max_facet_values])

    def by_date(self, reader, docs: np.ndarray, newest_first: bool, limit: int) -> list[int]:
        """The first ``limit`` documents of the ``docs`` mask by date, undated articles last either
        way and, on the same day, in document order."""
        ids = np.flatnonzero(docs)
        day = self.days(reader)[ids]
        key = -day if newest_first else np.where(day == 0, np.iinfo(np.int64).max, day)  # undated last
        if len(ids) > limit:
            kth = np.partition(key, limit - 1)[limit - 1]
            keep = key <= kth
            ids, key = ids[keep], key[keep]
        return ids[np.lexsort((ids, key))[:limit]].tolist()

    def entity_value(self, reader, docnum: int) -> str | None:
        """The ``entities`` column value of one document (None when it has none)."""
        for leaf, offset in reader.leaf_readers():
            if offset <= docnum < offset + leaf.doc_count_all():
                if not leaf.has_column("entities"):
                    return None
                value = leaf.column_reader("entities")[docnum - offset]
                return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value) or None
        return None
