"""Facet counts and filters on the cluster: ``ValueCountMatchSpy`` over every shard, and the
source, author, section, year and date filters of a ``search.request.SearchRequest`` as boolean
terms and value ranges, read as the local engine reads them (``search.facets``: exact value, else
the values containing the words)."""

from __future__ import annotations

from collections.abc import Sequence

import xapian

from ..entities import KINDS as ENTITY_KINDS
from ..facets import UnknownFilterValue, filter_values, suggested_values, value_words
from ..request import SearchRequest
from ..settings import DEFAULTS
from ..types import FacetCount
from . import layout as L
from .compile import day_range
from .terms import ClusterTerms


def facet_spies(db: xapian.Database, query: xapian.Query, facets: Sequence[str]) -> dict:
    """Facet name → the ``ValueCountMatchSpy`` that counted its values over every match.

    A match of its own, unsorted and unweighted: over remote shards, Xapian 1.4's spies count
    some documents twice when the match is sorted by value (a 2,101-article cluster counted 2,110).
    """
    spies = {name: xapian.ValueCountMatchSpy(L.FACET_SLOTS[name]) for name in facets if name in L.FACET_SLOTS}
    if spies:
        enquire = xapian.Enquire(db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(xapian.BoolWeight())
        for spy in spies.values():
            enquire.add_matchspy(spy)
        enquire.get_mset(0, 0, db.get_doccount())
    return spies


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


def filter_query(terms: ClusterTerms, request: SearchRequest) -> xapian.Query | None:
    """What the request's filters keep, as a boolean query (``ReaderColumns.filter_docs``); None
    when it keeps every article."""
    parts = []
    for name, wanted in (("source", request.source), ("author", request.author), ("section", request.section)):
        if wanted:
            parts.append(_value_terms(terms, name, wanted))
    if request.year:
        parts.append(xapian.Query(xapian.Query.OP_OR, [xapian.Query(L.facet_term("year", y))
                                                       for y in sorted(set(request.year))]))
    if request.date_from is not None or request.date_to is not None:
        parts.append(day_range(request.date_from.toordinal() if request.date_from else None,
                               request.date_to.toordinal() if request.date_to else None))
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
