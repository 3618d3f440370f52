"""Whoosh 2.7.4 against Whoosh-Reloaded 2.7.5 on the same Presse work (why pyproject pins the fork).

Both install the same ``whoosh`` package, so each runs in its own virtualenv::

    python3 -m venv /tmp/v-whoosh  && /tmp/v-whoosh/bin/pip install whoosh==2.7.4 unidecode PyStemmer
    python3 -m venv /tmp/v-reloaded && /tmp/v-reloaded/bin/pip install whoosh-reloaded==2.7.5 unidecode PyStemmer
    python bench/whoosh_versions.py /tmp/v-whoosh/bin/python /tmp/v-reloaded/bin/python

For each interpreter it indexes ``seeds/orangesum-demo-2000.jsonl`` with one writer process and runs
the same queries (words, phrases, prefixes, fuzzy words, with facets and snippets), then prints
indexing time and query latency percentiles side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "seeds" / "orangesum-demo-2000.jsonl"
QUERIES = [
    "macron", "gouvernement", "police", "voiture électrique", "grève SNCF", "coronavirus",
    '"gilets jaunes"', '"premier ministre"', "gouv*", "pré*", "élect*", "mac*", "tr*",
    "macorn~", "trump~", "incendie forêt", "paris SAUF police", "date:2019 grève",
]


def child(index_dir: str) -> None:
    """Run in the interpreter under test: index, query, print one JSON line."""
    import statistics
    import time

    import whoosh

    sys.path.insert(0, str(REPO))
    from presse.indexer.build import update_index
    from presse.search import Archive

    t = time.perf_counter()
    cpu = time.process_time()
    summary = update_index(index_dir, [CORPUS], procs=1)
    index_s, index_cpu = time.perf_counter() - t, time.process_time() - cpu
    archive = Archive(index_dir)
    times = []
    for _ in range(5):
        for q in QUERIES:
            archive._cache.clear()  # measure uncached searches
            t = time.perf_counter()
            archive.search(q, per_page=10, facets=["source", "year", "author"])
            times.append((time.perf_counter() - t) * 1000)
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))]

    print(json.dumps({
        "whoosh": getattr(whoosh, "versionstring", lambda: "?")(), "python": sys.version.split()[0],
        "index_s": round(index_s, 2), "index_cpu_s": round(index_cpu, 2), "mb_s": round(summary.chars / 1e6 / index_s, 2),
        "p50": round(statistics.median(times), 2), "p95": round(pct(0.95), 2), "p99": round(pct(0.99), 2),
        "max": round(times[-1], 2),
    }))


def main(pythons: list[str]) -> None:
    rows = []
    for python in pythons:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([python, __file__, "--child", os.path.join(tmp, "ix")], capture_output=True,
                                 text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
            rows.append((python, json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"{'interpreter':40} {'whoosh':8} {'index s':>8} {'cpu s':>7} {'MB/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for python, r in rows:
        print(f"{python:40} {r['whoosh']:8} {r['index_s']:8} {r['index_cpu_s']:7} {r['mb_s']:6} {r['p50']:7} {r['p95']:7} {r['p99']:7} {r['max']:7}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    elif len(sys.argv) >= 2:
        main(sys.argv[1:])
    else:
        sys.exit(__doc__)
