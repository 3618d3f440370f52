"""The ``--cluster FICHIER`` option of the ``presse`` commands: a cluster of Xapian shards instead of
a local index (``search.cluster``, docs/cluster.md).

The cluster file comes from ``--cluster``, else ``$PRESSE_CLUSTER`` unless ``--index`` is given;
``--cluster`` and ``--index`` together are a usage error. Importing this module loads no Xapian.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click

import presse.search.cluster as cluster
from presse.search import ArchiveStats
from presse.search.cluster import CLUSTER_ENV, ClusterConfigError

from .formatting import french_date, number, plural

__all__ = ["ClusterConfigError", "chosen_cluster", "cluster_option", "indexing_function", "stats_lines",
           "unusable_options"]


def cluster_option(fn):
    """The ``--cluster FICHIER`` option (its value: a path, or None)."""
    return click.option(
        "--cluster", "cluster_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FICHIER",
        help=f"Fichier de grappe (TOML) : une archive répartie sur des serveurs Xapian (xapian-tcpsrv) au lieu "
             f"d'un index local (défaut : ${CLUSTER_ENV}, sauf avec --index ; voir docs/cluster.md).",
    )(fn)


def chosen_cluster(cluster_file: Path | None, index_dir: Path | None) -> str | None:
    """The cluster file the command works on, or None for the local index.

    :raises click.UsageError: ``--cluster`` and ``--index`` together (French).
    """
    if cluster_file is not None and index_dir is not None:
        raise click.UsageError("Choisissez --index (un index local) ou --cluster (une grappe), pas les deux.")
    if index_dir is not None:
        return None
    return cluster.configured(cluster_file)


def unusable_options(procs: int | None, wait: bool, entities: bool | None) -> str | None:
    """Why options of ``presse index`` cannot go with a cluster (French), or None."""
    given = [name for name, value in (("--procs", procs is not None), ("--wait", wait),
                                      ("--entites", entities)) if value]
    if not given:
        return None
    listed = given[0] if len(given) == 1 else f"{', '.join(given[:-1])} et {given[-1]}"
    verb = "ne s'applique pas" if len(given) == 1 else "ne s'appliquent pas"
    return (f"{listed} {verb} à une grappe (--cluster) : un seul processus y indexe, sans entités nommées ; "
            "les fragments refusent un second processus d'écriture.")


def indexing_function(reindex: bool) -> Callable:
    """``fn(cluster_file, paths, progress=…, batch_size=…)``: ``presse index`` (``reindex``: ``presse
    reindex``) on a cluster, as ``indexer.build.update_index`` and ``reindex`` take an index folder;
    without paths, the folders the cluster was indexed from."""

    def run(cluster_file: str | os.PathLike, paths, **kwargs):
        return cluster.index(cluster_file, list(paths or ()) or None, reindex=reindex, **kwargs)

    return run


def stats_lines(cluster_file: str, s: ArchiveStats) -> list[str]:
    """What ``presse stats --cluster`` prints (French)."""
    shards = len(s.shard_articles)
    lines = [f"Grappe         : {cluster_file} ({plural(shards, 'fragment')})",
             f"Articles       : {number(s.articles)}"]
    for n, count in enumerate(s.shard_articles, 1):
        lines.append(f"  fragment {n:<4} {plural(count, 'article') if count is not None else 'ne répond pas'}")
    if s.notice:
        lines.append(f"Attention      : {s.notice}")
    span = f"du {french_date(s.date_min)} au {french_date(s.date_max)}" if s.date_min and s.date_max else "aucune date"
    lines += [f"Période        : {span}", f"Analyse        : version {s.analysis_version}",
              f"Sources        : {number(len(s.sources))}"]
    lines += [f"  {number(count):>7}  {value}" for value, count in s.sources[:15]]
    return lines
