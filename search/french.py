"""French words and number formats for what users read, in one place (no system locale needed)."""

from __future__ import annotations

import datetime as dt

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
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


def decimal(value: float, digits: int = 1) -> str:
    """A number with ``digits`` decimals, as in French: ``1,05``, ``1 234,5``.

    >>> decimal(1.049, 2)
    '1,05'
    """
    return f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")
