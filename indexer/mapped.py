"""Reading a Whoosh index through memory maps instead of buffered files.

Whoosh's ``FileStorage`` opens every segment file with ``open(path, "rb")`` and reads it with a
``seek`` and a ``read`` per access: the term table's hash buckets, each term's info, each posting
block. On a warm page cache each of those reads is a system call, and a query makes hundreds of
them. ``MappedFileStorage`` opens the same files as read-only memory maps, so a read is a slice of
memory. Index files are never modified once written (Whoosh writes new segments and a new table of
contents), so a map stays valid; on Linux it even outlives the deletion of its file.
"""

from __future__ import annotations

import io
import mmap

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedFile(StructFile):
    """A ``StructFile`` over a read-only memory map (or, for an empty file, an empty buffer)."""

    def __init__(self, path: str, name: str | None = None, **kwargs):
        with open(path, "rb") as f:
            try:
                self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                source = self._data
            except ValueError:  # an empty file cannot be mapped
                self._data = b""
                source = io.BytesIO(b"")
        super().__init__(source, name=name, **kwargs)

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from ``position``, without moving the read position."""
        return self._data[position:position + length]


class MappedFileStorage(FileStorage):
    """Whoosh's ``FileStorage`` whose files are opened for reading as memory maps."""

    def open_file(self, name: str, **kwargs) -> StructFile:
        """Open the existing file ``name`` of this storage, mapped in memory."""
        return MappedFile(self._fpath(name), name=name, **kwargs)
