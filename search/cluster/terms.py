"""The cluster's own lexicon and vocabulary, read from the shards' term lists.

Every node that serves reads the same: the accent-insensitive lexicon (``XK`` terms), the accented
display forms (``XD``) and each field's vocabulary for prefix, wildcard and fuzzy words, merged
over the shards by Xapian (term frequencies summed). Lookups are bounded like the local engine's
(``search.settings.EngineSettings``' defaults).
"""

from __future__ import annotations

import itertools

import xapian

from ..settings import DEFAULTS
from ..vocabulary import Vocabulary, spelling_neighbours
from . import layout as L


class ClusterTerms:
    """Term lookups against one (combined) cluster database."""

    def __init__(self, db: xapian.Database):
        self.db = db

    def listing(self, prefix: str, start: str = "", limit: int | None = None) -> list[tuple[str, int]]:
        """The terms of the field ``prefix`` starting with ``start`` (the field prefix cut off), with
        their frequencies; the first ``limit`` when given."""
        cut = len(prefix.encode("utf-8"))
        return [(item.term[cut:].decode("utf-8", "replace"), item.termfreq)
                for item in itertools.islice(self.db.allterms(prefix + start), limit)]

    def terms_for_key(self, key: str) -> set[str]:
        """The stems indexed for the words whose fold-then-stem key is ``key`` (``key`` included):
        ``indexer.lexicon.Lexicon.terms_for_key``, from the shards."""
        return {text for text, _ in self.listing(f"{L.LEXICON}{key}:", limit=DEFAULTS.max_scanned_terms)} | {key}

    def accented(self, folded: str) -> str:
        """How ``folded`` is most often written with accents in the archive (itself when never)."""
        forms = self.listing(f"{L.DISPLAY}{folded}:", limit=DEFAULTS.max_scanned_terms)
        return max(forms, key=lambda x: (x[1], x[0]))[0] if forms else folded

    def frequency(self, term: str) -> int:
        """How many articles hold ``term`` (a full term, prefix included)."""
        return self.db.get_termfreq(term) if L.fits(term) else 0

    def vocabulary(self, prefix: str, word: str, sizes: tuple[int, ...] = (2, 1)) -> Vocabulary:
        """The part of the field ``prefix``'s vocabulary that ``search.vocabulary.spelling_neighbours``
        reads for ``word``: the first ``max_fuzzy_scan`` terms from its first two letters, and from its
        first letter (``sizes``). Its neighbours are those the whole vocabulary gives."""
        found: dict[str, int] = {}
        for size in sizes:
            if L.fits(prefix + word[:size]):
                found.update(self.listing(prefix, word[:size], DEFAULTS.max_fuzzy_scan))
        return Vocabulary(found)  # a slice of the vocabulary, not a Whoosh reader's

    def neighbours(self, prefix: str, word: str, maxdist: int) -> list[tuple[int, int, str]]:
        """``spelling_neighbours`` of ``word`` in the field ``prefix``: the terms from its first two
        letters are fetched first, those from its first letter only when they give none (as
        ``spelling_neighbours`` scans them): a shard lists a prefix's terms all at once."""
        if maxdist < 1 or not word:
            return []
        if len(word) > 4:
            found = spelling_neighbours(self.vocabulary(prefix, word, (2,)), word, maxdist)
            if found:
                return found
        return spelling_neighbours(self.vocabulary(prefix, word, (2, 1) if len(word) > 4 else (1,)), word, maxdist)
