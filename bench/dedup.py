"""Wire copies (issue 20.1): how well indexer.dedup finds versions of one dispatch, and what it costs.

    python bench/dedup.py quality            # recall on OrangeSum's duplicates, precision on the judged pairs
    python bench/dedup.py sample             # (re)draw the pairs to judge: bench/out/dedup/sample.txt to read
    python bench/dedup.py libraries          # our numpy MinHash against datasketch and rensa (speed, accuracy)
    python bench/dedup.py cost               # indexing MB/s of the 34k set with and without grouping

**Recall** is measured on the full OrangeSum corpus (36,152 articles, duplicates kept): pairs of pages
with the same URL (the issue's gold standard; in the authors' list_of_duplicates.txt and in the whole
corpus), and, for information, the list's other pairs (different URLs: updated versions, but also
recurring titles such as the daily « Coronavirus : le point sur la pandémie » roundups).

**Precision** is measured on the deduplicated 34k set (no two pages with one URL, so every pair found is
a near-copy under another URL): candidate pairs (a whole LSH band in common, containment ≥ 0.3) in six
containment strata, 40 drawn from each with a fixed seed, judged by reading both articles and recorded
in bench/dedup_judgements.csv (ids, estimated Jaccard and containment, days apart, verdict, reason). A
rule's precision is the strata's precisions weighted by the strata's sizes.

Needs datasketch and rensa for ``libraries`` (``pip install -e '.[bench]'``); nothing else is extra.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from presse.indexer import dedup  # noqa: E402

import common  # noqa: E402

JUDGEMENTS = common.BENCH / "dedup_judgements.csv"
DUPLICATES = common.ORANGESUM.parent / "list_of_duplicates.txt"
OUT = common.OUT / "dedup"
STRATA = ((0.3, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 5.0))
PER_STRATUM = 40
SEED = 20240601


# ------------------------------------------------------------------------------------ pairs

class Signed:
    """Articles with their signatures, day numbers and LSH candidate pairs (with Ĵ, ĉ, days apart)."""

    def __init__(self, records: list[dict]):
        self.records = records
        self.ids = [r["id"] for r in records]
        self.row = {i: k for k, i in enumerate(self.ids)}
        started = time.process_time()
        self.sigs, self.sizes = dedup.sign([dedup.article_text(r.get("title"), r.get("lead"), r.get("body"))
                                            for r in records])
        self.sign_seconds = time.process_time() - started
        self.days = np.array([dt.date.fromisoformat(r["date"]).toordinal() if r.get("date") else 0 for r in records])
        order = np.argsort(np.asarray(self.ids, dtype=object), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        usable = np.flatnonzero(self.sizes >= dedup.MIN_SHINGLES)
        self.pairs = usable[dedup.candidate_pairs(self.sigs[usable], rank[usable])]
        self.jaccard = dedup.similarities(self.sigs, self.pairs)
        self.contained = dedup.containments(self.jaccard, self.sizes[self.pairs[:, 0]], self.sizes[self.pairs[:, 1]])
        day_a, day_b = self.days[self.pairs[:, 0]], self.days[self.pairs[:, 1]]
        self.apart = np.abs(day_a - day_b)

    def features(self, a: str, b: str) -> tuple[float, float, int]:
        """(Ĵ, ĉ, days apart) of two articles."""
        i, j = self.row[a], self.row[b]
        pair = np.array([[i, j]])
        jac = float(dedup.similarities(self.sigs, pair)[0])
        con = float(dedup.containments(np.array([jac]), self.sizes[[i]], self.sizes[[j]])[0])
        return jac, con, int(abs(self.days[i] - self.days[j]))

    def groups(self) -> np.ndarray:
        """Row → component label, with indexer.dedup's rule."""
        edges = self.pairs[dedup.linked(self.sigs, self.sizes, self.days, self.pairs)]
        return dedup.components(len(self.ids), edges) if len(edges) else np.arange(len(self.ids))


def _stratum(contained: float) -> str:
    for low, high in STRATA:
        if low <= contained < high:
            return f"[{low},{high})"
    return ""


