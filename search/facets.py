"""Facet counts, filters and date order from per-reader column arrays.

Whoosh's grouped collector calls several Python methods per matching document and facet. Presse
reads each facet column once per index reader into a plain list (document number → value) and
counts the matching documents with ``collections.Counter`` over those lists: the cost per matching
document is a list lookup. Filter document sets (``source=…``, date ranges) are cached per reader
too, since a user clicking through facets repeats them.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter, OrderedDict
from typing import Iterable, Sequence

from whoosh import query as wq

from indexer.schema import UNDATED_LAST

from .scoring import FieldLengths
from .types import FacetCount

MAX_FACET_VALUES = 30
FILTER_CACHE = 16  # filter document sets kept per commit (each up to one int per article)


class ReaderColumns:
    """Column arrays and cached filter document sets of one index commit.

    Methods take the calling thread's reader: Whoosh readers are not shared between threads.
    """

    def __init__(self, reader):
        self.doc_count_all = reader.doc_count_all()
        self._arrays: dict[str, list] = {}
        self._filters: OrderedDict = OrderedDict()
        self._all_docs: list[int] | None = None
        self._live: set[int] | None = None
        self.lengths = FieldLengths()
        self._lock = threading.Lock()

    def array(self, reader, name: str) -> list:
        """Document number → value of column ``name`` (None when missing)."""
        arr = self._arrays.get(name)
        if arr is None:
            arr = self._load(reader, name)
            with self._lock:
                arr = self._arrays.setdefault(name, arr)
        return arr

    def _load(self, reader, name: str) -> list:
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
        if name in ("day", "day_asc"):
            missing = 0 if name == "day" else UNDATED_LAST
            return [missing if v is None else v for v in values]
        return [(v.decode("utf-8", "replace") if isinstance(v, bytes) else v) or None for v in values]

    def all_docs(self, reader) -> list[int]:
        """Every live document number."""
        if self._all_docs is None:
            self._all_docs = list(reader.all_doc_ids())
        return self._all_docs

    def live_docs(self, reader) -> set[int]:
        """Every live document number, as a set (treat it as read-only)."""
        if self._live is None:
            self._live = set(self.all_docs(reader))
        return self._live

    def filter_docs(self, searcher, query: wq.Query) -> set[int]:
        """The documents a filter query allows, cached (treat the set as read-only)."""
        key = repr(query)
        with self._lock:
            docs = self._filters.get(key)
            if docs is not None:
                self._filters.move_to_end(key)
                return docs
        docs = set(searcher.docs_for_query(query))
        with self._lock:
            self._filters[key] = docs
            if len(self._filters) > FILTER_CACHE:
                self._filters.popitem(last=False)
        return docs

    def counts(self, reader, name: str, docs: Sequence[int]) -> tuple[FacetCount, ...]:
        """The values of facet ``name`` among ``docs`` with their counts: years newest first,
        other facets by count."""
        arr = self.array(reader, name)
        counter = Counter(map(arr.__getitem__, docs))
        counter.pop(None, None)
        if name == "year":
            items = sorted(counter.items(), key=lambda x: -x[0])
        else:
            items = sorted(counter.items(), key=lambda x: (-x[1], str(x[0])))
        return tuple(FacetCount(v, c) for v, c in items[:MAX_FACET_VALUES])

    def by_date(self, reader, docs: Iterable[int], newest_first: bool, limit: int) -> list[int]:
        """The first ``limit`` of ``docs`` by date (undated articles last either way)."""
        if newest_first:
            day = self.array(reader, "day")
            return heapq.nlargest(limit, docs, key=lambda d: (day[d], -d))
        day = self.array(reader, "day_asc")
        return heapq.nsmallest(limit, docs, key=lambda d: (day[d], d))
