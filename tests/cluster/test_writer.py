"""Indexing into the cluster: incremental from what the shards hold, deletions, a shard of
another cluster refused, a shard down stops the run with a French message and it resumes."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from presse.search import Archive

from .cluster_servers import SEEDS, cluster_file

WIKINEWS = SEEDS / "wikinews-fr-100.jsonl"


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(WIKINEWS, d / WIKINEWS.name)
    return d


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_runs_are_incremental_from_what_the_shards_hold(servers, tmp_path, corpus):
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.engine import ClusterEngine
    from presse.search.cluster.writer import cluster_sources, index_cluster

    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", servers(2)))
    first = index_cluster(cluster, [corpus])
    assert (first.added, first.unchanged) == (100, 0)
    assert cluster_sources(cluster) == [str(corpus.resolve())]  # presse reindex --cluster without paths
    again = index_cluster(cluster, [corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 100)

    rows = records(corpus / WIKINEWS.name)
    rows[0]["title"] = "Zorglub conquiert la Lune"
    del rows[1]
    (corpus / WIKINEWS.name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                                        encoding="utf-8")
    changed = index_cluster(cluster, [corpus])
    assert (changed.added, changed.updated, changed.removed, changed.unchanged) == (0, 1, 1, 98)
    with Archive.over(ClusterEngine(cluster)) as archive:
        assert [h.id for h in archive.search("Zorglub").hits] == [rows[0]["id"]]
        assert archive.search("").total == 99

        (corpus / WIKINEWS.name).unlink()
        gone = index_cluster(cluster, [corpus])
        assert gone.removed == 99
        archive.refresh()  # see the commit at once, not RECHECK_SECONDS later
        assert archive.search("").total == 0


def test_a_shard_of_another_cluster_is_refused_in_french(servers, tmp_path, corpus):
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.writer import ClusterIndexError, index_cluster

    a, b, c = servers(3)
    index_cluster(load_cluster(cluster_file(tmp_path / "deux.toml", [a, b])), [corpus])
    with pytest.raises(ClusterIndexError, match="appartient à une autre grappe .*presse reindex --cluster"):
        index_cluster(load_cluster(cluster_file(tmp_path / "trois.toml", [a, b, c])), [corpus])


def test_indexing_while_a_shard_is_down_stops_in_french_then_resumes(servers, tmp_path, corpus):
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.engine import ClusterEngine
    from presse.search.cluster.writer import ClusterIndexError, index_cluster

    shards = servers(2)
    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", shards))
    shards[1].kill()
    with pytest.raises(ClusterIndexError) as error:
        index_cluster(cluster, [corpus])
    message = str(error.value)
    assert f"Le fragment 2 ({shards[1].address}) ne répond pas" in message
    assert "relancez la même commande" in message
    shards[1].start()
    assert index_cluster(cluster, [corpus]).added == 100
    with Archive.over(ClusterEngine(cluster)) as archive:
        assert archive.search("").total == 100


def test_a_missing_folder_writes_nothing(servers, tmp_path):
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.writer import index_cluster

    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", servers(1)))
    with pytest.raises(FileNotFoundError, match="chemin introuvable"):
        index_cluster(cluster, [tmp_path / "absent"])


def test_a_shard_dying_during_a_run_stops_it_in_french_and_the_next_run_completes_it(servers, tmp_path):
    import xapian

    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.connect import open_shard
    from presse.search.cluster.writer import ClusterIndexError, index_cluster

    shards = servers(2)
    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", shards))

    def kill_second(summary):
        if shards[1].process is not None:
            shards[1].kill()

    with pytest.raises(ClusterIndexError) as error:
        index_cluster(cluster, [SEEDS], batch_size=100, progress=kill_second)
    assert f"Le fragment 2 ({shards[1].address}) ne répond plus" in str(error.value)
    first = open_shard(cluster.shards[0])[0]
    assert first.get_doccount() > 0  # what shard 1 took was committed
    shards[1].start()
    summary = index_cluster(cluster, [SEEDS])
    assert summary.added + summary.unchanged == 2101
    db = xapian.Database()
    for shard in cluster.shards:
        db.add_database(open_shard(shard)[0])
    assert db.get_doccount() == 2101


def test_a_run_without_writes_for_longer_than_the_servers_idle_timeout_goes_on(servers, tmp_path, monkeypatch):
    from presse.search.cluster import writer
    from presse.search.cluster.config import load_cluster

    monkeypatch.setattr(writer, "KEEPALIVE_SECONDS", 0.2)
    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", servers(2, idle_timeout_ms=800)))
    pauses = []

    def slow_reader(summary):  # as reading a long stretch of unchanged articles: nothing sent for 1.5 s
        if not pauses:
            pauses.append(summary.added)
            time.sleep(1.5)

    summary = writer.index_cluster(cluster, [SEEDS], progress=slow_reader)
    assert pauses and summary.added == 2101


def test_searching_again_after_the_servers_dropped_idle_connections(servers, tmp_path, monkeypatch):
    from presse.search.cluster import connect
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.engine import ClusterEngine
    from presse.search.cluster.writer import index_cluster

    monkeypatch.setattr(connect, "IDLE_REOPEN_SECONDS", 0.3)
    cluster = load_cluster(cluster_file(tmp_path / "grappe.toml", servers(2, idle_timeout_ms=500)))
    index_cluster(cluster, [WIKINEWS])
    with Archive.over(ClusterEngine(cluster)) as archive:
        assert archive.search("").total == 100
        time.sleep(1.0)
        page = archive.search("")
        assert (page.total, page.partial) == (100, False)
