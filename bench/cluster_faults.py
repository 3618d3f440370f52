"""Fault figures of the Xapian cluster (issue 18): a shard killed under load, indexing killed again and again.

    python bench/cluster_faults.py                  # both, on seeds/ (2,101 articles), 2 loopback shards
    python bench/cluster_faults.py --kills 10 --threads 4 --seconds 8

Under load: ``--threads`` threads search without pause (a mix of words, phrases, filters) through
one ``Archive.cluster(file)``; shard 2 is SIGKILLed a third of the way in and started again (same port,
same database) at two thirds. Reported: searches, errors (any exception: what a web server would
turn into a 5xx), partial results, the slowest search, and how long after the restart the first
complete result came.

Indexing: ``index_cluster`` of seeds/ into 2 empty shards, run in a child process SIGKILLed
``--kills`` times at random moments (with a fixed seed), then run to the end; reported: what each
killed run had committed, and whether every article is in the cluster exactly once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shards import Shards  # noqa: E402

import common  # noqa: E402

SEEDS = common.ROOT / "seeds"
OUT = common.OUT / "cluster-faults"
QUERIES = ["gouvernement", "\"premier ministre\"", "Macron", "grève OU manifestation", "climat", "police -Paris",
           "gouvern*", "Europe"]
RUN = ("import sys; from presse.search.cluster.config import load_cluster; from presse.search.cluster.writer import index_cluster; "
       "index_cluster(load_cluster(sys.argv[1]), [sys.argv[2]], batch_size=40)")


def fresh(name: str) -> Path:
    root = OUT / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return root


def under_load(threads: int, seconds: float) -> None:
    from presse.search import Archive
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.writer import index_cluster

    with Shards(fresh("load"), 2) as shards:
        grappe = shards.cluster_file()
        index_cluster(load_cluster(grappe), [SEEDS])
        archive = Archive.cluster(grappe)
        full = {q: archive.search(q).total for q in QUERIES}
        results: list[tuple[float, float, bool, bool]] = []  # (when, ms, partial, complete)
        errors: list[str] = []
        stop = threading.Event()
        started = time.monotonic()

        def client(n: int) -> None:
            i = n
            while not stop.is_set():
                q = QUERIES[i % len(QUERIES)]
                i += 1
                t = time.monotonic()
                try:
                    page = archive.search(q, per_page=10)
                except Exception as exc:  # noqa: BLE001 - counted: a web server would answer 5xx
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                results.append((t - started, (time.monotonic() - t) * 1000, page.partial, page.total == full[q]))

        clients = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
        for c in clients:
            c.start()
        time.sleep(seconds / 3)
        killed_at = time.monotonic() - started
        os.killpg(shards.processes[1].pid, 9)
        shards.processes[1].wait()
        time.sleep(seconds / 3)
        shards.restart(1)
        restarted_at = time.monotonic() - started
        time.sleep(seconds / 3)
        stop.set()
        for c in clients:
            c.join()
        archive.close()
    during = [r for r in results if killed_at <= r[0] < restarted_at]
    back = next((r[0] for r in results if r[0] >= restarted_at and r[3] and not r[2]), None)
    wrong = [r for r in results if not r[2] and not r[3]]
    print(f"Under load — {threads} threads for {seconds:.0f} s on seeds/ (2 shards); shard 2 SIGKILLed at "
          f"{killed_at:.1f} s, started again at {restarted_at:.1f} s")
    print(f"searches {len(results)}, errors {len(errors)}, partial {sum(r[2] for r in results)} "
          f"(while down: {sum(r[2] for r in during)} of {len(during)}), complete results not flagged partial but "
          f"wrong {len(wrong)}, slowest {max(r[1] for r in results):.0f} ms, p99 "
          f"{common.percentile([r[1] for r in results], 99):.1f} ms")
    print(f"first complete result {back - restarted_at:.2f} s after the restart" if back is not None
          else "no complete result after the restart")
    for e in errors[:3]:
        print("error:", e)


def killed_indexing(kills: int, seed: int) -> None:
    import xapian

    from presse.indexer.readers import Skip, iter_files, read_file
    from presse.search.cluster.config import load_cluster
    from presse.search.cluster.connect import open_shard

    rng = random.Random(seed)
    env = dict(os.environ, PYTHONPATH=str(common.ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with Shards(fresh("kill"), 2) as shards:
        grappe = shards.cluster_file()
        cluster = load_cluster(grappe)

        def combined() -> xapian.Database:
            db = xapian.Database()
            for shard in cluster.shards:
                db.add_database(open_shard(shard)[0])
            return db

        counts = []
        for _ in range(kills):
            run = subprocess.Popen([sys.executable, "-c", RUN, str(grappe), str(SEEDS)], env=env)
            time.sleep(rng.uniform(0.6, 1.1))  # a run writes about 300 articles a second: killed before the end
            run.kill()
            run.wait()
            counts.append(combined().get_doccount())
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", RUN, str(grappe), str(SEEDS)], env=env, check=True)
        resumed = time.perf_counter() - started
        ids = [a.id for f, r in iter_files([SEEDS]) for a in read_file(f, r) if not isinstance(a, Skip)]
        db = combined()
        terms = {t.term.decode()[1:]: t.termfreq for t in db.allterms("Q")}
    once = terms == dict.fromkeys(ids, 1)
    print(f"Indexing SIGKILLed {kills} times — articles committed when killed: {', '.join(map(str, counts))}")
    print(f"resumed run {resumed:.1f} s; {db.get_doccount()} articles for {len(ids)} read; every article exactly "
          f"once: {'yes' if once else 'NO'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=9.0)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=common.SEED)
    a = ap.parse_args(argv)
    under_load(a.threads, a.seconds)
    print()
    killed_indexing(a.kills, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
