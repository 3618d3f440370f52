"""The folded lexicon: how a word typed without accents finds the terms indexed from accented text.

Presse stems the accented form, then folds (Snowball needs the accents), so ``capacités`` is indexed
as ``capac`` while ``capacites`` stems to ``capacit``. The lexicon maps each indexed word's
fold-then-stem *key* (``capacit``) to the terms it was indexed as (``capac``); a query word is looked
up by its own key, which depends only on its folded form, so ``capacites`` and ``capacités`` search
the same terms. It also remembers how a folded word was written with accents (``etat → état``),
to show spelling suggestions with their accents.

The lexicon lives in ``lexicon.json`` beside the index files. It only grows: entries of deleted
articles map to terms with no postings, which match nothing. It is written (atomically) *before*
each index commit, so a crash can leave extra entries but never miss one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .analysis import TOKEN_RE, Lexiconizer

LEXICON_FILE = "lexicon.json"


class Lexicon:
    """Key → indexed terms, and folded → accented display forms."""

    def __init__(self, stems: dict[str, set[str]] | None = None, display: dict[str, str] | None = None):
        self.stems: dict[str, set[str]] = stems or {}
        self.display: dict[str, str] = display or {}
        self._seen: set[str] = set()
        self._lexiconizer: Lexiconizer | None = None
        self.dirty = False

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "Lexicon":
        """Read the lexicon of an index directory (an empty one when the file is missing)."""
        path = Path(directory) / LEXICON_FILE
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return cls()
        return cls({k: set(v) for k, v in data.get("stems", {}).items()}, data.get("display", {}))

    def add_text(self, text: str) -> None:
        """Record every word of ``text`` (call it with each indexed field of each article)."""
        seen = self._seen
        new = set(TOKEN_RE.findall(text)) - seen
        if not new:
            return
        seen |= new
        if self._lexiconizer is None:
            self._lexiconizer = Lexiconizer()
        lx = self._lexiconizer
        stems, display = self.stems, self.display
        for raw in new:
            for key, term in lx.pairs(raw):
                terms = stems.get(key)
                if terms is None:
                    stems[key] = {term}
                    self.dirty = True
                elif term not in terms:
                    terms.add(term)
                    self.dirty = True
            for folded, accented in lx.display_forms(raw):
                if folded not in display:
                    display[folded] = accented
                    self.dirty = True

    def save(self, directory: str | os.PathLike) -> None:
        """Write the lexicon atomically (temporary file, fsync, rename)."""
        path = Path(directory) / LEXICON_FILE
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        data = {"stems": {k: sorted(v) for k, v in self.stems.items()}, "display": self.display}
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self.dirty = False

    def terms_for_key(self, key: str) -> set[str]:
        """The indexed terms whose words fold-then-stem to ``key`` (plus ``key`` itself)."""
        return self.stems.get(key, set()) | {key}

    def accented(self, folded: str) -> str:
        """How ``folded`` was written with accents in the archive (itself when never accented)."""
        return self.display.get(folded, folded)
