"""The research views over a whole result set (issue 19): concordance, export, citations, Atom feeds.

Pages: ``/concordance`` (keyword in context), ``/recherche/citer`` (« Citer cette recherche »), the
« Citer » block of the article page and its BibTeX / RIS downloads. Files, streamed: ``/export``
(CSV, JSON Lines, RIS, BibTeX), ``/concordance.csv``, the Atom feed ``/recherche.atom``. The JSON
API has the same under ``/api`` (errors in JSON there). Every route reads the search form's
parameters (``web.params.parse_search``) and asks ``search.Archive`` for the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify, make_response, render_template, request, url_for
from unidecode import unidecode
from werkzeug.datastructures import MultiDict

from presse.indexer.article import is_valid_id
from presse.search import QueryError
from presse.search import concordance as kwic
from presse.search import export as search_export
from presse.search.citation import (
    SearchCitation,
    bibtex_entry,
    bibtex_key,
    citation_parts,
    french_date,
    ris_entry,
    web_url,
)
from presse.search.concordance import DEFAULT_PER_PAGE, DEFAULT_WIDTH, MAX_WIDTH
from presse.search.concordance import SORTS as KWIC_SORTS
from presse.search.export import EXTENSIONS, FORMATS, MEDIA_TYPES, Record, TooLarge, concordance_csv

from .archive import current_archive
from .errors import error_response, wants_json
from .feeds import atom_feed
from .params import FILTERS, ParamError, SearchState, _int, parse_search

bp = Blueprint("exports", __name__)

KWIC_SORT_LABELS = {"date": "date, des plus anciens aux plus récents",
                    "-date": "date, des plus récents aux plus anciens",
                    "left": "mot à gauche", "right": "mot à droite"}
KWIC_MAX_PER_PAGE = 100
FORMAT_LABELS = {"csv": "CSV", "jsonl": "JSON Lines", "ris": "RIS", "bibtex": "BibTeX"}
FEED_ENTRIES = 20
FEED_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
DATE_FILTERS = ("date_from", "date_to")
_SLUG = re.compile(r"[^a-z0-9]+")


@bp.app_context_processor
def export_context() -> dict:
    """What the results page's tools need: the export formats and bound."""
    return {"export_formats": FORMAT_LABELS, "export_bound": search_export.MAX_ARTICLES}


# ------------------------------------------------------------------------------------ parameters

def search_state(*, drop: tuple[str, ...] = ("page", "per_page", "sort")) -> SearchState:
    """The search form's parameters of this request, without those in ``drop`` (read by the view itself).

    :raises ParamError: a parameter cannot be used (French and English messages).
    """
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in drop])
    return parse_search(args, default_per_page=current_app.config["PRESSE_PER_PAGE"], comma_lists=wants_json())


def filters_of(state: SearchState) -> dict:
    """The filters of ``state`` as keyword arguments of ``Archive`` (source, author, section, year, dates)."""
    out: dict = {name: list(getattr(state, name)) for name in FILTERS}
    out.update(date_from=state.date_from, date_to=state.date_to)
    return out


def _choice(name: str, choices, default: str) -> str:
    value = (request.args.get(name) or default).strip()
    if value not in choices:
        raise ParamError(f"Valeur inconnue pour {name} : « {value[:40]} » (choisissez parmi {', '.join(choices)}).",
                         f"Unknown value for {name}: '{value[:40]}' (use one of {', '.join(choices)}).")
    return value


def _limit(bound: int) -> int | None:
    if not (request.args.get("limit") or "").strip():
        return None
    return _int(request.args.get("limit"), "limit", bound, minimum=1, maximum=bound)


def kwic_params() -> dict:
    """The concordance's own parameters: sort, width, page, per_page."""
    return {
        "sort": _choice("sort", KWIC_SORTS, "date"),
        "width": _int(request.args.get("width"), "width", DEFAULT_WIDTH, minimum=1, maximum=MAX_WIDTH),
        "page": _int(request.args.get("page"), "page", 1, minimum=1, maximum=kwic.MAX_LINES),
        "per_page": _int(request.args.get("per_page"), "per_page", DEFAULT_PER_PAGE, minimum=1,
                         maximum=KWIC_MAX_PER_PAGE),
    }


def filename(kind: str, q: str, extension: str) -> str:
    """``presse-export-petrole-gaz-20241012.csv``: ASCII only, so that no header can be broken."""
    slug = _SLUG.sub("-", unidecode(q).lower()).strip("-")[:40].strip("-") or "tout"
    return f"presse-{kind}-{slug}-{dt.date.today():%Y%m%d}.{extension}"


