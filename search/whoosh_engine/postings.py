"""Posting lists read into numpy arrays, and a per-commit cache of them.

Matching, facet counting and scoring all start from a term's posting list: the documents that
contain it and how often. Whoosh hands postings out one document at a time through its matcher,
several Python calls each. Presse reads a whole list block by block instead — each block is one
pickle load of arrays (``indexer.segments.pack_block``; zlib too for blocks Whoosh wrote), decoded
with numpy (a block's positions with one ``frombuffer``) — and keeps the decoded arrays of
recently used terms, so a common word shared by many queries is read from disk once per commit.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from presse.indexer.formats import BLOCK_POSTINGS, NarrowPositions, PackedPositions, PackedValues

from ..lru import LRU
from ..settings import DEFAULTS

__all__ = ["PostingCache", "leaf_positions", "leaf_postings", "positions", "positions_by_document",
           "select_positions"]

# A list at least this many times longer than the documents wanted from it is read sparsely
# (PostingCache.for_documents): each wanted document costs at most one block of the list, so
# the sparse read decodes at most half of the list's blocks (Presse writes BLOCK_POSTINGS per block).
SPARSE_READ_RATIO = 2 * BLOCK_POSTINGS
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
_EMPTY_IDS.flags.writeable = _EMPTY_WEIGHTS.flags.writeable = False


def _unfiltered(matcher):
    """The on-disk matcher under the filter that hides a segment's deleted documents: callers
    mask deleted documents out themselves, with the reader's live-document mask."""
    while isinstance(matcher, FilterMatcher) and matcher._exclude:
        matcher = matcher.child
    return matcher


def _on_disk(matcher) -> bool:
    """True for a W3 posting list read block by block (not inline postings, not another codec)."""
    return isinstance(matcher, W3LeafMatcher) and not matcher._byteids


def _each(matcher):
    """The matcher on each of its postings in turn, the slow, public way."""
    while matcher.is_active():
        yield matcher
        matcher.next()


def _blocks(matcher):
    """The on-disk matcher on each of its blocks in turn (the block's data not read yet)."""
    while True:
        yield matcher
        if matcher._lastblock:
            return
        matcher._next_block()


def _block_ids(m) -> np.ndarray:
    """The document ids of the block ``m`` is on."""
    if m._data is None:
        m._read_data()
    return np.cumsum(np.asarray(m._data[0], dtype=np.int64))  # stored as deltas from 0


def _wanted_blocks(matcher, wanted: np.ndarray | None):
    """The on-disk matcher on each block whose id range holds a document of the ``wanted`` mask
    (every block when None), with the block's document ids; other blocks' data is not read."""
    # wanted_upto[i]: how many wanted documents have a number below i.
    wanted_upto = None if wanted is None else np.concatenate(([0], np.cumsum(wanted)))
    first = 0  # the lowest id the current block may hold
    for m in _blocks(matcher):
        if wanted is not None and wanted_upto is not None:
            last = min(m._maxid, len(wanted) - 1)
            skip = wanted_upto[last + 1] == wanted_upto[first]
            first = m._maxid + 1
            if skip:
                continue
        yield m, _block_ids(m)


def leaf_postings(matcher, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, term weights) of a fresh posting-list matcher of one segment (deleted
    documents included); with a ``wanted`` mask, at least those of its documents, read from the
    blocks that may hold them only."""
    matcher = _unfiltered(matcher)
    if not _on_disk(matcher):
        pairs = [(m.id(), m.weight()) for m in _each(matcher) if wanted is None or wanted[m.id()]]
        return (np.asarray([i for i, _ in pairs], dtype=np.int64),
                np.asarray([w for _, w in pairs], dtype=np.float64))
    id_blocks, weight_blocks = [], []
    for m, ids in _wanted_blocks(matcher, wanted):
        id_blocks.append(ids)
        raw = m._data[1]  # None: every weight is 1; a float: all the same
        if raw is None or isinstance(raw, float):
            weight_blocks.append(np.full(m._blocklength, 1.0 if raw is None else raw, dtype=np.float64))
        else:
            weight_blocks.append(np.asarray(raw, dtype=np.float64))
    if not id_blocks:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def leaf_positions(matcher, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, positions) of a fresh posting-list matcher of a field with positions, for
    the documents of ``wanted`` (a boolean mask over the segment's document numbers) only: one
    entry per occurrence, document ids ascending, positions ascending within a document."""
    ids, counts, flat = _leaf_by_document(matcher, wanted)
    return select_positions(ids, np.cumsum(counts) - counts, counts, flat, wanted)


