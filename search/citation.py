"""Citations: of one article (a French style, RIS, BibTeX) and of a search (« Citer cette recherche »).

A record is anything with the attributes of ``search.export.Record`` (id, title, date, source,
author, section, url, lead, tags, publisher, language).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from urllib.parse import quote, urlsplit

from .french import NBSP, french_date, number

UNTITLED = "(sans titre)"
_SPACES = re.compile(r"\s+")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
# What LaTeX reads as markup, written so that it prints as text (BibTeX field values).
_LATEX = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})
RIS_TYPE = "NEWS"
LANGIDS = {"fr": "french", "en": "english", "de": "german", "it": "italian", "es": "spanish"}


def web_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address (the only kind a citation gives), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _one_line(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


# ---------------------------------------------------------------------------------- one article

def citation_parts(record, consulted: dt.date | None = None, url: str | None = None) -> list[tuple[str, bool]]:
    """The French citation of an article as (text, in italics) pieces:

    ``Claire Martin, « Pétrole et gaz », Libération, 14 mars 2024, en ligne : https://… (consulté le 6 décembre 2026).``

    The source is the italic piece. ``url`` is where to read the article (default: its own web
    address, when it has one); ``consulted`` the day it was read (given with an address only).
    """
    parts: list[tuple[str, bool]] = []
    if record.author:
        parts.append((f"{_one_line(record.author)}, ", False))
    parts.append((f"«{NBSP}{_one_line(record.title) or UNTITLED}{NBSP}»", False))
    if record.source:
        parts += [(", ", False), (_one_line(record.source), True)]
    parts.append((f", {french_date(record.date)}" if record.date else f", s.{NBSP}d.", False))
    link = url or web_url(record.url)
    if link:
        parts.append((f", en ligne{NBSP}: {link}", False))
        if consulted:
            parts.append((f" (consulté le {french_date(consulted)})", False))
    parts.append((".", False))
    return parts


def french_citation(record, consulted: dt.date | None = None, url: str | None = None) -> str:
    """The French citation of an article as plain text (see ``citation_parts``)."""
    return "".join(text for text, _ in citation_parts(record, consulted, url))


def ris_entry(record) -> str:
    """The RIS reference of an article: ``TY  - NEWS``, the source as ``T2`` (the newspaper), CRLF lines;
    its address only when it is a web address."""
    tags: list[tuple[str, str | None]] = [("TY", RIS_TYPE), ("TI", record.title or UNTITLED), ("AU", record.author),
                                          ("T2", record.source)]
    if record.date:
        tags += [("PY", str(record.date.year)), ("DA", record.date.strftime("%Y/%m/%d"))]
    tags += [("SE", record.section), ("PB", record.publisher), ("AB", record.lead)]
    tags += [("KW", tag) for tag in record.tags]
    tags += [("UR", web_url(record.url)), ("LA", record.language), ("ID", record.id), ("DB", "Presse")]
    lines = [f"{tag}  - {_one_line(value)}\r\n" for tag, value in tags if value and _one_line(value)]
    return "".join(lines) + "ER  - \r\n\r\n"


def bibtex_key(article_id: str, seen: set[str]) -> str:
    """A BibTeX key for ``article_id`` (``presse:`` and the id's safe characters), not in ``seen``; added to it."""
    base = "presse:" + _KEY_UNSAFE.sub("-", article_id)
    key, n = base, 1
    while key in seen:
        n += 1
        key = f"{base}-{n}"
    seen.add(key)
    return key


def latex_text(text: str) -> str:
    """``text`` on one line, with LaTeX's special characters escaped (a BibTeX field value)."""
    return _one_line(text).translate(_LATEX)


def bibtex_entry(record, key: str) -> str:
    """The BibTeX ``@article`` of an article (``journal`` = its source; biblatex's ``date`` and ``langid``;
    its address only when it is a web address)."""
    fields = [("title", latex_text(record.title or UNTITLED))]
    if record.author:
        author = latex_text(record.author)
        # "Texte 6Medias, vidéo BFMTV" is one name, not "Last, First": braces keep it whole.
        fields.append(("author", f"{{{author}}}" if "," in author else author))
    if record.source:
        fields.append(("journal", latex_text(record.source)))
    if record.date:
        fields += [("date", record.date.isoformat()), ("year", str(record.date.year))]
    if record.publisher:
        fields.append(("publisher", latex_text(record.publisher)))
    url = web_url(record.url)
    if url:  # percent-encoded where it would unbalance braces or end the value
        fields.append(("url", quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")))
    if record.lead:
        fields.append(("abstract", latex_text(record.lead)))
    if record.tags:
        fields.append(("keywords", latex_text(", ".join(record.tags))))
    if record.language in LANGIDS:
        fields.append(("langid", LANGIDS[record.language]))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@article{{{key},\n{body}\n}}\n\n"


# ---------------------------------------------------------------------------------- one search

@dataclasses.dataclass(frozen=True)
class SearchCitation:
    """A search as it stood when it was made: enough to cite it and to run it again."""

    query: str
    parameters: dict  # the keyword arguments of ``Archive.search`` that differ from the defaults
    searched_at: dt.datetime  # when (UTC)
    total: int  # matching articles
    generation: str  # ``Archive.stats().generation``
    articles: int  # articles in the archive

    @property
    def fingerprint(self) -> str:
        """The archive's state: its generation and its article count (``generation/articles``)."""
        return f"{self.generation}/{self.articles}"

    @property
    def python(self) -> str:
        """A Python snippet that runs the search again with ``Archive`` and says if the archive changed."""
        args = ", ".join([repr(self.query)] + [f"{name}={value!r}" for name, value in self.parameters.items()])
        return (
            "from presse.search import Archive\n\n"
            "archive = Archive.default()  # ou Archive(\"chemin/de/l/index\")\n"
            f"page = archive.search({args})\n"
            "stats = archive.stats()\n"
            f"if (stats.generation, stats.articles) != ({self.generation!r}, {self.articles!r}):\n"
            "    print(\"L'archive a changé depuis cette recherche : les résultats peuvent différer.\")\n"
            f"print(page.total)  # {number(self.total)} {'résultat' if self.total < 2 else 'résultats'} le "
            f"{french_date(self.searched_at.date())}\n"
        )


SEARCH_DEFAULTS = {"sort": "relevance"}


def search_parameters(**params) -> dict:
    """The parameters of a search that differ from ``Archive.search``'s defaults (page, per page and
    facets left out: they do not change what the search finds), lists as lists."""
    out = {}
    for name, value in params.items():
        if name in ("page", "per_page", "facets") or value in (None, "", (), []) or SEARCH_DEFAULTS.get(name) == value:
            continue
        out[name] = list(value) if isinstance(value, (list, tuple)) else value
    return out
