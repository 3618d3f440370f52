"""Writing Whoosh segments from postings held in memory.

Whoosh's ``SegmentWriter`` sends every posting through an external sort: each one is pickled to a
temporary file, read back and merged, and when the postings are finally written, each document's
field length is looked up again, posting by posting, to keep block statistics. Profiled on OrangeSum
that is about two thirds of the indexing time. A Presse commit is a bounded batch of articles, so
``MemorySegmentWriter`` keeps the postings of the segment it writes in memory instead — one record
of (document numbers, weights, values) per term of each field — and writes each term's blocks in
one go at the end. The files are the ones Whoosh's W3 codec writes, block for block, except for
how a block's data is packed (``indexer.formats.pack_block``) and that no block is compressed
(``indexer.term_files``); a test reads every term back through Whoosh's own reader against
Whoosh's own writer.

Here: the writers (``MemoryPool``, ``MemorySegmentWriter``), what they index once per distinct
value (``RepeatedValues``) and the merge policy (``merge_small_segments``). The postings in memory
are ``indexer.memory_postings``, their writing ``indexer.term_files``.
"""

from __future__ import annotations

import datetime as dt

from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from . import formats
from .analysis import Lexiconizer
from .formats import BLOCK_POSTINGS
from .inversion import Inverter
from .memory_postings import MemoryPostings
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

# Names kept here for the modules and tests that import them from this module. The posting-block
# format is indexer.formats (the read path imports it without this writer); indexes written before
# it pickle NarrowPositions and PackedValues under this module: keep those two names.
NarrowPositions = formats.NarrowPositions
PackedValues = formats.PackedValues
pack_block = formats.pack_block
stored_lengths = formats.stored_lengths
BLOCK_PICKLE_PROTOCOL = formats.BLOCK_PICKLE_PROTOCOL
PACK_FROM_POSTINGS = formats.PACK_FROM_POSTINGS


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

