"""The one ``Archive`` of an app: opened at start-up, kept in ``app.extensions["presse"]``.

When the index is missing or incompatible the app starts all the same: ``app.extensions["presse"]``
is None, the pages that need the archive answer 503 with the reason (French) and how to build the
index, and the app tries to open the index again (at most once a second) so that an index built
after start-up is picked up without a restart.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app

from presse.search import Archive, PresseIndexError

EXTENSION = "presse"
RETRY_SECONDS = 1.0


class ArchiveUnavailable(Exception):
    """The index cannot be searched; ``str(self)`` is French and says how to fix it."""


class _Opener:
    """Remembers why the index could not be opened, and retries."""

    def __init__(self, path: str):
        self.path = path
        self.error: str | None = None
        self.tried = 0.0
        self.lock = threading.Lock()

    def open(self) -> Archive | None:
        self.tried = time.monotonic()
        try:
            archive = Archive(self.path)
        except PresseIndexError as exc:
            self.error = str(exc)
            return None
        self.error = None
        return archive


def init_app(app: Flask) -> None:
    opener = _Opener(str(app.config["PRESSE_INDEX"]))
    app.extensions["presse_opener"] = opener
    app.extensions[EXTENSION] = opener.open()
    if opener.error:
        app.logger.warning("Index indisponible : %s", opener.error)


def current_archive() -> Archive:
    """The app's archive.

    :raises ArchiveUnavailable: there is no usable index (yet).
    """
    archive = current_app.extensions.get(EXTENSION)
    if archive is not None:
        return archive
    opener: _Opener = current_app.extensions["presse_opener"]
    with opener.lock:
        archive = current_app.extensions.get(EXTENSION)
        if archive is None and time.monotonic() - opener.tried >= RETRY_SECONDS:
            archive = current_app.extensions[EXTENSION] = opener.open()
    if archive is None:
        raise ArchiveUnavailable(opener.error or "L'index n'est pas disponible.")
    return archive


def archive_problem() -> str | None:
    """Why the archive is unavailable, or None when it is there (for a banner on every page)."""
    try:
        current_archive()
    except ArchiveUnavailable as exc:
        return str(exc)
    return None


def index_path() -> str:
    return current_app.extensions["presse_opener"].path
