"""From the query typed to Presse's query plan (``search.plan``) for one commit of the index.

``plan_query`` parses the text (``search.syntax``) and compiles the tree (``Compiler``) against
the commit searched (``search.engine.Snapshot``). When nothing has all the words of a plain query,
a misspelling is the likeliest cause: the respelled query's plan is searched instead; failing
that, the articles with the most of the words (a relaxed query, ranked by how many words each
has). The words of a plain query also make the proximity boost, and their typed forms score
(``search.ranking.Ranking``).

Plain words search the stemmed fields (title, lead, body) through the folded lexicon, so accents
never matter; phrases, prefixes and fuzzy words search the exact-form fields. Prefix, wildcard and
fuzzy words expand to a bounded number of index terms (see the MAX_* constants), so no query can
run away. The compiler also collects what to highlight and the words to check for spelling
suggestions.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from presse.indexer.analysis import (
    TOKEN_RE,
    CachedFilter,
    exact_filters,
    fold,
    key_filters,
    normalize_raw,
    stemming_filters,
)

from .plan import AnyOf, DayRange, Everything, Expansion, Filters, Nothing, Plan, Term, all_of, any_of, scored_terms
from .plan import Node as PlanNode
from .plan import Not as PlanNot
from .plan import Phrase as PlanPhrase
from .ranking import Ranking, exact_form_terms
from .respelling import may_search_again, plain_words, replace_word
from .settings import DEFAULTS, EngineSettings
from .syntax import And, DateSpan, Entity, Fuzzy, Node, Not, Or, Pattern, Phrase, QueryError, Word, parse
from .vocabulary import spelling_neighbours

if TYPE_CHECKING:
    from .engine import Snapshot

# The parser's names are part of this module's API too: parse() then Compiler.compile().
__all__ = ["Analysis", "Compiler", "Highlights", "Planned", "QueryError", "fuzzy_distance", "parse", "plan_query",
           "spelling_neighbours", "suggest"]

STEMMED_FIELDS = ("body", "title", "lead")

# Terms carry no field boost: each field's weight is the archive's ranking (search.ranking).


# ----------------------------------------------------------------------------- compiling

class Analysis:
    """The query-side analysis: the same filters as the index, cached per distinct word."""

    def __init__(self, settings: EngineSettings = DEFAULTS):
        self.stem = CachedFilter(*stemming_filters())
        self.exact = CachedFilter(*exact_filters())
        self.key = CachedFilter(*key_filters())
        for f in (self.stem, self.exact, self.key):
            f.bound(settings.query_cache_words)  # a server's caches stay bounded

    def raw_tokens(self, text: str) -> list[str]:
        return [normalize_raw(m) for m in TOKEN_RE.findall(text)]


@dataclasses.dataclass
class Highlights:
    """What to mark in the text of a hit: stemmed terms and exact (folded) word forms."""

    stems: set[str] = dataclasses.field(default_factory=set)
    exact: set[str] = dataclasses.field(default_factory=set)


class Compiler:
    """Turns a parsed tree into a query plan (``search.plan``) against one index's lexicon and vocabularies."""

    def __init__(self, index: Snapshot, analysis: Analysis, settings: EngineSettings = DEFAULTS):
        """``index``: the commit searched (``search.engine.Snapshot``): its lexicon, the terms of a
        prefix, the spellings of a fuzzy word, the keys an entity filter means; ``settings``: how
        far prefixes and fuzzy words expand."""
        self.index = index
        self.settings = settings
        self.lexicon = index.lexicon
        self.analysis = analysis
        self.highlights = Highlights()
        # Plain positive words, for spelling suggestions: (as typed, exact form, stemmed terms).
        self.words: list[tuple[str, str, frozenset[str]]] = []
        self._stop_words_as_words = False

    # -- public
    def compile(self, node: Node | None) -> PlanNode | None:
        """The plan of ``node`` (None when nothing in it can be searched).

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
    def _node(self, node: object, positive: bool) -> PlanNode | None:
        if isinstance(node, Word):
            return self._word(node, positive)
        if isinstance(node, Phrase):
            return self._phrase(node, positive)
        if isinstance(node, Pattern):
            return self._pattern(node, positive)
        if isinstance(node, Fuzzy):
            return self._fuzzy(node, positive)
        if isinstance(node, DateSpan):
            return DayRange(node.start.toordinal() if node.start else None,
                            node.end.toordinal() if node.end else None)
        if isinstance(node, Entity):  # the articles where the entity was found (keys: no score)
            keys = self.index.entities().terms(node.kind, node.name)
            return self._terms_or([node.kind], keys) if keys else Nothing()
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
            return all_of(pos + [PlanNot(q) for q in neg])
        if isinstance(node, Or):
            items = [q for q in (self._node(i, positive) for i in node.items) if q is not None]
            if not items:
                return None
            return any_of(items)
        if isinstance(node, Not):
            inner = self._node(node.item, not positive)
            return PlanNot(inner) if inner is not None else None
        raise TypeError(node)

    def _fields(self, field: str | None, exact: bool) -> list[str]:
        if field is None:
            return ["title_exact", "exact"] if exact else ["title", "lead", "body"]
        if field == "title":
            return ["title_exact"] if exact else ["title"]
        return [f"{field}_text"]  # author, source: folded word forms

    def _word(self, node: Word, positive: bool) -> PlanNode | None:
        clauses: list[PlanNode] = []
        for raw in self.analysis.raw_tokens(node.text):
            if node.field in ("author", "source"):
                parts = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
                if parts:
                    clauses.append(self._terms_or([f"{node.field}_text"], [parts[0]]) if len(parts) == 1
                                   else PlanPhrase(f"{node.field}_text", tuple(parts)))
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
                q = AnyOf((q, *(PlanPhrase(f, tuple(parts)) for f in self._fields(node.field, True))))
            clauses.append(q)
        if not clauses:
            return None
        return all_of(clauses)

    def _exact_words(self, field: str | None, raw: str, positive: bool) -> list[PlanNode]:
        """The exact forms of the word ``raw`` (a stop word), searched as they are."""
        forms = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
        if positive:
            self.highlights.exact.update(forms)
        return [self._terms_or(self._fields(field, exact=True), [form]) for form in forms]

    def _terms_or(self, fields: list[str], terms: list[str]) -> PlanNode:
        return any_of([Term(f, t) for f in fields for t in terms])

    def _phrase(self, node: Phrase, positive: bool) -> PlanNode | None:
        words: list[str] = []
        for raw in self.analysis.raw_tokens(node.text):
            words.extend(t for t, *_ in self.analysis.exact.analyze(raw)[0])
        if not words:
            return None
        if positive:
            self.highlights.exact.update(words)
        fields = self._fields(node.field, exact=True)
        if len(words) == 1:
            return self._terms_or(fields, words)
        return any_of([PlanPhrase(f, tuple(words), slop=max(1, node.slop)) for f in fields])

    def _expand(self, field: str, prefix: str, match) -> list[str]:
        """Up to ``max_expansion`` terms of ``field`` starting with ``prefix`` that ``match`` (of the
        first ``max_scanned_terms``), most frequent first."""
        found = [(df, text) for text, df in self.index.with_prefix(field, prefix, self.settings.max_scanned_terms)
                 if df and match(text)]
        found.sort(key=lambda x: (-x[0], x[1]))
        return [t for _, t in found[:self.settings.max_expansion]]

    def _pattern(self, node: Pattern, positive: bool) -> PlanNode:
        text = fold(node.text.lower())
        prefix = re.split(r"[*?]", text, maxsplit=1)[0]  # the letters before the first wildcard
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")
        fields = self._fields(node.field, exact=True)
        qs: list[Term] = []
        for f in fields:
            terms = self._expand(f, prefix, regex.match)
            if positive:
                self.highlights.exact.update(terms)
            qs.extend(Term(f, t) for t in terms)
        return Expansion("prefix", node.text, tuple(qs)) if qs else Nothing()

    def _fuzzy(self, node: Fuzzy, positive: bool) -> PlanNode | None:
        raws = self.analysis.raw_tokens(node.text)
        if not raws:
            return None
        parts = [t for t, *_ in self.analysis.exact.analyze(raws[0])[0]]
        if not parts:
            return None
        word = parts[0]
        maxdist = node.distance if node.distance is not None else fuzzy_distance(word)
        fields = self._fields(node.field, exact=True)
        neighbours = sorted(n for f in fields for n in self.index.neighbours(f, word, maxdist))
        terms: set[str] = set()
        for _, _, t in neighbours:
            if len(terms) >= self.settings.max_fuzzy_terms:
                break
            terms.add(t)
        terms.add(word)
        if positive:
            self.highlights.exact.update(terms)
        return Expansion("fuzzy", node.text, tuple(Term(f, t) for f in fields for t in sorted(terms)))


def fuzzy_distance(word: str) -> int:
    """Edits allowed by ``word~``: none for 1–2 letters, 1 up to 5 letters, 2 beyond."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


