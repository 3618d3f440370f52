"""Results over time: the histogram above the results, the trends page (/tendances, with CSV and
SVG exports) and their JSON API (/api/timeline, /api/trends).

Every count comes from ``Archive.timeline`` / ``Archive.trends``, which count what the search
finds; the request parameters are the search form's (``web.params``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from presse.search import Period, QueryError, Trends
from presse.search.timeline import MAX_TREND_QUERIES, key_of, period_bounds

from . import charts
from .archive import current_archive
from .errors import error_response
from .formatting import french_date
from .params import ParamError, SearchState, parse_search

bp = Blueprint("timeline", __name__)

INTERVALS = ("year", "month", "day")
TREND_INTERVALS = (("", "Automatique"), ("year", "Par année"), ("month", "Par mois"))
SCALES = ("relative", "absolute")
FILTER_NAMES = ("source", "author", "section", "year", "date_from", "date_to")


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    return error_response(400, str(exc), "The query or a parameter cannot be searched (the French message says why).")


@bp.app_template_filter("period_label")
def period_label_filter(period: Period, interval: str, short: bool = True) -> str:
    return charts.period_label(period, interval, short)


@bp.app_template_global("results_timeline")
def results_timeline(state: SearchState) -> charts.Histogram | None:
    """The histogram of the results page's search (None when nothing dated matches)."""
    try:
        timeline = current_archive().timeline(state.q, **filters_of(state))
    except QueryError:  # the results page already says what is wrong with the query
        return None
    if not any(p.count for p in timeline.periods):
        return None
    return charts.histogram(timeline, lambda period: url_for("pages.results", **period_args(state, period)))


@bp.app_template_global("timeline_links")
def timeline_links(state: SearchState) -> dict:
    """What the histogram's partial shows besides the bars: the active period in French, the
    search without it (also the base of the script's range URLs), the trends page of the search."""
    return {
        "period": active_period(state),
        "without_period": url_for("pages.results", **state.args(date_from=None, date_to=None)),
        "trends": url_for("timeline.trends_page", **trend_args([state.q] if state.q else [], "", "relative", state)),
    }


@bp.app_template_filter("share_fr")
def share_filter(share: float | None) -> str:
    return charts.percent(share)


@bp.app_template_filter("per_10000_fr")
def per_10000_filter(value: float | None) -> str:
    return charts.per_10000(value)


def active_period(state: SearchState) -> str | None:
    """The date filter in French: ``2019``, ``janvier 2019``, ``12 janvier 2019`` when it is
    exactly one period, else ``du 1er mars 2019 au 15 avril 2019`` (None without a date filter)."""
    start = dt.date.fromisoformat(state.date_from) if state.date_from else None
    end = dt.date.fromisoformat(state.date_to) if state.date_to else None
    if start is None and end is None:
        return None
    if start and end:
        for interval in INTERVALS:
            period = _whole_period(start, end, interval)
            if period is not None:
                return charts.period_label(period, interval, short=False)
        return f"du {french_date(start)} au {french_date(end)}"
    if start:
        return f"depuis le {french_date(start)}"
    return f"jusqu'au {french_date(end)}"


def _whole_period(start: dt.date, end: dt.date, interval: str) -> Period | None:
    label, first, last = period_bounds(key_of(start.toordinal(), interval), interval)
    return Period(label, first, last, 0, 0) if (first, last) == (start, end) else None


def filters_of(state: SearchState) -> dict:
    """The filter keyword arguments of ``Archive.timeline`` / ``trends`` for a search state."""
    kwargs = state.search_kwargs()
    return {name: kwargs[name] for name in FILTER_NAMES}


def period_args(state: SearchState, period: Period, q: str | None = None) -> dict:
    """URL parameters of the search ``state`` (or of ``q`` with its filters) narrowed to ``period``
    (within the date filter already there)."""
    start, end = period.start.isoformat(), period.end.isoformat()
    if state.date_from and state.date_from > start:
        start = state.date_from
    if state.date_to and state.date_to < end:
        end = state.date_to
    changes = {"date_from": start, "date_to": end}
    if q is not None:
        changes["q"] = q
    return state.args(**changes)