def _full_corpus() -> list[dict]:
    opener = gzip.open if common.ORANGESUM.suffix == ".gz" else open
    with opener(common.ORANGESUM, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _deduplicated() -> list[dict]:
    common.prepare("33k")
    return list(common.read_jsonl(common.corpus_file("33k")))


# ------------------------------------------------------------------------------------ quality

def quality() -> None:
    """Recall on OrangeSum's duplicates; precision of the rule on the judged pairs, and of others."""
    full = Signed(_full_corpus())
    labels = full.groups()
    listed = [[f"orangesum-{name.strip().removesuffix('.json')}" for name in line.split(",")]
              for line in DUPLICATES.read_text(encoding="utf-8").splitlines() if line.strip()]
    same_url, other, roundups = [], [], []
    for group in listed:
        for a, b in itertools.combinations(group, 2):
            ra, rb = full.records[full.row[a]], full.records[full.row[b]]
            (same_url if ra["url"] == rb["url"] else roundups if len(group) > 20 else other).append((a, b))
    by_url = defaultdict(list)
    for r in full.records:
        if r.get("body"):
            by_url[r["url"]].append(r["id"])
    every_same_url = [p for ids in by_url.values() for p in itertools.combinations(ids, 2)]

    def recall(pairs):
        found = sum(labels[full.row[a]] == labels[full.row[b]] for a, b in pairs)
        return f"{found:,} / {len(pairs):,} = {found / len(pairs):.3f}" if pairs else "—"

    groups_listed = [g for g in listed if len({full.records[full.row[i]]["url"] for i in g}) == 1]
    whole = sum(len({labels[full.row[i]] for i in g}) == 1 for g in groups_listed)
    grouped = np.bincount(labels, minlength=len(labels))[labels] > 1
    print(f"## Recall on OrangeSum ({len(full.ids):,} articles, duplicates kept; signing {full.sign_seconds:.1f} s CPU)")
    print(f"- same-URL pairs of list_of_duplicates.txt: {recall(same_url)}; same-URL groups collapsed whole: "
          f"{whole:,} / {len(groups_listed):,}")
    print(f"- every same-URL pair of the corpus (empty bodies left out): {recall(every_same_url)}")
    print(f"- the list's pairs with different URLs (groups of 2-20; not all versions): {recall(other)}")
    print(f"- the list's two big groups (« le point sur la pandémie » roundups, different days): {recall(roundups)}")
    print(f"- articles in a group: {int(grouped.sum()):,}; groups: {len(set(labels[grouped].tolist())):,}; "
          f"largest: {int(np.bincount(labels).max())}")
    _precision(Signed(_deduplicated()))


def _precision(signed: Signed) -> None:
    rows = list(csv.DictReader(JUDGEMENTS.open(encoding="utf-8")))
    strata = {f"[{low},{high})": int(((signed.contained >= low) & (signed.contained < high)
                                      & (signed.sizes[signed.pairs].min(axis=1) >= dedup.MIN_SHINGLES)).sum())
              for low, high in STRATA}
    judged = defaultdict(list)
    for row in rows:
        judged[row["stratum"]].append(row)
    print(f"\n## Precision on {len(rows)} judged pairs of the 34k set ({len(signed.pairs):,} candidate pairs)")
    print("| containment ĉ | candidate pairs | judged | versions | precision |")
    print("|---|---:|---:|---:|---:|")
    for name, size in strata.items():
        got = judged[name]
        yes = sum(r["verdict"] == "oui" for r in got)
        print(f"| {name} | {size:,} | {len(got)} | {yes} | {yes / len(got):.2f} |" if got else f"| {name} | {size:,} | 0 | | |")
    weight = np.array([strata[r["stratum"]] / len(judged[r["stratum"]]) for r in rows])
    truth = np.array([r["verdict"] == "oui" for r in rows])
    jac = np.array([float(r["jaccard"]) for r in rows])
    con = np.array([float(r["containment"]) for r in rows])
    apart = np.array([int(r["days_apart"]) for r in rows])
    versions = (weight * truth).sum()
    rules = {
        "Ĵ ≥ 0.5, any date": jac >= 0.5,
        "ĉ ≥ 0.5, any date": con >= 0.5,
        "ĉ ≥ 0.7, any date": con >= 0.7,
        "ĉ ≥ 0.5, same day": (con >= 0.5) & (apart == 0),
        "ĉ ≥ 0.6, ≤ 1 day": (con >= 0.6) & (apart <= 1),
        "ĉ ≥ 0.7, ≤ 1 day": (con >= 0.7) & (apart <= 1),
        "ĉ ≥ 0.8, ≤ 1 day": (con >= 0.8) & (apart <= 1),
        "ĉ ≥ 0.5, ≤ 1 day": (con >= 0.5) & (apart <= 1),
        "chosen: Ĵ ≥ 0.2 and (ĉ ≥ 0.5 same day or ĉ ≥ 0.7 next day)": _chosen(jac, con, apart),
    }
    print("\n| rule | pairs (est.) | precision (weighted) | share of the versions found | judged pairs kept |")
    print("|---|---:|---:|---:|---:|")
    for name, keep in rules.items():
        est = weight[keep].sum()
        print(f"| {name} | {est:,.0f} | {(weight * truth)[keep].sum() / est:.3f} | "
              f"{(weight * truth)[keep].sum() / versions:.2f} | {int(keep.sum())} |")


def _chosen(jac: np.ndarray, con: np.ndarray, apart: np.ndarray) -> np.ndarray:
    threshold = np.where(apart == 0, dedup.SAME_DAY_THRESHOLD, dedup.NEXT_DAY_THRESHOLD)
    return (jac >= dedup.MIN_JACCARD) & (con >= threshold) & (apart <= dedup.MAX_DAYS)


def sample() -> None:
    """Draw the pairs to judge (fixed seed) and write them to read: OUT/sample.txt, and the CSV to
    fill (verdict, reason) at OUT/sample.csv; the judged copy is bench/dedup_judgements.csv."""
    signed = Signed(_deduplicated())
    ok = signed.sizes[signed.pairs].min(axis=1) >= dedup.MIN_SHINGLES
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "sample.csv").open("w", encoding="utf-8", newline="") as table, \
            (OUT / "sample.txt").open("w", encoding="utf-8") as text:
        out = csv.writer(table)
        out.writerow(["n", "stratum", "a", "b", "jaccard", "containment", "days_apart", "verdict", "reason"])
        n = 0
        for low, high in STRATA:
            members = np.flatnonzero(ok & (signed.contained >= low) & (signed.contained < high))
            for i in sorted(rng.choice(members, PER_STRATUM, replace=False)):
                a, b = (signed.ids[k] for k in signed.pairs[i])
                out.writerow([n, f"[{low},{high})", a, b, round(float(signed.jaccard[i]), 3),
                              round(float(signed.contained[i]), 3), int(signed.apart[i]), "", ""])
                text.write(f"=== #{n} Ĵ={signed.jaccard[i]:.3f} ĉ={signed.contained[i]:.3f} jours={signed.apart[i]}\n")
                for article_id in (a, b):
                    r = signed.records[signed.row[article_id]]
                    body = (r.get("body") or "").replace("\n", " ")
                    text.write(f"  [{article_id} {r.get('date')} {r.get('author')}] {r.get('title')}\n"
                               f"     CHAPEAU : {(r.get('lead') or '')[:220]}\n     TEXTE : {body[:300]}\n")
                n += 1
    print(f"{n} pairs: read {OUT / 'sample.txt'}, fill {OUT / 'sample.csv'}")


