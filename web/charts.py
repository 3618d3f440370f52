"""The geometry of the charts of results over time, drawn as SVG by ``templates/charts.html``.

Pure functions: a ``search.Timeline`` or ``search.Trends`` in, frozen dataclasses of coordinates
and French labels out; the templates only place them (and escape every text). Labels follow French
usage: « janv. 2019 », « 1 240 », « 12,5 ».
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from presse.search import Period, Timeline, Trends

from .formatting import MONTHS, NBSP, SHORT_MONTHS, french_date, number

INTERVAL_LABELS = {"year": "par année", "month": "par mois", "day": "par jour"}
# Okabe-Ito colours (told apart with the common colour-vision deficiencies), each with a dash pattern.
SERIES_STYLES = (("#0072b2", ""), ("#d55e00", "6 3"), ("#009e73", "2 3"), ("#cc79a7", "8 3 2 3"),
                 ("#8a6100", "12 4"), ("#3a3a3a", "4 2 1 2"))
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 34
LINES_TOP = 28  # the line chart names its unit above the plot


# ------------------------------------------------------------------------------------ French labels

def period_label(period: Period, interval: str, short: bool = True) -> str:
    """``2019``, ``janv. 2019`` / ``janvier 2019``, ``12 janv. 2019`` / ``12 janvier 2019``."""
    start = period.start
    if interval == "year":
        return str(start.year)
    if interval == "month":
        return f"{(SHORT_MONTHS if short else MONTHS)[start.month - 1]} {start.year}"
    if short:
        return f"{'1er' if start.day == 1 else start.day} {SHORT_MONTHS[start.month - 1]} {start.year}"
    return french_date(start)


def decimal(value: float | None, digits: int = 1) -> str:
    """``12,5``; thousands separated as in ``number``; ``–`` for None (nothing to compare)."""
    if value is None:
        return "–"
    whole, _, fraction = f"{value:,.{digits}f}".partition(".")
    whole = whole.replace(",", NBSP)
    return f"{whole},{fraction}" if fraction else whole


def percent(share: float | None) -> str:
    """``12,5 %`` (one decimal, two below 1 %); ``–`` for None."""
    if share is None:
        return "–"
    value = share * 100
    return f"{decimal(value, 2 if 0 < value < 1 else 1)}{NBSP}%"


def per_10000(value: float | None) -> str:
    """``12,5`` per 10,000 articles (two decimals below 1); ``–`` for None."""
    if value is None:
        return "–"
    return decimal(value, 2 if 0 < value < 1 else 1)


# ------------------------------------------------------------------------------------ axes

@dataclasses.dataclass(frozen=True)
class Tick:
    """A horizontal grid line at height ``y`` and its label."""

    y: float
    label: str


@dataclasses.dataclass(frozen=True)
class XLabel:
    """A label under the horizontal axis, centred on ``x``."""

    x: float
    text: str


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round values from 0 to at least ``maximum``, about ``count`` steps of 1, 2 or 5 × 10^k.

    >>> nice_ticks(37)
    [0, 10, 20, 30, 40]
    """
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def _y_ticks(maximum: float, label: Callable[[float], str], whole: bool = False,
             margin: int = TOP) -> tuple[list[Tick], float]:
    values = nice_ticks(maximum)
    if whole:  # counts: no 0.5 article
        values = [v for v in values if v == int(v)] or [0, 1]
        if values[-1] < maximum:
            values.append(values[-1] + 1)
    top = values[-1] or 1
    plot = HEIGHT - margin - BOTTOM
    return [Tick(round(margin + plot * (1 - v / top), 2), label(v)) for v in values], top


def _x_labels(centres: Sequence[float], texts: Sequence[str], room: float) -> list[XLabel]:
    """Every k-th label, k chosen so that labels are at least ``room`` units apart."""
    if not centres:
        return []
    gap = centres[1] - centres[0] if len(centres) > 1 else room
    every = max(1, math.ceil(room / gap))
    return [XLabel(round(x, 2), t) for i, (x, t) in enumerate(zip(centres, texts)) if i % every == 0]


def _label_room(interval: str) -> float:
    return {"year": 44, "month": 74, "day": 86}[interval]


# ------------------------------------------------------------------------------------ histogram

@dataclasses.dataclass(frozen=True)
class Bar:
    """One period's bar, in absolute (``count_*``) and normalised (``share_*``) heights."""

    period: Period
    x: float
    width: float
    count_y: float
    count_height: float
    share_y: float
    share_height: float
    label: str  # short French label of the period
    title: str  # the full French sentence (tooltip, accessible name)
    href: str | None  # the search narrowed to the period; None for a period without matches


@dataclasses.dataclass(frozen=True)
class Histogram:
    """A timeline drawn as bars: one per period, absolute counts and shares of the period."""

    width: int
    height: int
    left: int
    top: int
    bottom: float  # y of the horizontal axis
    right: int
    bars: tuple[Bar, ...]
    count_ticks: tuple[Tick, ...]
    share_ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    interval: str
    interval_label: str
    undated: int  # matching articles without a date (in no bar)


