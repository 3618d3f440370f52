"""Named entities in the web UI and the API: the facets « Personnes », « Lieux », « Organisations »
beside the results, the entity page (/entite/personne/Emmanuel Macron) and /api/entities/….

The facets and filters are the search's own (``Archive.search(facets=["person", …])``, the query
filter ``personne:"…"``); a facet link adds that filter to the query, so every view of a search
(timeline, export, concordance, feeds) follows it. When the index has no entities, the facet
column says how to extract them, in French.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from presse.indexer import entities as named
from presse.search import QueryError, entity_query

from .archive import current_archive
from .errors import error_response
from .params import ParamError, SearchState, parse_search

bp = Blueprint("entities", __name__)

KINDS = ("person", "place", "org")
SLUGS = {"person": "personne", "place": "lieu", "org": "organisation"}  # kind → URL segment
KIND_OF_SLUG = {slug: kind for kind, slug in SLUGS.items()}
HEADINGS = {"person": "Personnes", "place": "Lieux", "org": "Organisations"}
SINGULAR = {"person": "Personne", "place": "Lieu", "org": "Organisation"}
RELATED = 10
MAX_NAME_CHARS = 200


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    return error_response(400, str(exc), "The query or a parameter cannot be searched (the French message says why).")


@bp.app_template_global("entity_url")
def entity_url(kind: str, name: str) -> str:
    """The entity page of ``name`` (a name may hold a slash or a question mark: all escaped)."""
    return url_for("entities.entity_page", kind=SLUGS[kind], name=name)


@bp.app_template_global("entity_facets")
def entity_facets(state: SearchState, facets: dict) -> dict:
    """What the results page's entity facets show: per kind, each entity with its count, the
    search with (or, when active, without) its filter, and its page; or, without entities in the
    index, how to get them (French)."""
    analysed = current_archive().entities_analysed()
    groups = []
    for kind in KINDS:
        items = []
        for item in facets.get(kind, ()):
            clause = entity_query(kind, item.value)
            active = _has_clause(state.q, clause)
            q = _without_clause(state.q, clause) if active else f"{state.q} {clause}".strip()
            items.append({"name": item.value, "count": item.count, "active": active,
                          "href": url_for("pages.results", **state.args(q=q)), "page": entity_url(kind, item.value)})
        if items:
            groups.append({"kind": kind, "heading": HEADINGS[kind], "entities": items})
    return {"groups": groups, "analysed": analysed, "hint": None if analysed else enable_hint()}


def enable_hint() -> str:
    """How to get entities into this index, in French (with or without spaCy installed)."""
    if named.available():
        return ("Les personnes, lieux et organisations ne sont pas extraits dans cet index. "
                "Pour les extraire : presse index --entites DOSSIER (seuls les articles pas encore analysés le sont).")
    return "Les personnes, lieux et organisations ne sont pas extraits dans cet index. " + named.INSTALL_HINT


def _has_clause(q: str, clause: str) -> bool:
    return re.search(rf"(?<!\S){re.escape(clause)}(?!\S)", q) is not None


def _without_clause(q: str, clause: str) -> str:
    return " ".join(re.sub(rf"(?<!\S){re.escape(clause)}(?!\S)", " ", q).split())


@bp.app_template_global("article_entities")
def article_entities(article_id: str) -> list[dict]:
    """The entities of an article for its page: per kind, names linked to their entity pages."""
    refs = current_archive().article_entities(article_id)
    return [{"kind": kind, "heading": HEADINGS[kind],
             "entities": [{"name": r.name, "page": entity_url(kind, r.name)} for r in refs if r.kind == kind]}
            for kind in KINDS if any(r.kind == kind for r in refs)]


@bp.get("/entite/<kind>/<path:name>")
def entity_page(kind: str, name: str):
    """One entity: its timeline, the entities found with it, its articles (newest first)."""
    kind_code = KIND_OF_SLUG.get(kind)
    if kind_code is None:
        return error_response(404, "Cette page n'existe pas : les entités sont des personnes, des lieux ou des "
                                   "organisations (/entite/personne/…, /entite/lieu/…, /entite/organisation/…).")
    archive = current_archive()
    name = name.strip()
    view = archive.entity(kind_code, name[:MAX_NAME_CHARS], related=RELATED) if name else None
    if view is None:
        message = (f"Aucun article de l'archive ne mentionne « {name[:MAX_NAME_CHARS]} » "
                   f"({SINGULAR[kind_code].lower()}).")
        if not archive.entities_analysed():
            message += " " + enable_hint()
        return error_response(404, message)
    if view.name != name:  # another form (« macron »): the page lives at the entity's name
        return redirect(entity_url(kind_code, view.name) + _query_string(), code=302)
    per_page = current_app.config["PRESSE_PER_PAGE"]
    try:
        state = parse_search(request.args, default_per_page=per_page)
    except ParamError as exc:
        return error_response(400, exc.fr, exc.en)
    state = SearchState(q=view.query, sort="-date", page=state.page, per_page=per_page, default_per_page=per_page)
    results = archive.search(view.query, sort="-date", page=state.page, per_page=per_page, facets=())
    related = [{"kind": k, "heading": HEADINGS[k],
                "entities": [{"name": v.value, "count": v.count, "page": entity_url(k, v.value)} for v in values]}
               for k, values in view.related.items() if values]
    return render_template("entity.html", entity=view, kind_label=SINGULAR[kind_code], related=related,
                           results=results, state=state, search_url=url_for("pages.results", q=view.query))


def _query_string() -> str:
    raw = request.query_string.decode("utf-8", "replace")
    return f"?{raw}" if raw else ""


@bp.get("/api/entities/<kind>/<path:name>")
def entity_api(kind: str, name: str):
    """One entity as JSON: name, articles, other forms, related entities, and the query for its articles."""
    if kind not in KINDS:
        return error_response(400, f"Type d'entité inconnu « {kind[:40]} » : choisissez parmi person, place, org.",
                              f"Unknown entity kind '{kind[:40]}': use person, place or org.")
    archive = current_archive()
    view = archive.entity(kind, name.strip()[:MAX_NAME_CHARS], related=RELATED)
    if view is None:
        return error_response(404, "Aucun article de l'archive ne mentionne cette entité.",
                              "No article of the archive mentions this entity.")
    return jsonify(
        kind=view.kind, name=view.name, articles=view.articles, forms=list(view.forms), query=view.query,
        page=url_for("entities.entity_page", kind=SLUGS[kind], name=view.name),
        related={k: [{"value": v.value, "count": v.count} for v in values] for k, values in view.related.items()},
    )


_FACETS = {"type": "array", "entities": {"$ref": "#/components/schemas/FacetCount"}}
OPENAPI_SCHEMAS = {
    "Entity": {
        "type": "object", "additionalProperties": False,
        "required": ["kind", "name", "articles", "forms", "query", "page", "related"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "name": {"type": "string", "description": "The entity's name: its most frequent full form in the archive."},
            "articles": {"type": "integer", "minimum": 1, "description": "Articles that mention it."},
            "forms": {"type": "array", "entities": {"type": "string"},
                      "description": "Other keys found for it (accents and case folded), e.g. a surname alone."},
            "query": {"type": "string", "description": "The /api/search query of its articles: personne:\"…\"."},
            "page": {"type": "string", "description": "Its page in the web UI."},
            "related": {"type": "object", "description": "The entities most often found in the same articles, per "
                                                        "kind, with the number of shared articles.",
                        "properties": {k: _FACETS for k in KINDS}, "additionalProperties": False},
        },
    },
}
OPENAPI_PATHS = {
    "/api/entities/{kind}/{name}": {"get": {
        "operationId": "getEntity", "summary": "One named entity (person, place, organisation) of the archive.",
        "parameters": [
            {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(KINDS)}},
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
             "description": "Its name or any of its forms (accents and case ignored): Emmanuel Macron, macron."},
        ],
        "responses": {
            "200": {"description": "The entity.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entity"}}}},
            "400": {"description": "Unknown kind.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "No article mentions it (or the index has no entities).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "503": {"description": "The index is missing or was built by an incompatible version.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "500": {"description": "Unexpected server error (generic message; details are logged server-side).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }},
}
