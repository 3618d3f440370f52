"""Writing articles into a Presse index: incremental updates and atomic rebuilds.

``update_index`` adds new articles, re-indexes changed ones (by content hash), and removes the
articles of files that disappeared from the directories it was given. ``reindex`` builds a fresh
generation and swaps it in atomically (see ``indexer.store``). Both commit in batches: after a
crash, everything committed before it is searchable and the next run picks up where it stopped.
This module decides what to write (what changed since the last run); ``indexer.batcher`` writes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index

from . import entities as named
from .batcher import Batcher, article_fields, die_with_parent
from .dedup import sign_stored
from .files import atomic_write
from .messages import os_error_text
from .readers import Skip, file_stems, given_paths, is_under, iter_files, read_file
from .store import (
    PresseIndexError,
    RootLock,
    check_version,
    current_generation,
    make_current,
    new_generation,
    read_meta,
    remove_old_generations,
    write_meta,
)

# With the names of indexer.batcher that callers import from here (article_fields, die_with_parent).
__all__ = ["BULK_BYTES", "DEFAULT_BATCH", "MANIFEST_FILE", "ProgressFn", "Summary", "article_fields", "die_with_parent",
           "reindex", "update_index"]

MANIFEST_FILE = "files.json"
# A commit every DEFAULT_BATCH articles, or sooner (indexer.batcher.BATCH_CHARS_PER_PROCESS).
DEFAULT_BATCH = 50_000
# Below this many bytes of files to read, one process is faster than starting workers.
BULK_BYTES = 4_000_000


@dataclasses.dataclass
class Summary:
    """What an indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    enriched: int = 0  # unchanged articles analysed for named entities (presse index --entites)
    files: int = 0
    chars: int = 0  # characters of title + lead + body of the articles written
    seconds: float = 0.0
    skipped: list[Skip] = dataclasses.field(default_factory=list)

    @property
    def written(self) -> int:
        return self.added + self.updated + self.enriched

    @property
    def docs_per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0

    @property
    def mb_per_second(self) -> float:
        return self.chars / 1e6 / self.seconds if self.seconds else 0.0

    def skip_reasons(self) -> Counter:
        """How many files or records were skipped, by reason (the reason's text before any ':')."""
        return Counter(s.reason.split(" : ")[0] for s in self.skipped)

    def line(self) -> str:
        """The one-line French summary the CLI prints."""
        parts = [
            f"{self.added} ajoutés",
            f"{self.updated} mis à jour",
            f"{self.removed} supprimés",
            f"{self.unchanged} inchangés",
            f"{len(self.skipped)} ignorés",
        ] + ([f"{self.enriched} enrichis (entités nommées)"] if self.enriched else [])
        rate = f"{self.docs_per_second:.0f} articles/s, {self.mb_per_second:.2f} Mo/s"
        return f"{', '.join(parts)} — {self.files} fichiers en {self.seconds:.1f} s ({rate})"


ProgressFn = Callable[[Summary], None]


def update_index(root: str | os.PathLike, paths: Iterable[str | os.PathLike], *, procs: int | None = None,
                 batch_size: int = DEFAULT_BATCH, progress: ProgressFn | None = None, wait: bool = False,
                 entities: bool | None = None) -> Summary:
    """Index ``paths`` into the index at ``root`` incrementally (creating it if needed).

    ``entities``: extract named entities (True), stop (False), or do as the index remembers (None;
    off for a new index). With entities on, articles not analysed yet are analysed and rewritten
    even when unchanged: an index built without entities is enriched in place.
    """
    root = Path(root)
    paths = given_paths(paths)
    with _french_os_errors(root), RootLock(root).acquire(wait=wait):
        generation = current_generation(root)
        if generation is None or not generation.is_dir():
            generation = new_generation(root, paths)
            make_current(root, generation)
        else:
            check_version(generation)
            _remember_sources(generation, paths)
        return _write(generation, paths, procs=procs, batch_size=batch_size, progress=progress,
                      entities=named.setting(generation, entities))


