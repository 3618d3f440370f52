"""Writing Whoosh segments from postings held in memory.

Whoosh's ``SegmentWriter`` sends every posting through an external sort: each one is pickled to a
temporary file, read back and merged, and when the postings are finally written, each document's
field length is looked up again, posting by posting, to keep block statistics. Profiled on OrangeSum
that is about two thirds of the indexing time. A Presse commit is a bounded batch of articles, so
``MemorySegmentWriter`` keeps the postings of the segment it writes in memory instead — one record
of (document numbers, weights, values) per term of each field — and writes each term's blocks in
one go at the end. The files are the ones Whoosh's W3 codec writes, block for block, except that
small blocks are stored uncompressed; a test reads every term back against Whoosh's own writer.
"""

from __future__ import annotations

import zlib
from array import array
from itertools import chain
from pickle import dumps
from typing import Iterable, Iterator

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.reading import SegmentReader
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

# Blocks whose pickled data is shorter than this are stored uncompressed: zlib saves nothing on
# them (a one-posting block grows by a few bytes), and a third of all blocks skip a zlib call.
COMPRESS_FROM_BYTES = 64

# Merge policy at each commit (see merge_small_segments).
MERGE_BELOW_DOCS = 2_000
MERGE_AT_MOST_DOCS = 20_000

# One term's postings: document numbers, weights, and their encoded values (positions,
# frequencies) end to end, with where each one ends. One bytearray rather than a bytes object per
# posting: a batch holds millions of them, at ~50 bytes of object overhead each.
TermPostings = tuple[array, array, bytearray, array]


class MemoryPostings:
    """The postings of one segment being written, by field and term, in document order.

    It stands in for Whoosh's ``PostingPool``: ``add`` takes the same items, so merged segments
    (``SegmentWriter.add_reader``) come through it too. Documents must arrive in increasing
    document-number order, which is how every ``SegmentWriter`` numbers them.
    """

    def __init__(self):
        self._fields: dict[str, dict[bytes, TermPostings]] = {}
        self.fieldnames: set[str] = set()

    def _terms(self, fieldname: str) -> dict[bytes, TermPostings]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple) -> None:
        """Add one ``(fieldname, term bytes, docnum, weight, value bytes)`` posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, vbytes)])

    def add_field(self, fieldname: str, docnum: int, items: Iterable[tuple], boost: float = 1.0) -> int:
        """Add the ``(term bytes, frequency, weight, value bytes)`` items of one document's field;
        return the sum of their frequencies (the field's length in that document)."""
        terms = self._terms(fieldname)
        length = 0
        for tbytes, freq, weight, vbytes in items:
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = (array("I"), array("f"), bytearray(), array("I"))
            postings[0].append(docnum)
            postings[1].append(weight * boost)
            if vbytes:
                postings[2].extend(vbytes)
            postings[3].append(len(postings[2]))
            length += freq
        return length

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as ``(fieldname, term bytes, docnum, weight, value bytes)``, sorted like
        Whoosh's pool gives them."""
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                ids, weights, values, ends = terms[tbytes]
                for docnum, weight, start, end in zip(ids, weights, chain((0,), ends), ends):
                    yield fieldname, tbytes, docnum, weight, bytes(values[start:end])

    def write(self, schema, fieldwriter, lengths, doc_count: int) -> None:
        """Write every term's postings through ``fieldwriter`` (a W3 codec field writer), fields
        and terms in sorted order; ``lengths`` is the segment's per-document reader (or None)."""
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            if lengths is not None:
                dfl = lengths.doc_field_length
                field_lengths = [dfl(docnum, fieldname) or 0 for docnum in range(doc_count)]
            else:
                field_lengths = None
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            postwriter = fieldwriter._postwriter
            fixed_size = fieldobj.format.fixed_value_size()
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _fill_blocks(postwriter, *terms[tbytes], field_lengths, fixed_size)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        """Forget every posting (``PostingPool.cleanup`` removes its temporary files)."""
        self._fields.clear()


def _fill_blocks(postwriter, ids: array, weights: array, values: bytearray, ends: array, lengths: list | None,
                 fixed_size: int | None) -> None:
    """Write one term's postings through a ``W3PostingsWriter``, a block of ``_blocklimit``
    postings at a time, with the values and block statistics ``add_posting`` would have gathered."""
    limit = postwriter._blocklimit
    count = len(ids)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        postwriter._ids = block_ids
        postwriter._weights = block_weights
        first = ends[start - 1] if start else 0
        if fixed_size:  # Whoosh joins fixed-size values end to end: they are already
            postwriter._values = [bytes(values[first:ends[end - 1]])]
        else:  # one bytes object per non-empty value
            bounds = ends[start:end]
            postwriter._values = [bytes(values[a:b]) for a, b in zip(chain((first,), bounds), bounds) if b > a]
        postwriter._maxweight = max(0, max(block_weights))
        if lengths is not None:
            block_lengths = [n for n in map(lengths.__getitem__, block_ids) if n]
            postwriter._minlength = min(block_lengths) if block_lengths else None
            postwriter._maxlength = max(block_lengths) if block_lengths else 0
        else:
            postwriter._minlength, postwriter._maxlength = None, 0
        _write_block(postwriter, last=end == count)


def _write_block(postwriter, last: bool) -> None:
    """``W3PostingsWriter._write_block`` (Whoosh 2.7), storing small blocks uncompressed.

    Whoosh meant to skip compression under 20 bytes but overwrites its own decision; its reader
    takes either form, since each block says its compression level.
    """
    pw = postwriter
    postfile = pw._postfile
    if not pw._blockcount:
        postfile.write(WHOOSH3_HEADER_MAGIC)
    pw._terminfo.add_block(pw)
    databytes = dumps((pw._mini_ids(), pw._mini_weights(), pw._mini_values()), 2)
    comp = pw._compression if len(databytes) >= COMPRESS_FROM_BYTES else 0
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


class MemorySegmentWriter(SegmentWriter):
    """A Whoosh ``SegmentWriter`` that keeps its new postings in memory (see the module docstring).

    Everything else — stored fields, columns, deletions, merging, committing — is Whoosh's own.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = MemoryPostings()
        # Spelling words and term vectors take Whoosh's general path through the pool.
        self._general = any(field.separate_spelling() or field.vector for _, field in self.schema.items())

    def add_document(self, **fields):
        """Add one document (the same call as ``SegmentWriter.add_document``)."""
        if self._general:
            return super().add_document(**fields)
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

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.pool.write(self.schema, self.fieldwriter, lengths, self.docnum)
            self.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()


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