def _leaf_by_document(matcher, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(documents, positions each, positions end to end) of a fresh posting-list matcher of a
    field with positions: at least the documents of the ``wanted`` mask; with the on-disk packed
    format, every document of each block that holds a wanted one (decoded as they come)."""
    matcher = _unfiltered(matcher)
    if not (_on_disk(matcher) and isinstance(matcher.format, PackedPositions)):
        docs: list[int] = []
        lists: list = []
        for m in _each(matcher):
            if wanted[m.id()]:
                docs.append(m.id())
                lists.append(m.value_as("positions"))
        lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lens.sum()))
        return np.asarray(docs, dtype=np.int64), lens, flat
    id_parts: list[np.ndarray] = []
    flat_parts: list[np.ndarray] = []
    length_parts: list = []
    for m, ids in _wanted_blocks(matcher, wanted):
        if not wanted[ids].any():
            continue
        id_parts.append(ids)
        # PackedPositions: each value is its document's positions as 4-byte little-endian
        # integers; Presse's writers pack a block's values in one blob, 2-byte integers when
        # they fit (NarrowPositions).
        values = m._data[2]
        if isinstance(values, PackedValues):
            narrow = isinstance(values, NarrowPositions)
            flat_parts.append(np.frombuffer(values.blob, dtype="<u2" if narrow else "<u4"))
            length_parts.append(np.asarray(values.lengths, dtype=np.int64))
        else:  # Whoosh's own block: one bytes object per posting
            flat_parts.append(np.frombuffer(b"".join(values), dtype="<u4"))
            length_parts.append(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    return np.concatenate(id_parts), np.concatenate(length_parts) // 4, np.concatenate(flat_parts)


def positions(reader, field: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, positions) of ``text`` in ``field`` for the documents of the ``wanted``
    mask, over the whole reader (see ``leaf_positions``)."""
    doc_parts, pos_parts = [], []
    for leaf, offset in reader.leaf_readers():
        size = leaf.doc_count_all()
        local = wanted[offset:offset + size]
        matcher = _leaf_matcher(leaf, field, text) if local.any() else None
        if matcher is None:
            continue
        docs, pos = leaf_positions(matcher, local)
        doc_parts.append(docs + offset)
        pos_parts.append(pos)
    if not doc_parts:
        return _EMPTY_IDS, _EMPTY_IDS
    return np.concatenate(doc_parts), np.concatenate(pos_parts)


def positions_by_document(reader, field: str, text) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every position of ``text`` in ``field`` over the whole reader, by document: (document
    numbers, index of each one's first position, positions each, positions end to end as
    uint32), what ``select_positions`` selects from."""
    parts = []
    for leaf, offset in reader.leaf_readers():
        matcher = _leaf_matcher(leaf, field, text)
        if matcher is not None:
            ids, counts, flat = _leaf_by_document(matcher, np.ones(leaf.doc_count_all(), dtype=bool))
            parts.append((ids + offset, counts, flat))
    if not parts:
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    ids, counts, flat = (np.concatenate(arrays) for arrays in zip(*parts))
    return ids, np.cumsum(counts) - counts, counts, flat.astype(np.uint32, copy=False)


class PostingCache:
    """Decoded posting lists of one commit, least recently used dropped beyond ``max_bytes``;
    and the decoded positions of its frequent terms, within ``max_position_bytes``: those of terms
    in at least ``positions_from_docs`` documents are decoded whole once and kept, since phrases
    and proximity ask for the same frequent words again and again ("du", "la", "une"), and their
    candidates are spread over every block of the list, each block one read and pickle load.

    ``get`` returns document numbers over the whole reader (segment offsets added), sorted, and
    the matching term weights. The arrays are shared: treat them as read-only.
    """

    def __init__(self, max_bytes: int = DEFAULTS.posting_cache_bytes,
                 max_position_bytes: int = DEFAULTS.position_cache_bytes,
                 positions_from_docs: int = DEFAULTS.cached_positions_from_docs):
        self.max_bytes = max_bytes
        self._lists: LRU[tuple, tuple[np.ndarray, np.ndarray]] = LRU(max_size=max_bytes, size=_nbytes)
        self.max_position_bytes = max_position_bytes
        self.positions_from_docs = positions_from_docs
        self._positions: LRU[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = \
            LRU(max_size=max_position_bytes, size=_nbytes)

    @property
    def bytes(self) -> int:
        """The size of the posting lists kept."""
        return self._lists.total

    @property
    def position_bytes(self) -> int:
        """The size of the positions kept."""
        return self._positions.total

    def get(self, reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of ``text`` in ``field``; empty arrays when absent."""
        key = (field, text)
        found = self._lists.get(key)
        if found is None:
            found = self._lists.put(key, _read(reader, field, text))
        return found

    def for_documents(self, reader, field: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """(document numbers, weights, document frequency) of ``text`` in ``field``, for scoring
        the documents of the ``wanted`` mask: the arrays hold at least those of its documents.

        A list that is not cached and is far longer than the wanted documents are many is read
        only in the blocks that may hold them, and not kept: "de" is in every article, the phrase
        "de discret" in a handful, and scoring them should not decode the whole list of "de".
        """
        found = self._lists.peek((field, text))
        if found is None:
            frequency = reader.doc_frequency(field, text)
            if SPARSE_READ_RATIO * np.count_nonzero(wanted) < frequency:
                return (*_read(reader, field, text, wanted), frequency)
        ids, weights = self.get(reader, field, text)
        return ids, weights, len(ids)  # a whole list: its length is the document frequency

    def ids(self, reader, field: str, text) -> np.ndarray:
        """The document numbers containing ``text`` in ``field``."""
        return self.get(reader, field, text)[0]

    def positions(self, reader, field: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``positions(reader, field, text, wanted)``; the whole list of a frequent term (in
        ``positions_from_docs`` documents or more, and small enough for the cache) is decoded
        once and kept for the next call."""
        docs = reader.doc_frequency(field, text)
        if docs < self.positions_from_docs:
            return positions(reader, field, text, wanted)
        # A list that would take over a quarter of the cache is not kept (it would evict the
        # others at every use): only the wanted documents' positions are decoded then.
        if 4 * reader.frequency(field, text) + 24 * docs > self.max_position_bytes // 4:
            return positions(reader, field, text, wanted)
        key = (field, text)
        found = self._positions.get(key)
        if found is None:
            found = self._positions.put(key, positions_by_document(reader, field, text))
        return select_positions(*found, wanted)


def _nbytes(arrays: tuple[np.ndarray, ...]) -> int:
    return sum(a.nbytes for a in arrays)


def select_positions(ids: np.ndarray, starts: np.ndarray, counts: np.ndarray, flat: np.ndarray,
                     wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, positions) of the documents of the ``wanted`` mask, out of a list decoded
    by document (see ``positions_by_document``); costs what it returns, not the whole list."""
    rows = np.flatnonzero(wanted[ids])
    lens = counts[rows]
    # Entry i of the answer: its document's first entry + its rank within that document.
    index = np.repeat(starts[rows] - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
    return np.repeat(ids[rows], lens), flat[index].astype(np.int64)


def _leaf_matcher(leaf, field: str, text):
    """The posting-list matcher of ``text`` in one segment, None when the segment lacks it: one
    look-up in the segment's term table (``in`` and then ``postings`` made two)."""
    try:
        return leaf.postings(field, text)
    except TermNotFound:
        return None


def _read(reader, field: str, text, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of ``text`` in ``field`` over the whole reader; with a
    ``wanted`` mask, at least those of its documents (see ``leaf_postings``)."""
    id_parts, weight_parts = [], []
    for leaf, offset in reader.leaf_readers():
        local = None if wanted is None else wanted[offset:offset + leaf.doc_count_all()]
        if local is not None and not local.any():
            continue
        matcher = _leaf_matcher(leaf, field, text)
        if matcher is None:
            continue
        ids, weights = leaf_postings(matcher, local)
        id_parts.append(ids + offset if offset else ids)
        weight_parts.append(weights)
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    ids = id_parts[0] if len(id_parts) == 1 else np.concatenate(id_parts)
    weights = weight_parts[0] if len(weight_parts) == 1 else np.concatenate(weight_parts)
    ids.flags.writeable = weights.flags.writeable = False  # shared through the cache
    return ids, weights
