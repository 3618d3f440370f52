"""Replacing a file atomically and durably: the one way Presse rewrites a file of an index.

``atomic_file(path)`` gives a temporary file in ``path``'s directory to write; when the block
ends without an error, the file is flushed and fsynced, renamed over ``path`` (``os.replace``,
atomic on POSIX) and the directory is fsynced, so that the rename itself survives a power cut.
Readers see the old content or the new one, never a part; when anything fails before the
rename, the temporary file is removed and ``path`` is left as it was. ``atomic_write`` writes
bytes or text in one call.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# What fsync of a directory raises on file systems that cannot do it: the rename stands anyway.
_NO_DIRECTORY_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES, errno.EPERM}


def temporary_name(path: Path) -> Path:
    """A name for a temporary file beside ``path``: hidden, unique, ending like no data file."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """A new file to write ``path``'s content into (``mode``: ``"wb"`` or ``"w"``, UTF-8); it
    replaces ``path`` atomically when the block ends (see the module docstring)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_file writes a whole file: mode 'wb' or 'w', not {mode!r}")
    path = Path(path)
    tmp = temporary_name(path)
    # Created as open() creates files (0666 less the umask): an index may be served by another user.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, mode, encoding="utf-8" if mode == "w" else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_directory(path.parent)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace ``path``'s content with ``data`` (text is written as UTF-8), atomically and durably."""
    with atomic_file(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def sync_directory(directory: str | os.PathLike) -> None:
    """fsync ``directory``, so that the files created, renamed or removed in it stay so after a
    crash (a no-op where the file system cannot fsync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        if exc.errno in _NO_DIRECTORY_SYNC:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_SYNC:
            raise
    finally:
        os.close(fd)
