"""One file being read: what is reported about it (``Skip``), and reading its bytes within the limits."""

from __future__ import annotations

import dataclasses
import gzip
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..decoding import decode_bytes
from . import limits

BINARY = "fichier binaire ou encodage inconnu"
NO_TEXT = "article sans texte"


@dataclasses.dataclass(frozen=True)
class Skip:
    """Something that was not indexed, and why (in French, for the user): a file, a record, or
    the part of a kept article that was cut (``line``: the record's line in a JSON Lines file)."""

    path: str
    reason: str
    line: int | None = None


@dataclasses.dataclass
class Source:
    """The file a reader reads: its path, its absolute path (for ``Skip`` and ``Article.path``) and
    the stem of the ids made from it; ``warnings`` holds the losses in the last article read."""

    path: Path
    abspath: str
    stem: str  # relative path from root, without the extension, accents folded: for ids
    warnings: list[Skip] = dataclasses.field(default_factory=list)  # about the last article read

    def skip(self, reason: str, line: int | None = None) -> Skip:
        """A ``Skip`` of this file (of its record at ``line``)."""
        return Skip(self.abspath, reason, line)

    def warn(self, reason: str, line: int | None = None) -> None:
        """Report a loss about an article that is kept (``read_file`` yields it after the article)."""
        self.warnings.append(self.skip(reason, line))


def open_binary(path: Path, gz: bool = False) -> BinaryIO:
    """``path`` opened for reading bytes (through gzip when ``gz``): every reader opens files here."""
    return gzip.open(path, "rb") if gz else open(path, "rb")


def regular_file_skip(src: Source, st: os.stat_result) -> Skip | None:
    """Why a file of this ``stat`` is not read at all (not a regular file, empty), or None."""
    if not stat.S_ISREG(st.st_mode):
        return src.skip("pas un fichier ordinaire")
    if st.st_size == 0:
        return src.skip("fichier vide")
    return None


def read_bytes(src: Source, hint: str = "") -> bytes | Skip:
    """The whole content of ``src``, or a ``Skip`` when it is not a regular file, is empty or is
    larger than ``limits.MAX_FILE_BYTES`` (``hint``, added to that reason, says what to do)."""
    st = os.stat(src.path)
    refused = regular_file_skip(src, st)
    if refused is not None:
        return refused
    most = limits.MAX_FILE_BYTES
    if st.st_size > most:
        return src.skip(f"fichier trop volumineux ({st.st_size / 1_048_576:.0f} Mo){hint}")
    with open_binary(src.path) as f:
        data = f.read(most + 1)
    if not data:
        return src.skip("fichier vide")
    if len(data) > most:
        return src.skip(f"fichier trop volumineux (plus de {most // 1_048_576} Mo){hint}")
    return data


def read_text(src: Source, hint: str = "", charset: Callable[[bytes], str | None] | None = None) -> str | Skip:
    """The decoded content of ``src`` (``decoding.decode_bytes``), or a ``Skip`` when it cannot be
    read (see ``read_bytes``) or is binary; ``charset`` gives the encoding the bytes declare."""
    data = read_bytes(src, hint)
    if isinstance(data, Skip):
        return data
    text = decode_bytes(data, charset(data) if charset else None)
    return src.skip(BINARY) if text is None else text
