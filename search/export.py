"""Exports of a whole result set: one ``Record`` per article, written as CSV, JSON Lines, RIS or BibTeX.

The writers are generators of text chunks, so a web response streams them; ``check_limit`` bounds
what one export may hold (``MAX_ARTICLES``; concordances: ``concordance.MAX_LINES``) with a French
message past the bound.

CSV is RFC 4180 (commas, double quotes, CRLF) in UTF-8 with a byte order mark, so spreadsheet
programs read the accents; a cell that starts with ``= + - @`` or a tab gets a leading ``'`` so
that a spreadsheet does not run it as a formula. RIS and BibTeX are citations (no article text):
RIS ``TY  - NEWS`` with the source as ``T2`` (the newspaper), BibTeX ``@article`` with
``journal`` = the source.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator

from .citation import bibtex_entry, bibtex_key, number, ris_entry
from .syntax import QueryError

MAX_ARTICLES = 50_000
FORMATS = ("csv", "jsonl", "ris", "bibtex")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "ris": "ris", "bibtex": "bib"}
CSV_COLUMNS = ("rank", "id", "date", "source", "author", "title", "section", "url", "lead", "body", "tags", "score")
CONCORDANCE_COLUMNS = ("date", "source", "title", "id", "url", "field", "left", "match", "right")
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 200  # rows written to one chunk
# Characters that could start markup, escaped as JSON allows (as the JSON API does).
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


class TooLarge(QueryError):
    """An export over its ``bound``, asked for whole (the French message says how to narrow it)."""

    def __init__(self, message: str, bound: int):
        super().__init__(message)
        self.bound = bound


@dataclasses.dataclass(frozen=True)
class Record:
    """One exported article: its stored fields, its rank in the export's order and its score."""

    rank: int
    id: str
    title: str
    date: dt.date | None
    source: str | None
    author: str | None
    section: str | None
    url: str | None
    lead: str | None
    body: str
    tags: tuple[str, ...]
    publisher: str | None
    language: str
    score: float

    @classmethod
    def from_fields(cls, fields: dict, rank: int = 1, score: float = 0.0) -> Record:
        """The record of an article's stored fields (``searcher.stored_fields``)."""
        date = fields.get("date")
        return cls(
            rank=rank, id=fields["id"], title=fields.get("title") or "",
            date=date.date() if isinstance(date, dt.datetime) else date, source=fields.get("source"),
            author=fields.get("author"), section=fields.get("section"), url=fields.get("url"),
            lead=fields.get("lead") or None, body=fields.get("body") or "",
            tags=tuple(t for t in (fields.get("tags") or "").split(",") if t), publisher=fields.get("publisher"),
            language=fields.get("language") or "fr", score=round(float(score), 4))

    @classmethod
    def from_article(cls, article) -> Record:
        """The record of an ``ArticleView`` (for its citation)."""
        return cls(rank=1, id=article.id, title=article.title, date=article.date, source=article.source,
                   author=article.author, section=article.section, url=article.url, lead=article.lead,
                   body=article.body, tags=tuple(article.tags), publisher=article.publisher,
                   language=article.language, score=0.0)

    def as_json(self) -> dict:
        """The record as JSON values (keys as in the JSON API; the date in ISO format)."""
        out = dataclasses.asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        out["tags"] = list(self.tags)
        return out


def check_format(name: str) -> str:
    """``name`` when it is an export format, else a ``QueryError`` (French)."""
    if name not in FORMATS:
        raise QueryError(f"Format d'export inconnu « {name} » : choisissez csv, jsonl, ris ou bibtex.")
    return name


def check_bound(limit, bound: int) -> int:
    """``limit`` when it is a whole number from 1 to ``bound``, else a ``QueryError`` (French)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= bound:
        raise QueryError(f"La limite d'export doit être comprise entre 1 et {number(bound)}.")
    return limit


def check_limit(total: int, limit: int | None) -> int:
    """How many of ``total`` matching articles an export holds: all of them (at most
    ``MAX_ARTICLES``), or the first ``limit``.

    :raises TooLarge: more than ``MAX_ARTICLES`` and no ``limit`` (French message).
    """
    if limit is not None:
        return min(total, check_bound(limit, MAX_ARTICLES))
    if total > MAX_ARTICLES:
        raise TooLarge(
            f"Cette recherche donne {number(total)} articles : un export en contient au plus {number(MAX_ARTICLES)}. "
            f"Affinez la recherche (filtres, période), ou exportez les {number(MAX_ARTICLES)} premiers.", MAX_ARTICLES)
    return total


def write(format: str, records: Iterable[Record]) -> Iterator[str]:
    """The text of ``records`` in ``format`` (csv, jsonl, ris, bibtex), in chunks."""
    writer: Callable[[Iterable[Record]], Iterator[str]] = {
        "csv": csv_chunks, "jsonl": jsonl_chunks, "ris": ris_chunks, "bibtex": bibtex_chunks}[check_format(format)]
    return writer(records)


def csv_chunks(records: Iterable[Record]) -> Iterator[str]:
    """Records as CSV (``CSV_COLUMNS``), header first."""
    return _csv(CSV_COLUMNS, ([r.rank, r.id, _iso(r.date), r.source, r.author, r.title, r.section, r.url, r.lead,
                               r.body, ",".join(r.tags), r.score] for r in records))


def concordance_csv(lines: Iterable) -> Iterator[str]:
    """Concordance lines (``ConcordanceLine``) as CSV (``CONCORDANCE_COLUMNS``), header first."""
    return _csv(CONCORDANCE_COLUMNS, ([_iso(line.date), line.source, line.title, line.id, line.url, line.field,
                                       line.left, line.match, line.right] for line in lines))


def _csv(header: tuple[str, ...], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(header)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, 1):
        out.writerow([_cell(v) for v in row])
        if n % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _cell(value) -> str | int | float:
    """A CSV cell: None as empty, a text that a spreadsheet would run as a formula behind a ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def jsonl_chunks(records: Iterable[Record]) -> Iterator[str]:
    """Records as JSON Lines: one object per line (``Record.as_json``), ``< > &`` escaped as in the API."""
    return _joined(json.dumps(r.as_json(), ensure_ascii=False).translate(_HTML_SAFE) + "\n" for r in records)


def ris_chunks(records: Iterable[Record]) -> Iterator[str]:
    """Records as RIS references (``TY  - NEWS``)."""
    return _joined(ris_entry(r) for r in records)


def bibtex_chunks(records: Iterable[Record]) -> Iterator[str]:
    """Records as BibTeX ``@article`` entries, with keys unique within the export."""
    seen: set[str] = set()
    return _joined(bibtex_entry(r, bibtex_key(r.id, seen)) for r in records)


def _joined(texts: Iterable[str]) -> Iterator[str]:
    """``texts`` joined by batches of ``_BATCH``."""
    batch = []
    for text in texts:
        batch.append(text)
        if len(batch) == _BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