# ------------------------------------------------------------------------------------ libraries

def libraries(count: int) -> None:
    """Signing speed (CPU seconds, MB/s of text) and accuracy (estimated against exact Jaccard on the
    candidate pairs) of our numpy one-permutation MinHash, rensa and datasketch, 128 values each."""
    import datasketch
    import rensa

    records = _deduplicated()[:count]
    texts = [dedup.article_text(r.get("title"), r.get("lead"), r.get("body")) for r in records]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    def shingle_strings(text):
        words = re.findall(r"\w+", text.lower())
        return [" ".join(words[i:i + dedup.SHINGLE_WORDS]) for i in range(len(words) - dedup.SHINGLE_WORDS + 1)]

    def ours():
        return dedup.sign(texts)[0]

    def rensa_strings():
        return np.asarray(rensa.RMinHash.digest_matrix_from_token_sets(
            [shingle_strings(t) for t in texts], dedup.NUM_PERM, 42).to_rows(), dtype=np.uint32)

    def rensa_hashes():
        hashes, text_of = dedup.shingle_hashes(texts)
        offsets = np.concatenate(([0], np.cumsum(np.bincount(text_of, minlength=len(texts))))).astype(np.uint64)
        return np.asarray(rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            hashes, offsets, dedup.NUM_PERM, 42).to_rows(), dtype=np.uint32)

    def datasketch_strings():
        out = []
        for t in texts:
            m = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=42)
            m.update_batch([s.encode("utf-8") for s in shingle_strings(t)])
            out.append(m.hashvalues)
        return np.asarray(out)

    exact_sets = [set(dedup.shingle_hashes([t])[0].tolist()) for t in texts]
    signed = Signed(records)
    pairs = signed.pairs
    exact = np.array([len(exact_sets[a] & exact_sets[b]) / max(1, len(exact_sets[a] | exact_sets[b])) for a, b in pairs])
    print(f"## Signing {count:,} articles ({mb:.1f} MB of title + lead + body), {dedup.NUM_PERM} values, "
          f"{len(pairs):,} candidate pairs (load average {os.getloadavg()[0]:.1f})")
    print("| implementation | CPU s | MB/s | mean abs. error of Ĵ (pairs with J ≥ 0.2) | extra dependency |")
    print("|---|---:|---:|---:|---|")
    for name, run, dependency in (("numpy, one permutation (indexer.dedup)", ours, "none"),
                                  ("rensa RMinHash, our shingle hashes", rensa_hashes, "rensa (Rust wheel)"),
                                  ("rensa RMinHash, shingle strings", rensa_strings, "rensa (Rust wheel)"),
                                  ("datasketch MinHash, shingle strings", datasketch_strings, "datasketch (+scipy)")):
        started = time.process_time()
        sigs = run()
        seconds = time.process_time() - started
        estimate = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
        keep = exact >= 0.2
        error = np.abs(estimate - exact)[keep].mean() if keep.any() else float("nan")
        print(f"| {name} | {seconds:.2f} | {mb / seconds:.1f} | {error:.3f} | {dependency} |")


