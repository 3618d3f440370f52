"""Compiling a parsed query (``search.syntax``) into a Whoosh query against one index.

Plain words search the stemmed fields (title, lead, body) through the folded lexicon, so accents
never matter; phrases, prefixes and fuzzy words search the exact-form fields. Prefix, wildcard and
fuzzy words expand to a bounded number of index terms (see the MAX_* constants), so no query can
run away. The compiler also collects what to highlight and the words to check for spelling
suggestions.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable

from whoosh import query as wq

from indexer.analysis import (
    TOKEN_RE,
    CachedFilter,
    exact_filters,
    fold,
    key_filters,
    normalize_raw,
    stemming_filters,
)
from indexer.lexicon import Lexicon

from .syntax import And, DateSpan, Entity, Fuzzy, Node, Not, Or, Pattern, Phrase, QueryError, Word, parse
from .vocabulary import Vocabulary, spelling_neighbours

# The parser's names are part of this module's API too: parse() then Compiler.compile().
__all__ = ["Analysis", "Compiler", "Highlights", "QueryError", "fuzzy_distance", "parse",
           "spelling_neighbours"]

MAX_EXPANSION = 64  # index terms a prefix/wildcard word may expand to
MAX_SCANNED_TERMS = 20000  # vocabulary entries scanned for one prefix/wildcard expansion
MAX_FUZZY_TERMS = 16  # closest spellings a fuzzy word searches
QUERY_CACHE_WORDS = 20_000  # distinct words whose analysis a query-side cache keeps

# Terms carry no field boost: each field's weight is the archive's ranking (search.ranking).


# ----------------------------------------------------------------------------- compiling

class Analysis:
    """The query-side analysis: the same filters as the index, cached per distinct word."""

    def __init__(self):
        self.stem = CachedFilter(*stemming_filters())
        self.exact = CachedFilter(*exact_filters())
        self.key = CachedFilter(*key_filters())
        for f in (self.stem, self.exact, self.key):
            f.bound(QUERY_CACHE_WORDS)  # a server's caches stay bounded

    def raw_tokens(self, text: str) -> list[str]:
        return [normalize_raw(m) for m in TOKEN_RE.findall(text)]


@dataclasses.dataclass
class Highlights:
    """What to mark in the text of a hit: stemmed terms and exact (folded) word forms."""

    stems: set[str] = dataclasses.field(default_factory=set)
    exact: set[str] = dataclasses.field(default_factory=set)


class Compiler:
    """Turns a parsed tree into a Whoosh query against one index reader and its lexicon."""

    def __init__(self, reader, lexicon: Lexicon, analysis: Analysis, vocabulary: Callable[[str], Vocabulary],
                 entity_terms: Callable[[str, str], list[str]] | None = None):
        """``vocabulary(field)`` gives the field's sorted terms, for prefixes and fuzzy words (the
        archive keeps them per commit: ``ReaderColumns.vocabulary``); ``entity_terms(kind, name)``
        the keys an entity filter means (``search.entities.EntityTable.terms``)."""
        self.entity_terms = entity_terms
        self.reader = reader
        self.lexicon = lexicon
        self.analysis = analysis
        self.vocabulary = vocabulary
        self.highlights = Highlights()
        # Plain positive words, for spelling suggestions: (as typed, exact form, stemmed terms).
        self.words: list[tuple[str, str, frozenset[str]]] = []
        self._stop_words_as_words = False

    # -- public
    def compile(self, node: Node | None) -> wq.Query | None:
        """The Whoosh query of ``node`` (None when nothing in it can be searched).

        Stop words are left out of plain words; a query made only of stop words (``le ET de``,
        ``le OU la``, ``-le``) searches them as exact words instead, with the operators typed.
        """
        if node is None:
            return None
        query = self._node(node, positive=True)
        if query is None:
            self._stop_words_as_words = True
            try:
                query = self._node(node, positive=True)
            finally:
                self._stop_words_as_words = False
        return query

    # -- nodes
    def _node(self, node, positive: bool):
        if isinstance(node, Word):
            return self._word(node, positive)
        if isinstance(node, Phrase):
            return self._phrase(node, positive)
        if isinstance(node, Pattern):
            return self._pattern(node, positive)
        if isinstance(node, Fuzzy):
            return self._fuzzy(node, positive)
        if isinstance(node, DateSpan):
            return wq.DateRange("date", node.start, node.end)
        if isinstance(node, Entity):  # the articles where the entity was found (keys: no score)
            keys = self.entity_terms(node.kind, node.name) if self.entity_terms is not None else []
            return self._terms_or([node.kind], keys) if keys else wq.NullQuery
        if isinstance(node, And):
            pos, neg = [], []
            for item in node.items:
                if isinstance(item, Not):
                    q = self._node(item.item, positive=not positive)
                    if q is not None:
                        neg.append(q)
                else:
                    q = self._node(item, positive)
                    if q is not None:
                        pos.append(q)
            if not pos and not neg:
                return None
            # And + Not rather than Whoosh's AndNot, whose matcher misses the first match when the
            # excluded term's first document comes before it.
            parts = pos + [wq.Not(q) for q in neg]
            return parts[0] if len(parts) == 1 else wq.And(parts)
        if isinstance(node, Or):
            items = [q for q in (self._node(i, positive) for i in node.items) if q is not None]
            if not items:
                return None
            return items[0] if len(items) == 1 else wq.Or(items)
        if isinstance(node, Not):
            inner = self._node(node.item, not positive)
            return wq.Not(inner) if inner is not None else None
        raise TypeError(node)

    def _fields(self, field: str | None, exact: bool) -> list[str]:
        if field is None:
            return ["title_exact", "exact"] if exact else ["title", "lead", "body"]
        if field == "title":
            return ["title_exact"] if exact else ["title"]
        return [f"{field}_text"]  # author, source: folded word forms

    def _word(self, node: Word, positive: bool):
        clauses = []
        for raw in self.analysis.raw_tokens(node.text):
            if node.field in ("author", "source"):
                parts = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
                if parts:
                    clauses.append(self._terms_or([f"{node.field}_text"], [parts[0]]) if len(parts) == 1
                                   else wq.Phrase(f"{node.field}_text", parts))
                continue
            out, width = self.analysis.stem.analyze(raw)
            if not out:
                if self._stop_words_as_words:
                    clauses.extend(self._exact_words(node.field, raw, positive))
                continue  # a stop word
            keys = [k for k, *_ in self.analysis.key.analyze(raw)[0]]
            whole_key = keys[0] if keys else out[0][0]
            terms = self.lexicon.terms_for_key(whole_key)
            if positive:
                self.highlights.stems.update(terms)
                if node.field is None and width == 1:
                    exact = self.analysis.exact.analyze(raw)[0]
                    if exact:
                        self.words.append((raw, exact[0][0], frozenset(terms)))
            fields = self._fields(node.field, exact=False)
            q = self._terms_or(fields, sorted(terms))
            if width > 1:  # a compound: the whole, or its parts as a phrase (highlighted as a whole only)
                parts = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
                q = wq.Or([q] + [wq.Phrase(f, parts) for f in self._fields(node.field, True)])
            clauses.append(q)
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _exact_words(self, field: str | None, raw: str, positive: bool) -> list[wq.Query]:
        """The exact forms of the word ``raw`` (a stop word), searched as they are."""
        forms = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
        if positive:
            self.highlights.exact.update(forms)
        return [self._terms_or(self._fields(field, exact=True), [form]) for form in forms]

    def _terms_or(self, fields: list[str], terms: list[str]):
        qs = [wq.Term(f, t) for f in fields for t in terms]
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _phrase(self, node: Phrase, positive: bool):
        words = []
        for raw in self.analysis.raw_tokens(node.text):
            words.extend(t for t, *_ in self.analysis.exact.analyze(raw)[0])
        if not words:
            return None
        if positive:
            self.highlights.exact.update(words)
        fields = self._fields(node.field, exact=True)
        if len(words) == 1:
            return self._terms_or(fields, words)
        qs = [wq.Phrase(f, words, slop=max(1, node.slop)) for f in fields]
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _expand(self, field: str, prefix: str, match) -> list[str]:
        """Up to MAX_EXPANSION terms of ``field`` starting with ``prefix`` that ``match``, most frequent first."""
        found = [(df, text) for text, df in self.vocabulary(field).with_prefix(prefix, MAX_SCANNED_TERMS)
                 if df and match(text)]
        found.sort(key=lambda x: (-x[0], x[1]))
        return [t for _, t in found[:MAX_EXPANSION]]

    def _pattern(self, node: Pattern, positive: bool):
        text = fold(node.text.lower())
        prefix = re.match(r"[^*?]*", text).group()
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")
        fields = self._fields(node.field, exact=True)
        qs = []
        for f in fields:
            terms = self._expand(f, prefix, regex.match)
            if positive:
                self.highlights.exact.update(terms)
            qs.extend(wq.Term(f, t) for t in terms)
        if not qs:
            return wq.NullQuery
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _fuzzy(self, node: Fuzzy, positive: bool):
        raws = self.analysis.raw_tokens(node.text)
        if not raws:
            return None
        parts = [t for t, *_ in self.analysis.exact.analyze(raws[0])[0]]
        if not parts:
            return None
        word = parts[0]
        maxdist = node.distance if node.distance is not None else fuzzy_distance(word)
        fields = self._fields(node.field, exact=True)
        neighbours = sorted(n for f in fields for n in spelling_neighbours(self.vocabulary(f), word, maxdist))
        terms: set[str] = set()
        for _, _, t in neighbours:
            if len(terms) >= MAX_FUZZY_TERMS:
                break
            terms.add(t)
        terms.add(word)
        if positive:
            self.highlights.exact.update(terms)
        qs = [wq.Term(f, t) for f in fields for t in sorted(terms)]
        return qs[0] if len(qs) == 1 else wq.Or(qs)


def fuzzy_distance(word: str) -> int:
    """Edits allowed by ``word~``: none for 1–2 letters, 1 up to 5 letters, 2 beyond."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2
