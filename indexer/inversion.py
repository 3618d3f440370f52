"""The French texts of a segment's documents turned into postings in bulk, with numpy.

``FrenchText.index`` runs one Python loop iteration per word and builds one tuple per posting.
For a segment writer that is most of the indexing time, and each text is read twice (``body``
for its stems, ``exact`` for its word forms). The segment writer does the same work in bulk:

- each text of a document is tokenised once (``TOKEN_RE.findall``), whatever the number of
  fields that read it, and its tokens become row numbers of ``RawTokens`` with one dictionary
  look-up each (a ``map``, no Python frame);
- each distinct raw token of the segment is analysed once per analysis chain, by the chain's
  ``CachedFilter``, into a row of a ``TermTable``: its terms (as numbers of a vocabulary shared
  by the fields of that chain), their positions relative to the token, and its width;
- a field's documents wait as rows in a ``TokenBatch``; their postings — terms, frequencies,
  positions — come out of a few numpy operations over the rows of thousands of documents at once.

The postings are what ``FrenchText.index`` gives for the same values, term for term (tests
compare the two on real articles and random texts).
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

import numpy as np
from whoosh import formats

from .analysis import TOKEN_RE, CachedFilter
from .schema import FrenchText, PackedPositions


class _Column:
    """Numbers appended one at a time to an ``array.array`` (cheap, and no Python int object
    each), read as a numpy array: a copy, made again with what came since when asked again."""

    __slots__ = ("items", "_array")

    def __init__(self, typecode: str):
        self.items = array(typecode)
        self._array = np.zeros(0, dtype=np.dtype(typecode))

    def array(self) -> np.ndarray:
        """The numbers, as a numpy array."""
        if len(self._array) < len(self.items):
            more = np.frombuffer(self.items, dtype=self._array.dtype)[len(self._array):]
            self._array = np.concatenate((self._array, more))  # a copy: the array.array can grow again
        return self._array


class RawTokens(dict):
    """Raw token → row number, for every distinct raw token of a segment; ``raws`` lists them by
    row. Looking up a new token gives it the next row (``__missing__``: a plain ``map`` over the
    tokens of a text numbers them all, new or not, without a Python loop)."""

    def __init__(self):
        super().__init__()
        self.raws: list[str] = []

    def __missing__(self, raw: str) -> int:
        row = self[raw] = len(self.raws)
        self.raws.append(raw)
        return row


class TermTable:
    """What one analysis chain makes of each raw token of ``RawTokens``, by row: its terms
    (vocabulary numbers), their positions relative to the token, and its width in positions (a
    compound takes one per part). Rows are analysed once, when a text of a field of this chain
    first needs them, along with the rows the other chain's texts added since: the segment writer
    gives both chains the same texts (``indexer.segments.INVERTED_FIELDS``)."""

    def __init__(self, cached: CachedFilter):
        self.cached = cached
        # Term bytes → term number, numbered in the order they come (so list(vocabulary) gives
        # the terms by number): the numbering of every field of this chain (see FieldPostings).
        self.vocabulary: dict[bytes, int] = {}
        self.counts = _Column("q")  # terms of each row
        self._starts = _Column("q")  # where they start in _terms / _relative
        self._widths = _Column("q")
        self._terms = _Column("I")
        self._relative = _Column("q")

    def analyse(self, raws: list[str]) -> None:
        """Analyse the raw tokens of the rows this table has not seen yet (``raws``: by row)."""
        vocabulary = self.vocabulary
        counts, starts, widths = self.counts.items, self._starts.items, self._widths.items
        terms, relative = self._terms.items, self._relative.items
        for raw in raws[len(counts):]:
            out, width = self.cached.analyze(raw)
            counts.append(len(out))
            starts.append(len(terms))
            widths.append(width)
            for text, position, _, _ in out:
                terms.append(vocabulary.setdefault(text.encode("utf-8"), len(vocabulary)))
                relative.append(position)

    def length(self, rows: list[int]) -> int:
        """How many terms a text made of the tokens ``rows`` gives (its field length)."""
        return sum(map(self.counts.items.__getitem__, rows))

    def expand(self, rows: np.ndarray, sizes: np.ndarray,
               positions: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The terms of texts whose tokens are ``rows`` end to end (``sizes``: tokens per text),
        token after token: for each its text's index and its term number, and with ``positions``
        its position in its text."""
        counts = self.counts.array()[rows]
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        tokens = np.repeat(np.arange(len(rows)), counts)  # the token of each term
        where = self._starts.array()[rows][tokens] + (np.arange(total) - (ends - counts)[tokens])
        text_of_token = np.repeat(np.arange(len(sizes)), sizes)
        term_positions = None
        if positions:
            # A token's position: the widths of the tokens before it in its text.
            widths = np.concatenate(([0], np.cumsum(self._widths.array()[rows])))
            text_starts = widths[np.cumsum(sizes) - sizes]
            token_positions = widths[:-1] - np.repeat(text_starts, sizes)
            term_positions = token_positions[tokens] + self._relative.array()[where]
        return text_of_token[tokens], self._terms.array()[where], term_positions


