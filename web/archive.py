"""The one ``Archive`` of an app: opened at start-up, kept in ``app.extensions["presse"]``.

With ``PRESSE_CLUSTER`` (a cluster file: ``presse serve --cluster FILE``) the archive is a cluster
of Xapian shards (``search.cluster.open_archive``), searched through the same API; otherwise the
local index at ``PRESSE_INDEX``.

When the index is missing or incompatible (or the cluster file unusable) the app starts all the
same: ``app.extensions["presse"]`` is None, the pages that need the archive answer 503 with the
reason (French) and how to fix it (``unavailable_hint``), and the app tries to open the index again
(at most once a second) so that an index built after start-up is picked up without a restart. A
cluster none of whose shards answers is a 503 too (``search.cluster.ClusterUnavailable``, a
``PresseIndexError``), and serves again by itself when they are back.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app

from presse.search import Archive, PresseIndexError
from presse.search.cluster import ClusterConfigError, configured, open_archive

EXTENSION = "presse"
RETRY_SECONDS = 1.0


class ArchiveUnavailable(Exception):
    """The index cannot be searched; ``str(self)`` is French and says how to fix it."""


class _Opener:
    """Remembers why the index could not be opened, and retries."""

    def __init__(self, path: str, cluster: str | None = None):
        self.path = path
        self.cluster = cluster
        self.error: str | None = None
        self.tried = 0.0
        self.lock = threading.Lock()

    def open(self) -> Archive | None:
        self.tried = time.monotonic()
        try:
            archive = open_archive(self.cluster) if self.cluster else Archive(self.path)
        except (PresseIndexError, ClusterConfigError) as exc:
            self.error = str(exc)
            return None
        self.error = None
        return archive


def init_app(app: Flask) -> None:
    # PRESSE_CLUSTER in the config (presse serve always sets it: --cluster, else $PRESSE_CLUSTER unless
    # --index) else $PRESSE_CLUSTER: an app made by a WSGI server (create_app()) follows the environment.
    cluster = app.config["PRESSE_CLUSTER"] if "PRESSE_CLUSTER" in app.config else configured()
    opener = _Opener(str(app.config["PRESSE_INDEX"]), str(cluster) if cluster else None)
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
    """The local index the app serves (its ``PRESSE_INDEX``)."""
    return current_app.extensions["presse_opener"].path


def serving_cluster() -> bool:
    """Whether the app serves a cluster (``PRESSE_CLUSTER``): the pages leave out what it does not
    offer (concordances, named entities)."""
    return bool(current_app.extensions["presse_opener"].cluster)


def unavailable_hint() -> str:
    """How to make the archive available, in French: build the local index, or start the cluster's shards."""
    cluster = current_app.extensions["presse_opener"].cluster
    if cluster:
        return (f"Vérifiez le fichier de grappe {cluster} et que les serveurs de ses fragments (xapian-tcpsrv) "
                "tournent et sont joignables depuis cette machine ; les recherches reprennent d'elles-mêmes dès "
                "qu'ils répondent (voir docs/cluster.md).")
    return (f"Pour le construire : presse index DOSSIER --index {index_path()} "
            "(ou lancez presse serve, qui indexe l'archive d'exemple quand l'index manque).")
