"""Writing Whoosh segments from postings held in memory.

Whoosh's ``SegmentWriter`` sends every posting through an external sort: each one is pickled to a
temporary file, read back and merged, and when the postings are finally written, each document's
field length is looked up again, posting by posting, to keep block statistics. Profiled on OrangeSum
that is about two thirds of the indexing time. A Presse commit is a bounded batch of articles, so
``MemorySegmentWriter`` keeps the postings of the segment it writes in memory instead — one record
of (document numbers, weights, values) per term of each field — and writes each term's blocks in
one go at the end. The files are the ones Whoosh's W3 codec writes, block for block, except for
how a block's data is packed (``_write_block``); a test reads every term back through Whoosh's
own reader against Whoosh's own writer.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from itertools import accumulate, islice, repeat
from pickle import dumps
from typing import Iterator

import numpy as np

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .schema import PackedPositions

# Blocks of Whoosh's tuples (fewer than PACK_FROM_POSTINGS postings) are compressed from this
# many bytes of pickled data: zlib saves nothing on shorter ones (a one-posting block grows by a
# few bytes). Blocks packed in arrays are never compressed (see _write_block).
COMPRESS_FROM_BYTES = 64

# Merge policy at each commit (see merge_small_segments).
MERGE_BELOW_DOCS = 2_000
MERGE_AT_MOST_DOCS = 20_000

# Block data is pickled in arrays from this many postings on (fewer pickle shorter as Whoosh's
# tuples), with this protocol: from 3 on, an array.array is pickled as its bytes (protocol 2,
# Whoosh's, pickles it as a list of numbers).
PACK_FROM_POSTINGS = 8
BLOCK_PICKLE_PROTOCOL = 5

# Postings per block (the W3 codec's "blocklimit", see presse_codec). Whoosh's writer puts 128;
# its reader takes any length. Presse reads a whole list block by block (search.postings), and
# each block costs a header and a pickle load whatever its size: 1024 halved the 95th percentile of the query mix at 340k articles (56-62 -> 30-31 ms;
# 33k: 6.6-7.2 -> 5.2-5.9 ms). 4096 gave about the same at 33k, and costs more when a query
# wants a few documents of a long list (a whole block is decoded for each).
BLOCK_POSTINGS = 1024

# How many postings of a field are turned into Python lists at a time when writing.
WRITE_CHUNK_POSTINGS = 65_536
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
    def of(cls, values: list[bytes]) -> "PackedValues":
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
    blob holds them as 2-byte little-endian integers, half the bytes of an uncompressed block
    (see ``_write_block``). ``lengths`` are those of the
    4-byte values, and ``values[i]`` gives Whoosh's reader the 4-byte form. Pickled into posting
    blocks: keep it at this import path.
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
    top = max(numbers, default=0)
    return array("B" if top < 1 << 8 else "H" if top < 1 << 16 else "I" if top < 1 << 32 else "Q", numbers)


def pack_block(ids: list[int], weights: list[float], values: list[bytes] | bytes, positions: bool = False) -> bytes:
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
    tuples, which pickle shorter than arrays and their class references.
    """
    deltas = [ids[0]] + [b - a for a, b in zip(ids, islice(ids, 1, None))]
    first = weights[0]
    small = len(ids) < PACK_FROM_POSTINGS
    if all(w == first for w in weights):
        packed_weights = None if first == 1.0 else float(first)
    elif small:
        packed_weights = tuple(weights)
    elif all(w % 1 == 0 for w in weights) and min(weights) >= 0:
        packed_weights = uint_array(list(map(int, weights)))
    else:
        packed_weights = array("f", weights)
    if small:
        return dumps((tuple(deltas), packed_weights, values if isinstance(values, bytes) else tuple(values)), 2)
    packed_values = values if isinstance(values, bytes) else PackedValues.of(values)
    if positions and isinstance(packed_values, PackedValues):
        wide = np.frombuffer(packed_values.blob, dtype="<u4")
        if not len(wide) or wide.max() < 1 << 16:
            packed_values = NarrowPositions(wide.astype("<u2").tobytes(), packed_values.lengths)
    return dumps((uint_array(deltas), packed_weights, packed_values), BLOCK_PICKLE_PROTOCOL)