class BatchPostings(NamedTuple):
    """Postings of a ``TokenBatch``: documents ascending, terms ascending within a document; the
    positions of each posting end to end in ``positions`` (phrase fields only)."""

    terms: np.ndarray
    docs: np.ndarray
    freqs: np.ndarray
    weights: np.ndarray  # each posting's frequency × the field's boost × its document's
    positions: np.ndarray | None


class TokenBatch:
    """The documents of one field waiting to be inverted: each one's token rows, number and
    boost. ``postings()`` inverts them all at once."""

    def __init__(self, table: TermTable, positions: bool, field_boost: float = 1.0):
        self.table = table
        self.positions = positions
        self.field_boost = field_boost
        self._rows = array("q")  # the tokens of the queued documents, end to end
        self._sizes: list[int] = []
        self._docs: list[int] = []
        self._boosts: list[float] = []
        self.tokens = 0

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, docnum: int, rows: list[int], boost: float = 1.0) -> int:
        """Queue a document (after the ones already queued), whose postings weigh their frequency
        × the field's boost × ``boost``; return its field length."""
        self._rows.extend(rows)
        self._sizes.append(len(rows))
        self._docs.append(docnum)
        self._boosts.append(boost)
        self.tokens += len(rows)
        return self.table.length(rows)

    def postings(self) -> BatchPostings:
        """The postings of the queued documents (and forget them)."""
        rows = np.frombuffer(self._rows, dtype=np.int64)
        sizes = np.asarray(self._sizes, dtype=np.int64)
        texts, terms, positions = self.table.expand(rows, sizes, self.positions)
        # By document, then term, positions still ascending within each (a stable sort).
        order = np.argsort(texts * (len(self.table.vocabulary) + 1) + terms, kind="stable")
        texts, terms = texts[order], terms[order]
        first = np.ones(len(order), dtype=bool)
        np.logical_or(texts[1:] != texts[:-1], terms[1:] != terms[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        freqs = np.diff(starts, append=len(order))
        posting_texts = texts[starts]
        docs = np.asarray(self._docs, dtype=np.int64)[posting_texts]
        weights = freqs * self.field_boost * np.asarray(self._boosts, dtype=np.float64)[posting_texts]
        self._rows, self._sizes, self._docs, self._boosts, self.tokens = array("q"), [], [], [], 0
        return BatchPostings(terms[starts], docs, freqs, weights, positions[order] if self.positions else None)


class Inverter:
    """Tokenises the French fields of a segment's documents into rows of its term tables (see
    the module docstring). One per segment writer: its tables grow with the segment's tokens."""

    def __init__(self):
        self.tokens = RawTokens()
        self._tables: dict[int, TermTable] = {}  # id of a chain's CachedFilter (table.cached) → its table
        self._field_tables: dict[int, tuple[object, TermTable | None]] = {}
        self._rows: dict[str, list[int]] = {}  # the current document's texts, tokenised
        self._taken = 0  # raw tokens given by take_new_tokens

    def table(self, field) -> TermTable | None:
        """The term table of ``field``'s analysis chain, or None when ``field`` is not a French
        text field this inverter can index (another format, another analyzer)."""
        entry = self._field_tables.get(id(field))
        if entry is None:
            entry = self._field_tables[id(field)] = (field, self._chain_table(field))
        return entry[1]

    def _chain_table(self, field) -> TermTable | None:
        if not isinstance(field, FrenchText) or type(field.format) not in (PackedPositions, formats.Frequency):
            return None
        cached = field.cached_filter()
        if cached is None:
            return None
        table = self._tables.get(id(cached))
        if table is None:
            table = self._tables[id(cached)] = TermTable(cached)
        return table

    def vocabulary(self, field) -> dict[bytes, int] | None:
        """The vocabulary ``field``'s postings are numbered in (shared by the fields of one
        chain), or None for a field the inverter does not index."""
        table = self.table(field)
        return None if table is None else table.vocabulary

    def take_new_tokens(self) -> list[str]:
        """The distinct raw tokens first seen since the last call, in the order they came: each
        raw token of the segment's French texts once (the index writer records their lexicon
        entries, see ``indexer.lexicon``)."""
        raws = self.tokens.raws
        new, self._taken = raws[self._taken:], len(raws)
        return new

    def start_document(self) -> None:
        """Forget the previous document's texts."""
        self._rows.clear()

    def _text_rows(self, text: str) -> list[int]:
        rows = self._rows.get(text)
        if rows is None:
            rows = self._rows[text] = list(map(self.tokens.__getitem__, TOKEN_RE.findall(text)))
        return rows

    def rows(self, field, value) -> list[int] | None:
        """The token rows of ``value`` (a text, or a tuple of texts whose positions follow each
        other) in ``field``'s term table, analysed; None when ``field.index`` should index it
        (see ``table``)."""
        table = self.table(field)
        if table is None:
            return None
        if isinstance(value, str):
            rows = self._text_rows(value)
        elif isinstance(value, tuple) and all(isinstance(part, str) for part in value):
            rows = []
            for part in value:
                rows += self._text_rows(part)
        else:
            return None
        table.analyse(self.tokens.raws)
        return rows
