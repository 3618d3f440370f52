"""The index lifecycle: the open generation of a Presse index, one Whoosh searcher per thread,
and noticing a new commit (``presse index``) or a swapped generation (``presse reindex``).

A generation is one directory of the index root (``indexer.store``); ``Index.current`` reopens
the root's current one when ``presse reindex`` swapped it, and bumps the generation's ``epoch``
when ``presse index`` committed, so that each thread's searcher follows at its next search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from presse.indexer.analysis import CachedFilter
from presse.indexer.lexicon import Lexicon
from presse.indexer.store import IndexNotFound, current_generation, open_generation

from ..collapse import GroupCache
from ..settings import EngineSettings
from .columns import ReaderColumns

__all__ = ["Generation", "Index", "RECHECK_SECONDS", "SEARCHER_CACHE_ENTRIES"]

RECHECK_SECONDS = 0.5  # how often a searcher checks that the index changed on disk
SEARCHER_CACHE_ENTRIES = 5_000  # per thread: words analysed by more_like, idf values


class Generation:
    """One open generation of the index: its Whoosh index, lexicon, and one searcher per thread."""

    def __init__(self, root: Path, weighting, settings: EngineSettings):
        self.ix, self.path, self.meta = open_generation(root)
        self.settings = settings
        self.weighting = weighting  # the archive's Ranking as a Whoosh weighting model
        self.lexicon = Lexicon.load(self.path)
        self.local = threading.local()
        self.lock = threading.Lock()
        self.whoosh_generation = self.ix.latest_generation()
        self.epoch = 0  # bumped when a new commit is seen; each thread's searcher follows
        self.stats: object | None = None  # the facade's statistics of the current commit, once computed
        self._columns: dict[int, ReaderColumns] = {}
        self.groups = GroupCache(self.path)  # wire copies: each commit's groups of versions

    def columns(self, reader) -> ReaderColumns:
        """The column arrays of ``reader``'s commit, shared by every thread's searcher."""
        key = reader.generation()
        cols = self._columns.get(key)
        if cols is None:
            with self.lock:
                cols = self._columns.get(key)
                if cols is None:
                    self._columns = {k: v for k, v in self._columns.items() if k > key - 2}
                    cols = self._columns[key] = ReaderColumns(reader, self.settings)
        return cols

    def searcher(self):
        """This thread's searcher, refreshed when the archive saw a new commit (``epoch`` changed)."""
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = bounded(self.ix.searcher(weighting=self.weighting))
            self.local.epoch = self.epoch
        elif self.local.epoch != self.epoch:
            self.local.epoch = self.epoch
            if not s.up_to_date():
                # Not ``s.refresh()``: whoosh-reloaded 2.7.5's ``FileIndex._reader(reuse=…)`` adds the
                # old reader's segments to the new commit's, so segments merged away by the commit
                # were searched again beside the merged one (every article counted twice).
                fresh = self.local.searcher = bounded(self.ix.searcher(weighting=self.weighting))
                s.close()
                s = fresh
        if len(s._idf_cache) > SEARCHER_CACHE_ENTRIES:  # Whoosh never empties it (more_like fills it)
            s._idf_cache.clear()
        return s

    def close(self) -> None:
        """Release the generation's files."""
        self.ix.close()


def bounded(searcher):
    """``searcher`` with bounded caches in its schema's analysers.

    Whoosh unpickles a copy of the schema, analysers included, for every searcher, and
    ``more_like`` runs the index-side analyser over article text: left as the indexer configures
    it (a 400,000-word cache, and every new word remembered for the lexicon), each server thread
    would keep growing.
    """
    schema = searcher.schema
    for name in schema.names():
        for item in getattr(getattr(schema[name], "analyzer", None), "items", ()):
            if isinstance(item, CachedFilter):
                item.bound(SEARCHER_CACHE_ENTRIES)
    return searcher


class Index:
    """The index at ``root``, safe to share between threads: ``current()`` is the generation to
    search, reopened or refreshed as the index changes on disk; ``on_open()`` runs after each
    (re)open (the facade empties its page cache)."""

    def __init__(self, root: Path, weighting, settings: EngineSettings, on_open: Callable[[], None] = lambda: None):
        self.root = root
        self.weighting = weighting
        self.settings = settings
        self.on_open = on_open
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._current_name: str | None = None
        self._checked = 0.0
        self._open()

    def _open(self) -> Generation:
        with self._lock:
            gen = Generation(self.root, self.weighting, self.settings)
            old, self._generation = self._generation, gen
            self._current_name = gen.path.name
            self.on_open()
        if old is not None:
            old.close()
        return gen

    def current(self) -> Generation:
        """The generation to search, reopened when ``presse reindex`` swapped in a new one."""
        gen = self._generation
        assert gen is not None
        now = time.monotonic()
        if now - self._checked > RECHECK_SECONDS:
            self._checked = now
            current = current_generation(self.root)
            if current is None:
                raise IndexNotFound(f"L'index {self.root} a disparu.")
            if current.name != self._current_name:
                gen = self._open()
            elif gen.ix.latest_generation() != gen.whoosh_generation:
                with self._lock:
                    gen.lexicon = Lexicon.load(gen.path)
                    gen.whoosh_generation = gen.ix.latest_generation()
                    gen.stats = None
                    gen.epoch += 1
        return gen

    def recheck(self) -> Generation:
        """The generation to search, checked against the disk now."""
        self._checked = float("-inf")
        return self.current()

    @property
    def opened(self) -> Generation | None:
        """The generation last opened (without checking the disk)."""
        return self._generation

    def close(self) -> None:
        """Release the index files."""
        if self._generation is not None:
            self._generation.close()
