"""The research views over a whole result set: the first concordance page and a 10,000-article CSV export.

    python bench/export.py                      # builds bench/out/export/index from OrangeSum 33k (once)
    python bench/export.py --index instance/index

Issue 19's bars on the 34k OrangeSum index: the first concordance page (50 lines, date order) in
≤ 300 ms, a 10,000-article CSV export in ≤ 5 s. Each figure goes through the public Python API
(``Archive.concordance``, ``Archive.export``) from a warm archive (one warm-up call of each kind
first, with other queries, so the figures are not those of a cached page); the export's text is
consumed as a web response would be (chunks counted, not kept).

Queries: common words of the corpus (the concordance's worst case: thousands of matching articles,
dozens of lines each), a phrase, a prefix and a filtered query; the export takes a common word with
at least 10,000 matching articles, sorted by relevance and by date.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DEFAULT_INDEX = common.OUT / "export" / "index"
CONCORDANCE_QUERIES = ("gouvernement", "président", "france", '"gilets jaunes"', "pétrol*", "police")
EXPORT_QUERY = "france OU président OU gouvernement"  # more than 10,000 of the 34,016 articles
EXPORT_ARTICLES = 10_000


def build_index(index: Path) -> None:
    """Index the deduplicated OrangeSum set (``common.prepare("33k")``) into ``index``, unless it is there."""
    if index.exists():
        return
    from presse.indexer.build import update_index

    corpus, meta, _ = common.prepare("33k")
    index.parent.mkdir(parents=True, exist_ok=True)
    common.log(f"indexing {meta['articles']:,} articles into {index} (once) ...")
    started = time.perf_counter()
    update_index(index, [corpus])
    common.log(f"indexed in {time.perf_counter() - started:.1f} s")


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()
    return (time.perf_counter() - started) * 1000, out


def consume(chunks) -> tuple[int, int]:
    """(bytes, lines) of a text export, read to the end."""
    size = lines = 0
    for chunk in chunks:
        size += len(chunk.encode("utf-8"))
        lines += chunk.count("\n")
    return size, lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"a Presse index ({DEFAULT_INDEX})")
    args = ap.parse_args(argv)
    build_index(args.index)

    from presse.search import Archive

    archive = Archive(args.index)
    archive.warm_up()
    stats = archive.stats()
    # Warm-up: one concordance page and one small export, on queries not measured below.
    archive.concordance("économie", per_page=50)
    consume(archive.export("santé", "csv", limit=200))

    rows = []
    for q in CONCORDANCE_QUERIES:
        ms, page = timed(lambda q=q: archive.concordance(q, page=1, per_page=50))
        rows.append((q, "date", ms, page.articles, len(page.lines)))
    for q, extra in (("gouvernement", {"source": [stats.sources[0].value]}),):
        ms, page = timed(lambda q=q, extra=extra: archive.concordance(q, page=1, per_page=50, **extra))
        rows.append((f"{q} + source", "date", ms, page.articles, len(page.lines)))
    for sort in ("-date", "right"):
        ms, page = timed(lambda sort=sort: archive.concordance("pétrole", sort=sort, page=1, per_page=50))
        rows.append(("pétrole", sort, ms, page.articles, len(page.lines)))

    total = archive.search(EXPORT_QUERY, per_page=1, facets=()).total
    exports = []
    for sort in ("relevance", "-date"):
        ms, (size, lines) = timed(lambda sort=sort: consume(archive.export(EXPORT_QUERY, "csv", sort=sort,
                                                                           limit=EXPORT_ARTICLES)))
        exports.append((sort, ms, size, lines))

    m = common.machine()
    print(f"Presse research views — {args.index} ({stats.articles:,} articles)")
    print(f"machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, {m['whoosh']}; "
          f"load average {os.getloadavg()[0]:.1f}; code {common.code_version()}")
    print()
    print("first concordance page (50 lines, width 8)")
    print(f"{'query':<28} {'sort':<6} {'ms':>8} {'articles':>9} {'lines':>6}")
    for q, sort, ms, articles, lines in rows:
        print(f"{q:<28} {sort:<6} {ms:>8.1f} {articles:>9,} {lines:>6}")
    worst = max(ms for _, sort, ms, _, _ in rows if sort in ("date", "-date"))
    print(f"slowest first page in date order: {worst:.1f} ms (bar: 300 ms)")
    print()
    print(f"CSV export of {EXPORT_ARTICLES:,} of the {total:,} articles matching {EXPORT_QUERY!r}")
    for sort, ms, size, lines in exports:
        print(f"sort {sort:<10} {ms / 1000:>6.2f} s  {size / 1e6:>6.1f} MB  {lines:,} lines of text "
              f"(bar: 5 s)")
    archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
