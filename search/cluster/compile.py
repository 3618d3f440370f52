"""Compiling Presse's query plan (``search.plan``) into a ``xapian.Query``: ``compile_plan``.

The plan is the one the local engine runs (``search.query.plan_query`` builds it against the
cluster's lexicon and vocabulary); only its fields change names, into the cluster's term prefixes
(``layout``):

- the stems of ``title``, ``lead`` and ``body`` are one combined field (no prefix; title and lead
  occurrences count more, ``layout.STEM_WDF``): the stems one plain word means are searched as one
  ``OP_SYNONYM`` (its forms' frequencies add up, as BM25F combines them); ``title`` alone (``titre:``)
  is ``XT``;
- the folded word forms (``title_exact``, ``exact``, ``author_text``, ``source_text``) keep their
  positions: phrases are ``OP_PHRASE`` windows, exactly the local reading for two words (each at
  most ``slop`` positions after the previous), within (words - 1) × slop + 1 positions for more;
- day ranges are value ranges; named entities are not in the cluster (``personne:`` and the like
  match nothing).

What scores without matching (``OP_AND_MAYBE``): the exact forms of a plain query's words
(``Plan.scored`` beyond the query's own terms), each one word over the title and the text. A
relaxed query ranks the articles matching more of its clauses first (``coordinated``).
The proximity boost (``Plan.nearby``) reorders the best articles afterwards: ``near_pairs`` is the
query of the articles where every consecutive pair of the words stands close.
"""

from __future__ import annotations

import xapian

from ..plan import AllOf, AnyOf, DayRange, Everything, Expansion, Node, Not, Nothing, Phrase, Plan, Term, scored_terms
from . import layout as L

__all__ = ["COORDINATION_WEIGHT", "compile_plan", "coordinated", "day_range", "near_pairs", "node_query"]

# The plan's fields of folded word forms → their term prefixes; the stemmed fields are combined.
FORM_PREFIXES = {"title_exact": L.TITLE_FORMS, "exact": L.FORMS, "author_text": L.AUTHOR_FORMS,
                 "source_text": L.SOURCE_FORMS}
STEMMED_FIELDS = ("title", "lead", "body")
COORDINATION_WEIGHT = 10_000.0  # per clause a relaxed query's article matches: above any BM25 score
# Shared by every relaxed query: Xapian clones it for each database it matches, or sends it to the shard.
_COORDINATION = xapian.FixedWeightPostingSource(COORDINATION_WEIGHT)


def compile_plan(plan: Plan, kept: xapian.Query | None) -> xapian.Query:
    """The Xapian query of ``plan`` among the articles ``kept`` (its filters; None: all), its
    scoring clauses included."""
    if plan.coordination:
        query = coordinated([node_query(c) for c in plan.coordination])
    else:
        query = node_query(plan.query)
    if not plan.everything:
        scoring = _scoring(plan)
        if scoring is not None:
            query = xapian.Query(xapian.Query.OP_AND_MAYBE, query, scoring)
    return query if kept is None else xapian.Query(xapian.Query.OP_FILTER, query, kept)


def node_query(node: Node) -> xapian.Query:
    """The Xapian query of one plan node (what it matches; its terms score as BM25 weighs them)."""
    if isinstance(node, Term):
        return _term(node.field, node.text)
    if isinstance(node, AnyOf):
        stems = _stems(node.items)
        if stems is not None:
            return stems
        return _or([node_query(item) for item in node.items])
    if isinstance(node, AllOf):
        positive = [node_query(item) for item in node.items if not isinstance(item, Not)]
        negative = [node_query(item.item) for item in node.items if isinstance(item, Not)]
        query = (positive[0] if len(positive) == 1 else xapian.Query(xapian.Query.OP_AND, positive)) if positive \
            else xapian.Query.MatchAll
        return xapian.Query(xapian.Query.OP_AND_NOT, query, _or(negative)) if negative else query
    if isinstance(node, Not):
        return xapian.Query(xapian.Query.OP_AND_NOT, xapian.Query.MatchAll, node_query(node.item))
    if isinstance(node, Phrase):
        return _sequence(node.field, node.words, node.slop)
    if isinstance(node, Expansion):
        return _or([_term(t.field, t.text) for t in node.terms]) if node.terms else xapian.Query.MatchNothing
    if isinstance(node, DayRange):
        return day_range(node.first, node.last)
    if isinstance(node, Everything):
        return xapian.Query.MatchAll
    if isinstance(node, Nothing):
        return xapian.Query.MatchNothing
    raise TypeError(node)


def day_range(first: int | None, last: int | None) -> xapian.Query:
    """The dated articles from day ``first`` to day ``last`` (``date.toordinal()``, inclusive; None: open)."""
    low = xapian.sortable_serialise(max(first or 1, 1))  # undated articles (day 0) are in no range
    if last is None:
        return xapian.Query(xapian.Query.OP_VALUE_GE, L.DAY_SLOT, low)
    return xapian.Query(xapian.Query.OP_VALUE_RANGE, L.DAY_SLOT, low, xapian.sortable_serialise(last))


