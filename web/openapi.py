"""The OpenAPI 3.1 description of the JSON API (served at /api/openapi.json)."""

from __future__ import annotations

from presse.search.collapse import MAX_VERSIONS
from presse.search.request import FACETS, FIELDS, FILTERS, SORTS, Field
from presse.search.timeline import INTERVALS, MAX_TREND_QUERIES

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, null when unknown."}
_LIST_NOTE = ("Repeat the parameter or give a comma-separated list; a comma followed by a space belongs to the "
              "value (\"Texte 6Medias, vidéo BFMTV\" is one author).")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _list_param(name: str, description: str, item: dict | None = None) -> dict:
    return {
        "name": name, "in": "query", "required": False, "description": f"{description} {_LIST_NOTE}",
        "schema": {"type": "array", "items": item or {"type": "string"}}, "style": "form", "explode": True,
    }


ERRORS = {
    "400": _json("Error", "Invalid parameter or query (page, per_page, year, dates, sort, facets, query syntax, "
                  "a filter value matching nothing: the French message names the known values)."),
    "503": _json("Error", "The index is missing or was built by an incompatible version; on a cluster, no shard "
                          "answers (for an article: its shard does not)."),
    "500": _json("Error", "Unexpected server error (generic message; details are logged server-side)."),
}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["fr", "en"], "additionalProperties": False,
            "properties": {"fr": {"type": "string", "description": "Message in French (shown to users)."},
                           "en": {"type": "string", "description": "Message in English."}},
        }},
    },
    "FacetCount": {
        "type": "object", "required": ["value", "count"], "additionalProperties": False,
        "properties": {"value": {"type": ["string", "integer"], "description": "Integer for the year facet."},
                       "count": {"type": "integer", "minimum": 1}},
    },
    "Hit": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "source", "author", "date", "url", "score", "snippet", "lead", "section"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string", "description": "Plain text."},
            "source": _NULLABLE_STRING, "author": _NULLABLE_STRING, "date": _DATE,
            "url": {"type": ["string", "null"], "description": "As stored; not necessarily http(s)."},
            "score": {"type": "number"},
            "snippet": {"type": "string", "description": "HTML: escaped text with <mark> around the matches."},
            "lead": _NULLABLE_STRING, "section": _NULLABLE_STRING,
            "group": {"type": ["string", "null"],
                      "description": "With collapse: the key of the hit's group of versions of one dispatch (the id "
                                     "of its earliest article); null when the article has no other version."},
            "other_versions": {"type": "integer", "minimum": 0,
                               "description": "With collapse: how many other versions of this dispatch match."},
            "versions": {"type": "array", "items": _ref("Version"), "maxItems": MAX_VERSIONS,
                         "description": f"With collapse: the first {MAX_VERSIONS} of those, by date."},
        },
    },
    "Version": {
        "type": "object", "additionalProperties": False, "required": ["id", "title", "date", "source", "url"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "date": _DATE,
                       "source": _NULLABLE_STRING, "url": _NULLABLE_STRING},
    },
    "SearchResults": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "sort", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion",
                     "rewritten", "relaxed", "collapse", "collapsed_total", "partial", "missing"],
        "properties": {
            "query": {"type": "string", "description": "The query searched (control characters removed)."},
            "sort": {"type": "string", "enum": list(SORTS),
                     "description": "The order of the hits: the empty query lists the newest first (-date)."},
            "total": {"type": "integer", "minimum": 0,
                      "description": "Matching articles (all pages), every version of a dispatch counted."},
            "collapse": {"type": "boolean",
                         "description": "Whether versions of one dispatch are grouped (one hit each)."},
            "collapsed_total": {"type": "integer", "minimum": 0,
                                "description": "Results once versions are grouped; with collapse, pages count these."},
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number", "minimum": 0},
            "hits": {"type": "array", "items": _ref("Hit"), "description": "Empty past the last page."},
            "facets": {"type": "object", "description": "Counts over all matching articles, per requested facet "
                                                        "(every version counted, with or without collapse).",
                       "propertyNames": {"enum": list(FACETS)},
                       "additionalProperties": {"type": "array", "items": _ref("FacetCount")}},
            "suggestion": {"type": ["string", "null"], "description": "A respelled query with more results."},
            "rewritten": {"type": ["string", "null"],
                          "description": "No article had all the words: the respelled query whose results these are."},
            "relaxed": {"type": "boolean",
                        "description": "No article had all the words: these have the most of them, "
                                       "ranked by how many."},
            "partial": {"type": "boolean",
                        "description": "On a cluster (presse serve --cluster): some shards did not answer, so the "
                                       "hits, total and facets are those of the others. Always false on one index."},
            "missing": {"type": "array", "items": {"type": "integer", "minimum": 1},
                        "description": "The numbers (from 1, in the cluster file's order) of the shards that did not "
                                       "answer; empty when partial is false."},
        },
    },
    "Article": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "lead", "body", "date", "source", "author", "publisher", "url", "section",
                     "tags", "language", "versions"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "lead": _NULLABLE_STRING,
            "body": {"type": "string", "description": "Plain text; paragraphs separated by newlines."},
            "date": _DATE, "source": _NULLABLE_STRING, "author": _NULLABLE_STRING, "publisher": _NULLABLE_STRING,
            "url": _NULLABLE_STRING, "section": _NULLABLE_STRING,
            "tags": {"type": "array", "items": {"type": "string"}}, "language": {"type": "string"},
            "versions": {"type": "array", "items": _ref("Version"),
                         "description": "The other versions of this dispatch in the archive, by date."},
        },
    },
    "TimelinePeriod": {
        "type": "object", "additionalProperties": False, "required": ["period", "start", "end", "count", "total"],
        "properties": {
            "period": {"type": "string", "pattern": "^\\d{4}(-\\d{2}(-\\d{2})?)?$",
                       "description": "2019, 2019-03 or 2019-03-12."},
            "start": {"type": "string", "format": "date", "description": "First day of the period."},
            "end": {"type": "string", "format": "date", "description": "Last day of the period (inclusive)."},
            "count": {"type": "integer", "minimum": 0, "description": "Matching articles dated in the period."},
            "total": {"type": "integer", "minimum": 0,
                      "description": "Articles of the period that the filters keep, whatever the query."},
        },
    },
    "Timeline": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "interval", "total", "undated", "rewritten", "relaxed", "periods"],
        "properties": {
            "query": {"type": "string"}, "interval": {"type": "string", "enum": list(INTERVALS)},
            "total": {"type": "integer", "minimum": 0,
                      "description": "Matching articles: the search's total (the periods' counts plus undated)."},
            "undated": {"type": "integer", "minimum": 0, "description": "Matching articles without a date."},
            "rewritten": {"type": ["string", "null"], "description": "As in SearchResults."},
            "relaxed": {"type": "boolean", "description": "As in SearchResults."},
            "periods": {"type": "array", "items": _ref("TimelinePeriod"),
                        "description": "Consecutive periods, empty ones included, from the first match to the last "
                                       "(over the whole range when date_from or date_to is given)."},
        },
    },
    "TrendPeriod": {
        "type": "object", "additionalProperties": False, "required": ["period", "start", "end", "total"],
        "properties": {"period": {"type": "string"}, "start": {"type": "string", "format": "date"},
                       "end": {"type": "string", "format": "date"},
                       "total": {"type": "integer", "minimum": 0,
                                 "description": "Articles of the period that the filters keep."}},
    },
    "TrendSeries": {
        "type": "object", "additionalProperties": False,
        "required": ["query", "total", "undated", "rewritten", "relaxed", "counts", "per_10000"],
        "properties": {
            "query": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
            "undated": {"type": "integer", "minimum": 0}, "rewritten": {"type": ["string", "null"]},
            "relaxed": {"type": "boolean"},
            "counts": {"type": "array", "items": {"type": "integer", "minimum": 0},
                       "description": "Matching articles per period, in the order of `periods`."},
            "per_10000": {"type": "array", "items": {"type": ["number", "null"], "minimum": 0},
                          "description": "Matching articles per 10,000 articles of the period (null: the period "
                                         "has no article)."},
        },
    },
    "Trends": {
        "type": "object", "additionalProperties": False, "required": ["interval", "periods", "series"],
        "properties": {
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "periods": {"type": "array", "items": _ref("TrendPeriod")},
            "series": {"type": "array", "items": _ref("TrendSeries"), "minItems": 1, "maxItems": MAX_TREND_QUERIES,
                       "description": "One per query, in the order given."},
        },
    },
    "Stats": {
        "type": "object", "additionalProperties": False,
        "required": ["articles", "sources", "date_min", "date_max", "size_bytes", "analysis_version", "partial",
                     "missing"],
        "properties": {
            "articles": {"type": "integer", "minimum": 0},
            "sources": {"type": "array", "items": _ref("FacetCount")},
            "date_min": _DATE, "date_max": _DATE, "size_bytes": {"type": "integer", "minimum": 0,
                                                                 "description": "0 on a cluster (the shards' disks)."},
            "analysis_version": {"type": "integer"},
            "partial": {"type": "boolean",
                        "description": "As in SearchResults: some shards of a cluster did not answer."},
            "missing": {"type": "array", "items": {"type": "integer", "minimum": 1},
                        "description": "As in SearchResults."},
        },
    },
}

