"""The posting-block format of a Presse index: what the writer (``indexer.segments``) packs and
the numpy engine (``search.postings``) reads, without importing Whoosh's writer.

A Presse segment is a Whoosh W3 segment whose posting blocks are packed by ``pack_block``: arrays
instead of tuples from ``PACK_FROM_POSTINGS`` postings on, the values (positions) of a block end
to end in one ``PackedValues`` (``NarrowPositions`` when they fit in 16 bits), each posting's
positions as ``PackedPositions`` (4-byte integers, not pickled lists), ``BLOCK_POSTINGS`` postings
per block, never compressed. ``stored_lengths`` reads a segment's field lengths in bulk.

``PackedPositions`` is pickled into every index's schema, ``PackedValues`` and ``NarrowPositions``
into its posting blocks: keep them at this import path. Indexes written before this module name
them ``indexer.schema.PackedPositions`` and ``indexer.segments.PackedValues`` /
``NarrowPositions``: those modules import them, so the old paths resolve.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator
from itertools import accumulate, islice
from pickle import dumps
from typing import NamedTuple

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import NumericColumn
from whoosh.util.numeric import byte_to_length

# Block data is pickled in arrays from this many postings on (fewer pickle shorter as Whoosh's
# tuples), with this protocol: from 3 on, an array.array is pickled as its bytes (protocol 2,
# Whoosh's, pickles it as a list of numbers).
PACK_FROM_POSTINGS = 8
BLOCK_PICKLE_PROTOCOL = 5
# Smaller blocks (most terms have one posting) are Whoosh's tuples pickled with protocol 3: each
# bytes value is pickled as itself, where protocol 2 (Whoosh's) goes through _codecs.encode of a
# latin-1 string — for a one-posting block with positions, 60 bytes and 1.4 µs against 22 bytes
# and 0.24 µs — and without the 9-byte frame header of protocol 4 and later.
SMALL_BLOCK_PICKLE_PROTOCOL = 3

# Postings per block (the W3 codec's "blocklimit", see indexer.segments.presse_codec). Whoosh's
# writer puts 128; its reader takes any length. Presse reads a whole list block by block
# (search.postings), and each block costs a header and a pickle load whatever its size: 1024
# halved the 95th percentile of the query mix at 340k articles (56-62 -> 30-31 ms; 33k: 6.6-7.2
# -> 5.2-5.9 ms). 4096 gave about the same at 33k, and costs more when a query wants a few
# documents of a long list (a whole block is decoded for each).
BLOCK_POSTINGS = 1024

# Whoosh stores each field length as one byte (``length_to_byte``); this decodes all 256 at once.
_BYTE_LENGTHS = np.asarray([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.int64)


def stored_lengths(perdoc, fieldname: str, doc_count: int) -> np.ndarray:
    """Document number → the length of ``fieldname`` stored in a segment (``perdoc``: its W3
    per-document reader), decoded in bulk: what ``perdoc.doc_field_length`` gives one call at a time."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    codes = np.zeros(doc_count, dtype=np.uint8)  # documents past the column's end have the default, 0
    if column is None:
        return _BYTE_LENGTHS[codes]
    if isinstance(column, NumericColumn.Reader) and column._typecode == "B":
        stored = min(column._count, doc_count)
        codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    else:
        codes[:] = list(column)
    return _BYTE_LENGTHS[codes]


