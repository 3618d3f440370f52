"""A field's terms read from a Whoosh reader into a ``search.vocabulary.Vocabulary``.

Whoosh lists a prefix's terms by merging every segment's term table in Python, one term at a
time, on each query; the engine reads them once per commit instead (``columns.ReaderColumns``
keeps them).
"""

from __future__ import annotations

from collections import Counter

from ..vocabulary import Vocabulary

__all__ = ["read_vocabulary"]


def read_vocabulary(reader, field: str) -> Vocabulary:
    """Every term of ``field`` in ``reader`` (deleted documents' terms included), sorted."""
    counts: Counter = Counter()
    for leaf, _ in reader.leaf_readers():
        if field not in leaf.schema:
            continue
        for text, info in leaf.iter_field(field):
            counts[text] += info.doc_frequency()
    return Vocabulary(counts)
