"""Atom 1.0 (RFC 4287) feeds of a search's newest matches, written with ElementTree (which escapes)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from presse.search import Hit, web_url

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = dt.date(1970, 1, 1)
# What XML 1.0 cannot hold, even escaped (controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM)


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text or "")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(*, title: str, subtitle: str, feed_url: str, results_url: str, hits: Sequence[Hit],
              article_url: Callable[[Hit], str]) -> bytes:
    """The Atom document of ``hits`` (newest first): each entry links to its article page
    (``article_url``) and, when it has a web address, to the original.

    An article's ``updated`` is its date (midnight UTC; undated articles: 1970-01-01); the feed's is
    its newest entry's.
    """
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    _add(feed, "title", title)
    _add(feed, "subtitle", subtitle)
    _add(feed, "id", feed_url)
    _add(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _add(feed, "link", rel="alternate", type="text/html", href=results_url)
    newest = max((h.date for h in hits if h.date), default=EPOCH)
    _add(feed, "updated", _timestamp(newest))
    _add(_add(feed, "author"), "name", "Presse")
    _add(feed, "generator", "Presse")
    for hit in hits:
        entry = _add(feed, "entry")
        _add(entry, "title", hit.title or "(sans titre)")
        page = article_url(hit)
        _add(entry, "id", page)
        _add(entry, "link", rel="alternate", type="text/html", href=page)
        original = web_url(hit.url)
        if original:
            _add(entry, "link", rel="related", type="text/html", href=original)
        _add(entry, "updated", _timestamp(hit.date or EPOCH))
        if hit.date:
            _add(entry, "published", _timestamp(hit.date))
        if hit.author:
            _add(_add(entry, "author"), "name", hit.author)
        if hit.source:
            _add(entry, "category", term=hit.source, label=hit.source)
        # The snippet is HTML (escaped article text and <mark>): ElementTree escapes it once more.
        summary = hit.snippet or hit.lead_html
        if summary:
            _add(entry, "summary", summary, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
