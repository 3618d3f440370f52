"""Presse's query latency on an existing index: p50/p95/p99 over mixed queries, from a warm searcher.

    /tmp/venv/bin/python bench/index_rate.py            # builds bench/out/index_rate/index (once)
    /tmp/venv/bin/python bench/query_latency.py         # 324 queries on it
    /tmp/venv/bin/python bench/query_latency.py --index instance/index --queries 216

The queries (the kinds of ``common.KINDS``: common/rare word, 2-3 title words, phrase, prefix,
fuzzy, a source/author filter, newest first, page 5) are drawn with a fixed seed from the
articles stored in the index itself (or from ``--corpus``), then run through
``Archive.search(q, per_page=10, facets=["source", "year", "author"])`` like the web UI does,
snippets included, after a warm-up. The Archive's page cache is emptied before every query.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from engines import PresseQueries, run_queries  # noqa: E402

DEFAULT_INDEX = common.OUT / "index_rate" / "index"


def articles_from_index(root: Path, limit: int | None = None) -> list[dict]:
    """The stored fields of the articles of a Presse index (title, lead, body, source, author)."""
    from presse.indexer.store import open_generation

    ix, _, _ = open_generation(root)
    out = []
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            out.append({k: fields.get(k) for k in ("id", "title", "lead", "body", "source", "author")})
            if limit and len(out) >= limit:
                break
    ix.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"a Presse index ({DEFAULT_INDEX})")
    ap.add_argument("--queries", type=int, default=324, help="number of queries, at least 200 (default 324)")
    ap.add_argument("--warmup", type=int, default=27, help="warm-up queries (default 27)")
    ap.add_argument("--corpus", help="draw the queries from this bench size (1k, 10k, 33k) or JSON Lines file "
                                     "instead of the index's stored articles")
    ap.add_argument("--seed", type=int, default=common.SEED)
    args = ap.parse_args(argv)
    if args.queries < 200:
        common.log(f"note: {args.queries} queries (issue 3's figure is over at least 200)")
    if not args.index.exists():
        raise SystemExit(f"no index at {args.index}: run bench/index_rate.py first, or give --index")

    if args.corpus and Path(args.corpus).exists():
        articles = list(common.read_jsonl(Path(args.corpus)))
        source = args.corpus
    elif args.corpus:
        _, _, articles = common.prepare(args.corpus)
        source = f"bench corpus {args.corpus}"
    else:
        articles = articles_from_index(args.index)
        source = "the index's stored articles"
    common.log(f"drawing {args.queries} queries from {len(articles):,} articles ({source}) ...")
    mix = common.build_mix(articles, args.queries, seed=args.seed)
    keys = {(q["q"], q["page"], q["sort"], q["source"], q["author"]) for q in mix}
    warm = [q for q in common.build_mix(articles, args.warmup, seed=args.seed + 1)
            if (q["q"], q["page"], q["sort"], q["source"], q["author"]) not in keys]
    del articles

    runner = PresseQueries(args.index)
    res = run_queries(runner, mix, warm)
    results = res["results"]
    ms = [r["ms"] for r in results]
    s = common.latency_summary(ms)
    m = common.machine()
    print(f"Presse query latency — {args.index} ({len(mix)} queries, {len(warm)} warm-up first)")
    print(f"machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, {m['whoosh']}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("each query: Archive.search(per_page=10, facets=source/year/author), snippets included; "
          + ("page cache emptied before every query" if runner.cache_cleared else
             "WARNING: no Archive._cache to empty (queries are distinct)"))
    print(f"p50 {s['p50']:.1f} ms   p95 {s['p95']:.1f} ms   p99 {s['p99']:.1f} ms   "
          f"(mean {s['mean']:.1f}, max {s['max']:.1f})")
    errors = [r for r in results if "error" in r]
    if errors:
        print(f"{len(errors)} queries failed, e.g. {errors[0]['q']!r}: {errors[0]['error']}")
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r["ms"])
    tail = [r["kind"] for r in results if r["ms"] > s["p95"]]
    print()
    print(f"{'kind':<10}{'n':>4}{'p50':>9}{'p95':>9}{'max':>9}  above overall p95")
    for kind in common.KINDS:
        if kind in by_kind:
            v = by_kind[kind]
            print(f"{kind:<10}{len(v):>4}{common.percentile(v, 50):>9.1f}{common.percentile(v, 95):>9.1f}"
                  f"{max(v):>9.1f}  {tail.count(kind)}")
    print()
    print("slowest:")
    for r in sorted(results, key=lambda r: -r["ms"])[:5]:
        print(f"  {r['ms']:8.1f} ms  {r['kind']:<9} {r['q']!r} ({r['total']:,} hits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
