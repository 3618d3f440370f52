"""The folded lexicon: how a word typed without accents finds the terms indexed from accented text.

Presse stems the accented form, then folds (Snowball needs the accents), so ``capacités`` is indexed
as ``capac`` while ``capacites`` stems to ``capacit``. The lexicon maps each indexed word's
fold-then-stem *key* (``capacit``) to the terms it was indexed as (``capac``); a query word is looked
up by its own key, which depends only on its folded form, so ``capacites`` and ``capacités`` search
the same terms. It also remembers how a folded word was written with accents (``etat → état``),
to show spelling suggestions with their accents.

On disk, beside the index files: ``lexicon.json`` plus ``lexicon-parts/*.jsonl``, which the
processes that analyse articles append to (each distinct word once per process) *before* the
index commit that makes those articles visible; ``compact()`` folds the parts into
``lexicon.json``. So a crash can leave extra entries, never miss one. Entries of deleted articles
map to terms without postings, which match nothing.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from .analysis import Lexiconizer
from .files import atomic_file, atomic_write, sync_directory

LEXICON_FILE = "lexicon.json"
PARTS_DIR = "lexicon-parts"


class Lexicon:
    """Key → indexed terms, and folded → accented display forms."""

    def __init__(self, stems: dict[str, set[str]] | None = None, display: dict[str, str] | None = None):
        self.stems: dict[str, set[str]] = stems or {}
        self.display: dict[str, str] = display or {}

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Lexicon:
        """Read the lexicon of an index directory, parts included (empty when there is none)."""
        directory = Path(directory)
        lexicon = cls()
        try:
            with open(directory / LEXICON_FILE, encoding="utf-8") as f:
                data = json.load(f)
            lexicon.stems = {k: set(v) for k, v in data.get("stems", {}).items()}
            lexicon.display = data.get("display", {})
        except FileNotFoundError:
            pass
        for part in sorted((directory / PARTS_DIR).glob("*.jsonl")) if (directory / PARTS_DIR).is_dir() else ():
            lexicon._merge_part(part)
        return lexicon

    def _merge_part(self, part: Path) -> None:
        with open(part, encoding="utf-8") as f:
            for line in f:
                try:
                    kind, a, b = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: its words are in a later part or a reindex
                if kind == "k":
                    self.stems.setdefault(a, set()).add(b)
                elif a not in self.display:
                    self.display[a] = b

    def add_words(self, raws: Iterable[str], lexiconizer: Lexiconizer | None = None) -> None:
        """Record cleaned raw tokens (as the analyzer saw them)."""
        for kind, a, b in entries(raws, lexiconizer):
            if kind == "k":
                self.stems.setdefault(a, set()).add(b)
            elif a not in self.display:
                self.display[a] = b

    def save(self, directory: str | os.PathLike) -> None:
        """Write ``lexicon.json`` atomically (see ``indexer.files``)."""
        data = {"stems": {k: sorted(v) for k, v in self.stems.items()}, "display": self.display}
        with atomic_file(Path(directory) / LEXICON_FILE, "w") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))

    def terms_for_key(self, key: str) -> set[str]:
        """The indexed terms whose words fold-then-stem to ``key`` (plus ``key`` itself)."""
        return self.stems.get(key, set()) | {key}

    def accented(self, folded: str) -> str:
        """How ``folded`` was written with accents in the archive (itself when never accented)."""
        return self.display.get(folded, folded)


def entries(raws: Iterable[str], lexiconizer: Lexiconizer | None = None):
    """Lexicon entries of cleaned raw tokens: ("k", key, term) and ("d", folded, accented).

    A pair whose key is its term is left out: ``Lexicon.terms_for_key`` gives the key itself
    anyway. So is every ASCII word: folding it changes nothing, so its key is its term, and it has
    no accented form to display (this skips most of the analysis the lexicon costs).
    """
    lx = lexiconizer or Lexiconizer()
    for raw in raws:
        if raw.isascii():
            continue
        for key, term in lx.pairs(raw):
            if key != term:
                yield ("k", key, term)
        for folded, accented in lx.display_forms(raw):
            yield ("d", folded, accented)


def write_part(directory: str | os.PathLike, raws: Iterable[str], lexiconizer: Lexiconizer | None = None) -> None:
    """Write the entries of ``raws`` into a new part file of the lexicon in ``directory`` (whole or
    not at all: see ``indexer.files``)."""
    lines = [json.dumps(e, ensure_ascii=False) for e in entries(raws, lexiconizer)]
    if not lines:
        return
    parts = Path(directory) / PARTS_DIR
    if not parts.is_dir():
        parts.mkdir(exist_ok=True)
        sync_directory(directory)  # the folder of parts itself survives a crash
    # Named by time first: parts are merged in the order they were written (in sorted order), so
    # the accented spelling kept for a word (the first one seen) does not depend on random names.
    name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:12]}.jsonl"
    atomic_write(parts / name, "\n".join(lines) + "\n")


def compact(directory: str | os.PathLike) -> None:
    """Fold the part files into ``lexicon.json`` (then delete them)."""
    directory = Path(directory)
    parts_dir = directory / PARTS_DIR
    parts = sorted(parts_dir.glob("*.jsonl")) if parts_dir.is_dir() else []
    if not parts:
        return
    Lexicon.load(directory).save(directory)
    for part in parts:
        part.unlink(missing_ok=True)
