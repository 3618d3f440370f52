"""Results over time: how many matching articles each year, month or day, against how many articles
the archive has in that period.

A timeline is a ``numpy.bincount`` of the matching articles per day (``search.engine.DayCounts``,
which every engine gives: a column of the local index, a count of date values over the shards of a
cluster), weighted and grouped by period number (the year, the month counted from year 0, or the
day number); the period totals are the same over the articles the filters keep. The functions
here take arrays and give small frozen dataclasses; ``Archive.timeline`` and ``Archive.trends``
feed them what a search matched.

Undated articles belong to no period: a timeline counts them apart (``Timeline.undated``), so
that ``sum(p.count for p in timeline.periods) + timeline.undated == timeline.total``, the search's total.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np

from .engine import DayCounts
from .syntax import QueryError

INTERVALS = ("year", "month", "day")
MAX_PERIODS = 5_000  # periods in one timeline (13 years of days)
MAX_TREND_QUERIES = 6
DAY_SPAN = 62  # at most this many days between the first and the last match: one bar a day
MONTH_SPAN = 48  # at most this many months: one bar a month; beyond, one a year
_EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclasses.dataclass(frozen=True)
class Period:
    """One year, month or day of a timeline: ``count`` matching articles out of ``total``, the
    articles of that period that the filters keep (whatever the query)."""

    label: str  # "2019", "2019-03" or "2019-03-12"
    start: dt.date
    end: dt.date  # inclusive
    count: int
    total: int

    @property
    def share(self) -> float | None:
        """``count / total``; None for a period without articles (there is nothing to compare)."""
        return self.count / self.total if self.total else None

    @property
    def per_10000(self) -> float | None:
        """Matching articles per 10,000 articles of the period (None for a period without articles)."""
        return self.count * 10_000 / self.total if self.total else None


@dataclasses.dataclass(frozen=True)
class Timeline:
    """A query's matching articles per period, from the first period with a match to the last one
    (or over the whole date range asked for). ``total`` is the search's total; ``undated`` of them
    have no date and are in no period."""

    query: str
    interval: str  # "year", "month" or "day"
    periods: tuple[Period, ...]
    total: int
    undated: int
    rewritten: str | None = None  # as ``SearchPage``: the respelled query these counts are for
    relaxed: bool = False  # as ``SearchPage``: the articles with the most of the words

    @property
    def dated(self) -> int:
        """Matching articles that have a date (the sum of the periods' counts)."""
        return self.total - self.undated


@dataclasses.dataclass(frozen=True)
class Trends:
    """Several queries' timelines over the same periods (same filters, same interval)."""

    interval: str
    series: tuple[Timeline, ...]

    @property
    def periods(self) -> tuple[Period, ...]:
        """The periods every series shares (their ``count`` is the first series')."""
        return self.series[0].periods if self.series else ()


def check_interval(interval: str | None) -> str | None:
    """``interval`` if it is one of ``INTERVALS`` (None: chosen from the span of the matches).

    :raises QueryError: any other value.
    """
    if interval in (None, ""):
        return None
    if interval not in INTERVALS:
        raise QueryError(f"Intervalle inconnu « {interval} » : choisissez year, month ou day.")
    return interval


def check_queries(queries: Sequence[str]) -> list[str]:
    """The queries of a trend: 1 to ``MAX_TREND_QUERIES`` strings.

    :raises QueryError: none, too many, or not strings.
    """
    if isinstance(queries, str):
        queries = [queries]
    queries = list(queries)
    if not queries:
        raise QueryError("Donnez au moins une recherche à suivre dans le temps.")
    if len(queries) > MAX_TREND_QUERIES:
        raise QueryError(f"Au plus {MAX_TREND_QUERIES} recherches à la fois (reçu {len(queries)}).")
    if not all(isinstance(q, str) for q in queries):
        raise QueryError("Chaque recherche doit être un texte.")
    return queries


def choose_interval(first_day: int, last_day: int) -> str:
    """The interval for matches spread from day ``first_day`` to ``last_day`` (``date.toordinal()``):
    days up to ``DAY_SPAN`` days, months up to ``MONTH_SPAN`` months, else years.

    >>> choose_interval(dt.date(2019, 1, 1).toordinal(), dt.date(2019, 12, 31).toordinal())
    'month'
    """
    if last_day - first_day <= DAY_SPAN:
        return "day"
    first, last = dt.date.fromordinal(first_day), dt.date.fromordinal(last_day)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if months <= MONTH_SPAN else "year"


def period_keys(days: np.ndarray, interval: str) -> np.ndarray:
    """Day numbers (``date.toordinal()``) → period numbers: the year, the month counted from
    year 0 (``year * 12 + month - 1``) or the day number itself. Undated days (0) get -1."""
    days = np.asarray(days, dtype=np.int64)
    if interval == "day":
        keys = days.copy()
    else:
        as_dates = (np.where(days > 0, days, _EPOCH) - _EPOCH).astype("datetime64[D]")
        if interval == "year":
            keys = as_dates.astype("datetime64[Y]").astype(np.int64) + 1970
        else:
            keys = as_dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    keys[days <= 0] = -1
    return keys


def key_of(day: int, interval: str) -> int:
    """The period number of one day number (as ``period_keys``)."""
    date = dt.date.fromordinal(day)
    if interval == "year":
        return date.year
    if interval == "month":
        return date.year * 12 + date.month - 1
    return day


def period_bounds(key: int, interval: str) -> tuple[str, dt.date, dt.date]:
    """(label, first day, last day) of period number ``key``."""
    if interval == "year":
        return str(key), dt.date(key, 1, 1), dt.date(key, 12, 31)
    if interval == "month":
        year, month = divmod(key, 12)
        month += 1
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last)
    day = dt.date.fromordinal(key)
    return day.isoformat(), day, day


