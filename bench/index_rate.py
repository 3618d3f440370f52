"""Presse's indexing rate on the largest real French corpus: docs/s and MB/s.

    /tmp/venv/bin/python bench/index_rate.py                 # OrangeSum deduplicated (34,016 articles)
    /tmp/venv/bin/python bench/index_rate.py --procs 1       # one writer process
    /tmp/venv/bin/python bench/index_rate.py --corpus 10k    # a bench slice, or a path to JSON Lines

Builds a fresh index (``update_index`` into an empty directory, in a child process so that its peak
RSS, workers included, can be read) and prints articles/s and MB/s of body text, plus Presse's own
summary line (its "Mo/s" counts title + lead + body characters). The index is kept in
``bench/out/index_rate/index`` for ``bench/query_latency.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DEFAULT_INDEX = common.OUT / "index_rate" / "index"


def corpus_info(path: Path) -> dict:
    """Articles and text bytes of the JSON Lines files under ``path`` (streamed)."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz")))
    n = body = text = 0
    for f in files:
        for r in common.read_jsonl(f):
            b, t = common.text_bytes(r)
            n += 1
            body += b
            text += t
    return {"articles": n, "body_bytes": body, "text_bytes": text}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="33k",
                    help="a bench size (1k, 10k, 33k = OrangeSum deduplicated) or a JSON Lines file/directory")
    ap.add_argument("--procs", type=int, default=None, help="writer processes (default: Presse decides)")
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"index directory, emptied first ({DEFAULT_INDEX})")
    args = ap.parse_args(argv)

    if Path(args.corpus).exists():
        corpus = Path(args.corpus).resolve()
        info = corpus_info(corpus)
        name = str(corpus)
    else:
        corpus, meta, _ = common.prepare(args.corpus)
        info = {k: meta[k] for k in ("articles", "body_bytes", "text_bytes")}
        name = f"OrangeSum {args.corpus} ({corpus})"

    shutil.rmtree(args.index, ignore_errors=True)
    args.index.parent.mkdir(parents=True, exist_ok=True)
    out = args.index.parent / "result.json"
    common.log(f"indexing {info['articles']:,} articles ({info['body_bytes'] / 1e6:.1f} MB of body text) "
               f"into {args.index} ... (load average {os.getloadavg()[0]:.1f})")
    task = [os.path.join("bench", "engines.py"), "presse-index", "--corpus", str(corpus), "--index", str(args.index),
            "--out", str(out)]
    if args.procs is not None:
        task += ["--procs", str(args.procs)]
    run = common.run_child(task)
    if run["returncode"] != 0:
        raise SystemExit(f"indexing failed (exit code {run['returncode']})")
    r = json.loads(out.read_text())
    out.unlink()
    s = r["seconds"]
    body_mb, text_mb = info["body_bytes"] / 1e6, info["text_bytes"] / 1e6
    size = common.dir_size(args.index)
    m = common.machine()
    print(f"Presse indexing rate — {name}")
    print(f"machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, {m['whoosh']}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"writer processes: {'default (Presse decides)' if args.procs is None else args.procs} "
          f"-> {run['max_procs']} process(es) seen")
    print(f"articles written      {r['added'] + r['updated']:,} of {info['articles']:,} ({r['skipped']} skipped)")
    print(f"time                  {s:.1f} s (update_index call; {run['wall_s']:.1f} s with interpreter start-up)")
    print(f"docs/s                {(r['added'] + r['updated']) / s:,.0f}")
    print(f"MB/s, body text       {body_mb / s:.2f}  ({body_mb:.1f} MB, 10^6 bytes UTF-8)")
    print(f"MB/s, title+lead+body {text_mb / s:.2f}  ({text_mb:.1f} MB)")
    print(f"peak RSS              {run['peak_rss_mb']:,.0f} MB (largest process, workers included; "
          f"all processes together, PSS: {run['tree_pss_mb']:,.0f} MB)")
    print(f"index size            {size / 1e6:,.1f} MB ({size / 1e6 / text_mb:.2f}× the raw text)")
    print(f"Presse's summary      {r['line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