def _download(chunks: Iterator[str], media_type: str, name: str) -> Response:
    response = Response(chunks, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    """400 with the French message (JSON under /api)."""
    return error_response(400, str(exc), "The query or a parameter cannot be used (the French message says why).")


@bp.errorhandler(TooLarge)
def too_large(exc: TooLarge):
    """400: the French message, and (on the HTML side) a link to export the first ``exc.bound`` only."""
    if wants_json():
        return error_response(400, str(exc), f"More than {exc.bound} items: narrow the search or pass "
                                             f"limit={exc.bound}.")
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "limit"}
    html = render_template("export_too_large.html", message=str(exc), bound=exc.bound,
                           first_url=url_for(request.endpoint, **args, limit=exc.bound))
    return make_response(html, 400)


# ------------------------------------------------------------------------------------ concordance

@bp.get("/concordance")
def concordance():
    """The concordance page: one line per occurrence, sortable, paginated, exportable."""
    try:
        state = search_state()
        params = kwic_params()
    except ParamError as exc:
        state = SearchState(q=(request.args.get("q") or "").strip())
        return _concordance_page(state, None, {"sort": "date", "width": DEFAULT_WIDTH}, exc.fr, 400)
    if not state.q:
        return _concordance_page(state, None, params, None, 200)
    try:
        result = current_archive().concordance(state.q, **params, **filters_of(state))
    except QueryError as exc:
        return _concordance_page(state, None, params, str(exc), 400)
    return _concordance_page(state, result, params, None, 200)


def _concordance_page(state: SearchState, result, params: dict, error: str | None, status: int):
    current_archive()  # an unavailable index is a 503, not a 400
    html = render_template("concordance.html", state=state, result=result, params=params, error=error,
                           sorts=KWIC_SORT_LABELS, widths=(3, 5, 8, 12, 20), max_lines=kwic.MAX_LINES)
    return make_response(html, status)


@bp.get("/concordance.csv")
@bp.get("/api/concordance.csv", endpoint="api_concordance_export")
def concordance_export():
    """Every line of the concordance as CSV, streamed (at most ``MAX_LINES``; ``limit`` for the first N)."""
    state = search_state(drop=("page", "per_page", "sort", "limit"))
    params = kwic_params()
    lines = current_archive().concordance_lines(state.q, width=params["width"], sort=params["sort"],
                                                limit=_limit(kwic.MAX_LINES), **filters_of(state))
    return _download(concordance_csv(lines), MEDIA_TYPES["csv"], filename("concordance", state.q, "csv"))


@bp.get("/api/concordance")
def api_concordance():
    """One page of the concordance, as JSON."""
    state = search_state()
    page = current_archive().concordance(state.q, **kwic_params(), **filters_of(state))
    return jsonify(
        query=page.query, sort=page.sort, width=page.width, page=page.page, per_page=page.per_page,
        articles=page.articles, total=page.total, has_next=page.has_next, truncated=page.truncated,
        took_ms=page.took_ms,
        lines=[{"id": line.id, "title": line.title, "date": _iso(line.date), "source": line.source, "url": line.url,
                "field": line.field, "offset": line.offset, "left": line.left, "match": line.match,
                "right": line.right}
               for line in page.lines])


# ------------------------------------------------------------------------------------ export

@bp.get("/export")
@bp.get("/api/export", endpoint="api_export")
def export():
    """The whole result set as CSV, JSON Lines, RIS or BibTeX, streamed (at most ``MAX_ARTICLES``)."""
    state = search_state(drop=("page", "per_page", "limit", "format"))
    format = _choice("format", FORMATS, "csv")
    chunks = current_archive().export(state.q, format, sort=state.sort, limit=_limit(search_export.MAX_ARTICLES),
                                      **filters_of(state))
    return _download(chunks, MEDIA_TYPES[format], filename("export", state.q, EXTENSIONS[format]))


# ------------------------------------------------------------------------------------ feeds

@bp.get("/recherche.atom")
@bp.get("/api/search.atom", endpoint="api_feed")
def feed():
    """The Atom feed of a search: its newest matches (a feed reader pointed at it is the alert)."""
    state = search_state(drop=("page", "per_page", "sort", "facets"))
    page = current_archive().search(state.q, per_page=FEED_ENTRIES, sort="-date", facets=(), **filters_of(state))
    args = state.args(sort="relevance")
    xml = atom_feed(
        title=f"Presse — « {state.q} »" if state.q else "Presse — derniers articles",
        subtitle=_describe(state), feed_url=url_for(request.endpoint, **args, _external=True),
        results_url=url_for("pages.results", **state.args(sort="-date"), _external=True), hits=page.hits,
        article_url=lambda hit: url_for("pages.article", article_id=hit.id, _external=True))
    response = make_response(xml)
    response.headers["Content-Type"] = FEED_MEDIA_TYPE
    return response


