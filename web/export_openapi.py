"""The OpenAPI description of the research views' API (concordance, export, feeds, citations);
``web.openapi.openapi_document`` merges it into the document it serves."""

from __future__ import annotations

from presse.search.concordance import DEFAULT_PER_PAGE, DEFAULT_WIDTH, MAX_LINES, MAX_WIDTH
from presse.search.concordance import SORTS as KWIC_SORTS
from presse.search.export import CONCORDANCE_COLUMNS, CSV_COLUMNS, FORMATS, MAX_ARTICLES, MEDIA_TYPES

from .export_views import KWIC_MAX_PER_PAGE
from .openapi import ARTICLE_ERRORS, ARTICLE_ID, ERRORS, SEARCH_PARAMETERS, _json, _ref

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, null when unknown."}
FILTER_NAMES = ("q", "source", "author", "section", "year", "date_from", "date_to")
FILTERS = [p for p in SEARCH_PARAMETERS if p["name"] in FILTER_NAMES]
SORT = next(p for p in SEARCH_PARAMETERS if p["name"] == "sort")


def _int_param(name: str, description: str, minimum: int, maximum: int, default: int | None = None) -> dict:
    schema: dict = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _file(media_type: str, description: str) -> dict:
    return {"description": description, "content": {media_type.split(";")[0]: {"schema": {"type": "string"}}}}


KWIC_PARAMETERS = [
    *FILTERS,
    {"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "enum": list(KWIC_SORTS),
                                                                   "default": "date"},
     "description": "date (oldest first), -date (newest first), left or right (by the words left or right of "
                    f"the match, over the first {MAX_LINES} lines in date order)."},
    _int_param("width", "Words of context on each side of the match.", 1, MAX_WIDTH, DEFAULT_WIDTH),
]
LIMIT_NOTE = "Export only the first N (in the sort order); without it, more than {bound} is a 400."
TOO_LARGE = _json("Error", "Invalid parameter or query, or more than the bound without limit (the French message "
                           "says how to narrow the search).")

SCHEMAS = {
    "ConcordanceLine": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "date", "source", "url", "field", "offset", "left", "match", "right"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "date": _DATE, "source": _NULLABLE_STRING,
            "url": _NULLABLE_STRING, "field": {"type": "string", "enum": ["title", "lead", "body"]},
            "offset": {"type": "integer", "minimum": 0, "description": "Where the match starts in the field."},
            "left": {"type": "string", "description": "Plain text (not HTML)."},
            "match": {"type": "string", "minLength": 1, "description": "What the search highlights, plain text."},
            "right": {"type": "string", "description": "Plain text (not HTML)."},
        },
    },
    "Concordance": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "sort", "width", "page", "per_page", "articles", "total", "has_next", "truncated",
                     "took_ms", "lines"],
        "properties": {
            "query": {"type": "string"}, "sort": {"type": "string", "enum": list(KWIC_SORTS)},
            "width": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "articles": {"type": "integer", "minimum": 0, "description": "Matching articles."},
            "total": {"type": ["integer", "null"], "minimum": 0,
                      "description": "Lines in all; null in date order until the last page is reached."},
            "has_next": {"type": "boolean"},
            "truncated": {"type": "boolean", "description": f"More than {MAX_LINES} lines."},
            "took_ms": {"type": "number", "minimum": 0},
            "lines": {"type": "array", "items": _ref("ConcordanceLine")},
        },
    },
    "ArticleCitation": {
        "type": "object", "additionalProperties": False, "required": ["id", "text", "url", "ris", "bibtex"],
        "properties": {
            "id": {"type": "string"},
            "text": {"type": "string", "description": "French citation style, plain text."},
            "url": {"type": "string", "description": "The article's web address, or its page on this site."},
            "ris": {"type": "string", "description": "RIS, TY  - NEWS."},
            "bibtex": {"type": "string", "description": "BibTeX @article, journal = source."},
        },
    },
    "SearchCitation": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "parameters", "searched_at", "total", "archive", "fingerprint", "python", "permalink"],
        "properties": {
            "query": {"type": "string"},
            "parameters": {"type": "object", "description": "Keyword arguments of Archive.search besides the query."},
            "searched_at": {"type": "string", "format": "date-time"},
            "total": {"type": "integer", "minimum": 0},
            "archive": {"type": "object", "additionalProperties": False, "required": ["generation", "articles"],
                        "properties": {"generation": {"type": "string"}, "articles": {"type": "integer"}}},
            "fingerprint": {"type": "string", "description": "generation/articles: the archive's state."},
            "python": {"type": "string", "description": "A Python snippet that runs the search again."},
            "permalink": {"type": "string", "description": "The results page with every parameter."},
        },
    },
}

PATHS = {
    "/api/concordance": {"get": {
        "operationId": "concordance", "summary": "One page of the keyword-in-context concordance of a search.",
        "parameters": [*KWIC_PARAMETERS,
                       _int_param("page", "1-based page.", 1, MAX_LINES, 1),
                       _int_param("per_page", "Lines per page.", 1, KWIC_MAX_PER_PAGE, DEFAULT_PER_PAGE)],
        "responses": {"200": _json("Concordance", "One page of lines."), **ERRORS},
    }},
    "/api/concordance.csv": {"get": {
        "operationId": "concordanceCsv", "summary": "Every line of the concordance as CSV, streamed.",
        "description": f"Columns: {', '.join(CONCORDANCE_COLUMNS)}. UTF-8 with a byte order mark.",
        "parameters": [*KWIC_PARAMETERS,
                       _int_param("limit", LIMIT_NOTE.format(bound=MAX_LINES), 1, MAX_LINES)],
        "responses": {"200": _file(MEDIA_TYPES["csv"], "The CSV file (an attachment)."), **ERRORS,
                      "400": TOO_LARGE},
    }},
    "/api/export": {"get": {
        "operationId": "export",
        "summary": "Every article a search finds, as CSV, JSON Lines, RIS or BibTeX, streamed.",
        "description": f"CSV columns (and JSON Lines keys): {', '.join(CSV_COLUMNS)} (JSON Lines adds publisher and "
                       "language). RIS: TY  - NEWS, the source as T2. BibTeX: @article, journal = source.",
        "parameters": [*FILTERS, SORT,
                       {"name": "format", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": list(FORMATS), "default": "csv"}},
                       _int_param("limit", LIMIT_NOTE.format(bound=MAX_ARTICLES), 1, MAX_ARTICLES)],
        "responses": {"200": {"description": "The file (an attachment), in the format's media type.",
                              "content": {MEDIA_TYPES[f].split(";")[0]: {"schema": {"type": "string"}}
                                          for f in FORMATS}},
                      **ERRORS, "400": TOO_LARGE},
    }},
    "/api/search.atom": {"get": {
        "operationId": "searchFeed", "summary": "The Atom feed of a search's newest matches (an alert).",
        "parameters": FILTERS,
        "responses": {"200": _file("application/atom+xml", "Atom 1.0, newest first."), **ERRORS},
    }},
    "/api/search/citation": {"get": {
        "operationId": "citeSearch", "summary": "A search as it stands now, to cite and to run again.",
        "parameters": [*FILTERS, SORT],
        "responses": {"200": _json("SearchCitation", "The citation."), **ERRORS},
    }},
    "/api/articles/{id}/citation": {"get": {
        "operationId": "citeArticle", "summary": "One article's citation: French style, RIS, BibTeX.",
        "parameters": [ARTICLE_ID],
        "responses": {"200": _json("ArticleCitation", "The citation."), **ARTICLE_ERRORS},
    }},
}
