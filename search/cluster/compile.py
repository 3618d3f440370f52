"""Compiling a parsed Presse query into a ``xapian.Query``: ``compile_query``.

The same reading as the local engine's compiler (``search.query.Compiler``), term for term:
plain words search the stems through the cluster's accent-insensitive lexicon; phrases,
prefixes and fuzzy words search the folded word forms, with positions; ``titre:``, ``auteur:``,
``source:`` search their fields; dates are value ranges. A phrase ``"…"~N`` keeps its words in
order, each at most N positions after the previous one: exactly so for two words (``OP_PHRASE``
over a window of N + 1), within a window of (words - 1) × N + 1 positions for more. Named
entities are not in the cluster: ``personne:`` and the like match nothing.

When the seam of issue 17 lands, ``compile_query`` takes the Presse query plan instead of the
parser's tree: this module is the only one to change.
"""

from __future__ import annotations

import dataclasses
import re

import xapian

from presse.indexer.analysis import fold

from ..query import Analysis, Highlights, fuzzy_distance
from ..respelling import plain_words
from ..settings import DEFAULTS
from ..syntax import And, DateSpan, Entity, Fuzzy, Not, Or, Pattern, Phrase, Word
from . import layout as L
from .terms import ClusterTerms

__all__ = ["Compiled", "compile_query", "day_range"]

# The exact forms of a plain query's words score as well, in the title and the text (as
# search.ranking.Ranking.exact_forms does); title forms weigh more, like title stems.
EXACT_FORM_WEIGHT = {L.TITLE_FORMS: 2.0 * 2.5, L.FORMS: 2.0}
PROXIMITY_WINDOW = 3  # search.ranking.Ranking.proximity_window
PROXIMITY_WEIGHT = 1.0


@dataclasses.dataclass
class Compiled:
    """A compiled query: what to run, what to highlight, and the plain words typed (for
    spelling suggestions: (as typed, exact form, stemmed terms))."""

    query: xapian.Query | None
    highlights: Highlights
    words: list[tuple[str, str, frozenset[str]]]


def compile_query(tree, terms: ClusterTerms, analysis: Analysis) -> Compiled:
    """The Xapian query of the parsed query ``tree`` (``search.syntax.parse``) against the cluster
    whose terms ``terms`` reads; ``query`` is None when nothing in it can be searched.

    Stop words are left out of plain words; a query made only of stop words searches them as
    exact words instead (as the local engine does).
    """
    compiler = _Compiler(terms, analysis)
    query = compiler.node(tree, True) if tree is not None else None
    if query is None and tree is not None:
        compiler.stop_words_as_words = True
        query = compiler.node(tree, True)
    if query is not None and compiler.words and not compiler.stop_words_as_words:
        words = [w for _, w, _ in compiler.words]
        query = xapian.Query(xapian.Query.OP_AND_MAYBE, query, _exact_forms(words, plain_words(tree)))
    return Compiled(query, compiler.highlights, compiler.words)


def _exact_forms(words: list[str], plain: bool) -> xapian.Query:
    """What scores without matching (``OP_AND_MAYBE``): the exact forms of the plain words typed,
    and for a query of plain words only, those words near each other (each within
    ``PROXIMITY_WINDOW`` positions of the previous), as ``search.proximity`` boosts them."""
    parts = [xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query(prefix + w), weight)
             for w in dict.fromkeys(words) for prefix, weight in EXACT_FORM_WEIGHT.items() if L.fits(prefix + w)]
    if plain and len(words) > 1 and PROXIMITY_WEIGHT:
        window = (len(words) - 1) * PROXIMITY_WINDOW + 1
        parts += [xapian.Query(xapian.Query.OP_SCALE_WEIGHT,
                               xapian.Query(xapian.Query.OP_PHRASE, [prefix + w for w in words], window),
                               PROXIMITY_WEIGHT)
                  for prefix in (L.TITLE_FORMS, L.FORMS) if all(L.fits(prefix + w) for w in words)]
    return xapian.Query(xapian.Query.OP_OR, parts)


def day_range(first: int | None, last: int | None) -> xapian.Query:
    """The dated articles from day ``first`` to day ``last`` (``date.toordinal()``, inclusive; None: open)."""
    low = xapian.sortable_serialise(max(first or 1, 1))  # undated articles (day 0) are in no range
    if last is None:
        return xapian.Query(xapian.Query.OP_VALUE_GE, L.DAY_SLOT, low)
    return xapian.Query(xapian.Query.OP_VALUE_RANGE, L.DAY_SLOT, low, xapian.sortable_serialise(last))


def _or(queries: list[xapian.Query]) -> xapian.Query:
    return queries[0] if len(queries) == 1 else xapian.Query(xapian.Query.OP_OR, queries)


