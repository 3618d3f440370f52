"""Request parameters -> a ``search.request.SearchRequest``, validated with French and English messages.

The HTML pages and the JSON API read the same parameters; only the defaults differ (10 or 20
results per page) and the API also accepts comma lists (``source=Le Monde,Libération``). The rules
(defaults, limits, allowed values) are ``search.request``'s; this module reads them from text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from werkzeug.datastructures import MultiDict

from presse.search.request import (
    DEFAULT_FACETS,
    FACETS,
    FIELD,
    FILTERS,
    SORTS,
    SearchRequest,
    unknown_facet,
    unknown_sort,
)
from presse.search.syntax import QueryError, parse

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOGETHER = "These parameters cannot be searched together (the French message says why)."
# In a comma list, a comma followed by a space belongs to the value ("Texte 6Medias, vidéo BFMTV").
_COMMA = re.compile(r",(?!\s)")
# Never echoed: control characters (NUL…) and the bidirectional controls (U+202E reverses the text
# after it: a title or heading would read backwards).
_UNSHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile("[\t\n\r]")


class ParamError(ValueError):
    """A request parameter that cannot be used; carries a French and an English message."""

    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.fr = fr
        self.en = en


@dataclasses.dataclass(frozen=True)
class SearchState:
    """What a search request asks for, as the pages link to it: the query, the filters, the page and
    the sort (``request`` gives the ``SearchRequest`` itself); dates as ``"AAAA-MM-JJ"``."""

    q: str = ""
    page: int = FIELD["page"].default
    per_page: int = 10
    sort: str = FIELD["sort"].default
    source: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    collapse: bool = FIELD["collapse"].default  # one result per group of versions of a dispatch (search.collapse)
    default_per_page: int = dataclasses.field(default=10, repr=False, compare=False)

    @classmethod
    def of(cls, request: SearchRequest, default_per_page: int) -> SearchState:
        """The state of a checked request, for pages whose default page size is ``default_per_page``."""
        return cls(q=request.q, page=request.page, per_page=request.per_page, sort=request.sort,
                   source=request.source, author=request.author, section=request.section, year=request.year,
                   date_from=_iso(request.date_from), date_to=_iso(request.date_to), collapse=request.collapse,
                   default_per_page=default_per_page)

    @property
    def has_filters(self) -> bool:
        return bool(self.source or self.author or self.section or self.year or self.date_from or self.date_to)

    def request(self, facets=FACETS) -> SearchRequest:
        """This search as a ``SearchRequest`` counting ``facets`` (the results page shows them all)."""
        return SearchRequest(q=self.q, page=self.page, per_page=self.per_page, sort=self.sort, source=self.source,
                             author=self.author, section=self.section, year=self.year, date_from=self.date_from,
                             date_to=self.date_to, facets=facets, collapse=self.collapse)  # type: ignore[arg-type]

    def search_kwargs(self, facets=FACETS) -> dict:
        """The keyword arguments of ``Archive.search`` (the query itself excepted)."""
        kwargs = self.request(facets).search_kwargs()
        del kwargs["q"]
        return kwargs

    def args(self, **changes) -> dict:
        """URL parameters of this search (defaults left out), with ``changes`` applied; page goes back to 1."""
        state = dataclasses.replace(self, **{"page": 1, **changes})
        out: dict = {}
        if state.q:
            out["q"] = state.q
        for name in FILTERS:
            values = getattr(state, name)
            if values:
                out[name] = list(values)
        if state.date_from:
            out["date_from"] = state.date_from
        if state.date_to:
            out["date_to"] = state.date_to
        if state.sort != "relevance":
            out["sort"] = state.sort
        if state.per_page != self.default_per_page:
            out["per_page"] = state.per_page
        if state.page != 1:
            out["page"] = state.page
        if not state.collapse:
            out["collapse"] = "false"
        return out

    def adding(self, name: str, value) -> dict:
        """URL parameters with ``value`` added to the filter ``name``."""
        values = getattr(self, name)
        return self.args(**{name: values if value in values else (*values, value)})

    def removing(self, name: str, value=None) -> dict:
        """URL parameters without ``value`` in filter ``name`` (or without the date bound ``name``)."""
        if name in ("date_from", "date_to"):
            return self.args(**{name: None})
        return self.args(**{name: tuple(v for v in getattr(self, name) if v != value)})

    def hidden_fields(self, *, keep_sort_and_dates: bool) -> list[tuple[str, str]]:
        """(name, value) pairs for the hidden inputs of a GET form that changes some of the parameters."""
        args = self.args()
        args.pop("q", None)
        args.pop("page", None)
        if not keep_sort_and_dates:
            for name in ("sort", "date_from", "date_to"):
                args.pop(name, None)
        pairs = []
        for name, value in args.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((name, str(v)))
        return pairs

    def active_filters(self) -> list[tuple[str, object]]:
        """(name, value) of every active filter, in display order."""
        out: list[tuple[str, object]] = [(name, v) for name in FILTERS for v in getattr(self, name)]
        if self.date_from:
            out.append(("date_from", self.date_from))
        if self.date_to:
            out.append(("date_to", self.date_to))
        return out


def shown_text(value: str | None) -> str:
    """A parameter's text as pages may echo it: no control or bidirectional control characters,
    line breaks and tabs as spaces, trimmed."""
    return _UNSHOWN.sub("", _SPACES.sub(" ", value or "")).strip()


def query_text(args: MultiDict) -> str:
    """The query ``q`` of a request (``shown_text``); '' when it has nothing to search (``"``,
    ``()``…), so that it reads as the empty query. A query that cannot be searched is kept, for
    the search to say why."""
    q = shown_text(args.get("q"))
    try:
        return "" if parse(q) is None else q
    except QueryError:
        return q


def parse_search(args: MultiDict, *, default_per_page: int, comma_lists: bool = False) -> SearchState:
    """Read and validate the search parameters of a request (``parse_request``) as a ``SearchState``.

    :raises ParamError: a parameter has a value that cannot be searched.
    """
    request = parse_request(args, default_per_page=default_per_page, comma_lists=comma_lists, facets=())
    return SearchState.of(request, default_per_page)


def parse_request(args: MultiDict, *, default_per_page: int = FIELD["per_page"].default, comma_lists: bool = False,
                  facets: tuple[str, ...] | None = None) -> SearchRequest:
    """The ``SearchRequest`` of a query string: each parameter read from its text (the web's messages,
    in French and English), then the request checked as a whole. It counts ``facets``, or with None
    those its ``facets`` parameter asks for (``parse_facets``).

    :raises ParamError: a parameter has a value that cannot be searched.
    """
    q = query_text(args)
    page = _field_int(args, "page", FIELD["page"].default)
    per_page = _field_int(args, "per_page", default_per_page)
    sort = (args.get("sort") or FIELD["sort"].default).strip()
    if sort not in SORTS:
        raise ParamError(unknown_sort(sort), f"Unknown sort '{sort}': use {', '.join(SORTS[:-1])} or {SORTS[-1]}.")
    lists = {name: _list(args, name, comma_lists) for name in ("source", "author", "section")}
    years = tuple(_year(v) for v in _list(args, "year", comma_lists))
    date_from = _date(args.get("date_from"), "date_from")
    date_to = _date(args.get("date_to"), "date_to")
    collapse = _flag(args, "collapse", FIELD["collapse"].default)
    try:
        return SearchRequest(q=q, page=page, per_page=per_page, sort=sort, year=years, date_from=date_from,
                             date_to=date_to, collapse=collapse,
                             facets=parse_facets(args) if facets is None else facets, **lists)
    except QueryError as exc:  # the rules between parameters (a date range that ends before it starts)
        raise ParamError(str(exc), _TOGETHER) from None


def parse_facets(args: MultiDict) -> tuple[str, ...]:
    """The facets a JSON request asks for (source, year, author and section when the parameter is
    absent, none when it is empty; the named entities person, place and org on request)."""
    if "facets" not in args:
        return DEFAULT_FACETS
    names = _list(args, "facets", True)
    for name in names:
        if name not in FACETS:
            raise ParamError(unknown_facet(name), f"Unknown facet '{name}': use {', '.join(FACETS)}.")
    return tuple(dict.fromkeys(names))


def _field_int(args: MultiDict, name: str, default: int) -> int:
    """An integer parameter of the request within its field's limits."""
    field = FIELD[name]
    return _int(args.get(name), name, default, minimum=field.minimum, maximum=field.maximum)


