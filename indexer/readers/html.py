"""HTML files (``.html``, ``.htm``), parsed with the standard library (``html_page``).

Title: ``og:title``, JSON-LD ``headline``, first ``<h1>``, ``<title>``. Date:
``article:published_time``, ``datePublished`` (meta, microdata, JSON-LD), first ``<time>``,
``date`` / ``DC.date`` metas, else a date in the first 100 characters of the first paragraph (a
dateline such as ``22 mai 2012. - …``). Author: ``author`` / ``article:author`` metas, JSON-LD,
else an element with ``rel=author``, ``itemprop=author`` or a class containing ``byline`` /
``author``. Source: ``og:site_name``. URL: ``og:url``, ``<link rel=canonical>``. Lead:
``description`` / ``og:description`` metas, JSON-LD, else an ``<h2>`` coming right after the
``<h1>`` (removed from the body). Body: the longest ``<article>``, else ``<main>``, else the whole
document (see ``html_page``). Dates are the written date: time zones are ignored.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from ..article import Article, make_id
from ..dates import parse_french_date
from .fields import make_article
from .html_page import PageParser
from .records import as_tags, as_text
from .source import Skip, Source, read_text

logger = logging.getLogger(__name__)

_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_ARTICLE_TYPES = ("article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "webpage")


def _ld_article(sources: list[str]) -> dict:
    """The first schema.org article-like object in the page's JSON-LD blocks."""
    for raw in sources:
        if len(raw) > 1_000_000:
            continue
        try:
            doc = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        queue = [doc]
        for _ in range(200):
            if not queue:
                break
            item = queue.pop(0)
            if isinstance(item, list):
                queue.extend(item[:50])
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = [k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]
                if any(k in _ARTICLE_TYPES for k in kinds) and ("headline" in item or "datePublished" in item):
                    return item
                if isinstance(item.get("@graph"), list):
                    queue.extend(item["@graph"][:50])
    return {}


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return None


def read_html(src: Source) -> Iterator[Article | Skip]:
    """The article of an HTML page (or why it is skipped); its declared charset helps decoding."""
    text = read_text(src, charset=_declared_charset)
    yield text if isinstance(text, Skip) else _parse_html(src, text)


def _declared_charset(data: bytes) -> str | None:
    """The charset a page's ``<meta>`` declares in its first 4 KB, if any."""
    declared = _CHARSET_RE.search(data[:4096])
    return declared.group(1).decode("ascii") if declared else None


def _parse_html(src: Source, text: str) -> Article | Skip:
    parser = PageParser()
    try:
        parser.feed(text)
    except Exception:  # noqa: BLE001 - html.parser can choke on odd markup: keep what was read
        logger.debug("HTML mal formé : %s", src.abspath, exc_info=True)
    parser.close_all()
    metas, results = parser.metas, parser.results
    ld = _ld_article(parser.ld_json)

    articles = [t for t in (parser.text(p) for p in parser.articles) if t]
    body = max(articles, key=len) if articles else (parser.text(parser.main) or parser.text(parser.doc))

    ld_author = ld.get("author")
    ld_publisher = ld.get("publisher")
    meta_author = _first(metas.get("author"), metas.get("article:author"), metas.get("byl"))
    if meta_author and meta_author.startswith(("http://", "https://")):
        meta_author = None
    author = meta_author or as_text(ld_author) or results.get("author")

    date = None
    for candidate in (
        metas.get("article:published_time"),
        parser.itemprop_date,
        _first(ld.get("datePublished")),
        parser.time_value,
        results.get("time"),
        metas.get("date"),
        metas.get("dc.date"),
        metas.get("dc.date.issued"),
        metas.get("dcterms.date"),
        metas.get("dcterms.created"),
        metas.get("pubdate"),
        metas.get("publish-date"),
        metas.get("og:published_time"),
    ):
        if candidate:
            date = parse_french_date(candidate)
            if date:
                break
    if date is None and parser.first_p is not None:
        paragraph = "".join(parser.doc[parser.first_p : parser.first_p + 200]).split("\n", 1)[0]
        date = parse_french_date(paragraph.strip()[:100])

    tags = list(parser.meta_tags)
    keywords = _first(metas.get("keywords"), metas.get("news_keywords"))
    if keywords:
        tags.append(keywords)
    tags.extend(as_tags(ld.get("keywords")))

    return make_article(
        src,
        make_id(src.stem),
        title=_first(metas.get("og:title"), as_text(ld.get("headline")), results.get("h1"), results.get("title")),
        body=body,
        date=date,
        author=author,
        source=_first(metas.get("og:site_name")),
        publisher=as_text(ld_publisher),
        url=_first(metas.get("og:url"), parser.canonical, ld.get("url")),
        lead=_first(metas.get("description"), metas.get("og:description"), ld.get("description"), results.get("lead")),
        section=_first(metas.get("article:section"), as_text(ld.get("articleSection"))),
        tags=tags,
        language=_first(parser.lang, metas.get("content-language"), metas.get("og:locale"), metas.get("language")),
    )