_SCHEMAS = {  # a field of a search request (search.request.Field.kind) → its OpenAPI schema
    "text": lambda f: {"type": "string", "maxLength": f.maximum},
    "integer": lambda f: {"type": "integer", "minimum": f.minimum, "maximum": f.maximum, "default": f.default},
    "choice": lambda f: {"type": "string", "enum": list(f.choices), "default": f.default},
    "date": lambda f: {"type": "string", "format": "date"},
    "flag": lambda f: {"type": "boolean", "default": f.default},
}


def search_parameter(field: Field) -> dict:
    """The OpenAPI query parameter of a field of a search request (``search.request.FIELDS``)."""
    if field.kind == "list":
        return _list_param(field.name, field.en, {"type": "string", "enum": list(field.choices)} if field.choices
                           else None)
    if field.kind == "years":
        return _list_param(field.name, field.en,
                           {"type": "integer", "minimum": field.minimum, "maximum": field.maximum})
    return {"name": field.name, "in": "query", "required": False, "schema": _SCHEMAS[field.kind](field),
            "description": field.en}


SEARCH_PARAMETERS = [search_parameter(field) for field in FIELDS]

ARTICLE_ID = {"name": "id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:~-]{0,199}$"}}
ARTICLE_ERRORS = {"404": _json("Error", "No article has this id (or the id is malformed)."), "503": ERRORS["503"],
                  "500": ERRORS["500"]}


