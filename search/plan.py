"""Presse's query plan: what a search asks of the storage engine, in Presse's own terms.

``search.query.Compiler`` turns the parser's tree (``search.syntax``) into a tree of these nodes;
an engine (``search.engine.Engine``; the Whoosh/numpy one is ``search.whoosh_engine``) matches
and scores it. Nothing here knows how an index is stored:

- ``Term``: one index term of one field (a stem, an exact word form, an entity key), with a boost;
- ``Phrase``: exact word forms in order, each at most ``slop`` positions after the previous one;
- ``Expansion``: the terms a prefix, wildcard or fuzzy word expanded to (any of them matches);
- ``DayRange``: articles dated within two days (a column mask: it filters, it does not score);
- ``AllOf``, ``AnyOf``, ``Not``, ``Everything``, ``Nothing``: the boolean structure.

A ``Plan`` adds what to do with the matches: the filters, the order, the page, the facets, the
terms that score, the words of the proximity boost and the clauses of a relaxed query. Nodes are
frozen; they hash and compare by value, which walks the whole tree (a query may nest hundreds of
``Not``: engines key their caches on the plan object instead).
"""

from __future__ import annotations

import dataclasses
from typing import Literal, NamedTuple, TypeAlias

__all__ = ["AllOf", "AnyOf", "DayRange", "Everything", "Expansion", "Filters", "Node", "Not", "Nothing",
           "Phrase", "Plan", "Term", "any_of", "all_of", "scored_terms"]


@dataclasses.dataclass(frozen=True)
class Term:
    """Documents whose ``field`` holds the index term ``text``."""

    field: str
    text: str
    boost: float = 1.0


@dataclasses.dataclass(frozen=True)
class Phrase:
    """Documents whose ``field`` holds ``words`` in order, each 1 to ``slop`` positions after the
    previous one (1: adjacent). Scores as its words."""

    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0


@dataclasses.dataclass(frozen=True)
class Expansion:
    """A prefix, wildcard or fuzzy word (``typed``) and the index terms it expanded to: documents
    with any of ``terms``."""

    kind: Literal["prefix", "fuzzy"]
    typed: str
    terms: tuple[Term, ...]


@dataclasses.dataclass(frozen=True)
class DayRange:
    """Articles dated from day ``first`` to day ``last`` (``date.toordinal()``, inclusive; None:
    open). Undated articles are outside every range."""

    first: int | None
    last: int | None


@dataclasses.dataclass(frozen=True)
class AllOf:
    """Documents every item matches (``Not`` items exclude)."""

    items: tuple[Node, ...]


@dataclasses.dataclass(frozen=True)
class AnyOf:
    """Documents one item at least matches."""

    items: tuple[Node, ...]


@dataclasses.dataclass(frozen=True)
class Not:
    """Live documents ``item`` does not match. Terms under a ``Not`` never score."""

    item: Node


@dataclasses.dataclass(frozen=True)
class Everything:
    """Every live document (the empty query)."""


@dataclasses.dataclass(frozen=True)
class Nothing:
    """No document (words no index term can be)."""


Node: TypeAlias = Term | Phrase | Expansion | DayRange | AllOf | AnyOf | Not | Everything | Nothing


def any_of(items: list[Node]) -> Node:
    """``AnyOf(items)``, or the item alone when there is one."""
    return items[0] if len(items) == 1 else AnyOf(tuple(items))


def all_of(items: list[Node]) -> Node:
    """``AllOf(items)``, or the item alone when there is one."""
    return items[0] if len(items) == 1 else AllOf(tuple(items))


def scored_terms(node: Node, positive: bool = True) -> list[tuple[str, str, float]]:
    """(field, text, boost) of the terms that add to a score: terms, expansions' terms and
    phrases' words, not under a ``Not``; day ranges and ``Everything`` do not score."""
    if isinstance(node, Term):
        return [(node.field, node.text, node.boost)] if positive else []
    if isinstance(node, Expansion):
        return [(t.field, t.text, t.boost) for t in node.terms] if positive else []
    if isinstance(node, (AllOf, AnyOf)):
        return [term for item in node.items for term in scored_terms(item, positive)]
    if isinstance(node, Phrase):
        # A phrase scores as its words (the documents are already those where they form the phrase).
        return [(node.field, w, node.boost) for w in dict.fromkeys(node.words)] if positive else []
    return []


class Filters(NamedTuple):
    """What a search keeps: articles with one of these values per facet (empty: any; source, author
    and section values as ``search.facets.filter_values`` reads them), dated within
    ``day_from``..``day_to`` (day numbers, ``date.toordinal()``, inclusive; None: open)."""

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    day_from: int | None = None
    day_to: int | None = None


@dataclasses.dataclass(frozen=True)
class Plan:
    """One search as the engine runs it: the documents ``query`` matches among those ``filters``
    keep, in ``sort`` order, ranks ``start:stop`` of them with their stored fields and scores, and
    the counts of ``facets`` over all of them.

    Relevance scores ``scored`` (the query's positive terms and the exact forms of its plain
    words, ``search.ranking.Ranking.exact_forms``), boosted where the ``nearby`` words stand close
    (``search.whoosh_engine.proximity``); with ``coordination`` (a relaxed query's clauses), documents matching
    more clauses rank first. ``everything``: the empty query (no score).
    """

    query: Node
    filters: Filters | None = None
    sort: str = "relevance"  # "relevance", "date" (oldest first) or "-date" (newest first)
    start: int = 0
    stop: int = 20
    facets: tuple[str, ...] = ()
    scored: tuple[tuple[str, str, float], ...] = ()
    nearby: tuple[str, ...] = ()
    coordination: tuple[Node, ...] = ()
    collapse: bool = False

    @property
    def everything(self) -> bool:
        """True for the empty query (every article, unscored)."""
        return isinstance(self.query, Everything)