def period_counts(counts: DayCounts, interval: str, first: int, n: int) -> np.ndarray:
    """How many documents of ``counts`` fall in each of the ``n`` periods of ``interval`` from
    number ``first`` (those outside them, undated ones included, are not counted)."""
    keys = period_keys(counts.days, interval) - first
    inside = (counts.days > 0) & (keys >= 0) & (keys < n)
    return np.bincount(keys[inside], weights=counts.counts[inside], minlength=n)[:n].astype(np.int64)


def span_of(counts: DayCounts) -> tuple[int, int] | None:
    """(first, last) day number of the dated documents of ``counts``; None when none is dated."""
    dated = counts.days[(counts.days > 0) & (counts.counts > 0)]
    if not len(dated):
        return None
    return int(dated.min()), int(dated.max())


def periods_between(first_day: int, last_day: int, interval: str) -> tuple[int, int]:
    """(first period number, number of periods) covering days ``first_day`` to ``last_day``.

    :raises QueryError: more than ``MAX_PERIODS`` periods.
    """
    first, last = key_of(first_day, interval), key_of(last_day, interval)
    n = last - first + 1
    if n > MAX_PERIODS:
        raise QueryError(f"Trop de périodes ({n:,} ; au plus {MAX_PERIODS:,}) : choisissez un intervalle plus "
                         "long ou une période plus courte.".replace(",", "\u00a0"))
    return first, n


@dataclasses.dataclass(frozen=True)
class Matched:
    """What one query matched, as the timeline functions need it."""

    query: str
    matched: DayCounts  # the matching articles per day
    population: DayCounts  # the articles the filters keep (every live one without filter) per day
    rewritten: str | None = None
    relaxed: bool = False


def build_trends(matches: Sequence[Matched], interval: str | None,
                 date_range: tuple[int | None, int | None] = (None, None),
                 bounds: tuple[int, int] | None = None) -> Trends:
    """The timelines of ``matches`` over shared periods: from the first to the last match of any
    of them; on the side of a date filter (``date_range``: the first and last day asked for, None
    when open), from or to that day, within ``bounds`` (the archive's first and last dated day).
    ``interval`` None chooses it from that span (``choose_interval``)."""
    spans = [s for s in (span_of(m.matched) for m in matches) if s is not None]
    first_day = min((s[0] for s in spans), default=None)
    last_day = max((s[1] for s in spans), default=None)
    day_from, day_to = date_range
    if bounds is not None and (day_from is not None or day_to is not None):
        # A date range asked for: show all of it (where the archive has dates).
        if day_from is not None or first_day is None:
            first_day = max(day_from or bounds[0], bounds[0])
        if day_to is not None or last_day is None:
            last_day = min(day_to or bounds[1], bounds[1])
    if first_day is None or last_day is None or first_day > last_day:
        chosen = interval or "year"
        return Trends(chosen, tuple(_timeline(m, chosen, 0, 0) for m in matches))
    chosen = interval or choose_interval(first_day, last_day)
    first, n = periods_between(first_day, last_day, chosen)
    return Trends(chosen, tuple(_timeline(m, chosen, first, n) for m in matches))


def _timeline(match: Matched, interval: str, first: int, n: int) -> Timeline:
    total = int(match.matched.counts.sum())
    undated = int(match.matched.counts[match.matched.days <= 0].sum())
    periods: tuple[Period, ...] = ()
    if n:
        counts = period_counts(match.matched, interval, first, n)
        totals = period_counts(match.population, interval, first, n)
        periods = tuple(Period(*period_bounds(first + i, interval), int(c), int(t))
                        for i, (c, t) in enumerate(zip(counts.tolist(), totals.tolist())))
    return Timeline(match.query, interval, periods, total, undated, match.rewritten, match.relaxed)
