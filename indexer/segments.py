"""Writing Whoosh segments from postings held in memory.

Whoosh's ``SegmentWriter`` sends every posting through an external sort: each one is pickled to a
temporary file, read back and merged, and when the postings are finally written, each document's
field length is looked up again, posting by posting, to keep block statistics. Profiled on OrangeSum
that is about two thirds of the indexing time. A Presse commit is a bounded batch of articles, so
``MemorySegmentWriter`` keeps the postings of the segment it writes in memory instead — one record
of (document numbers, weights, values) per term of each field — and writes each term's blocks in
one go at the end. The files are the ones Whoosh's W3 codec writes, block for block, except for
how a block's data is packed (``pack_block``) and that no block is compressed (``_write_terms``);
a test reads every term back through Whoosh's own reader against Whoosh's own writer.
"""

from __future__ import annotations

import datetime as dt
import struct
from array import array
from hashlib import md5
from itertools import accumulate, islice, repeat
from pickle import dumps
from typing import Callable, Iterator

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec
from whoosh.filedb.filetables import md5_hash
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache
from whoosh.writing import SegmentWriter

from . import formats
from .formats import (
    BLOCK_POSTINGS,
    PACK_FROM_POSTINGS,
    SMALL_BLOCK_PICKLE_PROTOCOL,
    BlockStats,
    PackedPositions,
    PackedValues,
    pack_deltas,
    stored_lengths,
    uint_array,
)
from .inversion import Inverter, TermTable, TokenBatch
from .analysis import Lexiconizer
from .schema import EXACT_FIELDS, STEMMED_FIELDS, FrenchText

# The fields whose texts are inverted in bulk (indexer.inversion): title, lead and body, stemmed
# and as exact forms; both analysis chains read the same texts. The other French fields (author
# and source names) repeat from one document to the next: RepeatedValues indexes each distinct
# value once, and their words stay out of the lexicon, which holds the stemmed fields' words.
INVERTED_FIELDS = frozenset(STEMMED_FIELDS + EXACT_FIELDS)

# How many words the analysis chains of a writer cache (see MemoryPool).
WRITER_CACHE_ENTRIES = 32_768

# Merge policy at each commit (see merge_small_segments).
MERGE_BELOW_DOCS = 2_000
MERGE_AT_MOST_DOCS = 20_000
MERGE_FACTOR = 8


# A field's documents given as tokens are inverted together from this many tokens on (the
# temporary arrays take about 100 bytes a token).
INVERT_EVERY_TOKENS = 1 << 18
# How many postings of a field are turned into Python lists at a time when writing.
WRITE_CHUNK_POSTINGS = 65_536

# The posting-block format moved to indexer.formats (the read path imports it without this writer).
# Indexes written before pickle NarrowPositions and PackedValues under this module: keep the names.
NarrowPositions = formats.NarrowPositions
pack_block = formats.pack_block
BLOCK_PICKLE_PROTOCOL = formats.BLOCK_PICKLE_PROTOCOL


