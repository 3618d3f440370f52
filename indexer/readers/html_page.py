"""One pass of the standard library's HTML parser over a page: its metadata, candidate titles,
leads, dates and authors, and the text of each region (the whole document, ``<main>``, each
``<article>``) without invisible elements, chrome and page furniture; one line per block element.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from ..decoding import clean_text
from .chrome import is_chrome
from .fields import SPACES_RE
from .html_furniture import FURNITURE_MAX_SHARE, is_furniture

_INVISIBLE = {"script", "style", "noscript", "iframe", "svg", "template", "head", "title", "math", "object"}
_CHROME = {"nav", "footer", "aside", "form"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "section", "article", "main", "header", "footer", "nav", "aside", "table",
    "tr", "pre", "figure", "figcaption", "hr", "address", "details", "summary", "caption",
    "form", "fieldset", "center",
}
_CELL = {"td", "th"}


@dataclasses.dataclass
class _Region:
    """A furniture element being parsed: its tag, how many elements of that tag are open in it."""

    tag: str
    number: int
    depth: int = 1
    keep: bool = False  # it holds the page's <main> or an <h1>: not furniture after all
    chars: int = 0  # of visible text


class _Furniture(str):
    """Text emitted inside a furniture element: dropped from the body once the element has closed."""

    __slots__ = ("region",)


class _Capture:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.depth = 1
        self.pieces: list[str] = []

    def text(self) -> str:
        return SPACES_RE.sub(" ", "".join(self.pieces)).strip()


class PageParser(HTMLParser):
    """One pass over a page: metadata, candidate titles/leads/dates and the text of each region."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, int] = {}
        self.metas: dict[str, str] = {}
        self.meta_tags: list[str] = []
        self.canonical: str | None = None
        self.lang: str | None = None
        self.itemprop_date: str | None = None
        self.time_value: str | None = None
        self.doc: list[str] = []
        self.main: list[str] = []
        self.articles: list[list[str]] = []
        self.captures: dict[str, _Capture] = {}
        self.results: dict[str, str] = {}
        self.ld_json: list[str] = []
        self.after_h1 = False  # the title h1 just closed and no text has been seen since
        self.first_p: int | None = None  # index in self.doc where the first paragraph starts
        self.suppress = 0  # title h1 / lead h2 text kept out of the body
        self.furniture: _Region | None = None  # the furniture element the parser is in (outermost)
        self.regions = 0
        self.closed: list[_Region] = []  # furniture regions that closed
        self.dropped: set[int] = set()  # those whose text leaves the body (see close_all)

    # -- helpers
    def _n(self, *tags: str) -> int:
        return sum(self.counts.get(t, 0) for t in tags)

    def _hidden(self) -> bool:
        return self._n(*_INVISIBLE) > 0

    def _meta_ok(self) -> bool:
        return not self._hidden() and self._n(*_CHROME) == 0

    def _visible(self) -> bool:
        return self._meta_ok() and self._n("header") == 0

    def _emit(self, text: str) -> None:
        region = self.furniture
        if region is not None:
            text = _Furniture(text)
            text.region = region.number
            region.chars += len(text)
        self.doc.append(text)
        if self.counts.get("main"):
            self.main.append(text)
        if self.counts.get("article") and self.articles:
            self.articles[-1].append(text)

    def _start_capture(self, name: str, tag: str) -> None:
        if name not in self.captures and name not in self.results:
            self.captures[name] = _Capture(tag)
            if name in ("h1", "lead"):
                self.suppress += 1

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            self._meta(a)
            return
        if tag == "link":
            if "canonical" in a.get("rel", "").lower().split() and a.get("href") and not self.canonical:
                self.canonical = a["href"]
            return
        if tag == "html" and a.get("lang") and not self.lang:
            self.lang = a["lang"]
        if tag == "body":
            self.counts["head"] = 0
        prop = a.get("itemprop", "").lower()
        if prop == "datepublished" and not self.itemprop_date:
            self.itemprop_date = a.get("content") or a.get("datetime") or None
        if tag in _VOID:
            if tag in _BLOCK:
                self._boundary()
            return
        for capture in self.captures.values():
            if capture.tag == tag:
                capture.depth += 1
        region = self.furniture
        if region is not None and region.tag == "p" and tag in _BLOCK:
            self._end_furniture()  # a block element closes an open <p>, as browsers do
            region = None
        if tag in _BLOCK:
            self._boundary()
        if region is None:
            if is_furniture(tag, a):
                self.regions += 1
                self.furniture = _Region(tag, self.regions)
        elif tag == region.tag:
            region.depth += 1
        elif tag in ("main", "h1"):
            region.keep = True  # not furniture around the article: the article itself
        if tag in _CELL:
            self._data(" ")
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag == "article" and self.counts["article"] == 1:
            self.articles.append([])
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            self._start_capture(f"ld{len(self.ld_json)}", "script")
        elif tag == "title":
            self._start_capture("title", "title")
        if not self._meta_ok():
            return
        if tag == "h1":
            self._start_capture("h1", "h1")
        elif self.furniture is not None:
            return  # a comment's date or author is not the article's
        elif tag == "h2" and self.after_h1 and self._visible():
            if "description" not in self.metas and "og:description" not in self.metas:
                self._start_capture("lead", "h2")
        elif tag == "time" and self.time_value is None:
            if a.get("datetime"):
                self.time_value = a["datetime"]
            else:
                self._start_capture("time", "time")
        elif tag == "p" and self.first_p is None and self._visible():
            self.first_p = len(self.doc)
        classes = a.get("class", "").lower()
        if "author" not in self.results and "author" not in self.captures and (
            "author" in a.get("rel", "").lower().split()
            or prop == "author"
            or "byline" in classes
            or "author" in classes
        ):
            self._start_capture("author", tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag in ("svg", "script", "iframe"):
            if tag in _VOID:
                self.handle_starttag(tag, attrs)
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            if tag == "br":
                self._boundary()
            return
        if self.counts.get(tag):
            self.counts[tag] -= 1
        region = self.furniture
        if region is not None and region.tag == tag:
            region.depth -= 1
            if region.depth <= 0:
                self._end_furniture()
        for name, capture in list(self.captures.items()):
            if capture.tag == tag:
                capture.depth -= 1
                if capture.depth <= 0:
                    self._finish(name, capture)
        if tag in _BLOCK:
            self._boundary()

    def _end_furniture(self) -> None:
        region, self.furniture = self.furniture, None
        if region is not None and not region.keep:
            self.closed.append(region)

    def text(self, pieces: list[str]) -> str:
        """The text of a region of the page (``doc``, ``main``, an ``article``) without its furniture."""
        if self.dropped:
            pieces = [p for p in pieces if type(p) is str or p.region not in self.dropped]
        return region_text(pieces)

    def _finish(self, name: str, capture: _Capture) -> None:
        del self.captures[name]
        if name in ("h1", "lead"):
            self.suppress = max(0, self.suppress - 1)
        if name.startswith("ld"):
            self.ld_json.append("".join(capture.pieces))
            return
        text = capture.text()
        if name == "author" and not (0 < len(text) <= 120):
            return  # an empty avatar link or a whole bio: try the next candidate
        if text:
            self.results[name] = text
        if name == "h1":
            self.after_h1 = True
        elif name == "lead":
            self.after_h1 = False

    def _boundary(self) -> None:
        for capture in self.captures.values():
            capture.pieces.append(" ")
        if self._visible():
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        self._data(data)

    def _data(self, data: str) -> None:
        hidden = self._hidden()
        for name, capture in self.captures.items():
            if name.startswith("ld") or name == "title" or not hidden:
                capture.pieces.append(data)
        if hidden or not self._visible():
            return
        if self.after_h1 and data.strip() and "lead" not in self.captures:
            self.after_h1 = False
        if self.suppress:
            return
        if not self.counts.get("pre"):
            data = SPACES_RE.sub(" ", data)
        self._emit(data)

    def _meta(self, a: dict[str, str]) -> None:
        if "charset" in a:
            return
        key = (a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv") or "").lower().strip()
        value = a.get("content", "").strip()
        if not key or not value:
            return
        if key == "datepublished" and not self.itemprop_date:
            self.itemprop_date = value
        if key == "article:tag":
            self.meta_tags.append(value)
        self.metas.setdefault(key, value)

    def close_all(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a broken tail must not lose what was parsed
            pass
        for name, capture in list(self.captures.items()):
            self._finish(name, capture)
        # An element holding most of the page's text is the article, whatever its class says (a
        # "share-zone" around the whole text, the "comments" of a live report). One left open at the
        # end of the page (unbalanced markup) is kept too: never lose text to a guess.
        total = sum(map(len, self.doc))
        self.dropped = {r.number for r in self.closed if r.chars < FURNITURE_MAX_SHARE * total}


def region_text(pieces: list[str]) -> str:
    """The text of a region's pieces: cleaned, one line per block, without empty or chrome lines."""
    text = clean_text("".join(pieces))
    lines = (SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and not is_chrome(line))

