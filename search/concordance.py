"""Keyword in context: every occurrence of what a search matched, with its left and right context.

An occurrence is what the search's own highlighter marks (``Highlighter.spans``) in an article's
title, lead or body, so a concordance line shows exactly the words the results page highlights
(respellings, stems, accent-less forms and phrases included). Marks that only spaces, hyphens or
apostrophes separate are one occurrence: the words of a phrase (``"gilets jaunes"``) make one line.

Lines come article by article in date order, each article's in text order (title, lead, body);
sorting by the word left or right of the match needs every line, so it is bounded: at most
``MAX_LINES`` lines are sorted, and the page says when there were more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator

from presse.indexer.analysis import TOKEN_RE, fold

from .export import TooLarge, check_bound, number
from .highlight import Highlighter
from .lru import LRU
from .syntax import QueryError

MAX_LINES = 100_000
DEFAULT_WIDTH = 8
MAX_WIDTH = 30
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
SORTS = ("date", "-date", "left", "right")
FIELDS = ("title", "lead", "body")
SORT_WORDS = 3  # words of context that decide the left and right orders
SORTED_KEPT = 2  # sorted concordances kept for their next pages (each up to MAX_LINES small tuples)
# What may separate two marked words of one occurrence: spaces on one line, hyphens, apostrophes.
_JOIN = re.compile(r"[ \t\u00a0\u202f'’\-\u2010\u2011\u00ad]*")
# Punctuation kept right after the last word of the right context ("… refuse de céder.").
_TRAILING = re.compile(r"[.,;:!?…»)\]\"]*")
_SPACES = re.compile(r"\s+")


@dataclasses.dataclass(frozen=True)
class ConcordanceLine:
    """One occurrence: plain text (not HTML) on each side of the match, and where it was found."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None
    field: str  # "title", "lead" or "body"
    offset: int  # where the match starts in that field's text (characters)
    left: str
    match: str
    right: str


@dataclasses.dataclass(frozen=True)
class ConcordancePage:
    """One page of a concordance.

    ``total`` is the number of lines in all when it is known: always for the left and right
    orders, and in date order once the last page was reached (None before: counting every line
    of a frequent word would read every matching article).
    """

    query: str
    sort: str
    width: int
    page: int
    per_page: int
    articles: int  # matching articles
    lines: tuple[ConcordanceLine, ...]
    total: int | None
    has_next: bool
    truncated: bool  # more than MAX_LINES lines: the left and right orders sort the first MAX_LINES by date
    took_ms: float = 0.0

    @property
    def first(self) -> int:
        """1-based number of the page's first line."""
        return (self.page - 1) * self.per_page + 1


