"""What ``presse index`` and ``presse reindex`` show while they run and when they end, in French.

On a terminal, a progress bar on one line, redrawn in place::

    [██████████░░░░░░░░░░░░░░]  42 % · 120/300 fichiers · 45,2/107,5 Mo · 1,05 Mo/s · reste 1 min 02 s

When the output is not a terminal (a pipe, a log file), nothing is drawn: only the summary line.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import TextIO

from presse.indexer.build import Summary
from presse.indexer.readers import iter_files

from .formatting import NBSP, decimal, megabytes, number, plural, seconds

BAR_WIDTH = 24
# Bytes of file per character of article text, to place the bar inside a large file: the indexer
# reports the characters of the articles it wrote; JSON keys and markup add a little more.
BYTES_PER_CHAR = 1.2


def summary_line(summary: Summary) -> str:
    """The one-line French summary of an indexing run.

    ``2 101 ajoutés, 0 mis à jour, 0 supprimé, 0 inchangé, 0 ignoré — 3 fichiers en 3,7 s (568 articles/s, 1,16 Mo/s)``
    """
    parts = [plural(summary.added, "ajouté"), f"{number(summary.updated)}{NBSP}mis à jour",
             plural(summary.removed, "supprimé"), plural(summary.unchanged, "inchangé"),
             plural(len(summary.skipped), "ignoré")]
    if summary.enriched:
        parts.append(f"{plural(summary.enriched, 'enrichi')} (entités nommées)")
    rate = (f"{number(round(summary.docs_per_second))}{NBSP}articles/s, "
            f"{decimal(summary.mb_per_second, 2)}{NBSP}Mo/s")
    return f"{', '.join(parts)} — {plural(summary.files, 'fichier')} en {seconds(summary.seconds)} ({rate})"


def file_sizes(paths: Iterable[str | os.PathLike]) -> list[int]:
    """The sizes of the files an indexing run of ``paths`` reads, in the order it reads them."""
    sizes = []
    for file, _ in iter_files([str(p) for p in paths]):
        try:
            sizes.append(os.stat(file).st_size)
        except OSError:
            sizes.append(0)
    return sizes


class ProgressBar:
    """A progress bar for an indexing run, drawn on ``stream`` (a terminal) on each ``update``.

    The indexer reports how many files it has started and how many characters of articles it has
    written; with the sizes of the files to read (in reading order), the bar shows files and bytes
    done out of the total, the percentage, the rate and the time left. Inside a file, the bytes
    read are estimated from the characters written (never past the file's end).
    """

    def __init__(self, stream: TextIO, sizes: list[int], *, clock: Callable[[], float] = time.monotonic,
                 width: int | None = None):
        self.stream = stream
        self.sizes = sizes
        self.before = [0, *accumulate(sizes)]  # bytes of the files before file i
        self.total = self.before[-1]
        self.clock = clock
        self.started = clock()
        self.width = width
        self._file = 0
        self._chars_at_file = 0
        self._done = 0.0

    def update(self, summary: Summary) -> None:
        """Redraw the bar for the run's progress so far (the ``progress`` callback of the indexer)."""
        started = min(summary.files, len(self.sizes))
        if started != self._file:
            self._file, self._chars_at_file = started, summary.chars
        done = float(self.before[max(started - 1, 0)])
        if started:
            inside = (summary.chars - self._chars_at_file) * BYTES_PER_CHAR
            done += min(inside, self.sizes[started - 1] * 0.99)
        self._done = max(self._done, done)
        self._draw(max(started - 1, 0), self._done)

    def finish(self) -> None:
        """Draw the bar full and end its line."""
        self._draw(len(self.sizes), float(self.total))
        self.stream.write("\n")
        self.stream.flush()

    def line(self, files_done: int, bytes_done: float) -> str:
        """The text of the bar for this much work done."""
        elapsed = self.clock() - self.started
        share = bytes_done / self.total if self.total else (files_done / len(self.sizes) if self.sizes else 1.0)
        share = min(max(share, 0.0), 1.0)
        filled = int(share * BAR_WIDTH)
        parts = [f"[{'█' * filled}{'░' * (BAR_WIDTH - filled)}] {round(share * 100):>3}{NBSP}%",
                 f"{number(files_done)}/{plural(len(self.sizes), 'fichier')}",
                 f"{decimal(bytes_done / 1e6)}/{megabytes(self.total)}"]
        if elapsed >= 1 and bytes_done > 0:
            rate = bytes_done / elapsed
            parts.append(f"{decimal(rate / 1e6, 2)}{NBSP}Mo/s")
            if share < 1:
                parts.append(f"reste {seconds((self.total - bytes_done) / rate)}")
        return " · ".join(parts)

    def _draw(self, files_done: int, bytes_done: float) -> None:
        text = self.line(files_done, bytes_done)
        width = self.width or shutil.get_terminal_size().columns
        text = text[:max(width - 1, 10)]
        self.stream.write(f"\r{text}\033[K")
        self.stream.flush()


def bar_for(paths: Iterable[str | os.PathLike], stream: TextIO) -> ProgressBar | None:
    """A progress bar for indexing ``paths`` when ``stream`` is a terminal, else None."""
    if not stream.isatty():
        return None
    try:
        sizes = file_sizes(paths)
    except OSError:  # a missing path: the indexer says which
        return None
    return ProgressBar(stream, sizes)

