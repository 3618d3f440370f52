"""Near-duplicate articles (wire copies): MinHash signatures over word shingles, LSH, groups.

A press archive repeats itself: one agency dispatch appears in several titles and in successive
updated versions. At index time every article gets a MinHash signature of its word shingles
(title, lead and body, lower-cased); articles whose signatures say they are similar enough are
linked, and the connected components of those links are the *groups* (« versions de la même
dépêche »). A group is named by its key: the id of its earliest member (by date, then id).

The signatures are kept per generation in ``dedup.npz`` beside the Whoosh segments, with each
article's content hash: an incremental run computes the signatures of new and changed articles
only, drops those of removed ones, and groups the whole archive again from the stored signatures
(a few numpy passes), so that groups are exactly what a rebuild would give whatever the order of
updates. The file is written before each Whoosh commit; ``Signatures.reconcile`` repairs it at the
start of a run against what the index holds (a crash between the two, an index built before this
module). Readers (``search.collapse``) use only the ids and group keys.

The algorithm (signing, candidate pairs, groups) is ``indexer.minhash``; this module keeps its
results on disk.

Why not a Whoosh column: an article's group changes when an article that links two groups is
added or removed, and a Whoosh column cannot change without deleting and re-adding the document.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .files import atomic_file
from .minhash import (
    BAND_ROWS,
    BATCH_CHARS,
    BIN_BITS,
    BUCKET_WINDOW,
    MAX_DAYS,
    MIN_JACCARD,
    MIN_SHINGLES,
    NEXT_DAY_THRESHOLD,
    NUM_BANDS,
    NUM_PERM,
    SAME_DAY_THRESHOLD,
    SHINGLE_WORDS,
    article_text,
    candidate_pairs,
    components,
    containments,
    group_keys,
    linked,
    shingle_hashes,
    sign,
    signature,
    similarities,
)

DEDUP_FILE = "dedup.npz"
FORMAT_VERSION = 1  # bump when signatures are computed differently (the file is then recomputed)
# What reading a damaged or foreign dedup.npz raises: the file is then recomputed, never trusted.
_UNREADABLE = (OSError, KeyError, ValueError, EOFError, zlib.error, zipfile.BadZipFile)

# This module's names, and the algorithm's (indexer.minhash), which tests and the bench import from here.
__all__ = [
    "BAND_ROWS",
    "BATCH_CHARS",
    "BIN_BITS",
    "BUCKET_WINDOW",
    "DEDUP_FILE",
    "FORMAT_VERSION",
    "MAX_DAYS",
    "MIN_JACCARD",
    "MIN_SHINGLES",
    "NEXT_DAY_THRESHOLD",
    "NUM_BANDS",
    "NUM_PERM",
    "SAME_DAY_THRESHOLD",
    "SHINGLE_WORDS",
    "Signatures",
    "article_day",
    "article_text",
    "candidate_pairs",
    "components",
    "containments",
    "group_keys",
    "linked",
    "read_groups",
    "shingle_hashes",
    "sign",
    "sign_stored",
    "signature",
    "similarities",
]


class Signatures:
    """The signatures of one generation's articles and their groups, as kept in ``dedup.npz``.

    Change it with ``add`` and ``remove``; ``save`` groups the articles again and writes the file
    atomically (only when something changed).
    """

    def __init__(self, generation: Path):
        self.path = Path(generation) / DEDUP_FILE
        self.rows: dict[str, int] = {}
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.days: list[int] = []
        self.sizes: list[int] = []
        self.sigs: list[np.ndarray | None] = []
        self.alive: list[bool] = []
        self.dirty = False
        self._pending: list[tuple[int, str]] = []  # (row, text) not signed yet
        self._pending_chars = 0
        self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if int(data["version"]) != FORMAT_VERSION or data["sigs"].shape[1:] != (NUM_PERM,):
                    self.dirty = True
                    return
                days, sizes, sigs = data["days"].tolist(), data["sizes"].tolist(), data["sigs"]
                ids, hashes = _strings(data["ids"], len(days)), _strings(data["hashes"], len(days))
        except _UNREADABLE:
            self.dirty = self.path.exists()
            return
        if not len(ids) == len(hashes) == len(days) == len(sizes) == len(sigs):
            self.dirty = True
            return
        self.ids, self.hashes, self.days, self.sizes = ids, hashes, days, sizes
        self.sigs = list(sigs)
        self.alive = [True] * len(ids)
        self.rows = {article_id: row for row, article_id in enumerate(ids)}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self.rows

    def content_hash(self, article_id: str) -> str | None:
        """The content hash the signature of ``article_id`` was computed for (None: none)."""
        row = self.rows.get(article_id)
        return None if row is None else self.hashes[row]

    def add(self, article_id: str, content_hash: str, day: int, text: str) -> None:
        """Keep the signature of an article (replacing the one it had); signed in batches."""
        self.remove(article_id)
        self.rows[article_id] = len(self.ids)
        self.ids.append(article_id)
        self.hashes.append(content_hash)
        self.days.append(day)
        self.sizes.append(0)
        self.sigs.append(None)
        self.alive.append(True)
        self._pending.append((len(self.ids) - 1, text))
        self._pending_chars += len(text)
        self.dirty = True
        if self._pending_chars >= BATCH_CHARS:
            self._sign_pending()

    def _sign_pending(self) -> None:
        if not self._pending:
            return
        sigs, sizes = sign([text for _, text in self._pending])
        for (row, _), sig, size in zip(self._pending, sigs, sizes.tolist()):
            self.sigs[row], self.sizes[row] = sig, size
        self._pending, self._pending_chars = [], 0

    def remove(self, article_id: str) -> None:
        """Forget an article (nothing happens when it has no signature)."""
        row = self.rows.pop(article_id, None)
        if row is not None:
            self.alive[row] = False
            self.dirty = True

    def reconcile(self, indexed: dict[str, str]) -> list[str]:
        """Forget the articles that are not in ``indexed`` (id → content hash) or changed since
        their signature was computed; return the ids of ``indexed`` that need a signature."""
        for article_id in [i for i, row in self.rows.items() if indexed.get(i) != self.hashes[row]]:
            self.remove(article_id)
        return [article_id for article_id in indexed if article_id not in self.rows]

    def save(self) -> None:
        """Group the articles again and write the file atomically (when something changed)."""
        if not self.dirty:
            return
        self._sign_pending()
        live = [row for row, ok in enumerate(self.alive) if ok]
        ids = [self.ids[r] for r in live]
        hashes = [self.hashes[r] for r in live]
        days = np.asarray([self.days[r] for r in live], dtype=np.int64)
        sizes = np.asarray([self.sizes[r] for r in live], dtype=np.int64)
        sigs = np.stack([self.sigs[r] for r in live]) if live else np.zeros((0, NUM_PERM), dtype=np.uint16)
        groups = group_keys(ids, days, sizes, sigs)
        with atomic_file(self.path) as f:
            np.savez(f, version=np.int64(FORMAT_VERSION), ids=_packed(ids), hashes=_packed(hashes),
                     days=days.astype(np.int32), sizes=sizes.astype(np.int32), sigs=sigs, groups=_packed(groups))
        self.ids, self.hashes, self.days, self.sizes = ids, hashes, days.tolist(), sizes.tolist()
        self.sigs = list(sigs)
        self.alive = [True] * len(ids)
        self.rows = {article_id: row for row, article_id in enumerate(ids)}
        self.dirty = False


def read_groups(generation: Path) -> dict[str, str]:
    """Article id → group key of the articles that have other versions, as last saved ({} when
    the generation has no readable ``dedup.npz``)."""
    try:
        with np.load(Path(generation) / DEDUP_FILE, allow_pickle=False) as data:
            count = len(data["days"])
            ids, groups = _strings(data["ids"], count), _strings(data["groups"], count)
    except _UNREADABLE:
        return {}
    return {i: g for i, g in zip(ids, groups) if g} if len(ids) == len(groups) else {}


def _packed(values: Iterable[str]) -> np.ndarray:
    """Strings as one uint8 array (UTF-8, newline-separated): no pickle, no fixed width."""
    return np.frombuffer("\n".join(values).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _strings(packed: np.ndarray, count: int) -> list[str]:
    """The ``count`` strings of ``_packed`` (a ValueError when there are not that many)."""
    values = packed.tobytes().decode("utf-8", "surrogatepass").split("\n") if count else []
    if len(values) != count:
        raise ValueError("dedup.npz: wrong number of strings")
    return values


def article_day(article) -> int:
    """An article's day number (``date.toordinal()``; 0 when undated), as the index keeps it."""
    return article.date.toordinal() if article.date else 0


def sign_stored(generation: Path, ids: Iterable[str], signatures: Signatures) -> int:
    """Add to ``signatures`` the articles ``ids`` as the index at ``generation`` stores them (an
    index written before its signatures, or a run stopped between the two); return how many."""
    wanted = set(ids)
    if not wanted:
        return 0
    from whoosh import index as whoosh_index  # the writer's dependency; only this repair reads the index here

    done = 0
    with whoosh_index.open_dir(str(generation)).reader() as reader:
        for _, fields in reader.iter_docs():
            article_id = fields.get("id")
            if article_id in wanted:
                date = fields.get("date")
                signatures.add(article_id, fields.get("hash", ""), date.toordinal() if date else 0,
                               article_text(fields.get("title"), fields.get("lead"), fields.get("body")))
                done += 1
    return done
