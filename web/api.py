"""The JSON API under /api: search, one article, archive statistics, and its OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from presse.indexer.article import is_valid_id
from presse.search import QueryError
from presse.search.request import FIELD, facet_json, iso_date, page_json, versions_json

from .archive import current_archive
from .errors import error_response
from .openapi import openapi_document
from .params import parse_request

bp = Blueprint("api", __name__, url_prefix="/api")
API_PER_PAGE = FIELD["per_page"].default


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    return error_response(400, str(exc), "The query or a parameter cannot be searched (the French message says why).")


@bp.get("/search")
def search():
    search_request = parse_request(request.args, default_per_page=API_PER_PAGE, comma_lists=True)
    return jsonify(page_json(current_archive().search(**search_request.search_kwargs())))


@bp.get("/articles/<article_id>")
def article(article_id: str):
    view = current_archive().get(article_id) if is_valid_id(article_id) else None
    if view is None:
        return error_response(404, "Aucun article ne porte cet identifiant.", "No article has this id.")
    return jsonify(
        id=view.id, title=view.title, lead=view.lead, body=view.body, date=iso_date(view.date), source=view.source,
        author=view.author, publisher=view.publisher, url=view.url, section=view.section, tags=list(view.tags),
        language=view.language, versions=versions_json(view.versions),
    )


@bp.get("/stats")
def stats():
    s = current_archive().stats()
    return jsonify(
        articles=s.articles, sources=facet_json(s.sources), date_min=iso_date(s.date_min),
        date_max=iso_date(s.date_max), size_bytes=s.size_bytes,
        analysis_version=s.analysis_version, partial=s.partial, missing=list(s.missing),
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())

