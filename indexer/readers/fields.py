"""Cleaning the fields of an article, whatever the format it was read from, and making the ``Article``.

All kept text goes through ``decoding.clean_text``; one-line fields (title, author…) have their
whitespace collapsed, multi-line ones (body, lead) keep at most one blank line in a row. Fields
longer than their limit (``limits``) are cut, and ``make_article`` reports the cut as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..article import Article
from ..decoding import clean_text
from . import limits
from .source import NO_TEXT, Skip, Source

SPACES_RE = re.compile(r"[ \t\n\r\f\v]+")
_HSPACES_RE = re.compile(r"[ \t]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_LINE_EDGES_RE = re.compile(r" *\n *")
_LANG_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")


def one_line(text: str | None, limit: int | None = None) -> str:
    """Clean text for a one-line field (title, author…): whitespace collapsed, cut at ``limit``
    (default ``limits.MAX_FIELD_CHARS``)."""
    return cut_line(text, limit)[0]


def cut_line(text: str | None, limit: int | None = None) -> tuple[str, bool]:
    """``one_line``, and whether text was cut off."""
    if not text:
        return "", False
    if limit is None:
        limit = limits.MAX_FIELD_CHARS
    text = clean_text(text[: limit * 4])
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = SPACES_RE.sub(" ", text)
    text = text.strip()
    return text[:limit].strip(), len(text) > limit


def block(text: str | None, limit: int) -> tuple[str, bool]:
    """Clean multi-line text (body, lead): lines stripped, at most one blank line in a row, cut at
    ``limit`` characters; and whether text was cut off."""
    if not text:
        return "", False
    kept = limit + limit // 10 + 1000
    cut = len(text) > kept
    text = clean_text(text[:kept])
    # Whole-text substitutions (not line by line): this runs on every body of big collections.
    if "\t" in text or "  " in text:
        text = _HSPACES_RE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES_RE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES_RE.sub("\n\n", text)
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rstrip()
        cut = True
    return text, cut


def thousands(n: int) -> str:
    """``2 000 000``: thousands separated by a no-break space, as in French."""
    return f"{n:,}".replace(",", "\u00a0")


def shorten(text: str, size: int = 120) -> str:
    """``text`` cut at a word boundary before ``size`` characters, with "…" when cut."""
    if len(text) <= size:
        return text
    cut = text[:size].rsplit(" ", 1)[0] or text[:size]
    return cut.rstrip(" ,;:.-") + "…"


def language_code(value: str | None) -> str:
    """The primary subtag of a language tag ("fr-FR" → "fr"); "fr" when there is none."""
    match = _LANG_RE.match(one_line(value).lower()) if value else None
    return match.group(1) if match else "fr"


def clean_tags(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct tags of ``values`` (each may hold several, separated by "," or ";"), in order,
    at most ``limits.MAX_TAGS``."""
    out: dict[str, None] = {}
    for value in values:
        for part in re.split(r"[,;]", value):
            tag = one_line(part, 200)
            if tag:
                out.setdefault(tag, None)
                if len(out) >= limits.MAX_TAGS:
                    return tuple(out)
    return tuple(out)


def strip_by(author: str) -> str:
    """An author without a leading "par" / "by" and stray punctuation."""
    author = re.sub(r"^(?:par|by)\s+", "", author, flags=re.IGNORECASE)
    return author.strip(" :-–—|,")


def make_article(
    src: Source,
    article_id: str,
    *,
    title: str | None,
    body: str | None,
    line: int | None = None,
    date=None,
    author: str | None = None,
    source: str | None = None,
    publisher: str | None = None,
    url: str | None = None,
    lead: str | None = None,
    section: str | None = None,
    tags: Iterable[str] = (),
    language: str | None = None,
) -> Article | Skip:
    """The ``Article`` of these raw fields, cleaned and cut to the limits (a cut is reported with
    ``src.warn``), or a ``Skip`` when it has neither body nor lead."""
    body_text, body_cut = block(body, limits.MAX_BODY_CHARS)
    lead_text, lead_cut = block(lead, limits.MAX_LEAD_CHARS)
    if not body_text and not lead_text:
        return src.skip(NO_TEXT, line)
    title_text, title_cut = cut_line(title)
    cuts = [
        f"{name} de {thousands(len(raw or ''))} caractères, seuls les {thousands(limit)} premiers sont indexés"
        for name, raw, limit, cut in (("corps", body, limits.MAX_BODY_CHARS, body_cut),
                                      ("chapeau", lead, limits.MAX_LEAD_CHARS, lead_cut),
                                      ("titre", title, limits.MAX_FIELD_CHARS, title_cut))
        if cut
    ]
    if cuts:
        src.warn("article tronqué : " + " ; ".join(cuts), line)
    return Article(
        id=article_id,
        title=title_text,
        body=body_text,
        date=date,
        author=strip_by(one_line(author)) or None,
        source=one_line(source) or None,
        publisher=one_line(publisher) or None,
        url=one_line(url) or None,
        lead=lead_text or None,
        section=one_line(section) or None,
        tags=clean_tags(tags),
        language=language_code(language),
        path=src.abspath,
    ).with_hash()


def fold_key(key: str) -> str:
    """A field name as the readers compare it: stripped, lowercased, common accents removed."""
    key = key.strip().lower()
    if not key.isascii():
        key = key.translate(str.maketrans("éèêëàâîïôûùüç", "eeeeaaiiouuuc"))
    return key