def _int(value: str | None, name: str, default: int, *, minimum: int, maximum: int) -> int:
    if value is None or value.strip() == "":
        return default
    value = value.strip()
    if not re.fullmatch(r"-?\d{1,9}", value):
        raise ParamError(f"Le paramètre {name} doit être un nombre entier (reçu « {value[:40]} »).",
                         f"Parameter {name} must be an integer (got '{value[:40]}').")
    number = int(value)
    if not minimum <= number <= maximum:
        raise ParamError(f"Le paramètre {name} doit être compris entre {minimum} et {maximum} (reçu {number}).",
                         f"Parameter {name} must be between {minimum} and {maximum} (got {number}).")
    return number


_TRUE = ("true", "1", "oui", "on", "yes")
_FALSE = ("false", "0", "non", "off", "no")


def _flag(args: MultiDict, name: str, default: bool) -> bool:
    """A yes/no parameter (true/false, 1/0, oui/non, on/off); repeated, the last one counts (a
    form's hidden ``false`` followed by its checked checkbox's ``true``)."""
    values = [v.strip().lower() for v in args.getlist(name) if v.strip()]
    if not values:
        return default
    if values[-1] in _TRUE:
        return True
    if values[-1] in _FALSE:
        return False
    raise ParamError(f"Le paramètre {name} vaut true ou false (reçu « {values[-1][:40]} »).",
                     f"Parameter {name} must be true or false (got '{values[-1][:40]}').")


def _list(args: MultiDict, name: str, comma_lists: bool) -> tuple[str, ...]:
    values = []
    for raw in args.getlist(name):
        parts = _COMMA.split(raw) if comma_lists else [raw]
        values.extend(shown_text(p) for p in parts if shown_text(p))
    return tuple(dict.fromkeys(values))


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{1,4}", value):  # FIELD["year"]: 0 to 9999
        raise ParamError(f"L'année doit être un nombre de 1 à 4 chiffres (reçu « {value[:40]} »).",
                         f"year must be a number of 1 to 4 digits (got '{value[:40]}').")
    return int(value)


def _date(value: str | None, name: str) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    try:
        if not _DATE.match(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise ParamError(f"Date invalide pour {name} : « {value[:40]} » (attendu AAAA-MM-JJ).",
                         f"Invalid date for {name}: '{value[:40]}' (expected YYYY-MM-DD).") from None
    return value


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