def coordinated(clauses: list[xapian.Query]) -> xapian.Query:
    """The articles matching any of ``clauses``, those matching more of them first, then by score
    (``search.query.plan_query``'s relaxed query): each clause matched adds ``COORDINATION_WEIGHT``,
    more than any BM25 score, through a fixed-weight posting source (built into Xapian: every shard
    runs it). Scores shown are modulo ``COORDINATION_WEIGHT``."""
    counted = xapian.Query(_COORDINATION)
    return xapian.Query(xapian.Query.OP_OR, [xapian.Query(xapian.Query.OP_AND, c, counted) for c in clauses])


def near_pairs(words: list[str], window: int) -> xapian.Query | None:
    """The articles where each consecutive pair of ``words`` (distinct) stands close, in order (the
    second at most ``window`` positions after the first), in the title or the text: the rule of
    ``search.whoosh_engine.proximity``; None when there is no pair."""
    pairs = []
    for a, b in zip(words, words[1:]):
        if a == b:
            continue
        near = [xapian.Query(xapian.Query.OP_PHRASE, [prefix + a, prefix + b], window + 1)
                for prefix in (L.TITLE_FORMS, L.FORMS) if L.fits(prefix + a) and L.fits(prefix + b)]
        pairs.append(_or(near))
    if not pairs:
        return None
    return pairs[0] if len(pairs) == 1 else xapian.Query(xapian.Query.OP_AND, pairs)


def stem_prefix(field: str) -> str | None:
    """The term prefix of a stemmed field (the combined one but for ``title``), None for another field."""
    if field == "title":
        return L.TITLE_STEMS
    return L.STEMS if field in STEMMED_FIELDS else None


def term_prefix(field: str) -> str | None:
    """The term prefix of a plan field; None for a field the cluster does not have (named entities)."""
    prefix = stem_prefix(field)
    return prefix if prefix is not None else FORM_PREFIXES.get(field)


# ---------------------------------------------------------------------------------------- helpers

def _term(field: str, text: str) -> xapian.Query:
    prefix = term_prefix(field)
    if prefix is None or not L.fits(prefix + text):
        return xapian.Query.MatchNothing
    return xapian.Query(prefix + text)


def _stems(items: tuple[Node, ...]) -> xapian.Query | None:
    """The stems of one word (terms of the stemmed fields only) as one ``OP_SYNONYM``: a stem in
    the lead or the body is the combined field's, in the title only ``XT``'s; None for other items."""
    if not all(isinstance(item, Term) and item.field in STEMMED_FIELDS for item in items):
        return None
    fields: dict[str, set[str]] = {}
    for item in items:
        assert isinstance(item, Term)
        fields.setdefault(item.text, set()).add(item.field)
    terms = [(L.TITLE_STEMS if found == {"title"} else L.STEMS) + text for text, found in sorted(fields.items())]
    terms = [t for t in terms if L.fits(t)]
    if not terms:
        return xapian.Query.MatchNothing
    return xapian.Query(terms[0]) if len(terms) == 1 else xapian.Query(xapian.Query.OP_SYNONYM, terms)


def _sequence(field: str, words: tuple[str, ...], slop: int) -> xapian.Query:
    """``words`` in order in ``field``, each at most ``slop`` positions after the previous one."""
    prefix = FORM_PREFIXES.get(field)
    if prefix is None or not all(L.fits(prefix + w) for w in words):
        return xapian.Query.MatchNothing
    if len(words) == 1:
        return xapian.Query(prefix + words[0])
    window = (len(words) - 1) * max(1, slop) + 1
    return xapian.Query(xapian.Query.OP_PHRASE, [prefix + w for w in words], window)


def _scoring(plan: Plan) -> xapian.Query | None:
    """What scores ``plan``'s articles beyond its own terms: the exact forms of its plain words,
    each one word over the title and the text (``OP_SYNONYM``: its counts combined before BM25
    saturates them, as the local BM25F combines a word's fields); None when nothing does."""
    own = {(field, text) for field, text, _ in scored_terms(plan.query)}
    words: dict[str, list[str]] = {}
    for field, text, _ in plan.scored:
        prefix = FORM_PREFIXES.get(field)
        if (field, text) in own or prefix is None or not L.fits(prefix + text):
            continue
        words.setdefault(text, []).append(prefix + text)
    parts = [xapian.Query(terms[0]) if len(terms) == 1 else xapian.Query(xapian.Query.OP_SYNONYM, terms)
             for terms in words.values()]
    return _or(parts) if parts else None


def _or(queries: list[xapian.Query]) -> xapian.Query:
    if not queries:
        return xapian.Query.MatchNothing
    return queries[0] if len(queries) == 1 else xapian.Query(xapian.Query.OP_OR, queries)