def check_params(width, sort: str, page, per_page) -> None:
    """Raise a ``QueryError`` (French) for a parameter a concordance cannot take."""
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
        raise QueryError(f"Le contexte doit compter de 1 à {MAX_WIDTH} mots de chaque côté.")
    if sort not in SORTS:
        raise QueryError(f"Tri inconnu « {sort} » : choisissez date, -date, left ou right.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise QueryError("Le numéro de page commence à 1.")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"Le nombre de lignes par page doit être compris entre 1 et {MAX_PER_PAGE}.")
    if (page - 1) * per_page >= MAX_LINES:
        raise QueryError(f"La concordance s'arrête à {number(MAX_LINES)} lignes : cette page est au-delà.")


def occurrences(text: str, highlighter: Highlighter) -> list[tuple[int, int]]:
    """The (start, end) of each occurrence in ``text``: the highlighter's marks, those that only
    spaces, hyphens or apostrophes separate joined into one."""
    out: list[tuple[int, int]] = []
    for start, end in highlighter.spans(text):
        if out and _JOIN.fullmatch(text, out[-1][1], start):
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def left_words(text: str, start: int, n: int) -> int:
    """Where the ``n`` words before ``start`` begin (0 when there are fewer)."""
    reach = (n + 1) * 16
    while True:
        lo = max(0, start - reach)
        starts = [m.start() for m in TOKEN_RE.finditer(text, lo, start)]
        if len(starts) > n:  # the first one may be cut by ``lo``: it is not among the last n
            return starts[-n]
        if lo == 0:
            return 0
        reach *= 4


def right_words(text: str, end: int, n: int) -> int:
    """Where the ``n`` words after ``end`` end, with the punctuation that follows the last one."""
    reach = (n + 1) * 16
    while True:
        hi = min(len(text), end + reach)
        ends = [m.end() for m in TOKEN_RE.finditer(text, end, hi)]
        if len(ends) > n:  # the last one may be cut by ``hi``: it is not among the first n
            stop = ends[n - 1]
            break
        if hi == len(text):
            stop = len(text) if len(ends) == 0 else ends[-1]
            break
        reach *= 4
    trailing = _TRAILING.match(text, stop)
    assert trailing is not None  # it matches the empty string
    return trailing.end()


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def sort_key(words: Iterable[str]) -> str:
    """The folded, lower-case words that order lines, joined (a sort key)."""
    return " ".join(fold(w).lower() for w in words)


@dataclasses.dataclass(frozen=True, slots=True)
class _Spot:
    """An occurrence before its context is cut: enough to sort it and to find it again."""

    rank: int  # the article's position in date order
    docnum: int
    field: int  # index in FIELDS
    start: int
    end: int
    key: str  # folded context words, for the left and right orders ("" in date order)


class SortedCache(LRU[tuple, tuple[list[_Spot], bool]]):
    """The last ``SORTED_KEPT`` concordances sorted by the left or right words, so that their next
    pages do not read every matching article again; keyed by the search and the commit it read."""

    def __init__(self) -> None:
        super().__init__(SORTED_KEPT)


class Reader:
    """Finds the occurrences of one search, article by article, and cuts their context.

    ``ranked(start, stop)`` gives the document numbers ``start:stop`` of the search in date order;
    ``fields(docnum)`` an article's stored fields. With a ``cache`` and the search's ``key`` (its
    query, filters and commit), the left and right orders are kept for the next pages.
    """

    def __init__(self, ranked: Callable[[int, int], list[int]], fields: Callable[[int], dict],
                 highlighter: Highlighter, width: int, cache: SortedCache | None = None, key=None):
        self.ranked = ranked
        self.fields = fields
        self.highlighter = highlighter
        self.width = width
        self.cache = cache
        self.key = key

    def _documents(self) -> Iterator[tuple[int, int]]:
        """(rank, docnum) in date order, read in growing batches (none when nothing can be marked)."""
        if self.highlighter.empty:
            return
        start, batch = 0, 16
        while True:
            docs = self.ranked(start, start + batch)
            if not docs:
                return
            for i, docnum in enumerate(docs):
                yield start + i, docnum
            start += len(docs)
            batch = min(batch * 2, 1024)

    def _occurrences(self) -> Iterator[tuple[int, int, dict, int, str, int, int]]:
        """(rank, docnum, stored fields, field index, text, start, end) of every occurrence, in date order."""
        for rank, docnum in self._documents():
            stored = self.fields(docnum)
            for f, name in enumerate(FIELDS):
                text = stored.get(name) or ""
                for start, end in occurrences(text, self.highlighter):
                    yield rank, docnum, stored, f, text, start, end

    def lines(self) -> Iterator[ConcordanceLine]:
        """Every line, in date order."""
        for _, _, stored, f, text, start, end in self._occurrences():
            yield self.line(stored, FIELDS[f], text, start, end)

    def line(self, stored: dict, name: str, text: str, start: int, end: int) -> ConcordanceLine:
        """The line of the occurrence ``text[start:end]`` of field ``name`` of the article ``stored``."""
        left = text[left_words(text, start, self.width):start]
        right = text[end:right_words(text, end, self.width)]
        date = stored.get("date")
        return ConcordanceLine(
            id=stored["id"], title=stored.get("title") or "",
            date=date.date() if isinstance(date, dt.datetime) else date, source=stored.get("source"),
            url=stored.get("url"), field=name, offset=start, left=_squash(left), match=_squash(text[start:end]),
            right=_squash(right))

    def spots(self, side: str | None, limit: int) -> tuple[list[_Spot], bool]:
        """Up to ``limit`` occurrences in date order, ordered by the words ``side`` ("left" or "right")
        of the match when ``side`` is given (ties: date order); True when there were more."""
        out: list[_Spot] = []
        for rank, docnum, _, f, text, start, end in self._occurrences():
            if len(out) == limit:
                return _ordered(out, side), True
            key = ""
            if side == "left":
                key = sort_key(reversed([m.group() for m in
                                         TOKEN_RE.finditer(text, left_words(text, start, SORT_WORDS), start)]))
            elif side == "right":
                key = sort_key(m.group() for m in TOKEN_RE.finditer(text, end, right_words(text, end, SORT_WORDS)))
            out.append(_Spot(rank, docnum, f, start, end, key))
        return _ordered(out, side), False

    def sorted_spots(self, side: str) -> tuple[list[_Spot], bool]:
        """The first ``MAX_LINES`` occurrences ordered by the words ``side`` of the match (see ``spots``)."""
        key = (self.key, side)
        found = self.cache.get(key) if self.cache is not None and self.key is not None else None
        if found is None:
            found = self.spots(side, MAX_LINES)
            if self.cache is not None and self.key is not None:
                self.cache.put(key, found)
        return found

    def render(self, spots: Iterable[_Spot]) -> Iterator[ConcordanceLine]:
        """The lines of ``spots``, in their order."""
        cache: dict[int, dict] = {}
        for spot in spots:
            stored = cache.get(spot.docnum)
            if stored is None:
                if len(cache) >= 256:
                    cache.clear()
                stored = cache[spot.docnum] = self.fields(spot.docnum)
            name = FIELDS[spot.field]
            yield self.line(stored, name, stored.get(name) or "", spot.start, spot.end)


def _ordered(spots: list[_Spot], side: str | None) -> list[_Spot]:
    if side is not None:
        spots.sort(key=lambda s: (s.key, s.rank, s.field, s.start))
    return spots


def page_of(reader: Reader, *, query: str, sort: str, width: int, page: int, per_page: int,
            articles: int) -> ConcordancePage:
    """Page ``page`` of the concordance ``reader`` reads, in ``sort`` order."""
    first = (page - 1) * per_page
    if sort in ("left", "right"):
        spots, more = reader.sorted_spots(sort)
        lines = tuple(reader.render(spots[first:first + per_page]))
        return ConcordancePage(query, sort, width, page, per_page, articles, lines, len(spots),
                               first + per_page < len(spots), more)
    seen, kept = 0, []
    for line in reader.lines():  # date order: read only as far as the page (and one line more)
        seen += 1
        if seen > first:
            kept.append(line)
            if len(kept) > per_page:
                break
    has_next = len(kept) > per_page
    truncated = has_next and first + per_page >= MAX_LINES
    return ConcordancePage(query, sort, width, page, per_page, articles, tuple(kept[:per_page]),
                           None if has_next else seen, has_next and not truncated, truncated)


def all_lines(reader: Reader, sort: str, limit: int | None) -> Iterator[ConcordanceLine]:
    """Every line in ``sort`` order, or the first ``limit`` (date order, then sorted).

    :raises TooLarge: more than ``MAX_LINES`` lines and no ``limit`` (French message).
    """
    bound = MAX_LINES if limit is None else check_bound(limit, MAX_LINES)
    if sort in ("left", "right") and bound == MAX_LINES:
        spots, more = reader.sorted_spots(sort)
    else:
        spots, more = reader.spots(sort if sort in ("left", "right") else None, bound)
    if more and limit is None:
        raise TooLarge(f"Cette recherche donne plus de {number(MAX_LINES)} occurrences : un export en contient "
                       f"au plus {number(MAX_LINES)}. Affinez la recherche (filtres, période), ou exportez les "
                       f"{number(MAX_LINES)} premières.", MAX_LINES)
    return reader.render(spots)