class FieldPostings:
    """One field's postings in the order they arrived (documents ascending): for each posting its
    term's number, document, weight and encoded value (positions, frequency), the values end to
    end in one bytearray. Flat arrays filled a document at a time (a posting is an element of a few
    typed arrays, not Python objects: a batch holds millions); grouped by term when written."""

    __slots__ = ("term_ids", "tids", "docs", "weights", "values", "ends")

    def __init__(self):
        self.term_ids: dict[bytes, int] = {}
        self.tids = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.values = bytearray()
        self.ends = array("Q")  # where each posting's value ends in ``values``

    def add(self, docnum: int, items: list, boost: float = 1.0) -> int:
        """Add one document's ``(term bytes, frequency, weight, value bytes)`` items; return the
        sum of their frequencies."""
        term_ids = self.term_ids
        self.tids.extend([term_ids.setdefault(tbytes, len(term_ids)) for tbytes, _, _, _ in items])
        self.docs.extend(repeat(docnum, len(items)))
        self.weights.extend([weight * boost for _, _, weight, _ in items])
        values = [vbytes or b"" for _, _, _, vbytes in items]
        self.ends.extend(islice(accumulate(map(len, values), initial=len(self.values)), 1, None))
        self.values += b"".join(values)
        return sum(freq for _, freq, _, _ in items)

    def by_term(self, fixed_size: int | None) -> Iterator[tuple[bytes, list, list, list | bytes]]:
        """(term bytes, documents, weights, values) of each term, terms in byte order, postings in
        document order. Values: one bytes object per posting; for a format of ``fixed_size``
        bytes, the term's values end to end (how Whoosh stores them)."""
        names = sorted(self.term_ids)
        term_numbers = np.fromiter((self.term_ids[name] for name in names), dtype=np.int64, count=len(names))
        rank = np.empty(len(names), dtype=np.int64)
        rank[term_numbers] = np.arange(len(names))
        tids = np.frombuffer(self.tids, dtype=np.uint32)
        order = np.argsort(rank[tids], kind="stable")  # by term, documents still ascending within a term
        counts = np.bincount(tids, minlength=len(names))[term_numbers]
        bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        if fixed_size:
            fixed = np.frombuffer(self.values, dtype=np.uint8).reshape(-1, fixed_size)[order]
        else:
            all_ends = np.frombuffer(self.ends, dtype=np.uint64)
            ends = all_ends[order]
            starts = all_ends[order - 1]
            starts[order == 0] = 0
        del order
        values = memoryview(self.values)
        term = 0
        while term < len(names):
            # Convert the arrays of the next terms (about WRITE_CHUNK_POSTINGS postings) to lists.
            first = last = term
            while last < len(names) and bounds[last] - bounds[first] < WRITE_CHUNK_POSTINGS:
                last += 1
            a, b = bounds[first], bounds[last]
            chunk_docs, chunk_weights = docs[a:b].tolist(), weights[a:b].tolist()
            if fixed_size:
                chunk_values = fixed[a:b].tobytes()
            else:
                chunk_values = [bytes(values[s:e]) for s, e in zip(starts[a:b].tolist(), ends[a:b].tolist())]
            for t in range(first, last):
                lo, hi = bounds[t] - a, bounds[t + 1] - a
                term_values = chunk_values[lo * fixed_size:hi * fixed_size] if fixed_size else chunk_values[lo:hi]
                yield names[t], chunk_docs[lo:hi], chunk_weights[lo:hi], term_values
            term = last