# ------------------------------------------------------------------------------------ cost

_CHILD = """
import sys, time, json
sys.path.insert(0, {root!r})
import presse.indexer.batcher as batcher
import presse.indexer.build as build
if {off!r}:
    class _Off:
        def __init__(self, generation): pass
        def add(self, *a): pass
        def remove(self, *a): pass
        def save(self): pass
        def reconcile(self, indexed): return []
    batcher.Signatures = _Off
import resource
started = time.perf_counter()
summary = build.update_index({index!r}, [{corpus!r}])
me, writers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": time.perf_counter() - started, "chars": summary.chars, "written": summary.written,
                  "main_cpu": me.ru_utime + me.ru_stime, "writers_cpu": writers.ru_utime + writers.ru_stime}}))
"""


def cost() -> None:
    """Index the 34k set into a fresh index twice, with and without grouping (one child process each)."""
    import shutil

    corpus, meta, _ = common.prepare("33k")
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for label, off in (("without grouping", True), ("with grouping", False)):
        index = OUT / f"index-{'off' if off else 'on'}"
        shutil.rmtree(index, ignore_errors=True)
        load = os.getloadavg()[0]
        code = _CHILD.format(root=str(common.ROOT), off=off, index=str(index), corpus=str(corpus))
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=common.ROOT)
        results[label] = r = json.loads(run.stdout.strip().splitlines()[-1])
        size = (index / open(index / "CURRENT").read().strip() / dedup.DEDUP_FILE)
        print(f"{label}: {r['written']:,} articles in {r['seconds']:.1f} s, {meta['body_bytes'] / 1e6 / r['seconds']:.2f} MB/s "
              f"of body text ({r['chars'] / 1e6 / r['seconds']:.2f} M characters/s of title + lead + body); CPU "
              f"{r['main_cpu']:.1f} s in the main process + {r['writers_cpu']:.1f} s in the writer processes; "
              f"load average before: {load:.1f}" + (f"; dedup.npz {size.stat().st_size / 1e6:.1f} MB" if size.exists() else ""))
    on, off = results["with grouping"], results["without grouping"]
    cpu = (on["main_cpu"] + on["writers_cpu"]) / (off["main_cpu"] + off["writers_cpu"]) - 1
    print(f"grouping adds {on['seconds'] / off['seconds'] - 1:+.1%} to the indexing time, {cpu:+.1%} to its CPU time "
          f"(load average after: {os.getloadavg()[0]:.1f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("quality", "sample", "libraries", "cost"))
    ap.add_argument("--count", type=int, default=5000, help="articles signed by 'libraries' (default 5000)")
    args = ap.parse_args(argv)
    print(f"# bench/dedup.py {args.what} — {dt.datetime.now():%Y-%m-%d %H:%M}, {common.machine()['cpu']}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    if args.what == "quality":
        quality()
    elif args.what == "sample":
        sample()
    elif args.what == "libraries":
        libraries(args.count)
    else:
        cost()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
