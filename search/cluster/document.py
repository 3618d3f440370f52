"""A Presse article as a shard document: the terms, positions, values and stored fields of
``layout``, made with the analysers of a local Presse index (``indexer.schema.make_schema``)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import xapian

from presse.indexer.analysis import TOKEN_RE, CachedFilter, Lexiconizer, normalize_raw
from presse.indexer.article import Article
from presse.indexer.lexicon import entries
from presse.indexer.schema import make_schema

from . import layout as L

__all__ = ["DocumentMaker", "stored_fields"]


class DocumentMaker:
    """Turns an ``Article`` into its Xapian document, with the analysers of a local Presse index
    (``indexer.schema.make_schema``): the same terms, positions and lexicon entries."""

    def __init__(self):
        self.schema = make_schema()
        # The stemmed fields share one chain: the lexicon reuses its analyses.
        self.lexiconizer = Lexiconizer(terms=self.schema["body"].cached_filter())
        self._lexicon_terms: dict[str, tuple[str, ...]] = {}  # raw word → its lexicon terms

    def _frequencies(self, field: str, value) -> Iterable[tuple[str, int]]:
        for term, freq, _, _ in self.schema[field].index(value):
            yield term.decode("utf-8"), freq

    def _positions(self, field: str, value) -> Iterable[tuple[str, list[int]]]:
        fmt = self.schema[field].format
        for term, _, _, encoded in self.schema[field].index(value):
            yield term.decode("utf-8"), fmt.decode_positions(encoded)

    def document(self, article: Article) -> xapian.Document:
        """The shard document of ``article``."""
        doc = xapian.Document()
        lead = article.lead or ""
        for field, text in (("title", article.title), ("lead", lead), ("body", article.body)):
            if not text:
                continue
            for term, freq in self._frequencies(field, text):
                _add_term(doc, L.STEMS + term, freq * L.STEM_WDF[field])
                if field == "title":
                    _add_term(doc, L.TITLE_STEMS + term, freq)
        for prefix, field, value in ((L.TITLE_FORMS, "title_exact", article.title),
                                     (L.FORMS, "exact", (lead, article.body) if lead else article.body),
                                     (L.AUTHOR_FORMS, "author_text", article.author),
                                     (L.SOURCE_FORMS, "source_text", article.source)):
            if value:
                for term, positions in self._positions(field, value):
                    if L.fits(prefix + term):
                        for pos in positions:
                            doc.add_posting(prefix + term, pos + 1)
        self._lexicon(doc, article)
        self._bookkeeping(doc, article)
        doc.set_data(json.dumps(stored_fields(article), ensure_ascii=False, separators=(",", ":")))
        return doc

    def _lexicon(self, doc: xapian.Document, article: Article) -> None:
        raws = {normalize_raw(m) for text in (article.title, article.lead or "", article.body)
                for m in TOKEN_RE.findall(text) if not m.isascii()}
        cache = self._lexicon_terms
        for raw in raws:
            found = cache.get(raw)
            if found is None:
                if len(cache) >= CachedFilter.MAX_ENTRIES:
                    cache.clear()
                found = cache[raw] = tuple(f"{L.LEXICON if kind == 'k' else L.DISPLAY}{a}:{b}"
                                           for kind, a, b in entries([raw], self.lexiconizer))
            for term in found:
                _add_boolean(doc, term)

    @staticmethod
    def _bookkeeping(doc: xapian.Document, article: Article) -> None:
        doc.add_boolean_term(L.ID + article.id)
        _add_boolean(doc, L.STATE + L.state_of(article.content_hash, article.path) + article.id)
        _add_boolean(doc, L.FILE + L.file_hash(article.path) + article.id)
        day = article.date.toordinal() if article.date else 0
        doc.add_value(L.DAY_SLOT, xapian.sortable_serialise(day))
        doc.add_value(L.DAY_ASC_SLOT, xapian.sortable_serialise(day or L.UNDATED_LAST))
        facets = {"source": article.source, "author": article.author, "section": article.section,
                  "year": article.date.year if article.date else None}
        for name, value in facets.items():
            if value:
                doc.add_value(L.FACET_SLOTS[name], str(value))
                doc.add_boolean_term(L.facet_term(name, value))


def _add_term(doc: xapian.Document, term: str, wdf: int) -> None:
    if L.fits(term):
        doc.add_term(term, wdf)


def _add_boolean(doc: xapian.Document, term: str) -> None:
    if L.fits(term):
        doc.add_boolean_term(term)


def stored_fields(article: Article) -> dict:
    """What a shard document stores for display: the fields a local index stores."""
    fields = {"id": article.id, "title": article.title, "lead": article.lead or "", "body": article.body,
              "date": article.date.isoformat() if article.date else None, "source": article.source,
              "author": article.author, "section": article.section, "publisher": article.publisher,
              "url": article.url, "tags": ",".join(t.replace(",", " ") for t in article.tags),
              "language": article.language or "fr", "path": article.path}
    return {k: v for k, v in fields.items() if v not in (None, "")}
