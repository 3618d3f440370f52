"""The set of documents a query matches, computed with Python set algebra over posting lists.

Totals and facet counts need *every* matching document. Walking Whoosh's matcher tree costs
several Python calls per document and per tree level; reading each term's posting list block by
block and combining them with ``set`` operations (which run in C) is several times faster. Queries
without a set form here (phrases, ranges…) fall back to Whoosh's own matching.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher


def _leaf_ids(matcher) -> list[int]:
    """Every document id of a fresh on-disk posting list, read a block at a time."""
    if not isinstance(matcher, W3LeafMatcher):
        return list(matcher.all_ids())
    out: list[int] = []
    m = matcher
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        out.extend(m._ids[m._i:])
        if m._lastblock:
            break
        m._next_block()
    return out


def term_docs(reader, field: str, text: str) -> set[int]:
    """Documents (deleted ones included) whose ``field`` contains ``text``."""
    docs: set[int] = set()
    for leaf, offset in reader.leaf_readers():
        if (field, text) not in leaf:
            continue
        ids = _leaf_ids(leaf.postings(field, text))
        docs.update(ids if not offset else (i + offset for i in ids))
    return docs


def matching_docs(searcher, query: wq.Query, live: set[int]) -> set[int]:
    """The live documents ``query`` matches."""
    return _docs(searcher, searcher.reader(), query, live) & live


def _docs(searcher, reader, q: wq.Query, live: set[int]) -> set[int]:
    if isinstance(q, wq.Term):
        return term_docs(reader, q.fieldname, q.text)
    if isinstance(q, wq.Every):
        return live
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return set()
    if isinstance(q, wq.Not):
        return live - _docs(searcher, reader, q.query, live)
    if isinstance(q, wq.And):
        parts = [x for x in q.subqueries]
        positives = [p for p in parts if not isinstance(p, wq.Not)]
        negatives = [p.query for p in parts if isinstance(p, wq.Not)]
        result = None
        for p in positives:
            docs = _docs(searcher, reader, p, live)
            result = docs if result is None else result & docs
            if not result:
                return set()
        if result is None:
            result = set(live)
        for n in negatives:
            result = result - _docs(searcher, reader, n, live)
        return result
    if isinstance(q, wq.Or):
        result: set[int] = set()
        for p in q.subqueries:
            result |= _docs(searcher, reader, p, live)
        return result
    if isinstance(q, wq.Phrase) and q.words:
        # Documents with every word first (set algebra), then positions checked for those only.
        candidates = None
        for word in dict.fromkeys(q.words):
            docs = term_docs(reader, q.fieldname, word)
            candidates = docs if candidates is None else candidates & docs
            if not candidates:
                return set()
        return _verified(searcher, q, candidates)
    return set(searcher.docs_for_query(q))


def _verified(searcher, q: wq.Query, candidates: set[int]) -> set[int]:
    """The ``candidates`` that ``q``'s own matcher accepts (it skips straight to each)."""
    found: set[int] = set()
    ordered = sorted(candidates)
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        end = offset + sub.doc_count_all()
        local = [d - offset for d in ordered if offset <= d < end]
        if not local:
            continue
        m = q.matcher(sub)
        for d in local:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                found.add(d + offset)
    return found