_FILTER_PARAMETERS = [p for p in SEARCH_PARAMETERS if p["name"] in (*FILTERS, "date_from", "date_to")]
_INTERVAL_PARAMETER = {
    "name": "interval", "in": "query", "required": False, "schema": {"type": "string", "enum": list(INTERVALS)},
    "description": "year, month or day; absent: chosen from the span of the matches (days up to 62 days, months up "
                   "to 48 months, else years). At most 5,000 periods.",
}
TIMELINE_PARAMETERS = [SEARCH_PARAMETERS[0], _INTERVAL_PARAMETER, *_FILTER_PARAMETERS]
TRENDS_PARAMETERS = [
    {"name": "q", "in": "query", "required": True, "style": "form", "explode": True,
     "schema": {"type": "array", "items": {"type": "string", "maxLength": 2000}, "minItems": 1,
                "maxItems": MAX_TREND_QUERIES},
     "description": f"1 to {MAX_TREND_QUERIES} queries, one parameter each (q=grève&q=%22gilets+jaunes%22); "
                    "each counts "
                    "what /api/search finds for it."},
    _INTERVAL_PARAMETER, *_FILTER_PARAMETERS,
]

def openapi_document() -> dict:
    """The OpenAPI 3.1 document of the API."""
    from .entity_views import OPENAPI_PATHS as ENTITY_PATHS  # issue 20
    from .entity_views import OPENAPI_SCHEMAS as ENTITY_SCHEMAS
    from .export_openapi import PATHS as EXPORT_PATHS  # issue 19's research views
    from .export_openapi import SCHEMAS as EXPORT_SCHEMAS

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Presse API", "version": "1",
            "description": "Full-text search over a French press archive. Errors are "
                           "{\"error\": {\"fr\": \"…\", \"en\": \"…\"}}.",
        },
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Search the archive.", "parameters": SEARCH_PARAMETERS,
                "responses": {"200": _json("SearchResults", "One page of results."), **ERRORS},
            }},
            "/api/articles/{id}": {"get": {
                "operationId": "getArticle", "summary": "One whole article.", "parameters": [ARTICLE_ID],
                "responses": {"200": _json("Article", "The article."), **ARTICLE_ERRORS},
            }},
            "/api/timeline": {"get": {
                "operationId": "timeline", "summary": "Matching articles per year, month or day (all filters applied).",
                "parameters": TIMELINE_PARAMETERS,
                "responses": {"200": _json("Timeline", "Counts per period."), **ERRORS},
            }},
            "/api/trends": {"get": {
                "operationId": "trends", "summary": "Several queries' counts over the same periods and filters.",
                "parameters": TRENDS_PARAMETERS,
                "responses": {"200": _json("Trends", "One series per query."), **ERRORS},
            }},
            "/api/stats": {"get": {
                "operationId": "stats", "summary": "What the archive holds.",
                "responses": {"200": _json("Stats", "Archive statistics."), "503": ERRORS["503"],
                              "500": ERRORS["500"]},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            **EXPORT_PATHS,
            **ENTITY_PATHS,
        },
        "components": {"schemas": {**SCHEMAS, **EXPORT_SCHEMAS, **ENTITY_SCHEMAS}},
    }