class FieldPostings:
    """One field's postings in the order they arrived (documents ascending): for each posting its
    term's number, document, weight and encoded value (positions, frequency), the values end to
    end in one bytearray. Flat arrays filled a document at a time (a posting is an element of a few
    typed arrays, not Python objects: a batch holds millions); grouped by term when written.

    Terms are numbered by ``vocabulary`` (term bytes → number, numbered in the order they come),
    which the fields of one analysis chain share (see ``indexer.inversion``)."""

    __slots__ = ("vocabulary", "fixed_size", "tids", "docs", "weights", "values", "ends", "pending")

    def __init__(self, vocabulary: dict[bytes, int] | None = None, fixed_size: int | None = None):
        self.vocabulary: dict[bytes, int] = {} if vocabulary is None else vocabulary
        self.fixed_size = fixed_size  # every value's length in bytes, when the format fixes it
        self.tids = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.values = bytearray()
        # Where each posting's value ends in ``values`` (values of a fixed size need none).
        self.ends = array("Q") if fixed_size is None else None
        self.pending: TokenBatch | None = None  # documents given as tokens, not inverted yet

    def add(self, docnum: int, items: list, boost: float = 1.0) -> int:
        """Add one document's ``(term bytes, frequency, weight, value bytes)`` items; return the
        sum of their frequencies."""
        self._invert_pending()  # the documents before these
        term_ids = self.vocabulary
        self.tids.extend([term_ids.setdefault(tbytes, len(term_ids)) for tbytes, _, _, _ in items])
        self.docs.extend(repeat(docnum, len(items)))
        self.weights.extend([weight * boost for _, _, weight, _ in items])
        values = b"".join([vbytes or b"" for _, _, _, vbytes in items])
        if self.ends is not None:
            self.ends.extend(islice(accumulate((len(vbytes or b"") for _, _, _, vbytes in items), initial=len(self.values)), 1, None))
        elif len(values) != len(items) * self.fixed_size:
            raise ValueError(f"values of {self.fixed_size} bytes expected, got {len(values)} bytes for {len(items)}")
        self.values += values
        return sum(freq for _, freq, _, _ in items)

    def add_tokens(self, docnum: int, table: TermTable, rows: list[int], fmt, boost: float = 1.0) -> int:
        """Add one document's field as the token ``rows`` of ``table`` (see ``indexer.inversion``),
        for a field of format ``fmt`` (``PackedPositions`` or ``Frequency``); return its length.
        The documents are inverted together, every ``INVERT_EVERY_TOKENS`` tokens or when needed."""
        if self.pending is None:
            # Rows give terms by the numbers of the table's vocabulary, and a frequency field's
            # postings no value ends: a field made by MemoryPostings(schema, inverter), as here.
            if table.vocabulary is not self.vocabulary or (self.ends is None) != (fmt.fixed_value_size() is not None):
                raise ValueError("token rows go to the postings of a MemoryPostings made with the writer's schema "
                                 "and inverter")
            self.pending = TokenBatch(table, isinstance(fmt, PackedPositions), fmt.field_boost)
        length = self.pending.add(docnum, rows, boost)
        if self.pending.tokens >= INVERT_EVERY_TOKENS:
            self._invert_pending()
        return length

    def _invert_pending(self) -> None:
        """Turn the documents waiting as tokens into postings, after the ones already here."""
        if self.pending is None or not len(self.pending):
            return
        batch = self.pending.postings()
        self.tids.frombytes(batch.terms.astype(np.uint32).tobytes())
        self.docs.frombytes(batch.docs.astype(np.uint32).tobytes())
        self.weights.frombytes(batch.weights.astype(np.float32).tobytes())
        if batch.positions is not None:  # PackedPositions: 4-byte little-endian positions
            self.ends.frombytes((np.cumsum(batch.freqs * 4) + len(self.values)).astype(np.uint64).tobytes())
            self.values += batch.positions.astype("<u4").tobytes()
        else:  # Frequency: the frequency as a 4-byte big-endian integer (whoosh.system.pack_uint)
            self.values += batch.freqs.astype(">u4").tobytes()

    def grouped(self) -> tuple[list[bytes], np.ndarray, np.ndarray]:
        """This field's terms in byte order, where each one's postings start and end in the
        returned ``order`` (``bounds``, one more than the terms), and ``order``: the postings'
        indexes, by term, documents still ascending within a term."""
        self._invert_pending()
        numbered = list(self.vocabulary)  # term bytes by number
        tids = np.frombuffer(self.tids, dtype=np.uint32)
        all_counts = np.bincount(tids, minlength=len(numbered))
        # The terms of this field (a shared vocabulary also numbers other fields' terms), by bytes.
        term_numbers = np.array(sorted(np.flatnonzero(all_counts).tolist(), key=numbered.__getitem__), dtype=np.int64)
        names = [numbered[n] for n in term_numbers.tolist()]
        rank = np.zeros(len(numbered), dtype=np.int32)
        rank[term_numbers] = np.arange(len(names), dtype=np.int32)
        order = np.argsort(rank[tids], kind="stable")
        bounds = np.concatenate(([0], np.cumsum(all_counts[term_numbers])))
        return names, bounds, order

    def value_bounds(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the value of each posting of ``order`` starts and ends in ``values``."""
        if self.ends is None:
            starts = order.astype(np.int64) * self.fixed_size
            return starts, starts + self.fixed_size
        all_ends = np.frombuffer(self.ends, dtype=np.uint64)
        ends = all_ends[order].astype(np.int64)
        starts = all_ends[order - 1].astype(np.int64)
        starts[order == 0] = 0
        return starts, ends

    def by_term(self) -> Iterator[tuple[bytes, list, list, list]]:
        """(term bytes, documents, weights, values) of each term, terms in byte order, postings in
        document order, one bytes object per value."""
        names, bounds, order = self.grouped()
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order].tolist()
        weights = np.frombuffer(self.weights, dtype=np.float32)[order].tolist()
        starts, ends = self.value_bounds(order)
        values = [bytes(self.values[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]
        bounds = bounds.tolist()
        for t, name in enumerate(names):
            lo, hi = bounds[t], bounds[t + 1]
            yield name, docs[lo:hi], weights[lo:hi], values[lo:hi]


class MemoryPostings:
    """The postings of one segment being written, by field (see ``FieldPostings``).

    It stands in for Whoosh's ``PostingPool``: ``add`` takes the same items, so merged segments
    (``SegmentWriter.add_reader``) come through it too. Documents must arrive in increasing
    document-number order, which is how every ``SegmentWriter`` numbers them.
    """

    def __init__(self, schema=None, inverter: Inverter | None = None):
        self._fields: dict[str, FieldPostings] = {}
        self.fieldnames: set[str] = set()
        # With a schema, each field's values are known to be of a fixed size or not, and with an
        # inverter, the fields of one French analysis chain share its vocabulary.
        self._schema = schema
        self._inverter = inverter

    def _field(self, fieldname: str) -> FieldPostings:
        field = self._fields.get(fieldname)
        if field is None:
            vocabulary = fixed_size = None
            if self._schema is not None and fieldname in self._schema:
                fieldobj = self._schema[fieldname]
                fixed_size = fieldobj.format.fixed_value_size()
                if self._inverter is not None:
                    vocabulary = self._inverter.vocabulary(fieldobj)
            field = self._fields[fieldname] = FieldPostings(vocabulary, fixed_size)
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

    def add_tokens(self, fieldname: str, docnum: int, table: TermTable, rows: list[int], fmt,
                   boost: float = 1.0) -> int:
        """Add one document's field as token rows (see ``FieldPostings.add_tokens``); return its
        length."""
        return self._field(fieldname).add_tokens(docnum, table, rows, fmt, boost)

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as ``(fieldname, term bytes, docnum, weight, value bytes)``, sorted like
        Whoosh's pool gives them."""
        for fieldname in sorted(self._fields):
            for tbytes, docs, weights, values in self._fields[fieldname].by_term():
                for docnum, weight, vbytes in zip(docs, weights, values):
                    yield fieldname, tbytes, docnum, weight, vbytes

    def write(self, schema, fieldwriter, lengths, doc_count: int) -> None:
        """Write every term's postings through ``fieldwriter`` (a W3 codec field writer), fields
        and terms in sorted order, and forget them; ``lengths`` is the segment's per-document
        reader (or None)."""
        for fieldname in sorted(self._fields):
            field_lengths = None if lengths is None else stored_lengths(lengths, fieldname, doc_count)
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            _write_terms(fieldwriter, fieldobj.format, self._fields[fieldname], field_lengths)
            fieldwriter.finish_field()
            del self._fields[fieldname]  # written: its memory goes back before the next field's

    def cleanup(self) -> None:
        """Forget every posting (``PostingPool.cleanup`` removes its temporary files)."""
        self._fields.clear()


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


def _write_terms(fieldwriter, fmt, field: FieldPostings, lengths: np.ndarray | None) -> None:
    """Write the terms and posting lists of ``field`` into the files of ``fieldwriter`` (a
    ``W3FieldWriter`` between ``start_field`` and ``finish_field``): the bytes its
    ``start_term``/``add``/``finish_term`` would write, but for two differences Whoosh's reader
    reads alike:

    - block data is packed by ``pack_block`` (``pack_deltas``, ``indexer.formats``): a full block of a phrase field unpickles
      about ten times faster than Whoosh's tuples (measured on a synthetic block of 128 postings);
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
            block_values = lambda lo, hi: blob[lo * fixed_size:hi * fixed_size]  # noqa: E731
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
                    databytes = pack_deltas(chunk_deltas[lo:hi], chunk_weights[lo:hi], chunk_whole[lo:hi] if stats.whole else None,
                                      block_values(lo, hi), positions, stats)
                # Never compressed (level 0): zlib saved 1 % of the index, and cost time both ways.
                infobytes = dumps((hi - lo, chunk_docs[hi - 1], max(0, block_weight[k]), 0, block_min[k], block_max[k]), 2)
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
        where = np.repeat(starts // 4 - (total_ends - counts), counts) + np.arange(int(total_ends[-1]) if len(counts) else 0)
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
        # The writer's analysis chains. The inverter's term tables keep every analysis of the
        # segment: a filter's own cache only spares the lexicon analysing again the new words it
        # takes (take_new_words), most of them among the last analysed.
        for _, field in self.schema.items():
            cached = field.cached_filter() if isinstance(field, FrenchText) else None
            if cached is not None:
                cached.limit(min(cached.MAX_ENTRIES, WRITER_CACHE_ENTRIES))
        self.inverter = Inverter()
        self.pool = MemoryPostings(self.schema, self.inverter)
        self._lexiconizer: Lexiconizer | None = None

    def take_new_words(self) -> list[str]:
        """The distinct raw words of the title, lead and body texts (and their exact forms: the
        same texts) added since the last call, each once per writer, from the inverter's token
        table: the words whose lexicon entries the index writer records (``indexer.lexicon``)."""
        return self.inverter.take_new_tokens()

    def lexiconizer(self) -> Lexiconizer:
        """The ``Lexiconizer`` of this writer's words: it reuses the analyses of the stemming chain
        (the body's, which title and lead share)."""
        if self._lexiconizer is None:
            table = self.inverter.table(self.schema["body"]) if "body" in self.schema else None
            self._lexiconizer = Lexiconizer(terms=table.cached if table is not None else None)
        return self._lexiconizer

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.pool.write(self.schema, self.fieldwriter, lengths, self.docnum)
            self.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()


class RepeatedValues:
    """``field.index(value)`` and ``field.to_column_value(value)`` of the other fields (source,
    author, year, day, file path…), computed once per distinct value: most of them repeat from
    one document to the next, and Whoosh encodes each number in several terms."""

    MAX_ENTRIES = 16_384  # values of one field remembered; past this, start again (ids never repeat)
    _KINDS = (str, int, dt.datetime)

    def __init__(self):
        self._caches: dict[tuple[str, str], dict] = {}  # (field, "items" or "column") → value → result

    def _cached(self, fieldname: str, what: str, value, compute):
        if type(value) not in self._KINDS:
            return compute()
        cache = self._caches.get((fieldname, what))
        if cache is None:
            cache = self._caches[fieldname, what] = {}
        key = (type(value), value)
        result = cache.get(key)
        if result is None:
            if len(cache) >= self.MAX_ENTRIES:
                cache.clear()  # this field's values only: the ones that repeat stay in the others
            result = cache[key] = compute()
        return result

    def items(self, fieldname: str, field, value) -> list:
        """The ``(term bytes, frequency, weight, value bytes)`` items of ``value`` in ``field``."""
        return self._cached(fieldname, "items", value, lambda: list(field.index(value)))

    def column_value(self, fieldname: str, field, value):
        """What ``field``'s column stores for ``value``."""
        return self._cached(fieldname, "column", value, lambda: field.to_column_value(value))


class MemorySegmentWriter(MemoryPool, SegmentWriter):
    """A Whoosh ``SegmentWriter`` that keeps its new postings in memory (see the module docstring).

    Everything else — stored fields, columns, deletions, merging, committing — is Whoosh's own.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._values = RepeatedValues()

    def add_document(self, **fields):
        """Add one document (the same call as ``SegmentWriter.add_document``)."""
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        # Analyse every field before anything is written, so a field that fails leaves no posting.
        # Title, lead and body (INVERTED_FIELDS) are tokenised into rows of the inverter's tables
        # (indexer.inversion), the rest indexed by Whoosh's field.index (RepeatedValues).
        inverter = self.inverter
        inverter.start_document()
        analysed = []
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            rows = items = None
            if field.indexed:
                rows = inverter.rows(field, value) if fieldname in INVERTED_FIELDS else None
                if rows is None:
                    items = self._values.items(fieldname, field, value)
            stored = fields.get(f"_stored_{fieldname}", value)
            column = field.column_type if stored is not None else None
            column_value = self._values.column_value(fieldname, field, stored) if column else None
            analysed.append((fieldname, field, rows, items, stored if field.stored else None, column, column_value))
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(docnum)
        pool = self.pool
        for fieldname, field, rows, items, stored, column, column_value in analysed:
            length = 0
            if rows is not None or items is not None:
                boost = self._field_boost(fields, fieldname, docboost)
                if rows is not None:
                    length = pool.add_tokens(fieldname, docnum, inverter.table(field), rows, field.format, boost)
                else:
                    length = pool.add_field(fieldname, docnum, items, boost)
                if not field.scorable:
                    length = 0
            perdocwriter.add_field(fieldname, field, stored, length)
            if column:
                perdocwriter.add_column_value(fieldname, column, column_value)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh merge policy, by size tiers: small segments (fewer than ``MERGE_BELOW_DOCS``
    documents, the runs of incremental updates) fall into tiers by the order of magnitude of their
    size (1-9 documents, 10-99, 100-999…); a tier is folded into the segment being written once it
    holds ``MERGE_FACTOR`` segments, with every smaller tier, at most ``MERGE_AT_MOST_DOCS``
    documents. Larger segments are kept.

    So an update of a few articles merges nothing but a few tiny segments, never the segments of
    the bulk load (the first update of a fresh index used to rewrite all of them: seconds for one
    article); and a long series of updates leaves at most ``MERGE_FACTOR - 1`` segments per tier.
    Whoosh's own ``MERGE_SMALL`` picks by a Fibonacci rule that, past about 25 segments of a bulk
    load, merges nearly all of them at once: with postings held in memory that is the whole index.
    """
    small = sorted((seg for seg in segments if seg.doc_count_all() < MERGE_BELOW_DOCS),
                   key=lambda seg: seg.doc_count_all())
    tiers: dict[int, int] = {}
    for seg in small:
        tier = _tier(seg)
        tiers[tier] = tiers.get(tier, 0) + 1
    full = [tier for tier, count in tiers.items() if count >= MERGE_FACTOR]
    if not full:
        return segments
    top = max(full)
    chosen, total = [], 0
    for seg in small:
        if _tier(seg) > top or total + seg.doc_count_all() > MERGE_AT_MOST_DOCS:
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


def _tier(segment) -> int:
    """The size tier of ``segment``: 0 for 1-9 documents (live or deleted), 1 for 10-99…"""
    return len(str(max(segment.doc_count_all(), 1))) - 1
