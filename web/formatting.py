"""French formatting for the templates, without depending on the system's locales."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
NBSP = "\u00a0"


def french_date(value: dt.date | str | None) -> str:
    """``12 octobre 2024``; the first of the month is ``1er``; ISO strings are accepted; '' for None.

    >>> french_date(dt.date(2024, 1, 1))
    '1er janvier 2024'
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def number(value: int) -> str:
    """Thousands separated by a no-break space, as in French: ``2 112``."""
    return f"{int(value):,}".replace(",", NBSP)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 résultat``, ``2 résultats`` (French: 0 and 1 take the singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)}{NBSP}{word}"


def duration_ms(value: float) -> str:
    """``4 ms``, ``< 1 ms``."""
    return f"<{NBSP}1{NBSP}ms" if value < 1 else f"{number(round(value))}{NBSP}ms"


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL, the only kind the article page links to."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def init_app(app) -> None:
    app.add_template_filter(french_date, "french_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(duration_ms, "duration_ms")
    app.add_template_global(plural, "plural")
    app.add_template_global(is_web_url, "is_web_url")