def reindex(root: str | os.PathLike, paths: Iterable[str | os.PathLike] | None = None, *, procs: int | None = None,
            batch_size: int = DEFAULT_BATCH, progress: ProgressFn | None = None, wait: bool = False,
            grace_seconds: float = 2.0, entities: bool | None = None) -> Summary:
    """Rebuild the index at ``root`` from ``paths`` (default: the paths it was built from) and swap it in.

    ``entities``: as in ``update_index``; None keeps the setting of the index being replaced.

    Readers keep answering from the old generation until the new one is complete; the old one is
    deleted ``grace_seconds`` after the swap, once queries in flight have finished.
    """
    root = Path(root)
    # The arguments are checked before the lock is taken: a mistake creates nothing.
    paths = given_paths(_sources(root) if paths is None else paths)
    with _french_os_errors(root), RootLock(root).acquire(wait=wait):
        old = current_generation(root)
        if entities is None and old is not None and old.is_dir():
            entities = named.setting(old, None)
        generation = new_generation(root, paths)
        try:
            summary = _write(generation, paths, procs=procs, batch_size=batch_size, progress=progress,
                             entities=named.setting(generation, bool(entities)))
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)  # a half-built generation serves nothing
            raise
        make_current(root, generation)
        remove_old_generations(root, keep=generation, grace_seconds=grace_seconds)
        return summary


def _sources(root: Path) -> list[str]:
    """The folders the index at ``root`` was built from; PresseIndexError when it does not say."""
    old = current_generation(root)
    paths = read_meta(old).get("sources", []) if old else []
    if not paths:
        raise PresseIndexError("Indiquez les dossiers à indexer : cet index ne dit pas de quels dossiers il vient.")
    return paths


