"""One search request: its fields, defaults, limits and allowed values, checked in one place.

``Archive.search`` builds a ``SearchRequest`` from its arguments, the web from the query string
(``web.params``), ``presse search`` from its options; the OpenAPI parameters of ``/api/search`` and
the command's help are generated from ``FIELDS``. ``page_json`` is the one JSON form of a page of
results, printed by ``presse search --json`` and served by ``/api/search``.

>>> SearchRequest(q="grève", year=1995).year
(1995,)
>>> SearchRequest(per_page=0)
Traceback (most recent call last):
...
search.syntax.QueryError: Le nombre de résultats par page doit être compris entre 1 et 100.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from .syntax import MAX_QUERY_CHARS, QueryError, day_of, query_text
from .types import FacetCount, Hit, SearchPage, Version

SORTS = ("relevance", "-date", "date")  # the order of the API's enum and of the command's choices
FILTERS = ("source", "author", "section", "year")  # the facets a request can filter on
ENTITY_FACETS = ("person", "place", "org")  # named entities: counted when the index has them
FACETS = ("source", "year", "author", "section", *ENTITY_FACETS)
DEFAULT_FACETS = ("source", "year", "author", "section")  # the API's, documented in the README
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_YEAR = 9999
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


@dataclasses.dataclass(frozen=True)
class Field:
    """One parameter of a search request as its users read it: the OpenAPI document (in English) and
    the help of ``presse search`` (in French) are generated from these.

    ``kind`` is ``"text"``, ``"integer"``, ``"choice"``, ``"list"`` (repeatable text), ``"years"``
    (repeatable integers), ``"date"`` (AAAA-MM-JJ) or ``"flag"`` (true/false); ``minimum`` and
    ``maximum`` bound an integer (a year for ``"years"``); ``choices`` are those of a choice or of a list.
    """

    name: str
    kind: str
    default: Any
    fr: str
    en: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("q", "text", "", maximum=MAX_QUERY_CHARS,
          fr="La requête (ET/OU/SAUF, « expression », préfixe*, flou~, titre:, auteur:, source:, date:) ; "
             "vide : tous les articles, du plus récent au plus ancien.",
          en="The query (syntax: ET/OU/SAUF, \"phrase\", préfixe*, flou~, titre:, auteur:, source:, date:, and the "
             "named entities personne:\"Emmanuel Macron\", lieu:, organisation: (person:, place:, org:)). Empty: "
             "every article, newest first."),
    Field("page", "integer", 1, minimum=1, maximum=MAX_PAGE,
          fr="Page de résultats.", en="1-based page; a page past the end has no hits."),
    Field("per_page", "integer", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE,
          fr="Nombre de résultats par page.", en="Results per page."),
    Field("source", "list", (),
          fr="Ne garder que cette source (une partie du nom suffit : wikinews).",
          en="Keep only these sources (a value, or part of one as in source:…: wikinews)."),
    Field("author", "list", (),
          fr="Ne garder que cet auteur (une partie du nom suffit).",
          en="Keep only these authors (a value, or part of one, case and accents ignored)."),
    Field("section", "list", (),
          fr="Ne garder que cette rubrique (une partie du nom suffit).",
          en="Keep only these sections (a value, or part of one, case and accents ignored)."),
    Field("year", "years", (), minimum=0, maximum=MAX_YEAR,
          fr="Ne garder que cette année.", en="Keep only these years."),
    Field("date_from", "date", None,
          fr="Date de début.", en="Keep articles dated on or after this day (YYYY-MM-DD)."),
    Field("date_to", "date", None,
          fr="Date de fin.", en="Keep articles dated on or before this day (YYYY-MM-DD)."),
    Field("sort", "choice", "relevance", choices=SORTS,
          fr="Pertinence, plus récents (-date) ou plus anciens (date).",
          en="relevance, -date (newest first) or date (oldest first)."),
    Field("facets", "list", DEFAULT_FACETS, choices=FACETS,
          fr="Facettes à compter sur tous les articles trouvés.",
          en="Facet counts to return (default: source, year, author, section; empty: none). person, place and org "
             "count the named entities (persons, places, organisations) of the matching articles, when the index "
             "has them (presse index --entites): value is the entity's name, and the filter personne:\"name\" "
             "(lieu:, organisation:) keeps those articles."),
    Field("collapse", "flag", True,
          fr="Une seule version par dépêche (sinon : chaque article).",
          en="Group the versions of one dispatch (wire copies, updated versions): one hit per group, its "
             "best-ranked matching version, with the others in `versions`; pages count groups. false lists every "
             "article. Totals and facets count articles either way."),
)
FIELD = {field.name: field for field in FIELDS}


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    """What one search asks for, checked: building one with a value that cannot be searched raises a
    ``QueryError`` (French message), so a ``SearchRequest`` is always valid.

    A list (``source``, ``author``, ``section``, ``year``, ``facets``) also takes one value alone
    (``source="Le Monde"``); dates take ``datetime.date`` or ``"AAAA-MM-JJ"``; years take ``"2024"``.
    Values are stored normalised: tuples, ``datetime.date``, whole numbers.
    """

    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    source: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    facets: tuple[str, ...] = DEFAULT_FACETS
    collapse: bool = True

    def __post_init__(self) -> None:
        for name, value in _checked(self._values()).items():
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, q: object = "", **params: Any) -> SearchRequest:
        """A request from loosely typed values (``Archive.search``'s arguments), checked."""
        return cls(q, **params)  # type: ignore[arg-type]  # __post_init__ normalises and checks them

    @property
    def has_filters(self) -> bool:
        """Whether the request keeps only some articles (a filter or a date bound)."""
        return bool(self.source or self.author or self.section or self.year or self.date_from or self.date_to)

    def search_kwargs(self) -> dict:
        """The keyword arguments of ``Archive.search`` that ask for this request (the query included)."""
        return self._values()

    def _values(self) -> dict:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def _checked(values: dict) -> dict:
    """``values`` (a request's fields) normalised, in the order the messages were always checked in."""
    out = dict(values)
    out["q"] = query_text(values["q"])
    if not isinstance(values["collapse"], bool):
        raise QueryError("Le paramètre collapse doit valoir True ou False.")
    out["page"], out["per_page"] = check_page(values["page"]), check_per_page(values["per_page"])
    out["sort"] = check_sort(values["sort"])
    out["facets"] = check_facets(values["facets"])
    for name in ("source", "author", "section"):
        out[name] = tuple(dict.fromkeys(str(v) for v in as_list(values[name])))
    years = as_list(values["year"])
    out["date_from"] = as_day(values["date_from"], "date_from")
    out["date_to"] = as_day(values["date_to"], "date_to")
    out["year"] = check_years(years)
    check_date_range(out["date_from"], out["date_to"])
    return out


def check_page(page: object) -> int:
    """A page number: a whole number from 1 to ``MAX_PAGE``."""
    if isinstance(page, bool) or not isinstance(page, int):
        raise QueryError("Le numéro de page doit être un entier.")
    if page < 1:
        raise QueryError("Le numéro de page commence à 1.")
    if page > MAX_PAGE:
        raise QueryError(f"Le numéro de page est trop grand (au plus {MAX_PAGE:,}).".replace(",", " "))
    return page


def check_per_page(per_page: object) -> int:
    """A number of results per page: from 1 to ``MAX_PER_PAGE``."""
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"Le nombre de résultats par page doit être compris entre 1 et {MAX_PER_PAGE}.")
    return per_page


