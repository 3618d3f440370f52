"""Presse over a sharded Xapian cluster (issue 18): the same analysis, query language and results,
with the articles spread over ``xapian-tcpsrv`` shard servers (see docs/cluster.md).

Optional: Xapian is GPL-2.0-or-later and installed with ``pip install -e '.[cluster]'``. Only this
package imports ``xapian``, and only when a cluster is used: importing ``search.cluster`` or its
``config`` loads no Xapian (a bad cluster file is reported without it).

The entry points the CLI and the web app need::

    cluster_file = configured(option)          # --cluster FILE, else $PRESSE_CLUSTER, else None
    archive = open_archive(cluster_file)       # a search.Archive over the shards (engine.ClusterEngine)
    summary = index(cluster_file, paths)       # presse index --cluster; reindex=True: presse reindex
    folders = sources(cluster_file)            # what presse reindex --cluster rereads without paths
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .config import ClusterConfigError, ClusterUnavailable

if TYPE_CHECKING:
    from presse.indexer.build import Summary

    from ..archive import Archive
    from ..ranking import Ranking
    from ..settings import EngineSettings

__all__ = ["CLUSTER_ENV", "ClusterConfigError", "ClusterUnavailable", "configured", "index", "open_archive", "sources"]

CLUSTER_ENV = "PRESSE_CLUSTER"


def configured(option: str | os.PathLike | None = None) -> str | None:
    """The cluster file to use: ``option`` (``--cluster``), else ``$PRESSE_CLUSTER``, else None (a local index)."""
    value = option if option not in (None, "") else os.environ.get(CLUSTER_ENV)
    return os.fspath(value) if value else None


def _require_xapian() -> None:
    try:
        import xapian  # noqa: F401
    except ImportError:
        raise ClusterConfigError(
            "Les liaisons Python de Xapian manquent pour utiliser une grappe : installez-les avec "
            "pip install -e '.[cluster]' (Xapian est sous licence GPL-2.0-or-later), et xapian-tools "
            "sur les machines des fragments.") from None


def open_archive(cluster_file: str | os.PathLike, *, ranking: Ranking | None = None,
                 settings: EngineSettings | None = None, timeout_ms: int | None = None) -> Archive:
    """The archive of the cluster described by ``cluster_file``: a ``search.Archive`` whose engine is
    the cluster's (``engine.ClusterEngine``; ``ranking`` and ``settings`` as ``Archive``'s,
    ``timeout_ms`` bounds each network operation); a ``ClusterConfigError`` (French) for a bad file
    or missing bindings."""
    from ..archive import Archive
    from ..ranking import Ranking
    from ..settings import EngineSettings
    from .config import load_cluster

    cluster = load_cluster(cluster_file)
    _require_xapian()
    from .connect import TIMEOUT_MS
    from .engine import ClusterEngine

    ranking, settings = ranking or Ranking(), settings or EngineSettings()
    engine = ClusterEngine(cluster, ranking, settings, timeout_ms=timeout_ms or TIMEOUT_MS)
    return Archive.over(engine, ranking=ranking, settings=settings)


def index(cluster_file: str | os.PathLike, paths: Iterable[str | os.PathLike] | None = None, *,
          reindex: bool = False, progress: Callable | None = None, batch_size: int | None = None) -> Summary:
    """Index ``paths`` (default: the folders the cluster was indexed from) into the cluster of
    ``cluster_file``, incrementally; ``reindex``: rewrite every article (``presse reindex --cluster``);
    ``batch_size``: articles per commit of each shard (default: ``writer.DEFAULT_BATCH``).

    :raises ClusterConfigError: a bad cluster file, or the Xapian bindings are missing (French).
    :raises search.cluster.writer.ClusterIndexError: a shard down, or of another cluster (French;
        a ``PresseIndexError``).
    """
    from .config import load_cluster

    cluster = load_cluster(cluster_file)
    _require_xapian()
    from .writer import cluster_sources, index_cluster

    paths = list(paths or ()) or cluster_sources(cluster)
    batch = {} if batch_size is None else {"batch_size": batch_size}
    return index_cluster(cluster, paths, force=reindex, progress=progress, **batch)


def sources(cluster_file: str | os.PathLike) -> list[str]:
    """The folders the cluster of ``cluster_file`` was indexed from (what ``index`` rereads without paths).

    :raises ClusterConfigError: a bad cluster file, or the Xapian bindings are missing (French).
    :raises search.cluster.writer.ClusterIndexError: its first shard does not answer, or does not say (French).
    """
    from .config import load_cluster

    cluster = load_cluster(cluster_file)
    _require_xapian()
    from .writer import cluster_sources

    return cluster_sources(cluster)
