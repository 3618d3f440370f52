"""The Whoosh writer of one indexing run: ``Batcher`` writes articles as documents
(``article_fields``) and commits every batch, through one ``MemorySegmentWriter`` or Whoosh's
multiprocess writer whose processes also write the lexicon entries of the words they analysed.
``indexer.build`` decides what to write; this module writes it.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import signal
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.multiproc import MpWriter, SubWriterTask

from . import entities as named
from .article import Article
from .dedup import Signatures, article_day, article_text
from .lexicon import compact as compact_lexicon
from .lexicon import write_part
from .segments import MemoryPool, MemorySegmentWriter, merge_small_segments
from .store import PresseIndexError

# A commit every ``batch_size`` articles (indexer.build.DEFAULT_BATCH), or sooner once the
# articles of the batch hold BATCH_CHARS_PER_PROCESS characters (title, lead and body) per writer
# process: a writer keeps its segment's postings in memory, about 12 bytes a character of text
# (OrangeSum, 17,000 articles and 38 M characters a writer process: 470-500 MB at its peak).
# Fewer, larger segments are written and searched faster.
BATCH_CHARS_PER_PROCESS = 40_000_000


def article_fields(article: Article) -> dict:
    """The Whoosh document of ``article``."""
    lead = article.lead or ""
    doc = {
        "id": article.id,
        "title": article.title,
        "lead": lead,
        "body": article.body,
        "title_exact": article.title,
        "exact": (lead, article.body) if lead else article.body,
        "path": article.path,
        "hash": article.content_hash,
        "language": article.language or "fr",
        "day": article.date.toordinal() if article.date else 0,
    }
    if article.author:
        doc["author"] = article.author
        doc["author_text"] = article.author
    if article.source:
        doc["source"] = article.source
        doc["source_text"] = article.source
    if article.section:
        doc["section"] = article.section
    if article.publisher:
        doc["publisher"] = article.publisher
    if article.url:
        doc["url"] = article.url
    if article.tags:
        doc["tags"] = ",".join(t.replace(",", " ") for t in article.tags)
    if article.date:
        doc["date"] = dt.datetime(article.date.year, article.date.month, article.date.day)
        doc["year"] = article.date.year
    return doc


class _LexiconSubWriterTask(SubWriterTask):
    """A Whoosh writer process that also writes the lexicon entries of the words it analysed.

    It dies with the indexing process: otherwise a writer orphaned by ``kill -9`` would wait on its
    job queue forever, holding the index lock it inherited.
    """

    def run(self):
        # Whoosh's SubWriterTask.run, multisegment only, with a MemorySegmentWriter.
        die_with_parent()
        gc.disable()  # as in the indexing process (see indexer.build._cyclic_gc_off), whatever the start method
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = MemorySegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)

    def _process_file(self, filename, doc_count):
        super()._process_file(filename, doc_count)
        _write_lexicon_part(self.storage.folder, self.writer)


def _write_lexicon_part(directory: str | os.PathLike, writer: MemoryPool) -> None:
    """Write the lexicon entries of the words ``writer`` analysed since the last call (a part of
    the lexicon in ``directory``, see ``indexer.lexicon``)."""
    words = writer.take_new_words()
    if words:
        write_part(directory, words, writer.lexiconizer())


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (a no-op elsewhere)."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


class _LexiconMpWriter(MemoryPool, MpWriter):
    """Whoosh's multiprocess writer whose processes write lexicon parts before their segments commit.

    Its own pool (segments it merges at commit) is held in memory, like its processes' postings.
    """

    def _new_task(self):
        task = _LexiconSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                     self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


class Batcher:
    """Owns the Whoosh writer of one run: opens it lazily, commits every ``batch_size`` articles
    (or ``BATCH_CHARS_PER_PROCESS`` characters per writer process)."""

    def __init__(self, generation: Path, procs: int | None, batch_size: int, bulk: bool, entities: bool = False):
        self.generation = generation
        self.ix = whoosh_index.open_dir(str(generation))
        self.procs = procs if procs is not None else (min(os.cpu_count() or 1, 4) if bulk else 1)
        self.batch_size = batch_size
        self.batch_chars = BATCH_CHARS_PER_PROCESS * self.procs
        self.writer = None
        self.pending = 0
        self.pending_chars = 0
        # With entities on, articles wait in ``named.Pending`` for the model, then come to _write_doc.
        self.entities = named.Pending(self._write_doc) if entities else None
        self.signatures = Signatures(generation)  # wire copies (indexer.dedup), saved before each commit

    def _open(self):
        self.before = self.ix.doc_count()
        self.deleted = 0
        # compound=False: Whoosh reads a compound segment by copying it into memory (BytesIO over
        # the mmap), once per reader — per thread in a server. Separate files are read in place.
        if self.procs > 1:
            self.writer = _LexiconMpWriter(self.ix, procs=self.procs, multisegment=True, compound=False,
                                           subargs={"compound": False})
        else:
            self.writer = MemorySegmentWriter(self.ix, compound=False)

    def add(self, article: Article, replace: bool) -> None:
        if self.entities is not None:
            self.entities.add(article, replace)
        else:
            self._write_doc(article, replace, {})

    def _write_doc(self, article: Article, replace: bool, extra: dict) -> None:
        if self.writer is None:
            self._open()
        if replace:
            self.deleted += self.writer.delete_by_term("id", article.id)
        self.writer.add_document(**article_fields(article), **extra)
        self.signatures.add(article.id, article.content_hash, article_day(article),
                            article_text(article.title, article.lead, article.body))
        self.pending += 1
        self.pending_chars += article.chars
        if self.pending >= self.batch_size or self.pending_chars >= self.batch_chars:
            self.commit()

    def delete(self, field: str, value: str) -> int:
        if self.entities is not None:
            self.entities.flush()  # writes keep their order
        if self.writer is None:
            self._open()
        removed = self.writer.delete_by_term(field, value)
        self.deleted += removed
        if field == "id":
            self.signatures.remove(value)
        return removed

    def commit(self) -> None:
        if self.writer is None:
            return
        # Words analysed in this process (one writer process): their lexicon entries go to disk
        # before the commit, so a crash leaves extra entries only.
        _write_lexicon_part(self.generation, self.writer)
        self.signatures.save()  # before the commit: a crash between the two is repaired by the next run
        self.writer.commit(mergetype=merge_small_segments)
        self.writer = None
        gc.collect()  # the committed writer's tables: see indexer.build._cyclic_gc_off
        # Whoosh's multiprocess writer commits without the segment of a writer process that died:
        # check the count, so that the run fails (and the next one re-reads the files).
        expected = self.before + self.pending - self.deleted
        actual = self.ix.doc_count()  # reads the commit just written
        if actual != expected:
            raise PresseIndexError(
                f"Un processus d'écriture s'est arrêté en cours de route : {expected - actual} articles n'ont pas "
                "été écrits. Relancez presse index : les articles manquants seront ajoutés."
            )
        self.pending = self.pending_chars = 0

    def finish(self) -> None:
        if self.entities is not None:
            self.entities.flush()
        self.commit()
        self.signatures.save()  # signatures repaired at the start of a run that wrote nothing
        compact_lexicon(self.generation)

    def cancel(self) -> None:
        if self.entities is not None:
            self.entities.drop()
        if self.writer is not None:
            try:
                self.writer.cancel()
            except Exception:
                pass
            self.writer = None
            gc.collect()