def check_sort(sort: object) -> str:
    """One of ``SORTS``."""
    if not isinstance(sort, str) or sort not in SORTS:
        raise QueryError(unknown_sort(sort))
    return sort


def unknown_sort(sort: object) -> str:
    """The French message for a sort that is not one of ``SORTS`` (the order it always gave them in)."""
    return f"Tri inconnu « {sort} » : choisissez relevance, date ou -date."


def check_facets(facets: object) -> tuple[str, ...]:
    """Facet names among ``FACETS`` (one name alone is a list of one; None: none), each once."""
    names = as_list(facets)
    for name in names:
        if not isinstance(name, str) or name not in FACETS:
            raise QueryError(unknown_facet(name))
    return tuple(dict.fromkeys(names))  # checked above: all are str


def unknown_facet(name: object) -> str:
    """The French message for a facet name that is not one of ``FACETS``."""
    return f"Facette inconnue « {name} » : choisissez parmi {', '.join(FACETS)}."


def check_years(years: list) -> tuple[int, ...]:
    """Year filters as whole numbers (``"2024"`` included)."""
    try:
        return tuple(dict.fromkeys(int(y) for y in years))
    except (TypeError, ValueError):
        raise QueryError("L'année doit être un nombre.") from None


def check_date_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    """The first day of a date range must not come after its last."""
    if date_from and date_to and date_from > date_to:
        raise QueryError("La date de début est après la date de fin.")


