"""Security headers on every response, and JSON that is safe to read as HTML."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# The characters that could start markup, escaped as JSON allows: "<script>" becomes "\u003cscript\u003e".
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


class HtmlSafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, UTF-8 and with ``< > & '`` escaped, so that no JSON answer can be read as markup."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        return super().dumps(obj, **kwargs).translate(_HTML_SAFE)


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    app.json = HtmlSafeJSONProvider(app)
    app.after_request(add_headers)