def _describe(state: SearchState) -> str:
    """The search in French words: « les articles les plus récents pour … (source : …) »."""
    parts = [f"{name_fr} : {', '.join(str(v) for v in getattr(state, name))}"
             for name, name_fr in (("source", "source"), ("author", "auteur"), ("section", "rubrique"),
                                   ("year", "année")) if getattr(state, name)]
    if state.date_from:
        parts.append(f"depuis le {french_date(dt.date.fromisoformat(state.date_from))}")
    if state.date_to:
        parts.append(f"jusqu'au {french_date(dt.date.fromisoformat(state.date_to))}")
    what = f"« {state.q} »" if state.q else "tous les articles"
    return f"Les articles les plus récents pour {what}" + (f" ({' ; '.join(parts)})" if parts else "") + "."


# ------------------------------------------------------------------------------------ citing a search

@bp.get("/recherche/citer")
def cite_search():
    """« Citer cette recherche »: permalink, date, result count, archive state, Python snippet."""
    state, citation = _cited_search()
    return render_template("cite_search.html", state=state, citation=citation, described=_describe_filters(state),
                           permalink=url_for("pages.results", **state.args(), _external=True),
                           searched=_french_datetime(citation.searched_at))


@bp.get("/api/search/citation")
def api_cite_search():
    """« Citer cette recherche » as JSON."""
    state, citation = _cited_search()
    return jsonify(
        query=citation.query, parameters=citation.parameters, searched_at=citation.searched_at.isoformat(),
        total=citation.total, archive={"generation": citation.generation, "articles": citation.articles},
        fingerprint=citation.fingerprint, python=citation.python,
        permalink=url_for("pages.results", **state.args(), _external=True))


def _cited_search() -> tuple[SearchState, SearchCitation]:
    state = search_state(drop=("page",))
    return state, current_archive().cite_search(state.q, sort=state.sort, **filters_of(state))


def _describe_filters(state: SearchState) -> list[tuple[str, str]]:
    """(label, value) of the search's parameters, in French, for the citation page."""
    out = [("Recherche", f"« {state.q} »" if state.q else "(tous les articles)")]
    for name, label in (("source", "Source"), ("author", "Auteur"), ("section", "Rubrique"), ("year", "Année")):
        if getattr(state, name):
            out.append((label, ", ".join(str(v) for v in getattr(state, name))))
    for name, label in (("date_from", "Du"), ("date_to", "Au")):
        if getattr(state, name):
            out.append((label, french_date(dt.date.fromisoformat(getattr(state, name)))))
    out.append(("Tri", {"relevance": "pertinence", "-date": "plus récents d'abord", "date": "plus anciens d'abord"}
                [state.sort]))
    return out


def _french_datetime(value: dt.datetime) -> str:
    return f"{french_date(value.date())} à {value:%H} h {value:%M} (UTC)"


# ------------------------------------------------------------------------------------ citing an article

class ArticleCitation:
    """What the « Citer » block of an article page shows."""

    def __init__(self, article):
        record = Record.from_article(article)
        page_url = url_for("pages.article", article_id=article.id, _external=True)
        self.url = web_url(article.url) or page_url
        self.parts = citation_parts(record, consulted=dt.date.today(), url=self.url)
        self.text = "".join(text for text, _ in self.parts)
        self.ris_url = url_for("exports.article_citation", article_id=article.id, format="ris")
        self.bibtex_url = url_for("exports.article_citation", article_id=article.id, format="bib")


@bp.app_template_global()
def article_citation(article) -> ArticleCitation:
    """The citation of an ``ArticleView`` (for the article page's « Citer » block and meta tags)."""
    return ArticleCitation(article)


@bp.get("/article/<article_id>/citation.<any(ris, bib):format>", endpoint="article_citation")
def article_citation_file(article_id: str, format: str):
    """One article's citation as a RIS or BibTeX file."""
    kind = "ris" if format == "ris" else "bibtex"
    text = current_archive().cite(article_id, kind) if is_valid_id(article_id) else None
    if text is None:
        return error_response(404, "Aucun article ne porte cet identifiant.", "No article has this id.")
    slug = _SLUG.sub("-", article_id.lower()).strip("-")
    return _download(iter([text]), MEDIA_TYPES[kind], f"presse-{slug}.{format}")


@bp.get("/api/articles/<article_id>/citation")
def api_article_citation(article_id: str):
    """One article's citation: French style, RIS and BibTeX."""
    view = current_archive().get(article_id) if is_valid_id(article_id) else None
    if view is None:
        return error_response(404, "Aucun article ne porte cet identifiant.", "No article has this id.")
    citation, record = ArticleCitation(view), Record.from_article(view)
    return jsonify(id=view.id, text=citation.text, url=citation.url, ris=ris_entry(record),
                   bibtex=bibtex_entry(record, bibtex_key(record.id, set())))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
