"""Relevance, measured: known-item evaluations of Presse against SQLite FTS5 (and tantivy) on OrangeSum.

    python bench/relevance.py --build-only      # write the corpus and build the indexes (minutes)
    python bench/relevance.py                   # evaluate (builds first if needed)
    python bench/relevance.py --tune            # + a small grid of field weights / BM25F / proximity settings
    python bench/relevance.py --tune --record   # + write the table into bench/RESULTS.md (## Relevance)
    python bench/relevance.py --half [--corpus orangesum|seeds] [--tune] [--record]
                                                # half-remembered queries (see below), with tantivy too

Corpus: the full OrangeSum file, records with an empty body dropped, then one record per ``url``
(the first kept), written once to ``bench/out/corpora/relevance/``. It is indexed by Presse
(``indexer.build.update_index``) into ``bench/out/relevance-index/presse`` and by FTS5 into
``bench/out/relevance-index/fts5.db``; both are reused while the corpus hash (and Presse's
``ANALYSIS_VERSION``) are unchanged.

Known items: a fixed random sample of articles (``--sample``, seed ``--seed``). For each one the
queries are its title and the first sentence of its lead (leads that are empty, a bare date such
as "17 février", or shorter than three words are skipped and counted), the same with accents
stripped (unidecode on the letters only), and the same with one deterministic typo (deletion, swap, substitution or
insertion in one word of at least five letters). The relevant answers are the article, the
articles the OrangeSum authors list as its duplicates (``list_of_duplicates.txt``) and any other
article with the same URL (only the first of those is in the deduplicated corpus).

Metrics over the top 10: MRR@10 (1/rank of the first relevant hit, 0 past 10), Success@1 and
Success@10. Queries are searched as plain words: ``plain_query`` neutralises Presse's syntax; FTS5
gets each token quoted, ANDed (Presse's default semantics), and as an extra line ORed.

Presse is measured as shipped (``Archive.search``: AND of the words; when nothing matches, its
spelling suggestion, else the OR of the words ranked by how many each article has), as a strict
AND (what it did before that fallback), and with candidate fallbacks built here from its internals
(not in the product): ``presse+most`` ranks the articles with the most *content* words (stop words
left out), ``presse+suggest+most`` tries the suggestion first, ``presse+fuzzy+most`` first retries
the AND with ``word~`` for every word the index does not know. For each line the script also counts
the queries where Presse ranks the article higher / lower than the best FTS5 variant (sign test).

Tuning (``--tune``): the sample is split in two halves (its first and second half); a grid of ranking
settings (field weights, BM25F B and K1, the proximity boost, its window and depth), each a
``search.ranking.Ranking`` given to ``Archive(index, ranking=…)``, is scored on the tuning half
through ``Archive.search``; the best one is then reported on the held-out half against the defaults.

Half-remembered queries (``--half``, issue 21), on the full set or on the shipped archive
(``seeds/``, as Presse's readers read it): from each sampled article's *body*, a few consecutive
words of one sentence (with and without a typo), topic words spread over the text, a name plus a
topic word (see ``build_half_queries``). Presse, FTS5 and tantivy (``tantivy`` from the package
index; Snowball French stemmer then ASCII folding; ``engines.TantivyRanker``) answer the same
queries, each peer with its best of AND, OR and AND-then-OR per line. Reported on the held-out
half of the sample, with Presse before issue 21 (``before_issue_21``) and sign tests; ``--tune``
scores the levers of issue 21 (``half_grid``) on the tuning half, with the known-item queries of
the same articles as guard rails.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from common import log, read_jsonl, shared_path  # noqa: E402
from engines import Fts5Ranker, TantivyRanker, fts5_known_item_build, tantivy_known_item_build  # noqa: E402

OUT = BENCH / "out"
CORPUS_DIR = OUT / "corpora" / "relevance"
CORPUS_FILE = CORPUS_DIR / "orangesum-dedup.jsonl"
CORPUS_META = CORPUS_DIR / "meta.json"
INDEX_DIR = OUT / "relevance-index"
PRESSE_INDEX = INDEX_DIR / "presse"
FTS5_DB = INDEX_DIR / "fts5.db"
INDEX_STAMP = INDEX_DIR / "stamp.json"
RESULTS_MD = BENCH / "RESULTS.md"

ORANGESUM = shared_path("PRESSE_BENCH_CORPUS", "corpora/orangesum/orangesum.jsonl.gz")
DUPLICATES = ORANGESUM.parent / "list_of_duplicates.txt"
CORPUS_VERSION = 1  # bump when the way the corpus is derived changes
SEED = 20241125
SAMPLE = 600
TOP = 10


# ------------------------------------------------------------------------------------ corpus

def _source_stamp() -> dict:
    st = ORANGESUM.stat()
    return {"source": str(ORANGESUM), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "version": CORPUS_VERSION}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def corpus() -> tuple[list[dict], dict]:
    """The deduplicated corpus (records, meta), written once to ``CORPUS_FILE``."""
    try:
        meta = json.loads(CORPUS_META.read_text())
        if meta.get("stamp") == _source_stamp() and CORPUS_FILE.exists():
            return list(read_jsonl(CORPUS_FILE)), meta
    except (OSError, ValueError):
        pass
    log(f"[corpus] dedupe {ORANGESUM} on url (empty bodies dropped first) ...")
    seen: set[str] = set()
    out, total, empty, dupes = [], 0, 0, 0
    for r in read_jsonl(ORANGESUM):
        total += 1
        if not (r.get("body") or "").strip():
            empty += 1
            continue
        key = r.get("url") or r.get("id")
        if key in seen:
            dupes += 1
            continue
        seen.add(key)
        out.append(r)
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = CORPUS_FILE.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, CORPUS_FILE)
    meta = {"stamp": _source_stamp(), "records": total, "articles": len(out), "dropped_empty": empty,
            "dropped_duplicate_url": dupes, "sha256": _sha256(CORPUS_FILE)}
    CORPUS_META.write_text(json.dumps(meta, indent=1))
    log(f"[corpus] {len(out)} articles kept ({empty} empty bodies, {dupes} duplicate urls dropped)")
    return out, meta


def relevant_sets() -> tuple[dict[str, set[str]], int]:
    """id → ids of its duplicates (the authors' list, plus records sharing its URL), over the full file."""
    groups: dict[str, set[str]] = defaultdict(set)
    n_groups = 0
    for line in DUPLICATES.read_text().splitlines():
        ids = {f"orangesum-{Path(x.strip()).stem}" for x in line.split(",") if x.strip()}
        if len(ids) > 1:
            n_groups += 1
            for i in ids:
                groups[i] |= ids
    by_url: dict[str, set[str]] = defaultdict(set)
    for r in read_jsonl(ORANGESUM):
        if r.get("url"):
            by_url[r["url"]].add(r["id"])
    for ids in by_url.values():
        if len(ids) > 1:
            for i in ids:
                groups[i] |= ids
    # Close transitively (a duplicate of a duplicate sharing a URL with a third record).
    changed = True
    while changed:
        changed = False
        for i, ids in list(groups.items()):
            union = set(ids)
            for j in ids:
                union |= groups.get(j, set())
            if union != ids:
                groups[i] = union
                changed = True
    return groups, n_groups


# ------------------------------------------------------------------------------------ indexes

def _index_stamp(meta: dict) -> dict:
    from presse.indexer.analysis import ANALYSIS_VERSION

    return {"corpus_sha256": meta["sha256"], "analysis_version": ANALYSIS_VERSION}


def build_indexes(meta: dict, force: bool = False) -> dict:
    """Build (or reuse) the Presse index and the FTS5 database of the corpus; returns build info."""
    stamp = _index_stamp(meta)
    try:
        old = json.loads(INDEX_STAMP.read_text())
    except (OSError, ValueError):
        old = {}
    if not force and old.get("stamp") == stamp and PRESSE_INDEX.exists() and FTS5_DB.exists() and old.get("done"):
        return old
    if INDEX_DIR.exists():
        shutil.rmtree(INDEX_DIR)
    INDEX_DIR.mkdir(parents=True)
    from presse.indexer.build import update_index

    log(f"[index] Presse: indexing {meta['articles']} articles into {PRESSE_INDEX} (several minutes) ...")
    started = time.perf_counter()
    summary = update_index(PRESSE_INDEX, [CORPUS_FILE])
    presse_s = time.perf_counter() - started
    log(f"[index] Presse: {summary.line()}")
    log(f"[index] FTS5 -> {FTS5_DB} ...")
    started = time.perf_counter()
    fts5_known_item_build(CORPUS_FILE, FTS5_DB)
    fts5_s = time.perf_counter() - started
    info = {"stamp": stamp, "done": True, "presse_seconds": round(presse_s, 1), "fts5_seconds": round(fts5_s, 1),
            "presse_summary": summary.line(), "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    INDEX_STAMP.write_text(json.dumps(info, indent=1))
    return info


# ------------------------------------------------------------------------------------ queries

OPERATOR_WORDS = {"ET", "OU", "SAUF", "AND", "OR", "NOT"}
_SYNTAX_CHARS = re.compile(r'["()*?~:\[\]«»{}^]')


def plain_query(text: str) -> str:
    """``text`` as plain words for Presse: its syntax characters removed, operators lowercased.

    Presse reads ``" ( ) * ? ~ :`` ``« »`` ``[ ]``, a leading ``-`` and the upper-case words
    ET/OU/SAUF/AND/OR/NOT as syntax; a title searched as a known item must be plain words.
    """
    words = []
    for w in _SYNTAX_CHARS.sub(" ", text).split():
        w = w.lstrip("-")
        if w in OPERATOR_WORDS:
            w = w.lower()
        if w:
            words.append(w)
    return " ".join(words)


_MONTHS = "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
DATE_ONLY_RE = re.compile(rf"^\W*(?:(?:{_DAYS})\s+)?(?:\d{{1,2}}(?:er)?\s+)?(?:{_MONTHS})(?:\s+\d{{4}})?\W*$", re.I)
_WORD_RE = re.compile(r"[^\W_]+")
_ABBREVIATIONS = {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "ste", "gal", "gén", "cf", "etc", "av", "vs",
                  "no", "n°", "art", "p", "ex"}
_SENTENCE_END = re.compile(r"[.!?…]+[\"»”]?(?=\s+[\"«“(]?[A-ZÀ-ÖØ-Þ0-9])")
MAX_QUERY_WORDS = 48  # Presse refuses more than 64 words in a query; lead sentences are cut to this


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (not cut after "M." or an initial)."""
    text = text.strip().lstrip("-–— ").strip()
    for m in _SENTENCE_END.finditer(text):
        before = re.search(r"(\w+)\W*$", text[:m.start() + 1])
        word = before.group(1).lower() if before else ""
        if m.group().startswith(".") and (len(word) == 1 and word.isalpha() or word in _ABBREVIATIONS):
            continue
        return text[:m.end()].strip()
    return text


def lead_query(lead: str | None) -> tuple[str | None, str]:
    """(first sentence of the lead or None, why it was skipped / 'ok' / 'cut')."""
    lead = (lead or "").strip()
    if not lead:
        return None, "empty"
    if DATE_ONLY_RE.match(lead):
        return None, "date"
    sentence = first_sentence(lead)
    words = sentence.split()
    if len(_WORD_RE.findall(sentence)) < 3:
        return None, "short"
    if len(words) > MAX_QUERY_WORDS:
        return " ".join(words[:MAX_QUERY_WORDS]), "cut"
    return sentence, "ok"


def add_typo(text: str, rng: random.Random) -> str | None:
    """``text`` with one edit (deletion, swap, substitution, insertion) in one word of ≥ 5 letters."""
    spans = [m.span() for m in re.finditer(r"[^\W\d_]+", text) if m.end() - m.start() >= 5]
    if not spans:
        return None
    start, end = rng.choice(spans)
    word = text[start:end]
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(20):
        op = rng.choice(("deletion", "swap", "substitution", "insertion"))
        i = rng.randrange(len(word))
        if op == "deletion":
            new = word[:i] + word[i + 1:]
        elif op == "swap":
            i = min(i, len(word) - 2)
            new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == "substitution":
            new = word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1:]
        else:
            new = word[:i] + rng.choice(letters) + word[i:]
        if new.lower() != word.lower():
            return text[:start] + new + text[end:]
    return None


LINES = ("titles", "leads", "titles unaccented", "leads unaccented", "titles with typo", "leads with typo")


def strip_accents(text: str) -> str:
    """``text`` typed without accents: unidecode on the letters only (é→e, œ→oe, ç→c); other characters
    (€, «, ’) kept, so "1 000€" does not become "1 000EUR"."""
    from unidecode import unidecode

    return "".join(unidecode(ch) if not ch.isascii() and ch.isalpha() else ch for ch in text)


def build_queries(sample: list[dict], seed: int) -> tuple[list[dict], dict]:
    """The known-item queries of ``sample``: dicts with line, article id, text (raw, before plain_query)."""
    queries, counts = [], defaultdict(int)
    for r in sample:
        lead, why = lead_query(r.get("lead"))
        counts[f"lead {why}"] += 1
        texts = {"titles": (r.get("title") or "").strip(), "leads": lead}
        for kind in ("titles", "leads"):
            text = texts[kind]
            if not text:
                continue
            queries.append({"line": kind, "id": r["id"], "text": text})
            queries.append({"line": f"{kind} unaccented", "id": r["id"], "text": strip_accents(text)})
            typo = add_typo(text, random.Random(f"{seed}:{r['id']}:{kind}"))
            if typo is None:
                counts[f"{kind}: no word of 5+ letters for a typo"] += 1
            else:
                queries.append({"line": f"{kind} with typo", "id": r["id"], "text": typo})
    return queries, dict(counts)


# ------------------------------------------------------------------------------------ engines

class Presse:
    """Presse through ``Archive.search`` (page cache emptied before every query), as shipped, and
    candidate fallbacks for a query no article matches with all its words.

    ``presse`` is the product: AND of the words; when nothing matches, its spelling suggestion, then
    the OR of the words ranked by how many each article has (``SearchPage.rewritten``/``relaxed``).
    ``presse AND only`` is the strict AND (no hit when the product had to fall back). The candidates
    replace the product's fallback: ``presse+most`` ranks the articles with the most of the *content*
    words (stop words left out); ``presse+suggest+most`` keeps the product's suggestion step then does
    that; ``presse+fuzzy+most`` first retries the AND with ``word~`` for every unknown word.
    """

    STRATEGIES = ("presse", "presse AND only", "presse+most", "presse+suggest+most", "presse+fuzzy+most")

    def __init__(self, index: Path, ranking=None):
        from presse.search.archive import Archive
        from presse.search.ranking import Ranking

        self.archive = Archive(index, ranking=ranking or Ranking())
        self.errors = 0

    def _search(self, q: str):
        from presse.search.query import QueryError

        self.archive._cache.clear()
        try:
            return self.archive.search(q, per_page=TOP, facets=())
        except QueryError:
            self.errors += 1
            return None

    def top_all(self, text: str) -> dict[str, list[str]]:
        """Top-10 ids of every strategy for one query (sharing the searches they have in common)."""
        q = plain_query(text)
        page = self._search(q)
        ids = [h.id for h in page.hits] if page else []
        fell_back = page is not None and (getattr(page, "rewritten", None) or getattr(page, "relaxed", False))
        out = {s: ids for s in self.STRATEGIES}
        if page is None or (page.total > 0 and not fell_back):
            return out
        out["presse AND only"] = []
        most = self._most_words(q.split())
        out["presse+most"] = most
        out["presse+suggest+most"] = ids if getattr(page, "rewritten", None) else most
        fuzzy = self._fuzzy_words(q)
        if fuzzy != q.split():
            fz = self._search(" ".join(fuzzy))
            fz_ok = fz is not None and fz.total > 0 and not getattr(fz, "relaxed", False)
            out["presse+fuzzy+most"] = [h.id for h in fz.hits] if fz_ok else self._most_words(fuzzy)
        else:
            out["presse+fuzzy+most"] = most
        return out

    def _most_words(self, words: list[str]) -> list[str]:
        """"Most words should match": the documents matching the most of ``words`` (stop words left
        out), ranked by that count, then by Presse's BM25F score over all the words, then newest first."""
        import numpy as np

        from presse.search.plan import scored_terms
        from presse.search.query import Compiler, parse
        from presse.search.whoosh_engine.docsets import matching_docs
        from presse.search.whoosh_engine.ranker import top_ranked
        from presse.search.whoosh_engine.scoring import bm25f_scores
        from presse.search.whoosh_engine.weighting import weighting_of

        snapshot = self.archive._engine.snapshot()
        searcher, reader, columns = snapshot.searcher, snapshot.reader, snapshot.columns
        live = columns.live_docs(reader)
        counts = np.zeros(len(live), dtype=np.int64)
        terms = []
        for w in words:
            node = parse(w)
            if node is None:
                continue
            compiler = Compiler(snapshot, self.archive._analysis)
            query = compiler._node(node, positive=True)  # None for a stop word (no stop-word fallback here)
            if query is None:
                continue
            counts += matching_docs(reader, query, live, columns.postings, lambda: columns.days(reader))
            terms.extend(scored_terms(query))
        if not counts.any():
            return []
        candidates = counts >= counts.max() - 1
        scores = bm25f_scores(searcher, terms, candidates, weighting_of(self.archive.ranking), columns.lengths,
                              columns.postings)
        top = top_ranked(np.flatnonzero(candidates), scores, counts, columns.days(reader), TOP)
        return [snapshot.stored_fields(d)["id"] for d, _ in top]

    def _fuzzy_words(self, q: str) -> list[str]:
        """The words of ``q``, each one the index does not know written ``word~`` (Presse's fuzzy operator)."""
        from presse.search.query import Compiler, parse

        snapshot = self.archive._engine.snapshot()
        out = []
        for w in q.split():
            compiler = Compiler(snapshot, self.archive._analysis)
            compiler.compile(parse(w))
            unknown = bool(compiler.words) and not any(
                snapshot.doc_frequency(f, t) for _, _, terms in compiler.words for t in terms
                for f in ("title", "lead", "body"))
            out.append(f"{w}~" if unknown and len(w) >= 4 else w)
        return out


# ------------------------------------------------------------------------------------ metrics

def scores(ranked: list[str], relevant: set[str]) -> tuple[float, int, int]:
    for rank, doc in enumerate(ranked[:TOP], 1):
        if doc in relevant:
            return 1.0 / rank, int(rank == 1), 1
    return 0.0, 0, 0


def summarise(rows: list[tuple[float, int, int]]) -> dict:
    n = len(rows)
    if not n:
        return {"n": 0, "mrr": 0.0, "s1": 0.0, "s10": 0.0}
    return {"n": n, "mrr": sum(r[0] for r in rows) / n, "s1": sum(r[1] for r in rows) / n,
            "s10": sum(r[2] for r in rows) / n}


def sign_test(wins: int, losses: int) -> float:
    """Two-sided sign test p-value of ``wins`` against ``losses`` (ties left out)."""
    from math import comb

    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n)


def fmt(m: dict) -> str:
    return f"{m['mrr']:.3f} | {m['s1']:.3f} | {m['s10']:.3f}"


def evaluate(queries, relevant, presse: Presse | None, *peers, progress: str = "",
             titles: dict[str, str] | None = None) -> dict:
    """{engine: {line: [(rr, s1, s10), ...]}} of Presse's strategies and each peer's variants (see
    ``engines.KnownItemRanker``), no-hit counts, and (with ``titles``) how many rank-1
    misses have a top hit titled exactly like the article (a duplicate the list does not give)."""
    per = defaultdict(lambda: defaultdict(list))
    nohit = defaultdict(lambda: defaultdict(int))
    same_title = defaultdict(lambda: [0, 0])  # engine: [rank-1 misses with hits, of which same title]
    started = time.perf_counter()
    for i, q in enumerate(queries, 1):
        rel = relevant[q["id"]]
        ranked = {}
        if presse is not None:
            ranked.update(presse.top_all(q["text"]))
        for peer in peers:
            ranked.update(peer.top_all(q["text"]))
        for engine, ids in ranked.items():
            per[engine][q["line"]].append(scores(ids, rel))
            if not ids:
                nohit[engine][q["line"]] += 1
            elif titles is not None and ids[0] not in rel:
                same_title[engine][0] += 1
                same_title[engine][1] += _norm(titles.get(ids[0], "")) == _norm(titles.get(q["id"], ""))
        if i % 500 == 0:
            log(f"[eval{progress}] {i}/{len(queries)} queries, {time.perf_counter() - started:.0f} s")
    return {"per": per, "nohit": nohit, "same_title": same_title}


def _norm(title: str) -> str:
    return " ".join(_WORD_RE.findall(title.lower()))


def table(results: dict, engines: list[str], lines=LINES) -> dict[str, dict[str, dict]]:
    return {e: {line: summarise(results["per"][e][line]) for line in lines} for e in engines}


def print_main_table(t: dict, nohit: dict, left: str, right: str, out=sys.stdout) -> list[str]:
    lines = [f"| line | n | {left} MRR@10 | S@1 | S@10 | {right} MRR@10 | S@1 | S@10 | no hit {left} / {right} |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for line in LINES:
        a, b = t[left][line], t[right][line]
        lines.append(f"| {line} | {a['n']} | {fmt(a)} | {fmt(b)} | {nohit[left][line]} / {nohit[right][line]} |")
    print("\n".join(lines), file=out)
    return lines


def variants_table(t: dict, engines: list[str], rows=LINES, out=sys.stdout) -> list[str]:
    lines = ["| line | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    for line in rows:
        cells = [f"{t[e][line]['mrr']:.3f} / {t[e][line]['s1']:.3f} / {t[e][line]['s10']:.3f}" for e in engines]
        lines.append(f"| {line} | " + " | ".join(cells) + " |")
    means = [sum(t[e][line]["mrr"] for line in rows) / len(rows) for e in engines]
    lines.append(f"| mean MRR@10 of the {len(rows)} lines | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    print("\n".join(lines), file=out)
    return lines


# ------------------------------------------------------------------------------------ tuning

def grid(base):
    """Settings around ``base`` (a ``search.ranking.Ranking``): field weights first, then K1, B, the
    per-field B, then the proximity boost, its window and how many articles it reorders."""
    from presse.search.ranking import FieldWeight

    def s(name, title=None, lead=None, body=None, K1=None, B=None, short_B=None, **proximity):
        changes = {}
        for field, weight in (("title", title), ("title_exact", title), ("lead", lead), ("body", body),
                              ("exact", body)):
            old = getattr(base, field)
            changes[field] = FieldWeight(weight=old.weight if weight is None else weight,
                                         B=short_B if short_B is not None and field in ("title", "lead", "title_exact")
                                         else B if B is not None and field in ("body", "exact") else old.B)
        if K1 is not None:
            changes["K1"] = K1
        return name, dataclasses.replace(base, **changes, **proximity)

    return [
        s("default"),
        s("weights 1/1/1", 1.0, 1.0, 1.0),
        s("weights 1.5/1.2/1", 1.5, 1.2, 1.0),
        s("weights 4/2/1", 4.0, 2.0, 1.0),
        s("weights 2.5/2/1", 2.5, 2.0, 1.0),
        s("weights 2.5/2.5/1", 2.5, 2.5, 1.0),
        s("K1 0.8", K1=0.8),
        s("K1 2.0", K1=2.0),
        s("body B 0.5", B=0.5),
        s("body B 0.9", B=0.9),
        s("title/lead B 0.25", short_B=0.25),
        s("title/lead B 0.75", short_B=0.75),
        s("no proximity boost", proximity_boost=0.0),
        s("proximity boost 0.25", proximity_boost=0.25),
        s("proximity boost 1.0", proximity_boost=1.0),
        s("proximity boost 2.0", proximity_boost=2.0),
        s("proximity window 1", proximity_window=1),
        s("proximity window 5", proximity_window=5),
        s("proximity over 30", proximity_docs=30, proximity_docs_long=30),
        s("proximity over 300", proximity_docs=300, proximity_docs_long=300),
    ]


def describe(ranking) -> str:
    """The settings of ``ranking`` in one line."""
    fields = "; ".join(f"{f} {getattr(ranking, f).weight:g} (B={getattr(ranking, f).B:g})"
                       for f in ("title", "lead", "body", "title_exact", "exact"))
    return (f"`Ranking`: {fields}; K1 {ranking.K1:g}, saturation by {ranking.saturation}, exact forms "
            f"{ranking.exact_forms:g}, idf {ranking.idf}; proximity ({ranking.proximity} pairs close) boost "
            f"{ranking.proximity_boost:g}, window {ranking.proximity_window}, over the best "
            f"{ranking.proximity_docs} (two words) / {ranking.proximity_docs_long} (more)")


TUNE_BY = "presse"  # the tuning objective: mean MRR@10 of the six lines, Presse as shipped


def tune_grid(queries, relevant, index: Path, settings) -> dict:
    """{setting name: {line: [scores]}}: ``Archive(index, ranking=…).search`` of each query under
    each setting (Presse as shipped, with its fallback; page cache emptied)."""
    per = {}
    started = time.perf_counter()
    for n, (name, ranking) in enumerate(settings, 1):
        presse = Presse(index, ranking)
        per[name] = defaultdict(list)
        for q in queries:
            page = presse._search(plain_query(q["text"]))
            per[name][q["line"]].append(scores([h.id for h in page.hits] if page else [], relevant[q["id"]]))
        presse.archive.close()
        log(f"[tune] {n}/{len(settings)} settings ({name}), {time.perf_counter() - started:.0f} s")
    return per


def mean_mrr(per_lines: dict) -> float:
    return sum(summarise(per_lines[line])["mrr"] for line in LINES) / len(LINES)


# ------------------------------------------------------------------------------------ half-remembered queries
#
# Known items from what a reader half remembers of an article's *body*: a few words of one sentence,
# typed without accents (with and without a typo); a description made of content words spread over
# the text; a person or place plus a topic word. Generated from each sampled article with a seeded
# random generator per (seed, article, line), so every run asks the same queries.

HALF_LINES = ("passage", "passage with typo", "description", "name + topic")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_ELIDED = {"qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"}  # "l'", "d'"… are single letters


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, paragraph by paragraph (not cut after "M." or an initial)."""
    out = []
    for paragraph in text.split("\n"):
        rest = paragraph.strip().lstrip("-–— ").strip()
        while rest:
            sentence = first_sentence(rest)
            out.append(sentence)
            rest = rest[len(sentence):].strip().lstrip("-–— ").strip()
    return out


def folded(word: str) -> str:
    """``word`` lower-cased and typed without accents."""
    return strip_accents(word.lower())


def is_content(word: str) -> bool:
    """A word a reader would remember: three letters or more, not a (Snowball) stop word."""
    from presse.indexer.analysis import is_stop_word

    return len(word) >= 3 and not is_stop_word(word.lower())


def typed_words(sentence: str) -> list[str]:
    """The words of ``sentence`` a reader would type: letters only, elided articles ("l'", "qu'") dropped."""
    return [w for w in _LETTERS_RE.findall(sentence) if len(w) > 1 and w.lower() not in _ELIDED]


def document_frequencies(records) -> dict[str, int]:
    """Folded word → how many records (title, lead, body) contain it."""
    df: dict[str, int] = defaultdict(int)
    for r in records:
        text = f"{r.get('title') or ''}\n{r.get('lead') or ''}\n{r.get('body') or ''}"
        for w in {folded(w) for w in _LETTERS_RE.findall(text)}:
            df[w] += 1
    return dict(df)


TOPIC_MAX_SHARE = 0.05


def salient_words(body: str, df: dict[str, int], n_docs: int, size: int = 10) -> list[tuple[str, int]]:
    """The body's topic words: the ``size`` content words of highest tf·idf among those written in two
    sentences or more (the text returns to them), in lower case somewhere (not names), in at least
    2 articles and at most ``TOPIC_MAX_SHARE`` of them ("depuis", "très" are no topic); as (folded
    word, index of the first sentence it is in)."""
    tf: dict[str, int] = defaultdict(int)
    seen_in: dict[str, set[int]] = defaultdict(set)
    lower: set[str] = set()
    for i, sentence in enumerate(split_sentences(body)):
        for w in typed_words(sentence):
            if len(w) < 4 or not is_content(w):
                continue
            key = folded(w)
            tf[key] += 1
            seen_in[key].add(i)
            if w[0].islower():
                lower.add(key)
    ranked = sorted((w for w in tf if w in lower and len(seen_in[w]) >= 2
                     and 2 <= df.get(w, 0) <= TOPIC_MAX_SHARE * n_docs),
                    key=lambda w: (-tf[w] * math.log(n_docs / df[w]), w))
    return [(w, min(seen_in[w])) for w in ranked[:size]]


def passage_query(r: dict, rng: random.Random) -> str | None:
    """3 to 5 consecutive content words of one body sentence that is not in the title or lead, the
    stop words between them kept or dropped at random; lower case, without accents."""
    elsewhere = " ".join(folded(w) for w in typed_words(f"{r.get('title') or ''} {r.get('lead') or ''}"))
    candidates = []
    for sentence in split_sentences(r.get("body") or ""):
        words = typed_words(sentence)
        if sum(is_content(w) for w in words) >= 4 and " ".join(folded(w) for w in words) not in elsewhere:
            candidates.append(words)
    if not candidates:
        return None
    words = rng.choice(candidates)
    content = [i for i, w in enumerate(words) if is_content(w)]
    k = min(rng.choice((3, 4, 5)), len(content))
    start = rng.randrange(len(content) - k + 1)
    lo, hi = content[start], content[start + k - 1]
    kept = [w for i, w in enumerate(words[lo:hi + 1], lo) if is_content(w) or rng.random() < 0.5]
    return " ".join(folded(w) for w in kept)


def description_query(r: dict, rng: random.Random, df: dict[str, int], n_docs: int) -> str | None:
    """3 or 4 of the body's topic words (``salient_words``), each first seen in a different
    sentence, in random order; without accents."""
    pool = salient_words(r.get("body") or "", df, n_docs)
    rng.shuffle(pool)
    k, chosen, sentences = rng.choice((3, 4)), [], set()
    for word, sentence in pool:
        if sentence not in sentences:
            chosen.append(word)
            sentences.add(sentence)
        if len(chosen) == k:
            break
    return " ".join(chosen) if len(chosen) >= 3 else None


def names(body: str) -> dict[str, int]:
    """Names in ``body`` → how many times each is written: runs of capitalised words such as
    "Jean-Luc Mélenchon", none at the start of a sentence or after a colon, a quote or a bracket,
    none all capitals or a stop word, none of them written in lower case elsewhere in the body
    (so not "Oui", "Quand" or "Premier")."""
    lower = {w for w in _LETTERS_RE.findall(body) if w[0].islower()}
    counts: dict[str, int] = defaultdict(int)
    for sentence in split_sentences(body):
        run: list[re.Match] = []
        for m in list(_LETTERS_RE.finditer(sentence)) + [None]:
            w = m.group() if m else ""
            capital = (m is not None and len(w) >= 3 and w[0].isupper() and w[1:].islower() and is_content(w)
                       and w.lower() not in lower and not re.search(r"(^|[:«\"“(])\s*$", sentence[:m.start()]))
            joined = run and m is not None and sentence[run[-1].end():m.start()] in (" ", "-")
            if capital and (not run or joined):
                run.append(m)
                continue
            if run:
                counts[sentence[run[0].start():run[-1].end()]] += 1
            run = [m] if capital else []
    return dict(counts)


def name_topic_query(r: dict, rng: random.Random, df: dict[str, int], n_docs: int) -> str | None:
    """A name written twice or more in the body (all of it or its last word), then one of the
    body's five main topic words (``salient_words``); lower case, without accents."""
    found = sorted(name for name, n in names(r.get("body") or "").items() if n >= 2)
    topics = [w for w, _ in salient_words(r.get("body") or "", df, n_docs, size=5)]
    if not found or not topics:
        return None
    name = rng.choice(found)
    if rng.random() < 0.5:
        name = _LETTERS_RE.findall(name)[-1]
    topic = rng.choice([t for t in topics if t not in folded(name)] or topics)
    return f"{folded(name)} {topic}"


def build_half_queries(sample: list[dict], seed: int, df: dict[str, int], n_docs: int) -> tuple[list[dict], dict]:
    """The half-remembered queries of ``sample`` (dicts with line, article id, text), and how many
    articles gave no query for a line."""
    queries, missing = [], defaultdict(int)
    for r in sample:
        def rng(line: str, article_id: str = r["id"]) -> random.Random:
            return random.Random(f"{seed}:{article_id}:{line}")

        passage = passage_query(r, rng("passage"))
        typo = add_typo(passage, rng("passage typo")) if passage else None
        texts = {"passage": passage, "passage with typo": typo,
                 "description": description_query(r, rng("description"), df, n_docs),
                 "name + topic": name_topic_query(r, rng("name"), df, n_docs)}
        for line in HALF_LINES:
            if texts[line]:
                queries.append({"line": line, "id": r["id"], "text": texts[line]})
            else:
                missing[line] += 1
    return queries, dict(missing)


# ------------------------------------------------------------------------------------ targets

@dataclasses.dataclass(frozen=True)
class Target:
    """A corpus the half-remembered lines run on: its records (what FTS5 and tantivy index and the
    queries come from), what Presse indexes, and where the indexes go."""

    name: str
    records: Path
    presse_sources: tuple[Path, ...]
    index_dir: Path

    @property
    def presse_index(self) -> Path:
        return self.index_dir / "presse"

    @property
    def fts5_db(self) -> Path:
        return self.index_dir / "fts5.db"

    @property
    def tantivy_dir(self) -> Path:
        return self.index_dir / "tantivy"


SEEDS = ROOT / "seeds"
SEEDS_RECORDS = OUT / "corpora" / "relevance-seeds" / "seeds.jsonl"
TARGETS = {
    "orangesum": Target("orangesum", CORPUS_FILE, (CORPUS_FILE,), INDEX_DIR),
    "seeds": Target("seeds", SEEDS_RECORDS, (SEEDS,), OUT / "relevance-index-seeds"),
}
TARGET_LABELS = {"orangesum": "The full OrangeSum set", "seeds": "The shipped archive (`seeds/`)"}


def seeds_records() -> list[dict]:
    """The articles of ``seeds/`` as Presse's readers give them (id, title, lead, body), written to
    ``SEEDS_RECORDS`` for the other engines."""
    from presse.indexer.readers import iter_files, read_file

    records = []
    for file, root in iter_files([str(SEEDS)]):
        for article in read_file(file, root):
            if not hasattr(article, "reason"):  # a Skip
                records.append({"id": article.id, "title": article.title, "lead": article.lead or "",
                                "body": article.body})
    SEEDS_RECORDS.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if not SEEDS_RECORDS.exists() or SEEDS_RECORDS.read_text(encoding="utf-8") != text:
        SEEDS_RECORDS.write_text(text, encoding="utf-8")
    return records


def build_target(target: Target, force: bool = False) -> None:
    """Build whichever of the target's three indexes is missing or stale (the stamp: the records'
    hash, Presse's ANALYSIS_VERSION, the engines' settings)."""
    from presse.indexer.analysis import ANALYSIS_VERSION
    from presse.indexer.build import update_index

    stamp_file = target.index_dir / "stamp-engines.json"
    want = {"records": _sha256(target.records), "analysis_version": ANALYSIS_VERSION, "tantivy": TANTIVY_VERSION}
    try:
        have = json.loads(stamp_file.read_text())
    except (OSError, ValueError):
        have = {}
    target.index_dir.mkdir(parents=True, exist_ok=True)
    same = not force and have.get("records") == want["records"]
    if target.name != "orangesum" and not (same and have.get("analysis_version") == ANALYSIS_VERSION
                                           and target.presse_index.exists()):
        shutil.rmtree(target.presse_index, ignore_errors=True)
        log(f"[index] Presse: {target.name} -> {target.presse_index} ...")
        log(f"[index] Presse: {update_index(target.presse_index, list(target.presse_sources)).line()}")
    if target.name != "orangesum" and not (same and target.fts5_db.exists()):
        target.fts5_db.unlink(missing_ok=True)
        log(f"[index] FTS5: {target.name} -> {target.fts5_db} ...")
        fts5_known_item_build(target.records, target.fts5_db)
    if not (same and have.get("tantivy") == TANTIVY_VERSION and target.tantivy_dir.exists()):
        shutil.rmtree(target.tantivy_dir, ignore_errors=True)
        log(f"[index] tantivy: {target.name} -> {target.tantivy_dir} ...")
        tantivy_known_item_build(target.records, target.tantivy_dir)
    stamp_file.write_text(json.dumps(want, indent=1))


TANTIVY_VERSION = 1  # bump when the tantivy index changes (its analyzer, its fields)


# ------------------------------------------------------------------------------------ half-remembered: run

PEERS = ("fts5", "tantivy")
VARIANTS = ("and", "or", "and>or")


def frequencies(target: Target, records: list[dict]) -> dict[str, int]:
    """``document_frequencies`` of ``records``, kept beside the target's indexes."""
    path = target.index_dir / "df.json"
    key = _sha256(target.records)
    try:
        cached = json.loads(path.read_text())
        if cached.get("records") == key:
            return cached["df"]
    except (OSError, ValueError):
        pass
    df = document_frequencies(records)
    path.write_text(json.dumps({"records": key, "df": df}))
    return df


def best_variants(t: dict, lines, peer: str) -> dict[str, str]:
    """line → the variant of ``peer`` (``fts5 and``, ``fts5 or``, ``fts5 and>or``) with the best MRR@10."""
    return {line: max((f"{peer} {v}" for v in VARIANTS), key=lambda e: t[e][line]["mrr"]) for line in lines}


def paired(results: dict, line: str, a: str, b: str) -> tuple[int, int, float]:
    """Queries of ``line`` where ``a`` ranks the article better / worse than ``b``, and the sign test p."""
    rows_a, rows_b = results["per"][a][line], results["per"][b][line]
    wins = sum(x[0] > y[0] for x, y in zip(rows_a, rows_b))
    losses = sum(x[0] < y[0] for x, y in zip(rows_a, rows_b))
    return wins, losses, sign_test(wins, losses)


def before_issue_21():
    """The ranking Presse shipped before the half-remembered lines (issue 21), as a ``Ranking``:
    Whoosh's BM25F (fields saturating one by one), stems only, title 2.5, lead 1.5, K1 1.2, and
    the proximity boost 0.5 scaled by the share of close pairs, over the best 100."""
    from presse.search.ranking import FieldWeight, Ranking

    short = FieldWeight(2.5, 0.5)
    return Ranking(title=short, lead=FieldWeight(1.5, 0.5), title_exact=short, K1=1.2, saturation="field",
                   exact_forms=0.0, proximity_boost=0.5, proximity_docs=100, proximity_docs_long=100,
                   proximity="share")


def half_grid(base):
    """The levers of issue 21 around ``base`` (the defaults): Presse before them, then the defaults
    with one knob changed at a time."""
    from presse.search.ranking import FieldWeight

    def short(weight):
        return FieldWeight(weight, 0.5)

    return [
        ("before issue 21", before_issue_21()),
        ("defaults", base),
        ("fields saturating one by one (Whoosh's BM25F)", dataclasses.replace(base, saturation="field")),
        ("stems only (exact_forms 0)", dataclasses.replace(base, exact_forms=0.0)),
        ("exact_forms 1", dataclasses.replace(base, exact_forms=1.0)),
        ("exact_forms 3", dataclasses.replace(base, exact_forms=3.0)),
        ("proximity: share of close pairs", dataclasses.replace(base, proximity="share")),
        ("no proximity boost", dataclasses.replace(base, proximity_boost=0.0)),
        ("proximity boost 0.5", dataclasses.replace(base, proximity_boost=0.5)),
        ("proximity boost 2", dataclasses.replace(base, proximity_boost=2.0)),
        ("two words: proximity over the best 100", dataclasses.replace(base, proximity_docs=100)),
        ("two words: no proximity", dataclasses.replace(base, proximity_docs=0)),
        ("3+ words: proximity over the best 300", dataclasses.replace(base, proximity_docs_long=300)),
        ("3+ words: proximity over the best 1000", dataclasses.replace(base, proximity_docs_long=1000)),
        ("idf bm25 (common words count for little)", dataclasses.replace(base, idf="bm25")),
        ("K1 0.6", dataclasses.replace(base, K1=0.6)),
        ("K1 1.2", dataclasses.replace(base, K1=1.2)),
        ("title 2, lead 2.5", dataclasses.replace(base, title=short(2.0), title_exact=short(2.0))),
        ("title 2.5, lead 1.5", dataclasses.replace(base, lead=short(1.5))),
        ("title 3, lead 3", dataclasses.replace(base, title=short(3.0), title_exact=short(3.0), lead=short(3.0))),
    ]


def presse_rows(queries, relevant, index: Path, settings) -> dict[str, dict[str, list]]:
    """{setting: {line: [scores]}}: ``Archive(index, ranking=…).search`` of each query (Presse as shipped)."""
    per = tune_grid(queries, relevant, index, settings)
    return {name: dict(lines) for name, lines in per.items()}


def half_table(results: dict, lines, before: dict | None = None, presse: str = "presse") -> tuple[list[str], dict]:
    """The held-out table: Presse (before → after, with ``before`` {line: [scores]}) against each
    peer's best variant of each line, with sign tests."""
    engines = [presse] + [f"{p} {v}" for p in PEERS for v in VARIANTS]
    t = {e: {line: summarise(results["per"][e][line]) for line in lines} for e in engines}
    best = {p: best_variants(t, lines, p) for p in PEERS}
    head = "| line | n | Presse MRR@10 | S@1 | S@10 |"
    rule = "|---|---:|---:|---:|---:|"
    if before is not None:
        head, rule = head + " before | Presse vs before: better / worse, p |", rule + "---:|---|"
    out = [head + " FTS5 best MRR@10 | S@10 | tantivy best MRR@10 | S@10 | Presse vs FTS5: better / worse, p | "
                  "Presse vs tantivy: better / worse, p |", rule + "---:|---:|---:|---:|---|---|"]
    for line in lines:
        m = t[presse][line]
        cells = [f"{line}", str(m["n"]), f"**{m['mrr']:.3f}**", f"{m['s1']:.3f}", f"{m['s10']:.3f}"]
        if before is not None:
            w, l_, pv = _paired_rows(results["per"][presse][line], before[line])
            cells += [f"{summarise(before[line])['mrr']:.3f}", f"{w} / {l_}, p = {pv:.2g}"]
        for p in PEERS:
            e = best[p][line]
            cells += [f"{t[e][line]['mrr']:.3f} (`{e.split(' ', 1)[1]}`)", f"{t[e][line]['s10']:.3f}"]
        for p in PEERS:
            w, l_, pv = paired(results, line, presse, best[p][line])
            cells.append(f"{w} / {l_}, p = {pv:.2g}")
        out.append("| " + " | ".join(cells) + " |")
    return out, t


def _paired_rows(rows_a, rows_b) -> tuple[int, int, float]:
    wins = sum(x[0] > y[0] for x, y in zip(rows_a, rows_b))
    losses = sum(x[0] < y[0] for x, y in zip(rows_a, rows_b))
    return wins, losses, sign_test(wins, losses)


def half_main(a) -> int:
    """The half-remembered lines on one target, on the held-out half of the sample: Presse (its
    defaults, and before issue 21) against FTS5 and tantivy. ``--tune``: the levers of issue 21 on
    the tuning half (with the known-item lines of the same articles, on OrangeSum, as guard rails)."""
    from presse.search.ranking import Ranking

    target = TARGETS[a.corpus]
    if target.name == "orangesum":
        articles, meta = corpus()
        build_indexes(meta, force=a.rebuild)
    else:
        articles = seeds_records()
    build_target(target, force=a.rebuild)
    if a.build_only:
        return 0
    ids = {r["id"] for r in articles}
    groups, _ = relevant_sets()
    df = frequencies(target, articles)
    sample = random.Random(a.seed).sample(articles, min(a.sample, len(articles)))
    relevant = {r["id"]: ({r["id"]} | groups.get(r["id"], set())) & ids for r in sample}
    queries, missing = build_half_queries(sample, a.seed, df, len(articles))
    half = len(sample) // 2
    tune_ids = {r["id"] for r in sample[:half]}
    tune_q = [q for q in queries if q["id"] in tune_ids]
    held_q = [q for q in queries if q["id"] not in tune_ids]
    log(f"[half] {target.name}: {len(sample)} articles, {len(queries)} queries ({len(tune_q)} tuning, "
        f"{len(held_q)} held out); no query: {missing}")
    base = Ranking()
    weights = (base.title.weight, base.lead.weight, base.body.weight)
    peers = (Fts5Ranker(target.fts5_db, weights, TOP), TantivyRanker(target.tantivy_dir, weights, TOP))
    started = time.perf_counter()
    held = evaluate(held_q, relevant, Presse(target.presse_index, base), *peers, progress=" held-out")
    before = presse_rows(held_q, relevant, target.presse_index, [("before", before_issue_21())])["before"]
    log(f"[half] held-out half in {time.perf_counter() - started:.0f} s")
    table_lines, t = half_table(held, HALF_LINES, before)
    engines = list(Presse.STRATEGIES) + [f"{p} {v}" for p in PEERS for v in VARIANTS]
    print("\n".join(table_lines))
    print()
    var_lines = variants_table(table(held, engines, HALF_LINES), engines, HALF_LINES)
    examples = {line: next((q["text"] for q in held_q if q["line"] == line), "") for line in HALF_LINES}

    tune_lines: list[str] = []
    if a.tune:
        known = []
        if target.name == "orangesum":
            known, _ = build_queries(sample[:half], a.seed)
        grid_q = known + tune_q
        lines = (LINES if known else ()) + HALF_LINES
        per = presse_rows(grid_q, relevant, target.presse_index, half_grid(base))
        fts5_tune = evaluate(tune_q, relevant, None, peers[0])
        ft = table(fts5_tune, [f"fts5 {v}" for v in VARIANTS], HALF_LINES)
        best_fts5 = {line: max(ft[e][line]["mrr"] for e in ft) for line in HALF_LINES}
        tune_lines.append(f"Tuning half: {half} articles; {len(tune_q)} half-remembered queries"
                          + (f" and {len(known)} known-item queries of the same articles" if known else "")
                          + ", each setting through `Archive(index, ranking=…).search`. MRR@10:\n")
        tune_lines.append("| setting | " + " | ".join(lines) + " | mean, half-remembered |")
        tune_lines.append("|---|" + "---:|" * (len(lines) + 1))
        for name, rows in per.items():
            m = {line: summarise(rows.get(line, []))["mrr"] for line in lines}
            mean = sum(m[line] for line in HALF_LINES) / len(HALF_LINES)
            tune_lines.append(f"| {name} | " + " | ".join(f"{m[line]:.3f}" for line in lines) + f" | {mean:.4f} |")
        tune_lines.append("| FTS5, best variant of each line | " + " | ".join(
            f"{best_fts5[line]:.3f}" if line in best_fts5 else "" for line in lines) + " | "
            + f"{sum(best_fts5.values()) / len(HALF_LINES):.4f} |")
    print("\n".join(tune_lines))
    if a.record:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        cmd = f"python bench/relevance.py --half --corpus {target.name}" + (" --tune" if a.tune else "") + " --record"
        body = [
            f"### {TARGET_LABELS[target.name]} ({len(articles):,} articles)",
            "",
            f"Recorded {now} with `{cmd}`. Sample: {len(sample)} articles (seed {a.seed}); tuning half: the first "
            f"{half}, held-out half: the other {len(sample) - half}; no query for "
            + ", ".join(f"{line}: {n}" for line, n in sorted(missing.items())) + " articles. "
            + "Examples from the held-out half: "
            + "; ".join(f"{line} «{examples[line]}»" for line in HALF_LINES) + ".",
            "",
            f"Held-out half, Presse's defaults ({describe(base)}) against Presse before issue 21, SQLite FTS5 "
            f"(`unicode61 remove_diacritics 2`, `bm25` with the same field weights) and tantivy {_tantivy_version()} "
            "(Snowball French stemmer then ASCII folding, BM25, the same field boosts), each peer with its best of "
            "AND, OR and AND-then-OR on each line; sign tests over the queries where the two differ:",
            "",
            *table_lines,
            "",
            "Every variant (MRR@10 / S@1 / S@10; `presse+…`: the candidate fallbacks of the known-item section):",
            "",
            *var_lines,
        ]
        if tune_lines:
            body += ["", *tune_lines]
        begin, end = HALF_MARKERS[target.name]
        replace_section(RESULTS_MD, begin, end, "\n".join(body))
        log(f"[record] wrote the {target.name} half-remembered section of {RESULTS_MD}")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"target": target.name, "table": t, "missing": missing,
                                  "queries": queries}, indent=1, default=str))
    return 0


def _tantivy_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tantivy")
    except metadata.PackageNotFoundError:
        return "?"


HALF_MARKERS = {name: (f"<!-- relevance.py --half --corpus {name}: begin (generated; edits inside are overwritten) -->",
                       f"<!-- relevance.py --half --corpus {name}: end -->") for name in TARGETS}


# ------------------------------------------------------------------------------------ recording

BEGIN = "<!-- relevance.py: begin (generated by bench/relevance.py --record; edits inside are overwritten) -->"
END = "<!-- relevance.py: end -->"


def replace_section(path: Path, begin: str, end: str, body: str) -> None:
    """Put ``body`` between ``begin`` and ``end`` in ``path`` (appended at the end the first time)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    block = f"{begin}\n\n{body.strip()}\n\n{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        tail = tail.lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def machine() -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import whoosh

    return (f"{cpu or platform.processor()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"Whoosh {'.'.join(map(str, whoosh.__version__))}, SQLite {sqlite3.sqlite_version}; {platform.platform()}")


# ------------------------------------------------------------------------------------ main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-only", action="store_true", help="write the corpus, build the indexes, stop")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the indexes even if cached")
    ap.add_argument("--sample", type=int, default=SAMPLE, help=f"articles sampled (at least 500; default {SAMPLE})")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--tune", action="store_true", help="tune boosts and BM25F on half the sample, report on the other")
    ap.add_argument("--record", action="store_true", help="write the tables into bench/RESULTS.md (## Relevance)")
    ap.add_argument("--half", action="store_true",
                    help="the half-remembered lines (body passages, descriptions, names) against FTS5 and tantivy")
    ap.add_argument("--corpus", choices=sorted(TARGETS), default="orangesum",
                    help="with --half: the full OrangeSum set or the shipped archive (seeds/)")
    ap.add_argument("--json", type=Path, default=OUT / "relevance.json", help="raw results (default bench/out/relevance.json)")
    a = ap.parse_args(argv)
    if a.sample < 500:
        ap.error("--sample must be at least 500")
    if a.half:
        return half_main(a)

    articles, meta = corpus()
    build_indexes(meta, force=a.rebuild)
    if a.build_only:
        return 0

    ids = {r["id"] for r in articles}
    groups, n_groups = relevant_sets()
    sample = random.Random(a.seed).sample(articles, a.sample)
    relevant = {r["id"]: ({r["id"]} | groups.get(r["id"], set())) & ids for r in sample}
    with_dupes = sum(len(v) > 1 for v in relevant.values())
    queries, counts = build_queries(sample, a.seed)
    log(f"[eval] {len(sample)} articles ({with_dupes} with a duplicate in the corpus), {len(queries)} queries")

    from presse.search.ranking import Ranking

    base = Ranking()
    weights = (base.title.weight, base.lead.weight, base.body.weight)
    fts5 = Fts5Ranker(FTS5_DB, weights, TOP)
    presse = Presse(PRESSE_INDEX, base)
    started = time.perf_counter()
    titles = {r["id"]: r.get("title") or "" for r in articles}
    results = evaluate(queries, relevant, presse, fts5, titles=titles)
    eval_s = time.perf_counter() - started
    engines = list(Presse.STRATEGIES) + ["fts5 and", "fts5 or", "fts5 and>or"]
    t = table(results, engines)

    out_lines = []
    say = out_lines.append
    say(f"Corpus: {meta['articles']:,} OrangeSum articles (of {meta['records']:,} records: {meta['dropped_empty']} empty "
        f"bodies, {meta['dropped_duplicate_url']:,} duplicate URLs dropped), {n_groups} duplicate groups listed by the "
        f"authors. Sample: {len(sample)} articles (seed {a.seed}), {with_dupes} of them with a duplicate in the corpus.")
    skipped = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    say(f"Leads: {skipped} (leads longer than {MAX_QUERY_WORDS} words are cut to {MAX_QUERY_WORDS}). "
        f"Presse query errors: {presse.errors}.")
    say(f"Presse: `Archive.search(plain_query(q), per_page=10, facets=())`, page cache emptied; settings: "
        f"{describe(base)}. FTS5: `bm25(docs, {weights[0]:g}, {weights[1]:g}, {weights[2]:g})`, tokens quoted.")
    print("\n".join(out_lines))
    print()
    print("Presse as shipped (AND, with its fallback) vs FTS5 (AND of the quoted tokens):\n")
    main_tbl = print_main_table(t, results["nohit"], "presse", "fts5 and")
    print()
    best_fts5 = {line: max(("fts5 and", "fts5 or", "fts5 and>or"), key=lambda e: t[e][line]["mrr"]) for line in LINES}
    print("All variants, MRR@10 / S@1 / S@10:\n")
    var_tbl = variants_table(t, engines)
    print()
    verdict = []
    for engine in Presse.STRATEGIES:
        losses = [line for line in LINES if t[engine][line]["mrr"] <= t[best_fts5[line]][line]["mrr"]]
        verdict.append(f"- `{engine}` beats the best FTS5 variant of each line on MRR@10: "
                       + ("yes, on all six lines" if not losses else "no: " + ", ".join(
                           f"{line} ({t[engine][line]['mrr']:.3f} vs {t[best_fts5[line]][line]['mrr']:.3f} "
                           f"`{best_fts5[line]}`)" for line in losses)))
    paired = []
    for line in LINES:
        fe = best_fts5[line]
        a_rows, b_rows = results["per"]["presse"][line], results["per"][fe][line]
        wins = sum(x[0] > y[0] for x, y in zip(a_rows, b_rows))
        losses = sum(x[0] < y[0] for x, y in zip(a_rows, b_rows))
        paired.append(f"{line}: {wins} better / {losses} worse than `{fe}` (sign test p = {sign_test(wins, losses):.2f})")
    verdict.append("- Per query, `presse` ranks the article better / worse than the best FTS5 variant of the line: "
                   + "; ".join(paired) + ".")
    st = results["same_title"]
    verdict.append("- Rank-1 misses whose top hit has exactly the article's title (a duplicate the list does not "
                   "give): " + ", ".join(f"`{e}` {st[e][1]} of {st[e][0]}" for e in ("presse", "presse+suggest+most", "fts5 and",
                                                                                        "fts5 or")) + ".")
    print("\n".join(verdict))
    log(f"[eval] {eval_s:.0f} s for {len(queries)} queries")

    def record(tune_lines: list[str]) -> None:
        if not a.record:
            return
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        cmd = "python bench/relevance.py" + (f" --sample {a.sample}" if a.sample != SAMPLE else "") + \
              (" --tune" if a.tune else "") + " --record"
        body = [
            "## Relevance",
            "",
            f"Recorded {now} with `{cmd}` (known-item search on OrangeSum; see `bench/relevance.py`).",
            "",
            f"- Machine: {machine()}",
            *[f"- {line}" for line in out_lines],
            f"- Lines: each article's title, the first sentence of its lead, both with accents stripped (unidecode on the letters), "
            f"and both with one deterministic typo (deletion, swap, substitution or insertion in one word of 5+ letters). "
            f"Relevant: the article, its listed duplicates and same-URL records. Metrics over the top {TOP}.",
            "",
            "Presse as shipped (AND of the words, with its fallback when nothing matches) vs SQLite FTS5 (AND of "
            "the quoted tokens):",
            "",
            *main_tbl,
            "",
            "Every variant (MRR@10 / S@1 / S@10). `presse`: as shipped (AND; when nothing matches, the spelling "
            "suggestion, else the OR of the words ranked by how many each article has); `presse AND only`: the "
            "strict AND; candidates for the fallback: `presse+most` (articles with the most content words, stop "
            "words left out), `presse+suggest+most` (the suggestion first, then that), `presse+fuzzy+most` "
            "(`word~` for unknown words first, then that). `fts5 or`: OR of the tokens; `fts5 and>or`: AND, then "
            "OR when AND finds nothing.",
            "",
            *var_tbl,
            "",
            *verdict,
        ]
        if tune_lines:
            body += ["", "### Tuning (field weights, BM25F, proximity: `Archive(ranking=…)`)", "", *tune_lines]
        replace_section(RESULTS_MD, BEGIN, END, "\n".join(body))
        log(f"[record] wrote the Relevance section of {RESULTS_MD}")

    record([])  # the evaluation now; again with the tuning below (it takes a while)
    tune_lines: list[str] = []
    best_setting = None
    if a.tune:
        half = len(sample) // 2
        tune_ids = {r["id"] for r in sample[:half]}
        tune_q = [q for q in queries if q["id"] in tune_ids]
        held_q = [q for q in queries if q["id"] not in tune_ids]
        settings = grid(base)
        per = tune_grid(tune_q, relevant, PRESSE_INDEX, settings)
        rows = [(name, mean_mrr(per[name]), ranking) for name, ranking in settings]
        tune_lines.append(f"Tuning half: {half} articles, {len(tune_q)} queries, each setting through "
                          f"`Archive(index, ranking=Ranking(…)).search` (page cache emptied; the fallbacks too). "
                          f"Objective: mean MRR@10 of the six lines with `{TUNE_BY}`.\n")
        tune_lines.append(f"| setting | mean MRR@10 `{TUNE_BY}` |")
        tune_lines.append("|---|---:|")
        for name, m, _ in rows:
            tune_lines.append(f"| {name} | {m:.4f} |")
        # Combine the best change of each family (weights, BM25, proximity) that improved on its own.
        d = rows[0][1]
        families = {"weights": [], "bm25": [], "proximity": []}
        for row in rows[1:]:
            families["weights" if row[0].startswith("weights") else
                     "proximity" if row[0].startswith(("proximity", "no proximity")) else "bm25"].append(row)
        winners = [max(family, key=lambda r: r[1]) for family in families.values() if family]
        winners = [w for w in winners if w[1] > d]
        if len(winners) > 1:
            changes = {}
            for _, _, ranking in winners:
                changes.update({f.name: getattr(ranking, f.name) for f in dataclasses.fields(ranking)
                                if getattr(ranking, f.name) != getattr(base, f.name)})
            name = " + ".join(w[0] for w in winners)
            combo = dataclasses.replace(base, **changes)
            per2 = tune_grid(tune_q, relevant, PRESSE_INDEX, [(name, combo)])
            rows.append((name, mean_mrr(per2[name]), combo))
            tune_lines.append(f"| {name} | {rows[-1][1]:.4f} |")
        best = max(rows, key=lambda r: (round(r[1], 4), r[0] == "default"))
        best_setting = best[2]
        tune_lines.append(f"\nBest on the tuning half: **{best[0]}** — {describe(best_setting)}.\n")
        # Held-out half, through Archive.search with each Ranking.
        held = {}
        shown = ("presse", "presse+suggest+most", "presse+fuzzy+most")
        for name, ranking in (("default", base), ("best", best_setting)):
            held[name] = evaluate(held_q, relevant, Presse(PRESSE_INDEX, ranking), progress=f" held-out {name}")
            if best[0] == "default":
                held["best"] = held[name]
                break
        ht = {name: table(held[name], list(shown)) for name in held}
        tune_lines.append(f"Held-out half: {len(sample) - half} articles, {len(held_q)} queries, `Archive.search` with "
                          "the overrides (the fallbacks too). MRR@10, default → best:\n")
        tune_lines.append("| line | " + " | ".join(f"`{e}`" for e in shown) + " |")
        tune_lines.append("|---|" + "---:|" * len(shown))
        for line in LINES:
            tune_lines.append(f"| {line} | " + " | ".join(
                f"{ht['default'][e][line]['mrr']:.3f} → {ht['best'][e][line]['mrr']:.3f}" for e in shown) + " |")
        means = {n: {e: sum(ht[n][e][line]["mrr"] for line in LINES) / len(LINES) for e in shown} for n in ht}
        tune_lines.append("| mean MRR@10 | " + " | ".join(
            f"{means['default'][e]:.4f} → {means['best'][e]:.4f}" for e in shown) + " |")
        tune_lines.append("\nGain on the held-out half (mean MRR@10 of the six lines): " + ", ".join(
            f"`{e}` {means['best'][e] - means['default'][e]:+.4f}" for e in shown) + ".")
        print()
        print("\n".join(tune_lines))

        record(tune_lines)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"table": t, "counts": counts, "nohit": results["nohit"],
                                  "best_setting": best_setting and describe(best_setting), "default": describe(base)},
                                 indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
