"""The French pages: home, results, article, help, about, OpenSearch description."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for

from presse.indexer.article import is_valid_id
from presse.search import QueryError

from .archive import ArchiveUnavailable, archive_problem, current_archive, serving_cluster
from .errors import error_response
from .params import ParamError, SearchState, parse_search, query_text, shown_text

bp = Blueprint("pages", __name__)

# Example queries on the home page: (query, what it shows).
EXAMPLES = (
    ('"corridor Nord-Sud"', "une expression exacte"),
    ("pétrole SAUF Russie", "un mot sans un autre"),
    ("pezeshkian~", "une orthographe approchée"),
    ("titre:Iran", "dans les titres seulement"),
    ("gouvern*", "tous les mots qui commencent par gouvern"),
    ("grève date:1995", "une année"),
)
_PLAIN_WORD = re.compile(r"[^\W\d_]{3,}")
FACET_LABELS = {"source": "Source", "year": "Année", "author": "Auteur", "section": "Rubrique"}


@bp.app_context_processor
def common_context():
    return {"archive_problem": archive_problem(), "facet_labels": FACET_LABELS, "on_cluster": serving_cluster()}


@bp.get("/")
def home():
    stats = current_archive().stats()
    return render_template("home.html", stats=stats, examples=EXAMPLES)


@bp.get("/recherche")
def results():
    per_page = current_app.config["PRESSE_PER_PAGE"]
    try:
        state = parse_search(request.args, default_per_page=per_page)
    except ParamError as exc:
        state = SearchState(q=query_text(request.args), default_per_page=per_page, per_page=per_page)
        return _results_error(state, exc.fr)
    if not state.q and not state.has_filters:
        return redirect(url_for(".home"))
    try:
        page = current_archive().search(**state.request().search_kwargs())  # every facet, entities included
    except QueryError as exc:
        return _results_error(state, str(exc))
    fuzzy_q = f"{state.q}~" if not page.total and _PLAIN_WORD.fullmatch(state.q) else None
    return render_template("results.html", state=state, page=page, facets=page.facets,
                           pages=page_window(page.page, page.pages), fuzzy_q=fuzzy_q)


def _results_error(state: SearchState, message: str):
    current_archive()  # an unavailable index is a 503, not a 400
    return make_response(render_template("results.html", state=state, page=None, error=message, pages=[]), 400)


@bp.get("/article/<article_id>")
def article(article_id: str):
    q = shown_text(request.args.get("q"))
    archive = current_archive()
    view = archive.get(article_id, q=q) if is_valid_id(article_id) else None
    if view is None:
        return error_response(404, "Aucun article ne porte cet identifiant : il a peut-être été retiré de l'archive.")
    similar = archive.more_like(article_id, limit=5)
    return render_template("article.html", article=view, similar=similar, q=q, header_q=q)


@bp.get("/aide")
def help_page():
    return render_template("help.html")


@bp.get("/a-propos")
def about():
    try:
        stats = current_archive().stats()
    except ArchiveUnavailable:
        stats = None
    return render_template("about.html", stats=stats)


@bp.get("/opensearch.xml")
def opensearch():
    xml = render_template("opensearch.xml", results_url=url_for(".results", _external=True),
                          home_url=url_for(".home", _external=True),
                          icon_url=url_for("static", filename="favicon.svg", _external=True))
    response = make_response(xml)
    response.mimetype = "application/opensearchdescription+xml"
    return response


def page_window(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers to link to: the first, the last and a few around ``current``; None marks a gap.

    >>> page_window(6, 20)
    [1, None, 4, 5, 6, 7, 8, None, 20]
    """
    if last <= 1:
        return [] if current <= 1 else [1]
    wanted = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and n - out[-1] > 1:
            out.append(None if n - out[-1] > 2 else n - 1)
        out.append(n)
    return out
