"""Facet counts, filters and date order from per-commit column arrays.

Whoosh's grouped collector calls several Python methods per matching document and facet. Presse
reads each facet column once per index commit into numpy arrays — document number → value code,
plus the list of distinct values — and counts the matching documents with ``numpy.bincount`` over
a boolean mask: no Python work per matching document. Filter masks (``source=…``, date ranges)
are cached per commit too, since a user clicking through facets repeats them.

A source, author or section filter keeps the value it names exactly when the archive has it (what
a facet link sends); otherwise every value whose words contain its words, in order, ignoring case
and accents — the match of ``source:wikinews`` in a query (``filter_values``). A filter that
matches no value raises ``UnknownFilterValue``, which names the closest known values.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import NamedTuple, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from indexer.analysis import fold

from .docsets import mask_of
from .entities import KINDS as ENTITY_KINDS
from .entities import entity_table
from .postings import PostingCache
from .scoring import FieldLengths
from .syntax import QueryError
from .types import FacetCount
from .vocabulary import Vocabulary

MAX_FACET_VALUES = 30
FILTER_CACHE = 16  # filter masks kept per commit (one byte per article each)
SUGGESTED_VALUES = 8  # known values named when a filter matches none
CLOSE_SCORE = 75  # rapidfuzz WRatio (0-100) from which a known value is a close spelling of a filter
_WORD = re.compile(r"[^\W_]+")
# Facet → (no value matches, the values, the most frequent values) in French.
_FILTER_NAMES = {"source": ("Aucune source", "Sources", "Sources les plus fréquentes"),
                 "author": ("Aucun auteur", "Auteurs", "Auteurs les plus fréquents"),
                 "section": ("Aucune rubrique", "Rubriques", "Rubriques les plus fréquentes")}


class Filters(NamedTuple):
    """What a search keeps: articles with one of these values per facet (empty: any; source, author
    and section values as ``filter_values`` reads them), dated within
    ``day_from``..``day_to`` (day numbers, ``date.toordinal()``, inclusive; None: open)."""

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    day_from: int | None = None
    day_to: int | None = None


class UnknownFilterValue(QueryError):
    """A source, author or section filter that matches no value of the archive; the French message
    names known values (``known``): all of them when few, else the closest, else the most frequent."""

    def __init__(self, facet: str, value: str, known: Sequence[str], how: str = "all"):
        none, plural, most = _FILTER_NAMES.get(facet, ("Aucune valeur", "Valeurs", "Valeurs les plus fréquentes"))
        names = ", ".join(f"« {v} »" for v in known)
        if not known:
            message = f"{none} ne correspond à « {value} » : aucun article de l'archive n'en indique."
        elif how == "close":
            message = f"{none} ne correspond à « {value} ». {plural} proches : {names}."
        elif how == "frequent":
            message = f"{none} ne correspond à « {value} ». {most} : {names}."
        else:
            message = f"{none} ne correspond à « {value} ». {plural} de l'archive : {names}."
        super().__init__(message)
        self.facet, self.value, self.known = facet, value, tuple(known)


def value_words(text: str) -> tuple[str, ...]:
    """The lower-case, accent-folded words of a facet value or filter, as filters compare them.

    >>> value_words("Wikinews (fr.wikinews.org)")
    ('wikinews', 'fr', 'wikinews', 'org')
    """
    return tuple(_WORD.findall(fold(str(text).lower())))


def contains_words(words: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """True when ``wanted`` appears in ``words`` as a run of consecutive words."""
    n = len(wanted)
    if n == 1:
        return wanted[0] in words
    return n > 0 and any(words[i:i + n] == wanted for i in range(len(words) - n + 1))


def filter_values(values: Sequence, wanted: str, words: Sequence[tuple[str, ...]] | None = None) -> list[int]:
    """The positions in ``values`` that the filter ``wanted`` keeps: the value itself when present,
    else every value whose words contain the filter's words in order (case and accents ignored).
    ``words`` are the ``value_words`` of ``values``, when already computed."""
    exact = [i for i, v in enumerate(values) if v == wanted]
    if exact:
        return exact
    wanted_words = value_words(wanted)
    if words is None:
        words = [value_words(v) if v is not None else () for v in values]
    return [i for i, w in enumerate(words) if contains_words(w, wanted_words)]


def suggested_values(values: Sequence[str], wanted: str, frequent: Sequence[str],
                     limit: int = SUGGESTED_VALUES) -> tuple[list[str], str]:
    """Values to name when the filter ``wanted`` matches none of ``values``, and which they are:
    ``"all"`` values (sorted) when there are at most ``limit``, else the ``"close"`` spellings,
    else the ``"frequent"`` ones (``frequent``: the values, most frequent first)."""
    values = sorted({v for v in values if v})
    if len(values) <= limit:
        return values, "all"
    found = process.extract(" ".join(value_words(wanted)), values, scorer=fuzz.WRatio, limit=limit,
                            processor=lambda v: " ".join(value_words(v)), score_cutoff=CLOSE_SCORE)
    if found:
        return [v for v, _, _ in found], "close"
    return list(frequent[:limit]), "frequent"


class ReaderColumns:
    """Column arrays, decoded postings, vocabularies and cached filter masks of one index commit.

    Methods take the calling thread's reader: Whoosh readers are not shared between threads.
    Every array handed out is shared between threads: treat it as read-only.
    """

    def __init__(self, reader):
        self.doc_count_all = reader.doc_count_all()
        self._codes: dict[str, tuple[np.ndarray, list]] = {}
        self._words: dict[str, list[tuple[str, ...]]] = {}
        self._days: np.ndarray | None = None
        self._filters: OrderedDict = OrderedDict()
        self._live: np.ndarray | None = None
        self.lengths = FieldLengths()
        self.postings = PostingCache()
        self._vocabularies: dict[str, Vocabulary] = {}
        self._lock = threading.Lock()

    def vocabulary(self, reader, field: str) -> Vocabulary:
        """The sorted terms of ``field`` with their document frequencies."""
        found = self._vocabularies.get(field)
        if found is None:
            found = Vocabulary(reader, field)
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
        with self._lock:
            docs = self._filters.get(filters)
            if docs is not None:
                self._filters.move_to_end(filters)
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
            day = self.days(reader)
            docs &= day > 0  # undated articles are outside every date range
            if filters.day_from is not None:
                docs &= day >= filters.day_from
            if filters.day_to is not None:
                docs &= day <= filters.day_to
        docs.flags.writeable = False
        with self._lock:
            self._filters[filters] = docs
            if len(self._filters) > FILTER_CACHE:
                self._filters.popitem(last=False)
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
                frequent = [c.value for c in self.counts(reader, name, self.live_docs(reader))]
                raise UnknownFilterValue(name, value, *suggested_values(values[1:], value, frequent))
            kept.update(found)
        return sorted(kept)

    def counts(self, reader, name: str, docs: np.ndarray) -> tuple[FacetCount, ...]:
        """The values of facet ``name`` among the ``docs`` mask with their counts: years newest
        first, other facets by count."""
        if name in ENTITY_KINDS:  # multi-valued: (document, entity) pairs
            return entity_table(self, reader).counts(name, docs, MAX_FACET_VALUES)
        codes, values = self.codes(reader, name)
        tally = np.bincount(codes[docs], minlength=len(values))
        items = [(values[c], int(tally[c])) for c in np.flatnonzero(tally[1:]) + 1]
        if name == "year":
            items.sort(key=lambda x: -x[0])
        else:
            items.sort(key=lambda x: (-x[1], str(x[0])))
        return tuple(FacetCount(v, c) for v, c in items[:MAX_FACET_VALUES])

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