def as_list(value: object) -> list:
    """A parameter that takes a list (filters, facets) as a list: one value alone (``"source"``,
    ``2024``) is a list of one; None and empty values are left out. Values are text or whole
    numbers; anything else is a ``QueryError``."""
    alone = value is None or isinstance(value, (str, bytes, bytearray, int, float)) or not hasattr(value, "__iter__")
    values = [value] if alone else list(value)  # type: ignore[call-overload]  # iterable, checked above
    return [as_value(v) for v in values if v is not None and v != ""]


def as_value(value: object) -> str | int:
    """One value of a list parameter: a string or a whole number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise QueryError(f"Valeur de paramètre invalide « {value!r} » : attendu du texte ou un nombre entier.")
    return value


def as_day(value: object, name: str) -> dt.date | None:
    """A date parameter (``datetime.date``, a ``datetime`` whose time zone is ignored, or
    ``"AAAA-MM-JJ"``) as a day; None when absent. A ``QueryError`` says what is wrong, in French."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    m = _ISO_DATE.fullmatch(text)
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < dt.MINYEAR:
        raise QueryError(f"Date invalide pour {name} : « {text} » (attendu AAAA-MM-JJ).")
    return day_of(int(m.group(1)), int(m.group(2)), int(m.group(3)), f"pour {name} : « {text.strip()} »")


# ------------------------------------------------------------------------------------ JSON

def page_json(page: SearchPage) -> dict:
    """A page of results as JSON values: what ``/api/search`` serves and ``presse search --json``
    prints (dates as ``"AAAA-MM-JJ"``, facets as ``{"value", "count"}`` objects; ``partial``: a cluster's
    shards did not all answer, ``missing`` their numbers)."""
    return {
        "query": page.query, "sort": page.sort, "total": page.total, "page": page.page, "per_page": page.per_page,
        "took_ms": page.took_ms, "collapse": page.collapse, "collapsed_total": page.collapsed_total,
        "hits": [hit_json(h) for h in page.hits],
        "facets": {name: facet_json(values) for name, values in page.facets.items()},
        "suggestion": page.suggestion, "rewritten": page.rewritten, "relaxed": page.relaxed,
        "partial": page.partial, "missing": list(page.missing),
    }


def hit_json(hit: Hit) -> dict:
    """One result as JSON values (``snippet`` is HTML: escaped text with ``<mark>``)."""
    return {
        "id": hit.id, "title": hit.title, "source": hit.source, "author": hit.author, "date": iso_date(hit.date),
        "url": hit.url, "score": hit.score, "snippet": hit.snippet, "lead": hit.lead, "section": hit.section,
        "group": hit.group, "other_versions": hit.other_versions, "versions": versions_json(hit.versions),
    }


def versions_json(versions: tuple[Version, ...]) -> list[dict]:
    """Other versions of a dispatch as JSON values."""
    return [{"id": v.id, "title": v.title, "date": iso_date(v.date), "source": v.source, "url": v.url}
            for v in versions]


def facet_json(values: tuple[FacetCount, ...]) -> list[dict]:
    """Facet counts as ``[{"value": …, "count": …}, …]``."""
    return [{"value": v.value, "count": v.count} for v in values]


def iso_date(value: dt.date | None) -> str | None:
    """``"AAAA-MM-JJ"``, or None for an unknown date."""
    return value.isoformat() if value else None
