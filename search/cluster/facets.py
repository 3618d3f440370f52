"""Facet counts and filters on the cluster: ``ValueCountMatchSpy`` over every shard, and the
source, author, section, year and date filters of a plan (``search.plan.Filters``) as boolean
terms and value ranges, read as the local engine reads them (``search.facets``: exact value, else
the values containing the words)."""

from __future__ import annotations

from collections.abc import Sequence

import xapian

from ..entities import KINDS as ENTITY_KINDS
from ..facets import UnknownFilterValue, filter_values, suggested_values, value_words
from ..plan import Filters
from ..settings import DEFAULTS
from ..types import FacetCount
from . import layout as L
from .compile import day_range
from .terms import ClusterTerms


def counted(db: xapian.Database, query: xapian.Query, spies: Sequence[xapian.MatchSpy] = ()) -> int:
    """How many articles ``query`` matches, exactly, with ``spies`` counting values over all of them.

    A match of its own, unsorted and unweighted: over remote shards, Xapian 1.4's spies count
    some documents twice when the match is sorted by value (a 2,101-article cluster counted 2,110).
    """
    enquire = xapian.Enquire(db)
    enquire.set_query(query)
    enquire.set_weighting_scheme(xapian.BoolWeight())
    for spy in spies:
        enquire.add_matchspy(spy)
    return enquire.get_mset(0, 0, db.get_doccount()).get_matches_estimated()


def facet_spies(db: xapian.Database, query: xapian.Query, facets: Sequence[str]) -> tuple[int, dict]:
    """(how many articles ``query`` matches, facet name → the ``ValueCountMatchSpy`` that counted its
    values over all of them); named entities have no spy."""
    spies = {name: xapian.ValueCountMatchSpy(L.FACET_SLOTS[name]) for name in facets if name in L.FACET_SLOTS}
    return counted(db, query, list(spies.values())), spies


def facet_counts(name: str, spy: xapian.ValueCountMatchSpy | None) -> tuple[FacetCount, ...]:
    """A facet's counts as ``search.facets.ReaderColumns.counts`` orders them: years newest first,
    other facets by count; named entities are not in the cluster (no counts)."""
    if spy is None or name in ENTITY_KINDS:
        return ()
    items = [(item.term.decode("utf-8"), item.termfreq) for item in spy.values()]
    if name == "year":
        years = sorted(((int(v), c) for v, c in items if v.isdigit()), key=lambda x: -x[0])
        return tuple(FacetCount(v, c) for v, c in years[:DEFAULTS.max_facet_values])
    items.sort(key=lambda x: (-x[1], x[0]))
    return tuple(FacetCount(v, c) for v, c in items[:DEFAULTS.max_facet_values])


def filter_query(terms: ClusterTerms, filters: Filters | None) -> xapian.Query | None:
    """What ``filters`` keep, as a boolean query (``ReaderColumns.filter_docs``); None when they
    keep every article.

    :raises UnknownFilterValue: a filter keeps no value of the cluster.
    """
    if filters is None:
        return None
    parts = []
    for name, wanted in (("source", filters.sources), ("author", filters.authors), ("section", filters.sections)):
        if wanted:
            parts.append(_value_terms(terms, name, wanted))
    if filters.years:
        parts.append(xapian.Query(xapian.Query.OP_OR, [xapian.Query(L.facet_term("year", y))
                                                       for y in sorted(set(filters.years))]))
    if filters.day_from is not None or filters.day_to is not None:
        parts.append(day_range(filters.day_from, filters.day_to))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else xapian.Query(xapian.Query.OP_AND, parts)


def _value_terms(terms: ClusterTerms, name: str, wanted: Sequence[str]) -> xapian.Query:
    """The articles whose facet ``name`` has a value one of ``wanted`` keeps (``filter_values``).

    :raises UnknownFilterValue: a filter keeps no value of the cluster.
    """
    known = terms.listing(L.FACET_TERMS[name])
    values = [v for v, _ in known]
    words = [value_words(v) for v in values]
    kept: set[str] = set()
    for value in wanted:
        found = filter_values(values, value, words)
        if not found:
            frequent = [v for v, _ in sorted(known, key=lambda x: (-x[1], x[0]))]
            raise UnknownFilterValue(name, value, *suggested_values(values, value, frequent))
        kept.update(values[i] for i in found)
    return xapian.Query(xapian.Query.OP_OR, [xapian.Query(L.FACET_TERMS[name] + v) for v in sorted(kept)])
