"""Fixtures of the cluster tests: real ``xapian-tcpsrv`` shard servers on free loopback ports over
temporary directories, started and stopped here (see ``cluster_servers``), and seeds/ indexed
into a 2-shard cluster and into a local index to compare with.

Tests that need servers are skipped, with the reason, when the ``xapian`` bindings or
``xapian-tcpsrv`` are missing (``pip install -e '.[cluster]'``, ``apt-get install xapian-tools``).
"""

from __future__ import annotations

import pytest

from .cluster_servers import SEEDS, ShardServer, cluster_file, need_xapian


@pytest.fixture
def servers(tmp_path):
    """A factory of shard servers stopped at the end of the test: ``servers(n)`` → n writable ones."""
    need_xapian()
    started: list[ShardServer] = []

    def make(n: int = 2, readonly_of: ShardServer | None = None, idle_timeout_ms: int | None = None) -> list[ShardServer]:
        out = []
        for _ in range(n):
            if readonly_of is not None:
                server = ShardServer(readonly_of.directory, readonly=True, idle_timeout_ms=idle_timeout_ms)
            else:
                server = ShardServer(tmp_path / f"shard-{len(started) + 1}", idle_timeout_ms=idle_timeout_ms)
            started.append(server.start())
            out.append(server)
        return out

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def seeds_cluster(tmp_path_factory):
    """seeds/ (2,101 articles) indexed into 2 shard servers, kept for the session (read-only)."""
    need_xapian()
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.writer import index_cluster

    root = tmp_path_factory.mktemp("seeds-cluster")
    shards = [ShardServer(root / f"shard-{i}").start() for i in (1, 2)]
    try:
        path = cluster_file(root / "grappe.toml", shards)
        index_cluster(load_cluster(path), [SEEDS])
        yield path
    finally:
        for server in shards:
            server.stop()


@pytest.fixture(scope="session")
def seeds_local(tmp_path_factory):
    """A local index of seeds/, the reference the cluster is compared with."""
    from presse.indexer.build import update_index
    from presse.search import Archive

    d = tmp_path_factory.mktemp("seeds-local")
    update_index(d, [SEEDS])
    with Archive(d) as archive:
        yield archive