# ----------------------------------------------------------------------------- planning



@dataclasses.dataclass
class Planned:
    """What ``q`` searches in one commit: the query plan settled on, how many articles it matches
    (filters applied), and what the search page says about it."""

    query: PlanNode
    filters: Filters | None
    total: int
    compiler: Compiler  # its ``highlights`` mark what matched
    sort: str  # as requested (relevance, date, -date); "-date" for the empty query's relevance
    nearby: tuple[str, ...] = ()  # a plain query's words, for the proximity boost
    coordination: tuple[PlanNode, ...] = ()  # a relaxed query's clauses
    suggestion: str | None = None
    rewritten: str | None = None
    relaxed: bool = False
    scored: tuple[tuple[str, str, float], ...] = ()

    def plan(self, start: int = 0, stop: int = 0, facets: tuple[str, ...] = (), collapse: bool = False) -> Plan:
        """The engine's plan of ranks ``start:stop`` with ``facets`` (grouped with ``collapse``)."""
        return Plan(self.query, self.filters, self.sort, start, stop, facets, self.scored, self.nearby,
                    self.coordination, collapse)


def plan_query(index: Snapshot, analysis: Analysis, ranking: Ranking, q: str, filters: Filters | None,
               sort: str, settings: EngineSettings = DEFAULTS) -> Planned:
    """The articles ``q`` finds under ``filters``, as ``search`` shows them: when nothing has all
    the words of a plain query, those of its respelling, else those with the most words."""
    if filters is not None:
        index.check_filters(filters)
    compiler = Compiler(index, analysis, settings)
    tree = parse(q)
    query = compiler.compile(tree)
    if query is None and tree is None:  # an empty query lists every article
        query = Everything()
        if sort == "relevance":
            sort = "-date"
    elif query is None:  # words that cannot be searched (longer than any indexed word)
        query = Nothing()

    def planned(query: PlanNode, nearby: tuple[str, ...], compiler: Compiler, coordination=()) -> Planned:
        return Planned(query, filters, index.count(query, filters), compiler, sort, nearby, tuple(coordination))

    match = planned(query, _nearby_words(tree, compiler), compiler)
    if match.total < settings.suggest_below and compiler.words:
        match.suggestion = suggest(index, q, compiler.words)
    if match.total == 0 and may_search_again(q, tree):
        # Nothing has all the words. A misspelling is the likeliest cause: show the respelled
        # query's results; failing that, the articles with the most of the words.
        if match.suggestion:
            respelled, respelled_tree = Compiler(index, analysis, settings), parse(match.suggestion)
            respelled_query = respelled.compile(respelled_tree)
            if respelled_query is not None:
                found = planned(respelled_query, _nearby_words(respelled_tree, respelled), respelled)
                if found.total:
                    found.suggestion, found.rewritten = match.suggestion, match.suggestion
                    return _scored(found, ranking)
        if isinstance(tree, And) and len(tree.items) > 1:
            clauses = [c for c in (compiler.compile(word) for word in tree.items) if c is not None]
            if len(clauses) > 1:
                found = planned(AnyOf(tuple(clauses)), match.nearby, compiler, clauses)
                if found.total:
                    found.suggestion, found.relaxed = match.suggestion, True
                    return _scored(found, ranking)
    return _scored(match, ranking)