class _Compiler:
    def __init__(self, terms: ClusterTerms, analysis: Analysis):
        self.terms = terms
        self.analysis = analysis
        self.highlights = Highlights()
        self.words: list[tuple[str, str, frozenset[str]]] = []
        self.stop_words_as_words = False

    def node(self, node, positive: bool) -> xapian.Query | None:
        if isinstance(node, Word):
            return self.word(node, positive)
        if isinstance(node, Phrase):
            return self.phrase(node, positive)
        if isinstance(node, Pattern):
            return self.pattern(node, positive)
        if isinstance(node, Fuzzy):
            return self.fuzzy(node, positive)
        if isinstance(node, DateSpan):
            return day_range(node.start.toordinal() if node.start else None,
                             node.end.toordinal() if node.end else None)
        if isinstance(node, Entity):
            return xapian.Query.MatchNothing
        if isinstance(node, And):
            pos, neg = [], []
            for item in node.items:
                if isinstance(item, Not):
                    q = self.node(item.item, not positive)
                    if q is not None:
                        neg.append(q)
                else:
                    q = self.node(item, positive)
                    if q is not None:
                        pos.append(q)
            if not pos and not neg:
                return None
            query = (pos[0] if len(pos) == 1 else xapian.Query(xapian.Query.OP_AND, pos)) if pos \
                else xapian.Query.MatchAll
            return xapian.Query(xapian.Query.OP_AND_NOT, query, _or(neg)) if neg else query
        if isinstance(node, Or):
            items = [q for q in (self.node(i, positive) for i in node.items) if q is not None]
            return _or(items) if items else None
        if isinstance(node, Not):
            inner = self.node(node.item, not positive)
            return xapian.Query(xapian.Query.OP_AND_NOT, xapian.Query.MatchAll, inner) if inner is not None else None
        raise TypeError(node)

    @staticmethod
    def prefixes(field: str | None, exact: bool) -> list[str]:
        """The term prefixes a word of ``field`` searches (``search.query.Compiler._fields``)."""
        if field is None:
            return [L.TITLE_FORMS, L.FORMS] if exact else [L.STEMS]
        if field == "title":
            return [L.TITLE_FORMS] if exact else [L.TITLE_STEMS]
        return [L.AUTHOR_FORMS if field == "author" else L.SOURCE_FORMS]

    def forms(self, raw: str) -> list[str]:
        return [t for t, *_ in self.analysis.exact.analyze(raw)[0]]

    def word(self, node: Word, positive: bool) -> xapian.Query | None:
        clauses = []
        for raw in self.analysis.raw_tokens(node.text):
            if node.field in ("author", "source"):
                parts = self.forms(raw)
                if parts:
                    clauses.append(self.sequence(self.prefixes(node.field, True), parts, 1))
                continue
            out, width = self.analysis.stem.analyze(raw)
            if not out:
                if self.stop_words_as_words:
                    forms = self.forms(raw)
                    if positive:
                        self.highlights.exact.update(forms)
                    clauses.extend(self.any_term(self.prefixes(node.field, True), [f]) for f in forms)
                continue  # a stop word
            keys = [k for k, *_ in self.analysis.key.analyze(raw)[0]]
            stems = self.terms.terms_for_key(keys[0] if keys else out[0][0])
            if positive:
                self.highlights.stems.update(stems)
                if node.field is None and width == 1:
                    exact = self.forms(raw)
                    if exact:
                        self.words.append((raw, exact[0], frozenset(stems)))
            (prefix,) = self.prefixes(node.field, exact=False)
            # One word, whatever form it was indexed under: its stems' frequencies add up (BM25F-like).
            q = xapian.Query(xapian.Query.OP_SYNONYM, [prefix + s for s in sorted(stems) if L.fits(prefix + s)])
            if width > 1:  # a compound: the whole, or its parts as a phrase
                q = _or([q, self.sequence(self.prefixes(node.field, True), self.forms(raw), 1)])
            clauses.append(q)
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else xapian.Query(xapian.Query.OP_AND, clauses)

    @staticmethod
    def any_term(prefixes: list[str], terms: list[str]) -> xapian.Query:
        found = [xapian.Query(p + t) for p in prefixes for t in terms if L.fits(p + t)]
        return _or(found) if found else xapian.Query.MatchNothing

    def sequence(self, prefixes: list[str], words: list[str], slop: int) -> xapian.Query:
        """``words`` in order in a field of ``prefixes``, each at most ``slop`` positions after the previous one."""
        if len(words) == 1:
            return self.any_term(prefixes, words)
        window = (len(words) - 1) * slop + 1
        phrases = [xapian.Query(xapian.Query.OP_PHRASE, [p + w for w in words], window) for p in prefixes
                   if all(L.fits(p + w) for w in words)]
        return _or(phrases) if phrases else xapian.Query.MatchNothing

    def phrase(self, node: Phrase, positive: bool) -> xapian.Query | None:
        words = [w for raw in self.analysis.raw_tokens(node.text) for w in self.forms(raw)]
        if not words:
            return None
        if positive:
            self.highlights.exact.update(words)
        return self.sequence(self.prefixes(node.field, True), words, max(1, node.slop))

    def pattern(self, node: Pattern, positive: bool) -> xapian.Query:
        text = fold(node.text.lower())
        start = re.split(r"[*?]", text, maxsplit=1)[0]  # the letters before the first joker
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")
        found: list[xapian.Query] = []
        for prefix in self.prefixes(node.field, True):
            expanded = self.terms.expand(prefix, start, regex.match)
            if positive:
                self.highlights.exact.update(expanded)
            found.extend(xapian.Query(prefix + t) for t in expanded)
        return _or(found) if found else xapian.Query.MatchNothing

    def fuzzy(self, node: Fuzzy, positive: bool) -> xapian.Query | None:
        raws = self.analysis.raw_tokens(node.text)
        parts = self.forms(raws[0]) if raws else []
        if not parts:
            return None
        word = parts[0]
        maxdist = node.distance if node.distance is not None else fuzzy_distance(word)
        prefixes = self.prefixes(node.field, True)
        neighbours = sorted(n for p in prefixes for n in self.terms.neighbours(p, word, maxdist))
        found: set[str] = set()
        for _, _, t in neighbours:
            if len(found) >= DEFAULTS.max_fuzzy_terms:
                break
            found.add(t)
        found.add(word)
        if positive:
            self.highlights.exact.update(found)
        return self.any_term(prefixes, sorted(found))