@contextlib.contextmanager
def _french_os_errors(root: Path):
    """Turn an OSError (disk full, read-only, permissions) into a French PresseIndexError."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and exc.strerror == "chemin introuvable":
            raise
        raise PresseIndexError(_os_error_message(exc, root)) from exc



def _indexed_articles(generation: Path) -> dict[str, tuple[str, str]]:
    """id → (content hash, file path) of every article in the index, read from columns."""
    ix = whoosh_index.open_dir(str(generation))
    out = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return out
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        paths = reader.column_reader("path")
        for docnum in reader.all_doc_ids():
            out[_text(ids[docnum])] = (_text(hashes[docnum]), _text(paths[docnum]))
    return out


def _unanalysed(generation: Path) -> set[str]:
    """The ids of the articles that the entity extraction has not analysed (``named.unanalysed_ids``)."""
    with whoosh_index.open_dir(str(generation)).reader() as reader:
        return named.unanalysed_ids(reader)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")


@contextlib.contextmanager
def _cyclic_gc_off():
    """Python's cyclic garbage collector off while articles are written. A writer's analysis
    tables and postings are millions of objects that live until its segment is written, and the
    collector went over them again and again: 1.1 s of the 19 s of each writer process on the
    34,016 OrangeSum articles. They hold one cycle: Whoosh keeps an exception in a local variable
    when it creates a file (``FileStorage.create``), and its traceback's frames hold the writer. So
    ``Batcher`` collects once a writer is done (each commit); writer processes end with their
    segment.

    The switch is the process's: runs in several threads overlap, and the collector comes back
    when the last one ends, as it was before the first."""
    global _runs_without_gc, _gc_was_enabled
    with _gc_switch:
        if _runs_without_gc == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _runs_without_gc += 1
    try:
        yield
    finally:
        with _gc_switch:
            _runs_without_gc -= 1
            if _runs_without_gc == 0 and _gc_was_enabled:
                gc.enable()


_gc_switch = threading.Lock()
_runs_without_gc = 0  # runs of _write going on in this process
_gc_was_enabled = False  # before the first of them


@_cyclic_gc_off()
def _write(generation: Path, paths: list[str], *, procs, batch_size, progress, entities: bool = False) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    existing = _indexed_articles(generation)
    unanalysed = _unanalysed(generation) if entities else set()  # to enrich with entities
    ids_by_path: dict[str, set[str]] = {}
    for article_id, (_, path) in existing.items():
        ids_by_path.setdefault(path, set()).add(article_id)
    manifest = _load_manifest(generation)
    new_manifest: dict[str, list[int]] = {}
    files = [(f, r) for f, r in iter_files(paths)]  # raises FileNotFoundError for a missing path
    stems = file_stems(files)  # files whose names make the same id: read every time, ids disambiguated
    bulk = sum(_size(f) for f, _ in files) > BULK_BYTES
    batcher = Batcher(generation, procs, batch_size, bulk, entities)
    sign_stored(generation, batcher.signatures.reconcile({i: h for i, (h, _) in existing.items()}),
                batcher.signatures)
    seen_ids: dict[str, str] = {}
    removed_ids: set[str] = set()  # deleted in this run: an article taking such an id again is new
    visited: set[str] = set()
    last_report = 0.0
    try:
        for file, root in files:
            key = os.path.realpath(file)  # as Path.resolve, but a symbolic link loop is no error
            visited.add(key)
            summary.files += 1
            signature = _signature(file)
            if signature is not None and manifest.get(key) == signature and key in ids_by_path and file not in stems \
                    and not (unanalysed and ids_by_path[key] & unanalysed):
                summary.unchanged += len(ids_by_path[key])
                seen_ids.update(dict.fromkeys(ids_by_path[key], key))
                new_manifest[key] = signature
                continue
            ids_here: set[str] = set()
            clean = True
            for item in read_file(file, root, stems.get(file)):
                if isinstance(item, Skip):
                    summary.skipped.append(item)
                    clean = False
                    continue
                if item.id in seen_ids:
                    summary.skipped.append(Skip(item.path, f"identifiant en double : {item.id} "
                                                           f"(déjà lu dans {seen_ids[item.id]})"))
                    continue
                seen_ids[item.id] = key
                ids_here.add(item.id)
                old = existing.get(item.id) if item.id not in removed_ids else None
                if old is not None and old[0] == item.content_hash and old[1] == item.path:
                    if item.id in unanalysed:  # unchanged, but its entities are missing
                        batcher.add(item, replace=True)
                        summary.enriched += 1
                        summary.chars += item.chars
                    else:
                        summary.unchanged += 1
                    continue
                batcher.add(item, replace=old is not None)
                if old is None:
                    summary.added += 1
                else:
                    summary.updated += 1
                summary.chars += item.chars
                if progress is not None and time.perf_counter() - last_report > 0.5:
                    summary.seconds = time.perf_counter() - started
                    progress(summary)
                    last_report = time.perf_counter()
            for gone in ids_by_path.get(key, set()) - ids_here:
                if seen_ids.get(gone, key) == key:  # not moved to a file read earlier in this run
                    summary.removed += batcher.delete("id", gone)
                    removed_ids.add(gone)
            if clean and signature is not None:
                new_manifest[key] = signature
        # Files that were indexed from these directories and are gone.
        for path, ids in ids_by_path.items():
            if path not in visited and is_under(path, paths):
                for article_id in ids:
                    if article_id not in seen_ids:
                        summary.removed += batcher.delete("id", article_id)
        batcher.finish()
    except OSError as exc:
        batcher.cancel()
        raise PresseIndexError(_os_error_message(exc, generation.parent)) from exc
    except BaseException:
        batcher.cancel()
        raise
    _save_manifest(generation, {**{k: v for k, v in manifest.items() if is_under(k, paths) is False}, **new_manifest})
    summary.seconds = time.perf_counter() - started
    if progress is not None:
        progress(summary)
    return summary


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _signature(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _load_manifest(generation: Path) -> dict[str, list[int]]:
    try:
        return json.loads((generation / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}


def _save_manifest(generation: Path, manifest: dict[str, list[int]]) -> None:
    try:
        atomic_write(generation / MANIFEST_FILE, json.dumps(manifest))
    except OSError:
        pass  # the manifest only speeds up the next run; the index itself is committed


def _remember_sources(generation: Path, paths: list[str]) -> None:
    meta = read_meta(generation)
    sources = meta.get("sources", [])
    merged = sources + [p for p in paths if p not in sources]
    if merged != sources:
        meta["sources"] = merged
        try:
            write_meta(generation, meta)
        except OSError:
            pass


def _os_error_message(exc: OSError, root: Path) -> str:
    if exc.errno == errno.ENOSPC:
        what = "le disque est plein"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        what = "le dossier de l'index n'est pas accessible en écriture"
    else:
        what = os_error_text(exc)
    return (f"Impossible d'écrire l'index {root} : {what}. "
            "L'index précédent est intact (les articles déjà validés restent consultables).")