class MemoryPostings:
    """The postings of one segment being written, by field (see ``FieldPostings``).

    It stands in for Whoosh's ``PostingPool``: ``add`` takes the same items, so merged segments
    (``SegmentWriter.add_reader``) come through it too. Documents must arrive in increasing
    document-number order, which is how every ``SegmentWriter`` numbers them.
    """

    def __init__(self):
        self._fields: dict[str, FieldPostings] = {}
        self.fieldnames: set[str] = set()

    def _field(self, fieldname: str) -> FieldPostings:
        field = self._fields.get(fieldname)
        if field is None:
            field = self._fields[fieldname] = FieldPostings()
            self.fieldnames.add(fieldname)
        return field

    def add(self, item: tuple) -> None:
        """Add one ``(fieldname, term bytes, docnum, weight, value bytes)`` posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self._field(fieldname).add(docnum, [(tbytes, 0, weight, vbytes)])

    def add_field(self, fieldname: str, docnum: int, items: list, boost: float = 1.0) -> int:
        """Add the ``(term bytes, frequency, weight, value bytes)`` items of one document's field;
        return the sum of their frequencies (the field's length in that document)."""
        return self._field(fieldname).add(docnum, items, boost) if items else 0

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as ``(fieldname, term bytes, docnum, weight, value bytes)``, sorted like
        Whoosh's pool gives them."""
        for fieldname in sorted(self._fields):
            for tbytes, docs, weights, values in self._fields[fieldname].by_term(None):
                for docnum, weight, vbytes in zip(docs, weights, values):
                    yield fieldname, tbytes, docnum, weight, vbytes

    def write(self, schema, fieldwriter, lengths, doc_count: int) -> None:
        """Write every term's postings through ``fieldwriter`` (a W3 codec field writer), fields
        and terms in sorted order, and forget them; ``lengths`` is the segment's per-document
        reader (or None)."""
        for fieldname in sorted(self._fields):
            field_lengths = None if lengths is None else stored_lengths(lengths, fieldname, doc_count).tolist()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            postwriter = fieldwriter._postwriter
            fixed_size = fieldobj.format.fixed_value_size()
            for tbytes, docs, weights, values in self._fields[fieldname].by_term(fixed_size):
                fieldwriter.start_term(tbytes)
                _fill_blocks(postwriter, docs, weights, values, field_lengths, fixed_size)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
            del self._fields[fieldname]  # written: its memory goes back before the next field's

    def cleanup(self) -> None:
        """Forget every posting (``PostingPool.cleanup`` removes its temporary files)."""
        self._fields.clear()


def _fill_blocks(postwriter, ids: list, weights: list, values: list | bytes, lengths: list | None,
                 fixed_size: int | None) -> None:
    """Write one term's postings through a ``W3PostingsWriter``, a block of its codec's
    ``blocklimit`` postings at a time, with the values and block statistics ``add_posting``
    would have gathered."""
    limit = postwriter._blocklimit
    count = len(ids)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        postwriter._ids = block_ids
        postwriter._weights = block_weights
        if fixed_size:  # Whoosh joins fixed-size values end to end: they are already
            postwriter._values = values[start * fixed_size:end * fixed_size]
        else:  # one bytes object per non-empty value
            postwriter._values = [v for v in values[start:end] if v]
        postwriter._maxweight = max(0, max(block_weights))
        if lengths is not None:
            block_lengths = [n for n in map(lengths.__getitem__, block_ids) if n]
            postwriter._minlength = min(block_lengths) if block_lengths else None
            postwriter._maxlength = max(block_lengths) if block_lengths else 0
        else:
            postwriter._minlength, postwriter._maxlength = None, 0
        _write_block(postwriter, last=end == count)


def _write_block(postwriter, last: bool) -> None:
    """``W3PostingsWriter._write_block`` (Whoosh 2.7) with three differences, all readable by
    Whoosh's reader:

    - the data is packed in arrays (``pack_block``): a full block of a phrase field unpickles
      about ten times faster (2.7 against 34.6 µs for a synthetic block of 128 postings);
    - blocks packed in arrays are stored uncompressed: decompressing them was the largest single
      cost of reading a common word's list (at 33k the index grows from 252.9 to 295.0 MB, and
      the median query drops by about 7 %);
    - so are small blocks: Whoosh meant to skip compression under 20 bytes but overwrites its own
      decision (each block says its compression level).
    """
    pw = postwriter
    postfile = pw._postfile
    if not pw._blockcount:
        postfile.write(WHOOSH3_HEADER_MAGIC)
    pw._terminfo.add_block(pw)
    databytes = pack_block(pw._ids, pw._weights, pw._values, isinstance(pw._format, PackedPositions))
    packed = len(pw._ids) >= PACK_FROM_POSTINGS
    comp = pw._compression if len(databytes) >= COMPRESS_FROM_BYTES and not packed else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = pw._ids
    infobytes = dumps((len(ids), ids[-1], pw._maxweight, comp, length_to_byte(pw._minlength),
                       length_to_byte(pw._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    postfile.write_int(-blocklength if last else blocklength)
    postfile.write(infobytes)
    postfile.write(databytes)
    pw._blockcount += 1
    pw._new_block()


def presse_codec() -> W3Codec:
    """Whoosh's W3 codec with Presse's block size (``BLOCK_POSTINGS``): what Presse's writers use
    unless given another codec."""
    return W3Codec(blocklimit=BLOCK_POSTINGS)


class MemoryPool:
    """Mixin for a Whoosh ``SegmentWriter`` (or ``MpWriter``): the postings of the segment it
    writes are held in a ``MemoryPostings`` and written term by term when the segment is flushed."""

    def __init__(self, ix, **kwargs):
        if any(field.separate_spelling() or field.vector for _, field in ix.schema.items()):
            raise ValueError("the segments written from memory hold no spelling words and no term vectors")
        kwargs.setdefault("codec", presse_codec())
        super().__init__(ix, **kwargs)
        self.pool = MemoryPostings()

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.pool.write(self.schema, self.fieldwriter, lengths, self.docnum)
            self.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()


class MemorySegmentWriter(MemoryPool, SegmentWriter):
    """A Whoosh ``SegmentWriter`` that keeps its new postings in memory (see the module docstring).

    Everything else — stored fields, columns, deletions, merging, committing — is Whoosh's own.
    """

    def add_document(self, **fields):
        """Add one document (the same call as ``SegmentWriter.add_document``)."""
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        # Analyse every field before anything is written, so a field that fails leaves no posting.
        analysed = []
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            items = list(field.index(value)) if field.indexed else None
            stored = fields.get(f"_stored_{fieldname}", value)
            column = field.column_type if stored is not None else None
            column_value = field.to_column_value(stored) if column else None
            analysed.append((fieldname, field, items, stored if field.stored else None, column, column_value))
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(docnum)
        for fieldname, field, items, stored, column, column_value in analysed:
            length = 0
            if items is not None:
                boost = self._field_boost(fields, fieldname, docboost)
                length = self.pool.add_field(fieldname, docnum, items, boost)
                if not field.scorable:
                    length = 0
            perdocwriter.add_field(fieldname, field, stored, length)
            if column:
                perdocwriter.add_column_value(fieldname, column, column_value)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh merge policy: fold the segments of fewer than ``MERGE_BELOW_DOCS`` documents (the
    small runs of incremental updates) into the segment being written, smallest first, at most
    ``MERGE_AT_MOST_DOCS`` documents of them, and only when there are two or more; keep the rest.

    Whoosh's own ``MERGE_SMALL`` picks by a Fibonacci rule that, past about 25 segments of a bulk
    load, merges nearly all of them at once: with postings held in memory that is the whole index.
    """
    small = sorted((seg for seg in segments if seg.doc_count_all() < MERGE_BELOW_DOCS),
                   key=lambda seg: seg.doc_count_all())
    chosen, total = [], 0
    for seg in small:
        if total + seg.doc_count_all() > MERGE_AT_MOST_DOCS:
            break
        chosen.append(seg)
        total += seg.doc_count_all()
    if len(chosen) < 2:
        return segments
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [seg for seg in segments if seg not in chosen]
