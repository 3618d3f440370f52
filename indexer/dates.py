"""French date parsing for the readers.

``parse_french_date`` finds the first valid date in a piece of text (a metadata value, a byline,
a dateline) and returns it as a ``datetime.date``. Recognised forms, anywhere in the text, any
case, with or without accents:

* ISO: ``2024-10-12``, ``2024-10-12T08:30:00+02:00`` (the written date, time zone ignored),
  ``2024-10-12 08:30``, also ``2024/10/12``;
* day first numeric: ``12/10/2024``, ``12.10.2024``, ``12-10-2024``;
* French month names and abbreviations: ``12 oct. 2024``, ``11 octobre 2024``,
  ``1er janvier 2020``, ``lundi 3 février 2020``, ``Publié le 11 octobre 2024 à 10h30``,
  ``Dernière mise à jour : 12 oct. 2024``.

A date that does not exist (``31 février 2024``) or whose year is outside 1700 … today + 1 year
is ignored; when nothing valid is found the result is ``None``. Only the first 10,000 characters
of the text are looked at.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MIN_DATE = dt.date(1700, 1, 1)
MAX_INPUT_CHARS = 10_000

# Folded (lower case, no accents) month names and abbreviations → month number.
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7, "jul": 7,
    "aout": 8, "aou": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO_RE = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_NUMERIC_RE = re.compile(r"(?<![\d.,/-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")
_TEXT_RE = re.compile(
    r"(?<![\d])(\d{1,2})\s*(?:er|re)?\s+(" + _MONTH_ALT + r")(?![a-z])\.?,?\s*(\d{4})(?!\d)"
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def max_date(today: dt.date | None = None) -> dt.date:
    """The latest date accepted: one year after ``today``."""
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def _make_date(year: int, month: int, day: int, upper: dt.date) -> dt.date | None:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    if value < MIN_DATE or value > upper:
        return None
    return value


def parse_french_date(text: str) -> dt.date | None:
    """The first valid date written in ``text`` (French or ISO forms), or ``None``."""
    if not isinstance(text, str) or not text:
        return None
    folded = _fold(text[:MAX_INPUT_CHARS])
    upper = max_date()
    candidates: list[tuple[int, dt.date | None]] = []
    for match in _ISO_RE.finditer(folded):
        year, month, day = (int(g) for g in match.groups())
        candidates.append((match.start(), _make_date(year, month, day, upper)))
    for match in _NUMERIC_RE.finditer(folded):
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        candidates.append((match.start(), _make_date(year, month, day, upper)))
    for match in _TEXT_RE.finditer(folded):
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
        candidates.append((match.start(), _make_date(year, month, day, upper)))
    for _, value in sorted(candidates, key=lambda c: c[0]):
        if value is not None:
            return value
    return None
