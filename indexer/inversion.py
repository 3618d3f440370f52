"""A document's French texts turned into its postings with numpy, for the segment writer.

``FrenchText.index`` runs one Python loop iteration per word and builds one tuple per posting.
For a segment writer that is most of the indexing time, and each text is read twice (``body``
for its stems, ``exact`` for its word forms). ``Inverter`` does the same work in bulk:

- each text of a document is tokenised once (``TOKEN_RE.findall``), whatever the number of
  fields that read it;
- each distinct raw token of the segment is analysed once per analysis chain, by the chain's
  ``CachedFilter``, into a row of a ``TermTable``: its terms (as numbers of a vocabulary
  shared by the fields of that chain), their positions relative to the token, and its width;
- a document's tokens become row numbers with one dictionary look-up each (``map``, no Python
  frame), and its postings — terms, frequencies, positions — come out of a few numpy operations
  over those rows.

The result is what ``FrenchText.index`` gives for the same value, term for term (a test checks
it on real articles).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from whoosh import formats

from .analysis import TOKEN_RE, CachedFilter
from .schema import FrenchText, PackedPositions

# Shorter texts (titles, authors, sources) are left to FrenchText.index: below this many raw
# tokens, a dozen numpy calls cost more than the Python loop they replace.
BULK_FROM_TOKENS = 24


class _Column:
    """A numpy array that grows at the end (doubling its capacity); ``data`` may be longer than
    what was appended: only the first ``len(self)`` items mean something."""

    __slots__ = ("data", "size")

    def __init__(self, dtype):
        self.data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def append(self, value) -> None:
        if self.size == len(self.data):
            self.data = np.concatenate((self.data, np.zeros_like(self.data)))
        self.data[self.size] = value
        self.size += 1


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
    compound takes one per part). Rows are analysed once, when a text first needs them."""

    def __init__(self, cached: CachedFilter):
        self.cached = cached
        # Term bytes → term number, numbered in the order they come (so list(vocabulary) gives
        # the terms by number): the numbering of every field of this chain (see FieldPostings).
        self.vocabulary: dict[bytes, int] = {}
        self._counts = _Column(np.int64)  # terms of each row
        self._starts = _Column(np.int64)  # where they start in _terms / _relative
        self._widths = _Column(np.int64)
        self._terms = _Column(np.uint32)
        self._relative = _Column(np.int64)

    def analyse(self, raws: list[str]) -> None:
        """Analyse the raw tokens of the rows this table has not seen yet (``raws``: by row)."""
        vocabulary = self.vocabulary
        for raw in raws[len(self._counts):]:
            out, width = self.cached.analyze(raw)
            self._counts.append(len(out))
            self._starts.append(len(self._terms))
            self._widths.append(width)
            for text, relative, _, _ in out:
                self._terms.append(vocabulary.setdefault(text.encode("utf-8"), len(vocabulary)))
                self._relative.append(relative)

    def postings(self, rows: np.ndarray, positions: bool) -> "Inverted":
        """The postings of a text made of the tokens ``rows``: its distinct terms (ascending
        numbers), each one's frequency, and with ``positions`` each one's positions (ascending,
        end to end in term order)."""
        counts = self._counts.data[rows]
        total = int(counts.sum())
        ends = np.cumsum(counts)
        # The index in _terms of each term of the text, token after token.
        where = np.repeat(self._starts.data[rows] - (ends - counts), counts) + np.arange(total)
        terms = self._terms.data[where]
        order = np.argsort(terms, kind="stable")  # by term, positions still ascending within a term
        ordered = terms[order]
        first = np.empty(total, dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        freqs = np.diff(starts, append=total)
        term_positions = None
        if positions:
            widths = self._widths.data[rows]
            token_positions = np.cumsum(widths) - widths
            term_positions = (np.repeat(token_positions, counts) + self._relative.data[where])[order]
        return Inverted(ordered[starts], freqs, term_positions, total)


class Inverted(NamedTuple):
    """One field of one document: its terms (vocabulary numbers), their frequencies and, for a
    phrase field, their positions end to end in term order; ``length`` is the sum of the frequencies."""

    terms: np.ndarray
    freqs: np.ndarray
    positions: np.ndarray | None
    length: int


class Inverter:
    """Turns the French fields of a segment's documents into ``Inverted`` postings (see the module
    docstring). One per segment writer: its tables grow with the segment's distinct tokens."""

    def __init__(self):
        self.tokens = RawTokens()
        self._tables: dict[int, tuple[CachedFilter, TermTable]] = {}
        self._rows: dict[str, np.ndarray] = {}  # the current document's texts, tokenised

    def table(self, field) -> TermTable | None:
        """The term table of ``field``'s analysis chain, or None when ``field`` is not a French
        text field this inverter can index (another format, another analyzer)."""
        if not isinstance(field, FrenchText) or type(field.format) not in (PackedPositions, formats.Frequency):
            return None
        cached = field.cached_filter()
        if cached is None:
            return None
        entry = self._tables.get(id(cached))
        if entry is None:
            entry = self._tables[id(cached)] = (cached, TermTable(cached))
        return entry[1]

    def vocabulary(self, field) -> dict[bytes, int] | None:
        """The vocabulary ``field``'s postings are numbered in (shared by the fields of one
        chain), or None for a field the inverter does not index."""
        table = self.table(field)
        return None if table is None else table.vocabulary

    def start_document(self) -> None:
        """Forget the previous document's texts."""
        self._rows.clear()

    def _text_rows(self, text: str) -> np.ndarray:
        rows = self._rows.get(text)
        if rows is None:
            rows = self._rows[text] = np.array(list(map(self.tokens.__getitem__, TOKEN_RE.findall(text))), dtype=np.int64)
        return rows

    def invert(self, field, value) -> Inverted | None:
        """The postings of ``value`` (a text, or a tuple of texts whose positions follow each
        other) in ``field``; None when ``field.index`` should do it (see ``table``), or when the
        text is short enough for it to be faster."""
        table = self.table(field)
        if table is None:
            return None
        if isinstance(value, str):
            rows = self._text_rows(value)
        elif isinstance(value, tuple) and all(isinstance(part, str) for part in value):
            rows = np.concatenate([self._text_rows(part) for part in value]) if value else np.zeros(0, np.int64)
        else:
            return None
        if len(rows) < BULK_FROM_TOKENS:
            return None
        table.analyse(self.tokens.raws)
        return table.postings(rows, isinstance(field.format, PackedPositions))
