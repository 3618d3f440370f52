"""Reading a Whoosh index through memory maps instead of buffered files.

Whoosh's ``FileStorage`` opens every segment file with ``open(path, "rb")`` and reads it with a
``seek`` and a ``read`` per access: the term table's hash buckets, each term's info, each posting
block. On a warm page cache each of those reads is a system call, and a query makes hundreds of
them. ``MappedFileStorage`` opens the same files as read-only memory maps, so a read is a slice of
memory.

Index files are never modified once written (Whoosh writes new segments and a new table of
contents; Presse swaps generations by renaming), so a map stays valid, and on Linux it outlives the
deletion of its file. Copying over the files of a served index in place (a restore with ``cp``)
would truncate them under the maps, and reading a truncated map kills the process (SIGBUS):
restore into a new directory instead, as ``presse reindex`` does.

A served process's resident memory (RSS) then includes the index pages it has read: they are the
kernel's page cache, shared and dropped under memory pressure, not memory the process allocated.
"""

from __future__ import annotations

import mmap

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedFile(StructFile):
    """A ``StructFile`` over a read-only memory map of a non-empty file."""

    def __init__(self, path: str, name: str | None = None, **kwargs):
        with open(path, "rb") as f:
            # ValueError for an empty file; OSError where the filesystem cannot map files.
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        super().__init__(self._map, name=name, **kwargs)

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from ``position``, without moving the read position."""
        return self._map[position:position + length]


class MappedFileStorage(FileStorage):
    """Whoosh's ``FileStorage`` whose files are opened for reading as memory maps (an empty file,
    or one on a filesystem that cannot map files, is opened the usual way)."""

    def open_file(self, name: str, **kwargs) -> StructFile:
        """Open the existing file ``name`` of this storage, mapped in memory when it can be."""
        try:
            return MappedFile(self._fpath(name), name=name, **kwargs)
        except FileNotFoundError:
            raise
        except (ValueError, OSError):
            return super().open_file(name, **kwargs)
