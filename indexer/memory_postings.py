"""The postings of a segment being written, held in memory: ``MemoryPostings``, one
``FieldPostings`` per field, written term by term into the segment's files when it is flushed
(``indexer.term_files``). See ``indexer.segments`` for why.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import accumulate, islice, repeat

import numpy as np

from .formats import PackedPositions, stored_lengths
from .inversion import Inverter, TermTable, TokenBatch
from .term_files import write_terms

# A field's documents given as tokens are inverted together from this many tokens on (the
# temporary arrays take about 100 bytes a token).
INVERT_EVERY_TOKENS = 1 << 18


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
            sizes = (len(vbytes or b"") for _, _, _, vbytes in items)
            self.ends.extend(islice(accumulate(sizes, initial=len(self.values)), 1, None))
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
            write_terms(fieldwriter, fieldobj.format, self._fields[fieldname], field_lengths)
            fieldwriter.finish_field()
            del self._fields[fieldname]  # written: its memory goes back before the next field's

    def cleanup(self) -> None:
        """Forget every posting (``PostingPool.cleanup`` removes its temporary files)."""
        self._fields.clear()