class PackedValues:
    """The encoded values (positions) of one posting block, end to end in one bytes object, with
    each value's length in bytes.

    Whoosh pickles a block's values as a tuple of bytes objects, one per posting: unpickling a
    block of a common word's positions makes 128 objects. This is one object holding two, and
    ``search.postings`` reads the positions of a whole block with one ``numpy.frombuffer``.
    Whoosh's block reader only asks for ``values[i]``, which this gives. Pickled into the posting
    blocks of every phrase field: keep it at this import path.
    """

    __slots__ = ("blob", "lengths", "_starts")

    def __init__(self, blob: bytes, lengths: array):
        self.blob = blob
        self.lengths = lengths
        self._starts = None

    @classmethod
    def of(cls, values: list[bytes]) -> PackedValues:
        """The values of a block, in posting order."""
        return cls(b"".join(values), uint_array(list(map(len, values))))

    def __reduce__(self):
        return PackedValues, (self.blob, self.lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def _bounds(self, i: int) -> tuple[int, int]:
        """Where value ``i`` starts and ends, in bytes of its 4-byte form."""
        if self._starts is None:
            self._starts = list(accumulate(self.lengths, initial=0))
        i = range(len(self.lengths))[i]  # negative indexes; IndexError past the end
        return self._starts[i], self._starts[i + 1]

    def __getitem__(self, i: int) -> bytes:
        start, end = self._bounds(i)
        return self.blob[start:end]

    def __iter__(self) -> Iterator[bytes]:
        return map(self.__getitem__, range(len(self.lengths)))


class NarrowPositions(PackedValues):
    """``PackedValues`` of ``PackedPositions`` postings whose positions all fit in 16 bits: the
    blob holds them as 2-byte little-endian integers, half the bytes of the 4-byte form (blocks
    are stored uncompressed, see ``indexer.term_files``). ``lengths`` are those of the 4-byte values,
    and ``values[i]`` gives Whoosh's reader the 4-byte form. Pickled into posting blocks: keep it
    at this import path.
    """

    __slots__ = ()

    def __reduce__(self):
        return NarrowPositions, (self.blob, self.lengths)

    def __getitem__(self, i: int) -> bytes:
        start, end = self._bounds(i)
        narrow = array("H")
        narrow.frombytes(self.blob[start // 2:end // 2])
        if sys.byteorder != "little":
            narrow.byteswap()
        wide = array("I", narrow)
        if sys.byteorder != "little":
            wide.byteswap()
        return wide.tobytes()


def uint_array(numbers: list[int]) -> array:
    """``numbers`` (none negative) in the smallest unsigned array type that holds them all."""
    return array(_uint_code(max(numbers, default=0)), numbers)


def _uint_code(top: int) -> str:
    """The smallest unsigned ``array`` type code that holds ``top``."""
    return "B" if top < 1 << 8 else "H" if top < 1 << 16 else "I" if top < 1 << 32 else "Q"


class BlockStats(NamedTuple):
    """What ``pack_deltas`` needs to know of a block's postings besides the postings themselves."""

    top_delta: int  # the largest document delta
    low: float  # the smallest and largest weight
    high: float
    whole: bool  # every weight a whole number


def pack_block(ids, weights, values: list[bytes] | bytes | PackedValues, positions: bool = False) -> bytes:
    """The pickled data of one posting block: what Whoosh's ``W3PostingsWriter`` pickles
    (``_mini_ids``, ``_mini_weights``, ``_mini_values``), in arrays from ``PACK_FROM_POSTINGS``
    postings on.

    - document numbers: deltas from 0, as Whoosh stores them, in an unsigned array;
    - weights: None when all are 1, one float when all are equal (as Whoosh), else an unsigned
      array when all are whole numbers (frequencies), a float32 array otherwise (Whoosh's own
      weights go through an ``array("f")`` too);
    - values: fixed-size values end to end (as Whoosh), else ``PackedValues``; ``positions``
      (``PackedPositions`` values) that all fit in 16 bits, ``NarrowPositions``.

    Whoosh's reader takes the arrays wherever it takes its tuples. Smaller blocks keep Whoosh's
    tuples, which pickle shorter than arrays and their class references (with protocol 3, see
    ``SMALL_BLOCK_PICKLE_PROTOCOL``). ``ids`` and ``weights``: sequences of the block's document
    numbers (ascending) and weights. The segment writer packs the same bytes from statistics it
    computes for all blocks at once (``pack_deltas``).
    """
    ids = [int(i) for i in ids]
    weights = [float(w) for w in weights]
    deltas = [ids[0]] + [b - a for a, b in zip(ids, islice(ids, 1, None))]
    stats = BlockStats(max(deltas), min(weights), max(weights), all(map(float.is_integer, weights)))
    return pack_deltas(deltas, weights, [int(w) for w in weights] if stats.whole else None, values, positions, stats)


def pack_deltas(deltas: list[int], weights: list[float], whole_weights: list[int] | None, values, positions: bool,
                stats: BlockStats) -> bytes:
    """``pack_block`` of a block given as its document deltas, its weights (and as integers,
    when ``stats.whole``) and its statistics."""
    if stats.low == stats.high:
        packed_weights = None if stats.low == 1.0 else float(stats.low)
    elif len(deltas) < PACK_FROM_POSTINGS:
        packed_weights = tuple(weights)
    elif stats.whole and stats.low >= 0 and stats.high < 2.0 ** 63:
        packed_weights = array(_uint_code(int(stats.high)), whole_weights)
    else:
        packed_weights = array("f", weights)
    if len(deltas) < PACK_FROM_POSTINGS:
        return dumps((tuple(deltas), packed_weights, values if isinstance(values, bytes) else tuple(values)),
                     SMALL_BLOCK_PICKLE_PROTOCOL)
    packed_ids = array(_uint_code(stats.top_delta), deltas)
    packed_values = values if isinstance(values, (bytes, PackedValues)) else PackedValues.of(values)
    if positions and isinstance(packed_values, PackedValues):
        wide = np.frombuffer(packed_values.blob, dtype="<u4")
        if not len(wide) or wide.max() < 1 << 16:
            packed_values = NarrowPositions(wide.astype("<u2").tobytes(), packed_values.lengths)
    return dumps((packed_ids, packed_weights, packed_values), BLOCK_PICKLE_PROTOCOL)



class PackedPositions(formats.Positions):
    """Whoosh's ``Positions`` format with each posting's positions stored as little-endian
    unsigned 32-bit integers, instead of a pickled list of deltas.

    A phrase over a common word reads its positions in thousands of documents: Whoosh's encoding
    costs one ``pickle.loads`` per document, this one a single ``numpy.frombuffer`` per block
    (``search.postings``). The frequency is the value's length / 4. Part of every pickled schema:
    keep it at this import path.
    """

    def encode(self, poslist) -> bytes:
        """The value of one posting: its positions (ascending) as 4-byte little-endian integers."""
        packed = array("I", poslist)
        if sys.byteorder != "little":
            packed.byteswap()
        return packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        packed = array("I")
        packed.frombytes(valuestring)
        if sys.byteorder != "little":
            packed.byteswap()
        return packed.tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return len(valuestring) // 4 * self.field_boost
