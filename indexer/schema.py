"""The Whoosh schema of a Presse index: stored fields for display, analysed fields for search."""

from __future__ import annotations

from collections import defaultdict

from whoosh import formats
from whoosh.columns import VarBytesColumn
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.system import pack_uint

from .analysis import TOKEN_RE, CachedFilter, french_analyzer, french_exact_analyzer
from .formats import PackedPositions  # indexes written before indexer.formats pickle it under this module

# Bump when fields change in a way an existing index cannot serve (checked with ANALYSIS_VERSION).
SCHEMA_VERSION = 7  # 2: positions stored as PackedPositions; 3: no "day_asc" column (derived from "day");
# 4: posting blocks packed in arrays (indexer.formats.pack_block); 5: positions 16-bit, uncompressed;
# 6: named entities (person, place, org keyword fields and the "entities" column, indexer.entities)
# 7: import paths moved under presse (presse.indexer.analysis…): the classes an older index pickled are gone

# The stemmed fields searched by plain words, and the exact-form fields for phrases, prefixes and
# fuzzy words. "exact" holds the lead and the body; the title has its own.
STEMMED_FIELDS = ("title", "lead", "body")
EXACT_FIELDS = ("title_exact", "exact")
FACET_FIELDS = ("source", "author", "section", "year")
ENTITY_FIELDS = ("person", "place", "org")  # entity keys, one term each (indexer.entities)
# The encoded frequencies of the stemmed fields, made once: one struct.pack less per posting.
_FREQUENCY_BYTES = tuple(pack_uint(n) for n in range(256))


class FrenchText(TEXT):
    """A TEXT field whose indexing runs the cached French analysis without Whoosh's token stream.

    ``index()`` gives exactly what ``TEXT.index()`` gives with the same analyzer (a test checks it),
    several times faster: no Token object, no generator chain, one dict lookup per word. With
    ``phrase=True`` its positions are stored as ``PackedPositions``. A value may be a tuple of
    texts (``(lead, body)``): they are indexed one after the other, positions following on, as
    if they were separate paragraphs. Part of every pickled schema: keep it at this import path.
    """

    def __init__(self, analyzer, phrase: bool = True, **kwargs):
        super().__init__(analyzer=analyzer, phrase=phrase, **kwargs)
        if phrase:
            self.format = PackedPositions(field_boost=self.format.field_boost)

    def cached_filter(self) -> CachedFilter | None:
        """The ``CachedFilter`` that does all of this field's analysis after the tokenizer, or
        None when its analyzer is another chain."""
        items = getattr(self.analyzer, "items", ())
        return items[-1] if len(items) == 2 and isinstance(items[-1], CachedFilter) else None

    def index(self, value, **kwargs):
        if isinstance(value, tuple):
            # Two line breaks end any token (TOKEN_RE joins across one only, after a hyphen):
            # the parts are tokenised exactly as if each were alone.
            value = "\n\n".join(value)
        cached = self.cached_filter()
        if cached is None or not isinstance(value, str) or kwargs.get("mode", "index") != "index":
            yield from TEXT.index(self, value, **kwargs)
            return
        analyze = cached.analyze
        cache_get = cached._cache.get  # the hot loop: one dict lookup per word when it was seen before
        fmt = self.format
        boost = fmt.field_boost
        if isinstance(fmt, formats.Positions):
            poses = defaultdict(list)
            pos = 0
            for raw in TOKEN_RE.findall(value):
                out, width = cache_get(raw) or analyze(raw)
                for text, rel, _, _ in out:
                    poses[text].append(pos + rel)
                pos += width
            encode = fmt.encode
            for text, plist in poses.items():
                yield text.encode("utf-8"), len(plist), len(plist) * boost, encode(plist)
        else:
            freqs = defaultdict(int)
            for raw in TOKEN_RE.findall(value):
                for text, _, _, _ in (cache_get(raw) or analyze(raw))[0]:
                    freqs[text] += 1
            for text, freq in freqs.items():
                value = _FREQUENCY_BYTES[freq] if freq < 256 else pack_uint(freq)
                yield text.encode("utf-8"), freq, freq * boost, value


class EntityColumn(FieldType):
    """A field that is only a column (not indexed, not stored): an article's named entities as
    ``indexer.entities.encode`` writes them, read for every article at once by ``search.entities``.
    Part of every pickled schema: keep it at this import path."""

    indexed = False
    stored = False
    scorable = False

    def __init__(self):
        self.format = None
        self.analyzer = None
        self.column_type = VarBytesColumn()

    def to_column_value(self, value) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else (value or b"")

    def from_column_value(self, value) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")

    def index(self, value, **kwargs):
        return iter(())


def make_schema() -> Schema:
    """The schema every Presse index is built with."""
    stemmed = french_analyzer()
    exact = french_exact_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        # Plain words are matched on stems: frequencies are enough (phrase=False stores no positions).
        title=FrenchText(analyzer=stemmed, stored=True, phrase=False),
        lead=FrenchText(analyzer=stemmed, stored=True, phrase=False),
        body=FrenchText(analyzer=stemmed, stored=True, phrase=False),
        # Folded, unstemmed word forms with positions: "exact phrase", prefix*, fuzzy~.
        title_exact=FrenchText(analyzer=exact, phrase=True),
        exact=FrenchText(analyzer=exact, phrase=True),
        author_text=FrenchText(analyzer=exact, phrase=True),
        source_text=FrenchText(analyzer=exact, phrase=True),
        # Exact values for filters and facets, read from columns.
        source=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        section=ID(stored=True, sortable=True),
        year=NUMERIC(int, stored=True, sortable=True),
        date=DATETIME(stored=True),
        # Days since 0001-01-01, 0 when undated: sorting by date (undated articles last either way,
        # see search.facets) and tie-breaks.
        day=NUMERIC(int, bits=32, sortable=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        publisher=STORED(),
        url=STORED(),
        language=ID(stored=True),
        # Named entities (when extracted, see indexer.entities): one term per entity key, for
        # filters; the column holds kinds, keys, names and mention counts, for facets and names.
        person=KEYWORD(commas=True, lowercase=False, scorable=False),
        place=KEYWORD(commas=True, lowercase=False, scorable=False),
        org=KEYWORD(commas=True, lowercase=False, scorable=False),
        entities=EntityColumn(),
        # Bookkeeping for incremental indexing.
        path=ID(stored=True, sortable=True),
        hash=ID(stored=True, sortable=True),
    )
