"""Writing articles into the shards of a cluster, with Presse's own French analysis.

``index_cluster`` reads files with Presse's readers, sends each article to one shard (a stable
hash of its id, ``layout.shard_of``) as a Xapian document laid out by ``layout``, and commits per
shard every ``batch_size`` articles. It is incremental from what the shards hold, not from a local
file, so any machine can run it: an article whose content and file are unchanged is skipped (its
``XH`` term), a changed one is replaced by its id, and the articles of files gone from the given
folders, or gone from their file, are deleted.

A run killed at any point loses nothing and duplicates nothing: each shard's commit is atomic,
an article is only ever written to its own shard by ``replace_document`` on its id term, and the
next run writes again whatever the last commits did not hold. When a shard does not answer, the
run commits what the other shards took and stops with a French message; the next run resumes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable

import xapian

from presse.indexer.analysis import ANALYSIS_VERSION
from presse.indexer.build import Summary
from presse.indexer.readers import (  # the local indexer's rules
    Skip,
    file_stems,
    given_paths,
    is_under,
    iter_files,
    read_file,
)
from presse.indexer.store import PresseIndexError

from . import layout as L
from .config import Cluster, Shard
from .connect import NETWORK_ERRORS, ShardUnavailable, open_writer, reason
from .document import DocumentMaker

__all__ = ["DEFAULT_BATCH", "ClusterIndexError", "cluster_sources", "index_cluster"]

DEFAULT_BATCH = 500  # articles per shard between two commits
SEND_QUEUE = 64  # writes analysed ahead of the sending
KEEPALIVE_SECONDS = 10.0  # a shard's connection without writes this long is pinged (servers' idle timeout: 60 s)


class ClusterIndexError(PresseIndexError):
    """An indexing run that had to stop (a shard down, a shard of another cluster); French message."""


# ---------------------------------------------------------------------------------------- the run

class _SendFailed(Exception):
    def __init__(self, shard: Shard, error: BaseException):
        super().__init__(str(error))
        self.shard, self.error = shard, error


class _Sender:
    """Sends the shards their writes from a thread of its own, in order, while the next articles
    are analysed (the Xapian bindings let go of the GIL during network calls: seeds/ indexed in
    5.3 s instead of 7.4). The first failure stops the sending; ``check`` raises it as ``_SendFailed``."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue(maxsize=SEND_QUEUE)
        self.failure: _SendFailed | None = None
        # Each shard's connection, pinged when nothing was sent for KEEPALIVE_SECONDS: a run reading
        # unchanged articles for minutes would otherwise find it closed by the server's idle timeout.
        self.connections: list[tuple[Shard, xapian.WritableDatabase]] = []
        self.thread = threading.Thread(target=self._loop, name="presse-cluster-sender", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                item = self.queue.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                self._ping()
                continue
            try:
                if item is None:
                    return
                shard, call, args = item
                if self.failure is None:
                    try:
                        call(*args)
                    except BaseException as exc:  # raised again in the indexing thread
                        self.failure = _SendFailed(shard, exc)
            finally:
                self.queue.task_done()

    def _ping(self) -> None:
        for shard, db in self.connections:
            if self.failure is None:
                try:
                    db.get_metadata(L.META_SHARD)  # one round trip: the server sees the connection alive
                except BaseException as exc:  # raised again in the indexing thread
                    self.failure = _SendFailed(shard, exc)

    def call(self, shard: Shard, call: Callable, *args) -> None:
        """Run ``call(*args)`` for ``shard`` after the calls sent before it."""
        self.check()
        self.queue.put((shard, call, args))

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def flush(self) -> None:
        """Wait until every call sent has run; raise the first failure."""
        self.queue.join()
        self.check()

    def stop(self) -> None:
        """Stop the thread once the calls sent have run (or been dropped after a failure)."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


class _ShardWriter:
    """One shard's writable connection, what it holds, and its pending writes (sent by ``sender``)."""

    def __init__(self, shard: Shard, total: int, force: bool, sender: _Sender):
        self.shard = shard
        self.sender = sender
        self.db = open_writer(shard)
        sender.connections.append((shard, self.db))
        self.pending = 0
        self.states: dict[str, str] = {}  # id → state (content and file)
        self.files: dict[str, set[str]] = {}  # file hash → ids
        self.paths: dict[str, str] = {}  # file hash → path
        self._check(total, force)
        self._load()

    def _check(self, total: int, force: bool) -> None:
        here = f"{self.shard.number}/{total}"
        meta = {key: self.db.get_metadata(key).decode("utf-8") for key in
                (L.META_SHARD, L.META_LAYOUT, L.META_ANALYSIS)}
        if meta[L.META_SHARD] and meta[L.META_SHARD] != here:
            k, _, n = meta[L.META_SHARD].partition("/")
            raise ClusterIndexError(
                f"Le fragment {self.shard.number} ({self.shard.address}) appartient à une autre grappe (il y est le "
                f"fragment {k} sur {n}, ici {self.shard.number} sur {total}) : les articles iraient au mauvais "
                "fragment. Pour changer le nombre de fragments, indexez vers des fragments vides "
                "(presse reindex --cluster NOUVEAU_FICHIER).")
        stale = (meta[L.META_LAYOUT] and meta[L.META_LAYOUT] != str(L.LAYOUT_VERSION)) or \
            (meta[L.META_ANALYSIS] and meta[L.META_ANALYSIS] != str(ANALYSIS_VERSION))
        if stale and not force:
            raise ClusterIndexError(
                f"Le fragment {self.shard.number} ({self.shard.address}) a été écrit par une autre version de "
                "Presse : reconstruisez la grappe (presse reindex --cluster).")
        if not meta[L.META_SHARD] or stale:
            self.db.set_metadata(L.META_SHARD, here)
            self.db.set_metadata(L.META_LAYOUT, str(L.LAYOUT_VERSION))
            self.db.set_metadata(L.META_ANALYSIS, str(ANALYSIS_VERSION))
            if not self.db.get_metadata(L.META_CREATED):
                self.db.set_metadata(L.META_CREATED, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def remember(self, paths: list[str]) -> None:
        """Add ``paths`` to the folders this shard was indexed from (committed with the run)."""
        known = sources_of(self.db)
        merged = known + [p for p in paths if p not in known]
        if merged != known:
            self.sender.call(self.shard, self.db.set_metadata, L.META_SOURCES, json.dumps(merged, ensure_ascii=False))
            self.pending += 1

    def _load(self) -> None:
        cut = len(L.STATE)
        for item in self.db.allterms(L.STATE):
            term = item.term.decode("utf-8")
            self.states[term[cut + L.STATE_CHARS:]] = term[cut:cut + L.STATE_CHARS]
        cut = len(L.FILE)
        for item in self.db.allterms(L.FILE):
            term = item.term.decode("utf-8")
            self.files.setdefault(term[cut:cut + L.FILE_HASH_CHARS], set()).add(term[cut + L.FILE_HASH_CHARS:])
        for key in self.db.metadata_keys(L.META_PATH):
            key = key.decode("utf-8")
            self.paths[key[len(L.META_PATH):]] = self.db.get_metadata(key).decode("utf-8")

    def write(self, article_id: str, doc: xapian.Document, path: str) -> None:
        self.sender.call(self.shard, self.db.replace_document, L.ID + article_id, doc)
        ph = L.file_hash(path)
        if ph not in self.paths:
            self.sender.call(self.shard, self.db.set_metadata, L.META_PATH + ph, path)
            self.paths[ph] = path
        self.pending += 1

    def delete(self, article_id: str) -> None:
        self.sender.call(self.shard, self.db.delete_document, L.ID + article_id)
        self.pending += 1

    def commit(self) -> None:
        if self.pending:
            self.sender.call(self.shard, self.db.commit)
            self.pending = 0

    def close(self) -> None:
        try:
            self.db.close()
        except xapian.Error:
            pass


ProgressFn = Callable[[Summary], None]


def index_cluster(cluster: Cluster, paths: Iterable[str | os.PathLike], *, batch_size: int = DEFAULT_BATCH,
                  progress: ProgressFn | None = None, force: bool = False) -> Summary:
    """Index ``paths`` into ``cluster`` incrementally (see the module docstring).

    :param force: rewrite every article, even unchanged ones (``presse reindex --cluster``: after
        an analysis change, or into shards written by another version).
    :raises FileNotFoundError: a path does not exist (nothing is written).
    :raises ClusterIndexError: a shard does not answer or belongs to another cluster (French
        message; what was committed stays, and the next run resumes).
    """
    paths = given_paths(paths)
    started = time.perf_counter()
    summary = Summary()
    writers: list[_ShardWriter] = []
    sender = _Sender()
    try:
        for shard in cluster.shards:
            writers.append(_ShardWriter(shard, len(cluster.shards), force, sender))
        for w in writers:
            w.remember(paths)
        _run(writers, paths, summary, batch_size, progress, started, force)
        for w in writers:
            w.commit()
        sender.flush()
    except ShardUnavailable as exc:
        sender.stop()
        _commit_others(writers, exc.shard)
        raise ClusterIndexError(_stopped(str(exc))) from None
    except _SendFailed as exc:
        sender.stop()
        if not isinstance(exc.error, (*NETWORK_ERRORS, xapian.DatabaseError)):
            raise exc.error from None
        _commit_others(writers, exc.shard)
        shard = exc.shard
        raise ClusterIndexError(_stopped(f"Le fragment {shard.number} ({shard.address}) ne répond plus : "
                                         f"{reason(exc.error)}.")) from None
    finally:
        sender.stop()
        for w in writers:
            w.close()
    summary.seconds = time.perf_counter() - started
    if progress is not None:
        progress(summary)
    return summary


def sources_of(db: xapian.Database) -> list[str]:
    """The folders a shard (or the first shard of a combined database) was indexed from."""
    try:
        return json.loads(db.get_metadata(L.META_SOURCES).decode("utf-8") or "[]")
    except ValueError:
        return []


def cluster_sources(cluster: Cluster) -> list[str]:
    """The folders ``cluster`` was indexed from, for ``presse reindex --cluster`` without paths;
    a ``ClusterIndexError`` (French) when its first shard does not answer or does not say."""
    from .connect import open_shard

    try:
        db, _ = open_shard(cluster.shards[0])
    except ShardUnavailable as exc:
        raise ClusterIndexError(str(exc)) from None
    paths = sources_of(db)
    if not paths:
        raise ClusterIndexError("Indiquez les dossiers à indexer : "
                                "cette grappe ne dit pas de quels dossiers elle vient.")
    return paths


def _stopped(what: str) -> str:
    return (f"{what} Indexation arrêtée : les articles déjà validés restent consultables ; relancez la même "
            "commande quand le fragment répondra, elle reprendra où elle s'est arrêtée.")


def _commit_others(writers: list[_ShardWriter], failed: Shard | None) -> None:
    """Commit what the shards other than ``failed`` took, so the next run has less to do (the
    sender stopped: directly)."""
    for w in writers:
        if failed is None or w.shard.number != failed.number:
            try:
                w.db.commit()
            except (*NETWORK_ERRORS, xapian.DatabaseError):
                pass


def _run(writers: list[_ShardWriter], paths: list[str], summary: Summary, batch_size: int,
         progress: ProgressFn | None, started: float, force: bool) -> None:
    maker = DocumentMaker()
    n = len(writers)
    states = {i: s for w in writers for i, s in w.states.items()}
    owner = {i: w for w in writers for i in w.states}
    by_file: dict[str, set[str]] = {}
    for w in writers:
        for ph, ids in w.files.items():
            by_file.setdefault(ph, set()).update(ids)
    known_paths = {ph: p for w in writers for ph, p in w.paths.items()}
    files = list(iter_files(paths))
    stems = file_stems(files)
    seen: dict[str, str] = {}  # id → the file it was read from in this run
    visited: set[str] = set()
    last_report = 0.0

    def delete(article_id: str) -> None:
        w = owner.get(article_id)
        if w is not None:
            w.delete(article_id)
            summary.removed += 1
            if w.pending >= batch_size:
                w.commit()

    for file, root in files:
        summary.files += 1
        key = os.path.realpath(file)
        ids_here: set[str] = set()
        for item in read_file(file, root, stems.get(file)):
            if isinstance(item, Skip):
                summary.skipped.append(item)
                continue
            if item.id in seen:
                reason = f"identifiant en double : {item.id} (déjà lu dans {seen[item.id]})"
                summary.skipped.append(Skip(item.path, reason))
                continue
            seen[item.id] = item.path
            ids_here.add(item.id)
            old = states.get(item.id)
            if not force and old == L.state_of(item.content_hash, item.path):
                summary.unchanged += 1
                continue
            w = writers[L.shard_of(item.id, n)]
            w.write(item.id, maker.document(item), item.path)
            if old is None:
                summary.added += 1
            else:
                summary.updated += 1
                if owner.get(item.id) not in (None, w):  # held by another shard (a hand-made mix-up)
                    owner[item.id].delete(item.id)
            summary.chars += item.chars
            if w.pending >= batch_size:
                w.commit()
            if progress is not None and time.perf_counter() - last_report > 0.5:
                summary.seconds = time.perf_counter() - started
                progress(summary)
                last_report = time.perf_counter()
        # Articles gone from a file read again.
        ph = L.file_hash(key)
        visited.add(ph)
        for gone in by_file.get(ph, set()) - ids_here:
            if gone not in seen:
                delete(gone)
    # Files once indexed from these folders, and gone.
    for ph, ids in by_file.items():
        path = known_paths.get(ph)
        if ph not in visited and path is not None and is_under(path, paths):
            for gone in ids - seen.keys():
                delete(gone)
