"""An indexing run SIGKILLed at any point and run again: every article exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .cluster_servers import REPO, SEEDS, cluster_file

RUN = ("import sys; from presse.search.cluster.config import load_cluster; from presse.search.cluster.writer import index_cluster; "
       "print(index_cluster(load_cluster(sys.argv[1]), [sys.argv[2]], batch_size=int(sys.argv[3])).line())")


def index_process(grappe, batch: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", RUN, str(grappe), str(SEEDS), str(batch)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_runs_then_resumed_index_every_article_exactly_once(servers, tmp_path):
    import xapian

    from presse.indexer.readers import Skip, iter_files, read_file
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.connect import open_shard

    grappe = cluster_file(tmp_path / "grappe.toml", servers(2))
    cluster = load_cluster(grappe)

    def count() -> int:
        db = xapian.Database()
        for shard in cluster.shards:
            db.add_database(open_shard(shard)[0])
        return db.get_doccount()

    counts = []
    for delay in (2.0, 3.5, 5.0):  # the first seconds import Presse; articles are written from there on
        run = index_process(grappe, batch=40)
        time.sleep(delay)
        run.kill()
        run.wait(timeout=10)
        counts.append(count())
    assert any(0 < c < 2101 for c in counts), counts  # killed mid-run, with commits behind it

    run = index_process(grappe, batch=500)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    ids = [a.id for f, r in iter_files([SEEDS]) for a in read_file(f, r) if not isinstance(a, Skip)]
    db = xapian.Database()
    for shard in cluster.shards:
        db.add_database(open_shard(shard)[0])
    assert db.get_doccount() == len(ids) == 2101
    id_terms = {t.term.decode()[1:]: t.termfreq for t in db.allterms("Q")}
    assert id_terms == dict.fromkeys(ids, 1)
