"""The article: what every reader produces and what the index stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re

# Article ids travel in URLs (/article/<id>) and on the command line: keep them to a safe alphabet.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,199}$")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:~-]+")


@dataclasses.dataclass(frozen=True)
class Article:
    """One press article, as read from a file.

    ``id`` is unique in an index; ``path`` is the file it came from (absolute); ``content_hash``
    is a hash of the fields that are indexed, used to skip unchanged articles when re-indexing.
    """

    id: str
    title: str
    body: str
    date: dt.date | None = None
    author: str | None = None
    source: str | None = None
    publisher: str | None = None
    url: str | None = None
    lead: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    language: str = "fr"
    path: str = ""
    content_hash: str = ""

    @property
    def chars(self) -> int:
        """Characters of text: title, lead and body."""
        return len(self.title) + len(self.lead or "") + len(self.body)

    def with_hash(self) -> Article:
        """Return a copy whose ``content_hash`` is computed from the indexed fields."""
        return dataclasses.replace(self, content_hash=content_hash(self))


def content_hash(article: Article) -> str:
    """A stable hash of everything about ``article`` that ends up in the index."""
    h = hashlib.blake2b(digest_size=16)
    for value in (
        article.id,
        article.title,
        article.body,
        article.date.isoformat() if article.date else "",
        article.author or "",
        article.source or "",
        article.publisher or "",
        article.url or "",
        article.lead or "",
        article.section or "",
        "\x1f".join(article.tags),
        article.language,
    ):
        h.update(value.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def make_id(raw: str) -> str:
    """Turn ``raw`` (an article's own id or a relative file path) into a URL-safe article id.

    >>> make_id("2024/oct/Poutine & Pezechkian.txt")
    '2024~oct~Poutine-Pezechkian.txt'
    """
    text = raw.strip().replace("/", "~").replace("\\", "~")
    text = _ID_UNSAFE.sub("-", text).strip("-._~:")
    if not text:  # nothing usable ("Москва", "!!!"): distinct raws must still give distinct ids
        return "article-" + _digest(raw)
    if len(text) > 200 or not ID_PATTERN.match(text):
        text = (text[:180].strip("-._~:") or "article") + "-" + _digest(raw)
    return text


def _digest(raw: str) -> str:
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def is_valid_id(article_id: str) -> bool:
    """True when ``article_id`` has the shape of an id Presse produces (used to validate requests)."""
    return bool(ID_PATTERN.match(article_id))