def _scored(planned: Planned, ranking: Ranking) -> Planned:
    """``planned`` with the terms that score its documents: the query's positive terms, and the
    exact forms of its plain words (``Ranking.exact_forms``); none for the empty query."""
    if not isinstance(planned.query, Everything):
        typed = [folded for _, folded, _ in planned.compiler.words]
        planned.scored = tuple(scored_terms(planned.query) + exact_form_terms(typed, ranking.exact_forms))
    return planned


def suggest(index: Snapshot, q: str, words) -> str | None:
    """A respelling of ``q`` with more results, each unknown word replaced by its likeliest neighbour."""
    changed = False
    suggestion = q
    for raw, folded, terms in words:
        if len(folded) < 3 or any(index.doc_frequency(f, t) for t in terms for f in STEMMED_FIELDS):
            continue  # the word itself matches something
        neighbours = index.neighbours("exact", folded, 1 if len(folded) <= 5 else 2)
        best = neighbours[0] if neighbours else None
        if best is not None:
            suggestion = replace_word(suggestion, raw, index.lexicon.accented(best[2]))
            changed = True
    if not changed or suggestion == q:
        return None
    return suggestion


def _nearby_words(tree, compiler: Compiler) -> tuple[str, ...]:
    """The exact forms of a plain query's words, in order, for the proximity boost (else ())."""
    if not plain_words(tree):
        return ()
    return tuple(folded for _, folded, _ in compiler.words)

