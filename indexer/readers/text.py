"""Plain text files (``.txt``): a scraped page or a plain article.

Page chrome is dropped (``chrome``), and Wix ``Photo du rédacteur: …`` bylines, which give the
author. Metadata lines before and right after the title are read and removed: ``Par Jean Dupont``,
``Auteur : …``, ``Date : …``, ``Publié le …``, ``Mis à jour le …``, a line holding only a date,
``Source : …``, ``Mots-clés : a, b``… (``_TXT_KEYS``). The first other line is the title (a line
over ``limits.LONG_TITLE_CHARS`` characters is kept in the body and the title is its shortened
start); the rest is the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..article import Article, make_id
from ..dates import parse_french_date
from ..decoding import clean_text
from . import limits
from .chrome import is_chrome
from .fields import SPACES_RE, fold_key, make_article, shorten
from .source import Skip, Source, read_text

_WIX_AUTHOR_RE = re.compile(r"^photo du r[ée]dacteur\s*:?\s*(.*)$", re.IGNORECASE)
_KEY_LINE_RE = re.compile(r"^([^\W\d_][\w' -]{0,30}?)\s*:\s*(.*)$")
_DATE_PREFIX_RE = re.compile(
    r"^(publi[ée]e?|mis en ligne|mise? (?:a|à) jour|derni[eè]re mise (?:a|à) jour|modifi[ée]e?|actualis[ée]e?)"
    r"(?:\s+le)?\s*:?\s*(.*)$",
    re.IGNORECASE,
)
_DATE_LINE_RE = re.compile(
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?(?:le\s+)?\d[\w\s.,:/-]*", re.IGNORECASE
)
_BY_RE = re.compile(r"^(?:par|by)\s+(.+)$", re.IGNORECASE)
_BY_END_RE = re.compile(r",?\s+(?:le|publi[ée]|mis à jour)\s.*$|\s+[-–—|]\s.*$", re.IGNORECASE)

_TXT_KEYS = {
    "titre": "title", "title": "title",
    "auteur": "author", "auteurs": "author", "author": "author", "signature": "author",
    "date": "date", "date de publication": "date", "publie le": "date",
    "source": "source", "journal": "source",
    "editeur": "publisher", "publisher": "publisher",
    "url": "url", "lien": "url", "adresse": "url",
    "rubrique": "section", "section": "section", "categorie": "section",
    "mots-cles": "tags", "mots cles": "tags", "tags": "tags", "keywords": "tags",
    "chapeau": "lead", "chapo": "lead",
    "langue": "language", "language": "language",
}



def _undouble(text: str) -> str:
    """Wix repeats the byline: "X: roleX: role" → "X: role"."""
    half = len(text) // 2
    if len(text) % 2 == 0 and half and text[:half] == text[half:]:
        return text[:half]
    return text


def _header_line(line: str, meta: dict[str, Any]) -> bool:
    """Read ``line`` as a metadata line into ``meta``; False when it is not one."""
    if len(line) > 300:
        return False
    match = _WIX_AUTHOR_RE.match(line)
    if match:
        author = _undouble(match.group(1).strip()).split(":")[0].strip()
        if author:
            meta.setdefault("author", author)
        return True
    match = _DATE_PREFIX_RE.match(line)
    if match:
        value = parse_french_date(match.group(2))
        if value is None:
            return False
        kind = "date" if match.group(1).lower().startswith(("publi", "mis en")) else "updated"
        meta.setdefault(kind, value)
        return True
    match = _KEY_LINE_RE.match(line)
    if match:
        field = _TXT_KEYS.get(fold_key(match.group(1)))
        if field is None:
            return False
        value = match.group(2).strip()
        if field == "date":
            parsed = parse_french_date(value)
            if parsed is not None:
                meta.setdefault("date", parsed)
        elif field == "tags":
            meta.setdefault("tags", [value])
        elif value:
            meta.setdefault(field, value)
        return True
    match = _BY_RE.match(line)
    if match:
        name = match.group(1)
        short = _BY_END_RE.sub("", name).strip(" ,")
        if short and len(short) <= 80 and len(short.split()) <= 8 and short[0].isupper() and short[-1] not in ".!?…":
            meta.setdefault("author", short)
            when = parse_french_date(name)
            if when is not None:
                meta.setdefault("date", when)
            return True
        return False
    if len(line) <= 40:
        value = parse_french_date(line)
        if value is not None and _DATE_LINE_RE.fullmatch(line):
            meta.setdefault("date", value)
            return True
    return False


def read_txt(src: Source) -> Iterator[Article | Skip]:
    """The article of a text file (or why it is skipped)."""
    text = read_text(src)
    yield text if isinstance(text, Skip) else _parse_txt(src, clean_text(text))


def _parse_txt(src: Source, text: str) -> Article | Skip:
    lines = text.split("\n")
    meta: dict[str, Any] = {}
    title: str | None = None
    body_lines: list[str] = []
    i = 0
    while i < len(lines):
        line = SPACES_RE.sub(" ", lines[i]).strip()
        if not line or is_chrome(line) or _header_line(line, meta):
            i += 1
            continue
        if title is None and "title" not in meta:
            if len(line) > limits.LONG_TITLE_CHARS:
                title = shorten(line)
                break  # the long line stays in the body
            title = line
            i += 1
            continue
        break
    for raw in lines[i:]:
        line = raw.strip()
        if line and (is_chrome(line) or _WIX_AUTHOR_RE.match(line)):
            continue
        body_lines.append(raw)
    title = meta.get("title") or title or ""
    return make_article(
        src,
        make_id(src.stem),
        title=title,
        body="\n".join(body_lines),
        date=meta.get("date") or meta.get("updated"),
        author=meta.get("author"),
        source=meta.get("source"),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        lead=meta.get("lead"),
        section=meta.get("section"),
        tags=meta.get("tags", ()),
        language=meta.get("language"),
    )


