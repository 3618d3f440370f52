"""Writing one field's terms and posting lists into a W3 segment's files, from the postings held
in memory (``indexer.memory_postings``): the bytes Whoosh's W3 field writer would write, but for
how blocks are packed (``indexer.formats``) and that none is compressed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from hashlib import md5
from pickle import dumps
from typing import TYPE_CHECKING

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache

from .formats import (
    PACK_FROM_POSTINGS,
    SMALL_BLOCK_PICKLE_PROTOCOL,
    BlockStats,
    PackedPositions,
    PackedValues,
    pack_deltas,
    uint_array,
)

if TYPE_CHECKING:
    from .memory_postings import FieldPostings

# How many postings of a field are turned into Python lists at a time when writing.
WRITE_CHUNK_POSTINGS = 65_536

# Field lengths from this one on are stored as byte 255 (whoosh.util.numeric.length_to_byte).
_LONGEST_LENGTH = _length_byte_cache[-1]
_TERM_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo._struct: a term's statistics
_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # before each key and value of a hash file
_NO_LENGTH = np.iinfo(np.int32).max


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """``length_to_byte`` of each length (0 for 0)."""
    return np.where(lengths >= _LONGEST_LENGTH, 255, np.searchsorted(_length_byte_cache, lengths, side="left"))


def _min_length_bytes(lengths: np.ndarray) -> np.ndarray:
    """``length_to_byte`` of each shortest length, 0 for ``_NO_LENGTH`` (Whoosh's None)."""
    return np.where(lengths == _NO_LENGTH, 0, _length_bytes(lengths))


def write_terms(fieldwriter, fmt, field: FieldPostings, lengths: np.ndarray | None) -> None:
    """Write the terms and posting lists of ``field`` into the files of ``fieldwriter`` (a
    ``W3FieldWriter`` between ``start_field`` and ``finish_field``): the bytes its
    ``start_term``/``add``/``finish_term`` would write, but for two differences Whoosh's reader
    reads alike:

    - block data is packed by ``pack_block`` (``pack_deltas``, ``indexer.formats``): a full block of
      a phrase field unpickles about ten times faster than Whoosh's tuples (measured on a synthetic
      block of 128 postings);
    - no block is compressed: decompressing was the largest single cost of reading a common
      word's list, and zlib saved 1 % of the index on the small blocks (10k articles: 83.9
      against 83.0 MB).

    The statistics of every block and term come from a few numpy operations over the field's
    postings; the loop over terms only packs bytes. ``lengths``: document → field length (as
    stored), or None when the codec keeps no lengths.
    """
    names, bounds, order = field.grouped()
    if not names:
        return
    postwriter = fieldwriter._postwriter
    limit = postwriter._blocklimit
    if postwriter._inlinelimit > 1:
        raise ValueError("the segments written from memory never inline postings in the term table")
    docs = np.frombuffer(field.docs, dtype=np.uint32)[order]
    weights = np.frombuffer(field.weights, dtype=np.float32)[order]
    fixed_size = fmt.fixed_value_size()
    positions = isinstance(fmt, PackedPositions)
    if fixed_size:
        fixed = np.frombuffer(field.values, dtype=np.uint8).reshape(-1, fixed_size)[order]
    elif field.values:
        starts, ends = field.value_bounds(order)
    del order

    # Every block: its postings [block_start, block_end), its largest weight, its shortest and
    # longest document (0: none has a length); every term: the same over its postings.
    starts_of_terms = bounds[:-1]
    block_counts = (np.diff(bounds) + limit - 1) // limit
    block_term = np.repeat(np.arange(len(names)), block_counts)
    first_blocks = np.concatenate(([0], np.cumsum(block_counts)))
    block_start = starts_of_terms[block_term] + (np.arange(len(block_term)) - first_blocks[block_term]) * limit
    block_end = np.minimum(block_start + limit, bounds[1:][block_term])
    # For pack_block: document deltas from 0 at each block's start, as Whoosh stores them, each
    # block's largest delta, smallest and largest weight, and whether its weights are all whole.
    deltas = np.diff(docs.astype(np.int64), prepend=0)
    deltas[block_start] = docs[block_start]
    block_top_delta = np.maximum.reduceat(deltas, block_start).tolist()
    block_low = np.minimum.reduceat(weights, block_start).tolist()
    block_whole = np.logical_and.reduceat(weights == np.floor(weights), block_start).tolist()
    block_weight = np.maximum.reduceat(weights, block_start).tolist()
    term_weight = np.maximum.reduceat(weights, starts_of_terms).tolist()
    total_weight = np.add.reduceat(weights, starts_of_terms, dtype=np.float64).tolist()
    if lengths is not None:
        doc_lengths = lengths.astype(np.int32)[docs]  # stored lengths are at most 106,374
        # Whoosh's shortest length ignores documents of length 0, and is None (byte 0) without any.
        shortest = np.where(doc_lengths > 0, doc_lengths, _NO_LENGTH)
        block_min = _min_length_bytes(np.minimum.reduceat(shortest, block_start)).tolist()
        block_max = _length_bytes(np.maximum.reduceat(doc_lengths, block_start)).tolist()
        term_min = _min_length_bytes(np.minimum.reduceat(shortest, starts_of_terms)).tolist()
        term_max = _length_bytes(np.maximum.reduceat(doc_lengths, starts_of_terms)).tolist()
    else:
        block_min = block_max = [0] * len(block_term)
        term_min = term_max = [0] * len(names)
    block_start, block_end, first_blocks, bounds = (a.tolist() for a in (block_start, block_end, first_blocks, bounds))

    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    key_prefix = pack_ushort(fieldwriter._fieldid)
    hashfn = _md5_hash if tindex.hashfn is md5_hash else tindex.hashfn
    buckets, add_position = tindex.buckets, tindex.index.append
    term = 0
    while term < len(names):
        # The next terms of about WRITE_CHUNK_POSTINGS postings, as lists and bytes.
        first = last = term
        while last < len(names) and bounds[last] - bounds[first] < WRITE_CHUNK_POSTINGS:
            last += 1
        a, b = bounds[first], bounds[last]
        chunk_docs, chunk_weights = docs[a:b].tolist(), weights[a:b].tolist()
        chunk_deltas, chunk_whole = deltas[a:b].tolist(), weights[a:b].astype(np.int64).tolist()
        if fixed_size:
            blob = fixed[a:b].tobytes()
            block_values = lambda lo, hi, blob=blob: blob[lo * fixed_size:hi * fixed_size]  # noqa: E731
        elif not field.values:  # no values (Existence)
            block_values = lambda lo, hi: ()  # noqa: E731
        else:
            block_values = _value_slices(field.values, starts[a:b], ends[a:b], positions)
        post_chunks, term_chunks = [], []
        post_at, term_at = postfile.tell(), tindex.dbfile.tell()
        for t in range(first, last):
            term_offset = post_at
            post_chunks.append(WHOOSH3_HEADER_MAGIC)
            post_at += len(WHOOSH3_HEADER_MAGIC)
            last_block = first_blocks[t + 1] - 1
            for k in range(first_blocks[t], last_block + 1):
                lo, hi = block_start[k] - a, block_end[k] - a
                if hi - lo == 1:  # most terms: pack_block's tuples, without the call
                    weight = chunk_weights[lo]
                    values = block_values(lo, hi)
                    databytes = dumps(((chunk_docs[lo],), None if weight == 1.0 else weight,
                                       values if isinstance(values, bytes) else tuple(values)),
                                      SMALL_BLOCK_PICKLE_PROTOCOL)
                else:
                    stats = BlockStats(block_top_delta[k], block_low[k], block_weight[k], block_whole[k])
                    databytes = pack_deltas(chunk_deltas[lo:hi], chunk_weights[lo:hi],
                                            chunk_whole[lo:hi] if stats.whole else None,
                                            block_values(lo, hi), positions, stats)
                # Never compressed (level 0): zlib saved 1 % of the index, and cost time both ways.
                info = (hi - lo, chunk_docs[hi - 1], max(0, block_weight[k]), 0, block_min[k], block_max[k])
                infobytes = dumps(info, 2)
                blocklength = len(infobytes) + len(databytes)
                post_chunks += (pack_int(-blocklength if k == last_block else blocklength), infobytes, databytes)
                post_at += 4 + blocklength
            lo, hi = bounds[t] - a, bounds[t + 1] - a
            info = _TERM_INFO.pack(False, total_weight[t], hi - lo, term_min[t], term_max[t], max(0, term_weight[t]),
                                   chunk_docs[lo], chunk_docs[hi - 1])
            value = info + pack_long(term_offset) + pack_int(post_at - term_offset)
            key = key_prefix + names[t]
            add_position(term_at)
            h = hashfn(key)
            buckets[h & 255].append((h, term_at))
            term_chunks += (_KEY_VALUE_LENGTHS.pack(len(key), len(value)), key, value)
            term_at += 8 + len(key) + len(value)
        postfile.write(b"".join(post_chunks))
        tindex.dbfile.write(b"".join(term_chunks))
        term = last
    tindex.lastkey = key_prefix + names[-1]


def _md5_hash(key: bytes) -> int:
    """``whoosh.filedb.filetables.md5_hash``: the last 32 bits of the key's MD5, without its hex."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


def _value_slices(values: bytearray, starts: np.ndarray, ends: np.ndarray, positions: bool) -> Callable:
    """For postings whose values are ``values[starts[i]:ends[i]]``: a function giving the values
    of postings lo..hi for ``pack_block`` — one bytes object per non-empty value, or for a full
    block of positions a ``PackedValues``."""
    sizes = ends - starts
    if positions and sizes.all():
        # Gather the postings' positions end to end with one numpy indexing, slice bytes from it.
        words = np.frombuffer(values, dtype="<u4")
        counts = sizes // 4
        total_ends = np.cumsum(counts)
        where = (np.repeat(starts // 4 - (total_ends - counts), counts)
                 + np.arange(int(total_ends[-1]) if len(counts) else 0))
        blob = words[where].tobytes()
        offsets = np.concatenate(([0], total_ends * 4)).tolist()
        sizes = sizes.tolist()

        def block_values(lo: int, hi: int):
            if hi - lo >= PACK_FROM_POSTINGS:
                return PackedValues(blob[offsets[lo]:offsets[hi]], uint_array(sizes[lo:hi]))
            return [blob[offsets[i]:offsets[i + 1]] for i in range(lo, hi)]
        return block_values
    data = memoryview(values)
    each = [bytes(data[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]
    return lambda lo, hi: [v for v in each[lo:hi] if v]

