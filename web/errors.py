"""Error pages: French HTML everywhere, ``{"error": {"fr", "en"}}`` JSON under /api; never a traceback."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from presse.search import PresseIndexError

from .archive import ArchiveUnavailable, unavailable_hint
from .params import ParamError

MESSAGES = {
    400: ("Requête invalide", "Cette requête ne peut pas être traitée.", "Bad request."),
    404: ("Page introuvable", "Cette page n'existe pas ou plus.", "Not found."),
    405: ("Méthode non autorisée", "Cette adresse ne s'utilise qu'en lecture (GET).", "Method not allowed."),
    413: ("Requête trop grande", "La requête envoyée est trop grande.", "Request too large."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. Réessayez plus tard ; si elle persiste, "
          "signalez-la à l'administrateur du site.", "Internal server error."),
    503: ("Index indisponible", "L'index de recherche n'est pas disponible.", "The search index is unavailable."),
}


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, fr: str | None = None, en: str | None = None, *, detail: str | None = None):
    title, default_fr, default_en = MESSAGES.get(status, (f"Erreur {status}", "La requête a échoué.", "Error."))
    if wants_json():
        response = jsonify(error={"fr": fr or default_fr, "en": en or default_en})
        response.status_code = status
        return response
    html = render_template("error.html", status=status, title=title, message=fr or default_fr, detail=detail)
    return make_response(html, status)


def handle_http(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    response = error_response(exc.code)
    if exc.code == 405:
        response.headers["Allow"] = ", ".join(exc.valid_methods or ["GET", "HEAD"])
    return response


def handle_param(exc: ParamError):
    return error_response(400, exc.fr, exc.en)


def handle_unavailable(exc: Exception):
    reason = str(exc)
    how = unavailable_hint()
    if wants_json():
        return error_response(503, f"L'index de recherche n'est pas disponible. {reason} {how}",
                              "The search index is unavailable: build it with 'presse index' (details in French).")
    return error_response(503, reason, detail=how)


def handle_500(exc: InternalServerError):
    # Flask has already logged the traceback (app.log_exception); the user sees a generic message.
    return error_response(500)


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ParamError, handle_param)
    app.register_error_handler(ArchiveUnavailable, handle_unavailable)
    app.register_error_handler(PresseIndexError, handle_unavailable)
    app.register_error_handler(InternalServerError, handle_500)
