"""French formatting for the templates, without depending on the system's locales."""

from __future__ import annotations

from presse.search import web_url
from presse.search.french import MONTHS, NBSP, SHORT_MONTHS, decimal, french_date, number  # noqa: F401 (the templates' filters)


def megabytes(n_bytes: float) -> str:
    """A size in megabytes (10⁶ bytes), one decimal below 100: ``1,2 Mo``, ``512 Mo``."""
    mb = n_bytes / 1e6
    return f"{decimal(mb, 1 if mb < 100 else 0)}{NBSP}Mo"


def seconds(value: float) -> str:
    """A duration: ``0,4 s``, ``42 s``, ``2 min 05 s``, ``1 h 02 min``."""
    if value < 10:
        return f"{decimal(value, 1)}{NBSP}s"
    whole = round(value)
    if whole < 60:
        return f"{whole}{NBSP}s"
    if whole < 3600:
        return f"{whole // 60}{NBSP}min{NBSP}{whole % 60:02d}{NBSP}s"
    return f"{whole // 3600}{NBSP}h{NBSP}{whole % 3600 // 60:02d}{NBSP}min"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 résultat``, ``2 résultats`` (French: 0 and 1 take the singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)}{NBSP}{word}"


def duration_ms(value: float) -> str:
    """``4 ms``, ``< 1 ms``."""
    return f"<{NBSP}1{NBSP}ms" if value < 1 else f"{number(round(value))}{NBSP}ms"


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL, the only kind the article page links to (the rule of
    citations too: ``search.citation.web_url``)."""
    return web_url(url) is not None


def init_app(app) -> None:
    app.add_template_filter(french_date, "french_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(duration_ms, "duration_ms")
    app.add_template_global(plural, "plural")
    app.add_template_global(is_web_url, "is_web_url")
