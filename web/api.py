"""The JSON API under /api: search, one article, archive statistics, and its OpenAPI description."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, request

from indexer.article import is_valid_id
from search import QueryError

from .archive import current_archive
from .errors import error_response
from .openapi import openapi_document
from .params import parse_facets, parse_search

bp = Blueprint("api", __name__, url_prefix="/api")
API_PER_PAGE = 20


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    return error_response(400, str(exc), "The query or a parameter cannot be searched (the French message says why).")


@bp.get("/search")
def search():
    state = parse_search(request.args, default_per_page=API_PER_PAGE, comma_lists=True)
    facets = parse_facets(request.args)
    page = current_archive().search(state.q, **state.search_kwargs(facets))
    return jsonify(
        total=page.total, page=page.page, per_page=page.per_page, took_ms=page.took_ms,
        collapse=page.collapse, collapsed_total=page.collapsed_total,
        hits=[{
            "id": h.id, "title": h.title, "source": h.source, "author": h.author, "date": _iso(h.date),
            "url": h.url, "score": h.score, "snippet": h.snippet, "lead": h.lead, "section": h.section,
            "group": h.group, "other_versions": h.other_versions, "versions": _versions(h.versions),
        } for h in page.hits],
        facets={name: [{"value": v.value, "count": v.count} for v in values] for name, values in page.facets.items()},
        suggestion=page.suggestion, rewritten=page.rewritten, relaxed=page.relaxed,
    )


@bp.get("/articles/<article_id>")
def article(article_id: str):
    view = current_archive().get(article_id) if is_valid_id(article_id) else None
    if view is None:
        return error_response(404, "Aucun article ne porte cet identifiant.", "No article has this id.")
    return jsonify(
        id=view.id, title=view.title, lead=view.lead, body=view.body, date=_iso(view.date), source=view.source,
        author=view.author, publisher=view.publisher, url=view.url, section=view.section, tags=list(view.tags),
        language=view.language, versions=_versions(view.versions),
    )


@bp.get("/stats")
def stats():
    s = current_archive().stats()
    return jsonify(
        articles=s.articles, sources=[{"value": v.value, "count": v.count} for v in s.sources],
        date_min=_iso(s.date_min), date_max=_iso(s.date_max), size_bytes=s.size_bytes,
        analysis_version=s.analysis_version,
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _versions(versions) -> list[dict]:
    return [{"id": v.id, "title": v.title, "date": _iso(v.date), "source": v.source, "url": v.url} for v in versions]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
