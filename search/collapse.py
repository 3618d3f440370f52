"""Wire copies collapsed at query time: one result per group of versions of a dispatch.

The groups are made at index time (``indexer.dedup``): each article that has other versions
carries its group's key. A search matches articles as usual; then, in the search's own order,
each group is shown by its best-ranked matching member, which lists the group's other matching
members (« + N autres versions de cette dépêche »). This happens after matching and before
paging: pages never overlap and both totals are exact (articles, and results after grouping).
Facets and the timeline count articles, every version included, with or without grouping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from presse.indexer.dedup import DEDUP_FILE, read_groups

from .types import Version

MAX_VERSIONS = 50  # other versions listed with a hit (the count is exact whatever their number)


@dataclasses.dataclass(frozen=True)
class Groups:
    """Document number → group code of one commit (0: the article has no other version), and
    code → group key (the id of the group's earliest article)."""

    codes: np.ndarray
    keys: tuple[str, ...]

    def collapsed_total(self, matched: np.ndarray) -> int:
        """How many results the ``matched`` mask gives once each group counts once."""
        codes = self.codes[matched]
        grouped = codes[codes > 0]
        return int(len(codes) - len(grouped) + len(np.unique(grouped)))

    def first_by_date(self, matched: np.ndarray, days: np.ndarray, newest_first: bool) -> np.ndarray:
        """``matched`` with one document per group: the first in date order (undated last either
        way; on the same day, the first in document order, as
        ``search.whoosh_engine.columns.ReaderColumns.by_date``)."""
        docs = np.flatnonzero(matched & (self.codes > 0))
        if len(docs) == 0:
            return matched
        day = days[docs]
        key = -day if newest_first else np.where(day == 0, np.iinfo(np.int64).max, day)
        codes = self.codes[docs]
        order = np.lexsort((docs, key, codes))
        first = np.ones(len(order), dtype=bool)
        first[1:] = codes[order][1:] != codes[order][:-1]
        shown = matched & (self.codes == 0)
        shown[docs[order][first]] = True
        return shown

    def members(self, docnum: int, within: np.ndarray | None = None) -> np.ndarray:
        """The other documents of ``docnum``'s group (in ``within``, a mask, when given)."""
        code = self.codes[docnum]
        if code == 0:
            return np.zeros(0, dtype=np.int64)
        mask = self.codes == code
        if within is not None:
            mask &= within
        mask[docnum] = False
        return np.flatnonzero(mask)


class GroupCache:
    """The ``Groups`` of a generation's commits, read again when ``dedup.npz`` changes."""

    def __init__(self, generation: Path):
        self.path = Path(generation) / DEDUP_FILE
        self._cached: tuple | None = None
        self._lock = threading.Lock()

    def of(self, reader, columns) -> Groups:
        """The groups of ``reader``'s commit (``columns``: its ``ReaderColumns``)."""
        return self.groups(reader, lambda: columns.array(reader, "id"), columns.live_docs(reader))

    def stamp(self) -> tuple | None:
        """What identifies the groups file as last written (None: there is none): ``presse index``
        may rewrite it without a commit (an index that had no signatures yet)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def groups(self, reader, ids: Callable[[], list], live: np.ndarray) -> Groups:
        """The groups of ``reader``'s commit; ``ids()`` gives its document number → article id,
        ``live`` is the mask of its live documents (an updated article's old copy is in no group)."""
        stamp = self.stamp()
        key = (reader.generation(), stamp)
        cached = self._cached
        if cached is not None and cached[0] == key:
            return cached[1]
        by_id = read_groups(self.path.parent) if stamp is not None else {}
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault(by_id[i], len(index) + 1) if i in by_id else 0 for i in ids()),
                            dtype=np.int32, count=len(live))
        codes[~live] = 0
        # A group with one article in this commit (the others not committed yet, or removed) is no group.
        counts = np.bincount(codes, minlength=len(index) + 1)
        codes[counts[codes] < 2] = 0
        codes.flags.writeable = False
        found = Groups(codes, tuple(index))
        with self._lock:
            self._cached = (key, found)
        return found


def window(match, groups: Groups, days: np.ndarray, shown_total: int, start: int, stop: int,
           rank: Callable) -> list[tuple[int, float]]:
    """Results ``start:stop`` of ``match`` (a ``search.whoosh_engine.ranker.Match``) once each group
    is shown by its best-ranked member; ``rank(match, start, stop)`` ranks a match,
    ``shown_total`` is ``groups.collapsed_total(match.matched)``.

    In date order the best-ranked member of a group is known from the dates alone: the others
    leave the match, which is then ranked as usual. In relevance order the matches are ranked far
    enough to find ``stop`` groups (see ``collapsed``).
    """
    if match.sort in ("date", "-date"):
        shown = groups.first_by_date(match.matched, days, newest_first=match.sort == "-date")
        return rank(dataclasses.replace(match, matched=shown, total=shown_total), start, stop)
    return collapsed(lambda a, b: rank(match, a, b), groups, match.total, match.total - shown_total, start, stop)


def collapsed(ranked: Callable[[int, int], list[tuple[int, float]]], groups: Groups, total: int, hidden: int,
              start: int, stop: int) -> list[tuple[int, float]]:
    """Results ``start:stop`` once each group is shown by its best-ranked member.

    :param ranked: ``ranked(0, n)`` gives the first n matching documents in the search's order
        (with their scores); the order of the first n does not depend on n.
    :param total: matching documents; ``hidden``: how many of them grouping hides (total minus the
        collapsed total), so that one call reads far enough.
    """
    if start >= total - hidden:
        return []
    # Read twice the page first (a page rarely holds more hidden versions than shown ones), then
    # further, up to all that grouping can hide: a broad query matching thousands of copies would
    # otherwise rank them all for every page.
    enough = min(total, stop + hidden)
    read = min(enough, 2 * stop)
    while True:
        shown = _first_of_each_group(ranked(0, read), groups, stop)
        if len(shown) == stop or read == enough:
            return shown[start:]
        read = min(enough, 4 * read)


def _first_of_each_group(window: list[tuple[int, float]], groups: Groups, stop: int) -> list[tuple[int, float]]:
    """The first ``stop`` documents of ``window`` once each group is kept at its first member."""
    seen: set[int] = set()
    shown = []
    for docnum, score in window:
        code = int(groups.codes[docnum])
        if code:
            if code in seen:
                continue
            seen.add(code)
        shown.append((docnum, score))
        if len(shown) == stop:
            break
    return shown


def versions(groups: Groups, docnum: int, within: np.ndarray, stored_fields: Callable[[int], dict],
             limit: int | None = MAX_VERSIONS) -> tuple[int, tuple[Version, ...]]:
    """(how many, the first ``limit`` by date) of the other versions of ``docnum`` in ``within``."""
    others = groups.members(docnum, within)
    listed = sorted((version_of(stored_fields(int(d))) for d in others), key=_by_date)
    return len(others), tuple(listed[:limit] if limit is not None else listed)


def version_of(fields: dict) -> Version:
    """A ``Version`` from an article's stored fields."""
    date = fields.get("date")
    return Version(id=fields["id"], title=fields.get("title", ""), date=date.date() if date else None,
                   source=fields.get("source"), url=fields.get("url"))


def _by_date(version: Version):
    return (version.date is None, version.date or dt.date.min, version.id)
