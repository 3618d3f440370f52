"""Results over time on the 34k OrangeSum index: ``Archive.timeline`` and 6-query ``Archive.trends``.

    python bench/research.py                                  # builds bench/out/research/index once, then measures
    python bench/research.py --index bench/out/index_rate/index

Timeline: the queries of the latency mix (``common.build_mix``, fixed seed: common and rare words,
title words, phrases, prefixes, fuzzy words, source/author filters…), each through
``Archive.timeline(q, **filters)`` with the interval chosen from its matches, as the results page
asks for it. Trends: groups of 6 queries of the mix through ``Archive.trends(queries, interval)``,
per year and per month in turn, as the trends page asks for them. Warm searcher (a warm-up round
first); p50/p95/p99 of each. Every count is then checked against ``Archive.search``'s total (not
timed). The figures the issue asks for: timeline p95 ≤ 50 ms, 6-query trend p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DEFAULT_INDEX = common.OUT / "research" / "index"


def build_index(index: Path) -> None:
    """Index the deduplicated OrangeSum set (34,016 articles) into ``index`` (once)."""
    from presse.indexer.build import update_index

    corpus, meta, _ = common.prepare("33k")
    common.log(f"[index] {meta['articles']:,} articles into {index} (load average {os.getloadavg()[0]:.1f}) ...")
    started = time.perf_counter()
    update_index(index, [corpus])
    common.log(f"[index] done in {time.perf_counter() - started:.1f} s")


def filters_of(q: dict) -> dict:
    return {k: q[k] for k in ("source", "author") if q.get(k)}


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()
    return (time.perf_counter() - started) * 1000, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"a Presse index (built when missing: {DEFAULT_INDEX})")
    ap.add_argument("--queries", type=int, default=324, help="timeline queries (default 324)")
    ap.add_argument("--trends", type=int, default=60, help="6-query trends (default 60)")
    ap.add_argument("--seed", type=int, default=common.SEED)
    args = ap.parse_args(argv)

    if not args.index.exists():
        build_index(args.index)
    from presse.search import Archive

    _, _, articles = common.prepare("33k")
    mix = common.build_mix(articles, args.queries, seed=args.seed)
    warm = common.build_mix(articles, 27, seed=args.seed + 1)
    del articles
    rng = random.Random(args.seed)
    groups = [[q["q"] for q in rng.sample(mix, 6)] for _ in range(args.trends)]

    archive = Archive(args.index)
    archive.warm_up()
    for q in warm:
        archive.timeline(q["q"], **filters_of(q))
    archive.trends([q["q"] for q in warm[:6]], "year")
    archive.trends([q["q"] for q in warm[6:12]], "month")

    timeline_ms, timelines = [], []
    for q in mix:
        ms, timeline = timed(lambda q=q: archive.timeline(q["q"], **filters_of(q)))
        timeline_ms.append(ms)
        timelines.append((q, timeline))
    trend_ms, trends = [], []
    for i, queries in enumerate(groups):
        interval = "year" if i % 2 == 0 else "month"
        ms, found = timed(lambda queries=queries, interval=interval: archive.trends(queries, interval))
        trend_ms.append(ms)
        trends.append(found)

    # Not timed: every count is the search's total.
    wrong = 0
    for q, timeline in timelines:
        total = archive.search(q["q"], per_page=1, facets=(), **filters_of(q)).total
        wrong += timeline.total != total or sum(p.count for p in timeline.periods) + timeline.undated != total
    for found in trends:
        for series in found.series:
            wrong += series.total != archive.search(series.query, per_page=1, facets=()).total
    checked = len(timelines) + sum(len(t.series) for t in trends)

    m = common.machine()
    stats = archive.stats()
    t, r = common.latency_summary(timeline_ms), common.latency_summary(trend_ms)
    intervals = {i: sum(1 for _, tl in timelines if tl.interval == i) for i in ("year", "month", "day")}
    periods = sorted(len(tl.periods) for _, tl in timelines)
    print(f"Presse results over time — {args.index} ({stats.articles:,} articles, {stats.date_min} to {stats.date_max})")
    print(f"machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, {m['whoosh']}; "
          f"load average {os.getloadavg()[0]:.1f}; {common.code_version()}")
    print(f"timeline: {len(mix)} queries of the latency mix, Archive.timeline(q, source/author filter), interval "
          f"chosen ({intervals['year']} per year, {intervals['month']} per month, {intervals['day']} per day; "
          f"median {periods[len(periods) // 2]} periods)")
    print(f"  p50 {t['p50']:.1f} ms   p95 {t['p95']:.1f} ms   p99 {t['p99']:.1f} ms   max {t['max']:.1f} ms")
    print(f"trends: {len(groups)} groups of 6 queries of the mix, Archive.trends(queries, year / month in turn)")
    print(f"  p50 {r['p50']:.1f} ms   p95 {r['p95']:.1f} ms   p99 {r['p99']:.1f} ms   max {r['max']:.1f} ms")
    print(f"counts equal to Archive.search's total: {checked - wrong} of {checked}")
    slowest = sorted(zip(timeline_ms, timelines), key=lambda x: -x[0])[:3]
    print("slowest timelines: " + "; ".join(f"{ms:.1f} ms {q['kind']} {q['q']!r} ({tl.total:,} matches)"
                                             for ms, (q, tl) in slowest))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