def histogram(timeline: Timeline, link: Callable[[Period], str]) -> Histogram:
    """The bars of ``timeline``; ``link(period)`` is the URL of the search narrowed to a period."""
    periods = timeline.periods
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(1, len(periods))
    gap = min(4.0, slot * 0.15)
    count_ticks, count_top = _y_ticks(max((p.count for p in periods), default=0), number, whole=True)
    share_ticks, share_top = _y_ticks(max((p.share or 0.0 for p in periods), default=0.0) * 100,
                                      lambda v: f"{decimal(v, 2 if 0 < v < 1 else (0 if v == int(v) else 1))}{NBSP}%")
    bars = []
    for i, period in enumerate(periods):
        count_h = plot_height * period.count / count_top
        share_h = plot_height * (period.share or 0.0) * 100 / share_top
        bars.append(Bar(
            period=period, x=round(LEFT + i * slot + gap / 2, 2), width=round(max(1.0, slot - gap), 2),
            count_y=round(TOP + plot_height - count_h, 2), count_height=round(count_h, 2),
            share_y=round(TOP + plot_height - share_h, 2), share_height=round(share_h, 2),
            label=period_label(period, timeline.interval),
            title=_bar_title(period, timeline.interval), href=link(period) if period.count else None,
        ))
    centres = [b.x + b.width / 2 for b in bars]
    return Histogram(WIDTH, HEIGHT, LEFT, TOP, TOP + plot_height, WIDTH - RIGHT, tuple(bars), tuple(count_ticks),
                     tuple(share_ticks), tuple(_x_labels(centres, [b.label for b in bars],
                                                         _label_room(timeline.interval))),
                     timeline.interval, INTERVAL_LABELS[timeline.interval], timeline.undated)


def _bar_title(period: Period, interval: str) -> str:
    found = "aucun article" if not period.count else f"{number(period.count)} article{'s' if period.count > 1 else ''}"
    if not period.total:
        return f"{period_label(period, interval, short=False)} : {found} (aucun article dans l'archive)"
    return (f"{period_label(period, interval, short=False)} : {found} sur {number(period.total)} "
            f"({percent(period.share)})")


# ------------------------------------------------------------------------------------ line chart

@dataclasses.dataclass(frozen=True)
class Point:
    """One query's value in one period."""

    x: float
    y: float
    period: Period
    value: str  # the value, in French
    title: str
    href: str | None


@dataclasses.dataclass(frozen=True)
class Line:
    """One query's curve: ``path`` is an SVG path, broken where a period has no articles."""

    query: str
    colour: str
    dash: str
    path: str
    points: tuple[Point, ...]
    total: int
    undated: int
    rewritten: str | None
    relaxed: bool


@dataclasses.dataclass(frozen=True)
class LineChart:
    """Trends drawn as one line per query."""

    width: int
    height: int
    left: int
    top: int
    bottom: float
    right: int
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    interval: str
    interval_label: str
    relative: bool
    unit: str  # what the vertical axis counts, in French


def line_chart(trends: Trends, relative: bool, link: Callable[[str, Period], str]) -> LineChart:
    """The lines of ``trends``: matching articles per 10,000 articles of each period (``relative``)
    or their number; ``link(query, period)`` is the URL of that query's search in that period."""
    periods = trends.periods
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - LINES_TOP - BOTTOM
    slot = plot_width / max(1, len(periods))
    centres = [LEFT + slot * (i + 0.5) for i in range(len(periods))]

    def value(p: Period) -> float | None:
        return p.per_10000 if relative else float(p.count)

    top_value = max((v for s in trends.series for p in s.periods if (v := value(p)) is not None), default=0.0)
    ticks, top = _y_ticks(top_value, (lambda v: decimal(v, 0 if v == int(v) else 1)) if relative else number,
                          whole=not relative, margin=LINES_TOP)
    lines = []
    for i, series in enumerate(trends.series):
        colour, dash = SERIES_STYLES[i % len(SERIES_STYLES)]
        points, path, pen_down = [], [], False
        for x, period in zip(centres, series.periods):
            v = value(period)
            if v is None:  # no article in the period: a gap in the line
                pen_down = False
                continue
            y = round(LINES_TOP + plot_height * (1 - v / top), 2)
            path.append(f"{'L' if pen_down else 'M'}{round(x, 2)} {y}")
            pen_down = True
            shown = per_10000(v) if relative else number(int(v))
            points.append(Point(round(x, 2), y, period, shown, _point_title(series.query, period, trends.interval),
                                link(series.query, period) if period.count else None))
        lines.append(Line(series.query, colour, dash, " ".join(path), tuple(points), series.total, series.undated,
                          series.rewritten, series.relaxed))
    return LineChart(WIDTH, HEIGHT, LEFT, LINES_TOP, LINES_TOP + plot_height, WIDTH - RIGHT, tuple(lines), tuple(ticks),
                     tuple(_x_labels(centres, [period_label(p, trends.interval) for p in periods],
                                     _label_room(trends.interval))),
                     trends.interval, INTERVAL_LABELS[trends.interval], relative,
                     "articles pour 10 000 articles de la période" if relative else "articles")


def _point_title(query: str, period: Period, interval: str) -> str:
    found = f"{number(period.count)} article{'s' if period.count > 1 else ''}"
    return (f"« {query} », {period_label(period, interval, short=False)} : {found} sur {number(period.total)}, "
            f"soit {per_10000(period.per_10000)} pour 10{NBSP}000")