def _interval(args: MultiDict, allowed=INTERVALS) -> str | None:
    value = (args.get("interval") or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise ParamError(f"Intervalle inconnu « {value[:40]} » : choisissez {', '.join(allowed)}.",
                         f"Unknown interval '{value[:40]}': use {', '.join(allowed)}.")
    return value


def _iso(value: dt.date) -> str:
    return value.isoformat()


# ------------------------------------------------------------------------------------ API

@bp.get("/api/timeline")
def api_timeline():
    state = parse_search(request.args, default_per_page=20, comma_lists=True)
    timeline = current_archive().timeline(state.q, _interval(request.args), **filters_of(state))
    return jsonify(
        query=timeline.query, interval=timeline.interval, total=timeline.total, undated=timeline.undated,
        rewritten=timeline.rewritten, relaxed=timeline.relaxed,
        periods=[{"period": p.label, "start": _iso(p.start), "end": _iso(p.end), "count": p.count, "total": p.total}
                 for p in timeline.periods],
    )


@bp.get("/api/trends")
def api_trends():
    state = parse_search(request.args, default_per_page=20, comma_lists=True)
    queries = [q.strip() for q in request.args.getlist("q")]
    trends = current_archive().trends(queries, _interval(request.args), **filters_of(state))
    return jsonify(
        interval=trends.interval,
        periods=[{"period": p.label, "start": _iso(p.start), "end": _iso(p.end), "total": p.total}
                 for p in trends.periods],
        series=[{
            "query": s.query, "total": s.total, "undated": s.undated, "rewritten": s.rewritten, "relaxed": s.relaxed,
            "counts": [p.count for p in s.periods],
            "per_10000": [None if p.per_10000 is None else round(p.per_10000, 4) for p in s.periods],
        } for s in trends.series],
    )


# ------------------------------------------------------------------------------------ trends page

@dataclasses.dataclass(frozen=True)
class TrendRequest:
    """What the trends page asks for: up to six queries, an interval, a scale and the search filters."""

    queries: tuple[str, ...]
    interval: str  # "" (automatic), "year" or "month"
    scale: str  # "relative" or "absolute"
    state: SearchState

    def args(self, **changes) -> dict:
        """The page's URL parameters, with ``changes`` to the filters."""
        return trend_args(self.queries, self.interval, self.scale, dataclasses.replace(self.state, **changes)
                          if changes else self.state)


def trend_args(queries, interval: str, scale: str, state: SearchState) -> dict:
    """URL parameters of the trends page."""
    args = state.args(q="")
    args.pop("sort", None)
    args.pop("per_page", None)
    out: dict = {"q": list(queries)} if queries else {}
    if interval:
        out["interval"] = interval
    if scale != "relative":
        out["scale"] = scale
    return {**out, **args}


def parse_trend_request(args: MultiDict) -> TrendRequest:
    """Read the trends page's parameters (empty query fields are skipped).

    :raises ParamError: too many queries, an unknown interval or scale, or a bad filter.
    """
    queries = tuple(q.strip() for q in args.getlist("q") if q.strip())
    if len(queries) > MAX_TREND_QUERIES:
        raise ParamError(f"Au plus {MAX_TREND_QUERIES} recherches à la fois (reçu {len(queries)}).",
                         f"At most {MAX_TREND_QUERIES} queries (got {len(queries)}).")
    interval = _interval(args, ("year", "month")) or ""
    scale = (args.get("scale") or "relative").strip()
    if scale not in SCALES:
        raise ParamError(f"Échelle inconnue « {scale[:40]} » : choisissez relative ou absolute.",
                         f"Unknown scale '{scale[:40]}': use relative or absolute.")
    state = parse_search(args, default_per_page=current_app.config["PRESSE_PER_PAGE"])
    return TrendRequest(queries, interval, scale, dataclasses.replace(state, q="", page=1))


def _compute(req: TrendRequest, external: bool = False) -> tuple[Trends, charts.LineChart]:
    """The trends of ``req`` and their chart; ``external``: absolute links (a downloaded file)."""
    trends = current_archive().trends(list(req.queries), req.interval or None, **filters_of(req.state))
    chart = charts.line_chart(trends, req.scale == "relative",
                              lambda q, period: url_for("pages.results", _external=external,
                                                        **period_args(req.state, period, q)))
    return trends, chart


@bp.get("/tendances")
def trends_page():
    archive = current_archive()
    sources = archive.facet_values("source")
    sections = archive.facet_values("section")
    try:
        req = parse_trend_request(request.args)
    except ParamError as exc:
        return _trends_page(None, None, None, sources, sections, exc.fr, 400)
    if not req.queries:
        return _trends_page(req, None, None, sources, sections)
    try:
        found, chart = _compute(req)
    except QueryError as exc:
        return _trends_page(req, None, None, sources, sections, str(exc), 400)
    return _trends_page(req, found, chart, sources, sections)


def _trends_page(req, found, chart, sources, sections, error: str | None = None, status: int = 200):
    if req is None:
        per_page = current_app.config["PRESSE_PER_PAGE"]
        queries = tuple(q.strip() for q in request.args.getlist("q") if q.strip())[:MAX_TREND_QUERIES]
        req = TrendRequest(queries, "", "relative", SearchState(per_page=per_page, default_per_page=per_page))
    html = render_template("trends.html", req=req, trends=found, chart=chart, sources=sources, sections=sections,
                           error=error, max_queries=MAX_TREND_QUERIES, intervals=TREND_INTERVALS)
    return html, status


@bp.get("/tendances.csv")
def trends_csv():
    req = parse_trend_request(request.args)
    found = current_archive().trends(list(req.queries), req.interval or None, **filters_of(req.state))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["requête", "période", "début", "fin", "articles", "articles de la période",
                     "pour 10 000 articles"])
    for series in found.series:
        for p in series.periods:
            writer.writerow([csv_cell(series.query), p.label, _iso(p.start), _iso(p.end), p.count, p.total,
                             "" if p.per_10000 is None else f"{p.per_10000:.4f}"])
    return _download(out.getvalue(), "text/csv; charset=utf-8", "tendances.csv")


@bp.get("/tendances.svg")
def trends_svg():
    req = parse_trend_request(request.args)
    _, chart = _compute(req, external=True)
    svg = render_template("trends.svg", chart=chart, req=req)
    return _download(svg, "image/svg+xml; charset=utf-8", "tendances.svg")


def csv_cell(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a leading ``= + - @`` (a formula there) gets a ``'``."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
