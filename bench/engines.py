"""The two engines of the comparison, and the child-process entry points that time them.

``compare.py`` runs every indexing and every query phase in a child process (this file run as a
script) so that each one starts from a fresh interpreter and its peak memory can be read on its own::

    python bench/engines.py presse-index  --corpus DIR --index DIR [--procs N] --out RESULT.json
    python bench/engines.py fts5-index    --corpus DIR --db FILE --out RESULT.json
    python bench/engines.py presse-query  --index DIR --queries Q.json [--warmup W.json] --out RESULT.json
    python bench/engines.py fts5-query    --db FILE   --queries Q.json [--warmup W.json] --out RESULT.json
    python bench/engines.py cluster-index --corpus DIR --cluster FILE [--servers PID,PID] --out RESULT.json
    python bench/engines.py cluster-query --cluster FILE --queries Q.json [--warmup W.json] [--servers PID,PID] --out RESULT.json

Presse is driven through its public API: ``indexer.build.update_index`` and ``search.archive.Archive``;
the Xapian cluster (issue 18) through ``search.cluster.index`` and ``search.Archive.cluster``, its shard
servers started by the caller (``bench/shards.py``), whose process ids (``--servers``) let the task read
their memory: sampled while it indexes, read after its queries while its connections are still open
(``xapian-tcpsrv`` forks one process per connection).
SQLite FTS5 is the reference: ``fts5(title, lead, body, tokenize="unicode61 remove_diacritics 2")``,
ranked by ``bm25(docs, 2.5, 1.5, 1.0)`` (Presse's field weights), ``snippet()``/``highlight()`` for
the snippets, a plain table ``meta`` with indexed ``source``/``author``/``date`` columns for the
filters, the date sort and the facet counts.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FACETS, PER_PAGE, TreeSampler, read_jsonl, resident_mb, self_peak_rss_mb, tree_memory_mb  # noqa: E402

# ------------------------------------------------------------------------------------ Presse


def presse_index(corpus: Path, index: Path, procs: int | None = None) -> dict:
    """``update_index(index, [corpus])``: a first build into an empty directory, or an update."""
    from presse.indexer.build import update_index

    started = time.perf_counter()
    summary = update_index(index, [corpus], procs=procs)
    return _summary_figures(summary, time.perf_counter() - started)


def _summary_figures(summary, seconds: float) -> dict:
    """The figures of an indexing ``Summary`` that took ``seconds`` (timed by the caller)."""
    out = {"seconds": seconds}
    for name in ("added", "updated", "unchanged", "removed", "chars", "docs_per_second", "mb_per_second"):
        out[name] = getattr(summary, name, 0)
    out["engine_seconds"] = getattr(summary, "seconds", seconds)
    out["skipped"] = len(getattr(summary, "skipped", ()))
    out["line"] = summary.line() if hasattr(summary, "line") else str(summary)
    return out


def search_kwargs(q: dict) -> dict:
    """The keyword arguments of ``Archive.search`` for a mix query: what the web UI asks for."""
    kwargs = {"page": q["page"], "per_page": PER_PAGE, "sort": q["sort"], "facets": FACETS}
    if q.get("source"):
        kwargs["source"] = [q["source"]]
    if q.get("author"):
        kwargs["author"] = [q["author"]]
    return kwargs


class ArchiveQueries:
    """Runs mix queries through an archive's ``search`` like the web UI does (top 10, facets, snippets
    and highlighted titles read). When the archive has a page cache (``_cache``), it is emptied before
    every query, so every timed query is a real search."""

    def __init__(self, archive):
        self.archive = archive
        self.cache_cleared = hasattr(archive, "_cache") and hasattr(archive._cache, "clear")

    def run(self, q: dict) -> dict:
        if self.cache_cleared:
            self.archive._cache.clear()
        kwargs = search_kwargs(q)
        started = time.perf_counter()
        try:
            page = self.archive.search(q["q"], **kwargs)
            snippets = [(h.snippet, h.title_html) for h in page.hits]
        except Exception as exc:  # noqa: BLE001 - a failing query is reported, not fatal
            return {"ms": (time.perf_counter() - started) * 1000, "error": f"{type(exc).__name__}: {exc}",
                    "total": 0, "hits": 0, "marked": 0}
        ms = (time.perf_counter() - started) * 1000
        marked = sum(1 for s, t in snippets if "<mark>" in s or "<mark>" in t)
        out = {"ms": ms, "total": page.total, "hits": len(snippets), "marked": marked}
        if getattr(page, "partial", False):
            out["partial"] = True
        return out


class PresseQueries(ArchiveQueries):
    """The local engine: ``Archive(index)``."""

    def __init__(self, index: Path):
        from presse.search.archive import Archive

        super().__init__(Archive(index))


# ------------------------------------------------------------------------------------ Xapian cluster

SERVER_SAMPLING_S = 1.0  # seconds between two readings of the servers' memory while indexing (each scans /proc)


def _pids(servers: str | None) -> list[int]:
    return [int(p) for p in (servers or "").split(",") if p.strip()]


def cluster_index(corpus: Path, cluster_file: Path, servers: list[int]) -> dict:
    """``search.cluster.index(cluster_file, [corpus])`` (incremental), with the peak memory of each shard
    server (its own process and those it forked for connections: ``xapian-tcpsrv`` writes in them)."""
    from presse.search import cluster

    samplers = [TreeSampler(pid, interval=SERVER_SAMPLING_S, include_root=True) for pid in servers]
    for sampler in samplers:
        sampler.start()
    try:
        started = time.perf_counter()
        summary = cluster.index(cluster_file, [corpus])
        seconds = time.perf_counter() - started
    finally:
        for sampler in samplers:
            sampler.stop()
    out = _summary_figures(summary, seconds)
    out["servers"] = [{"pid": s.pid, "peak_rss_mb": s.peak_rss_kb / 1024, "peak_pss_mb": s.peak_kb / 1024,
                       "max_procs": s.max_procs} for s in samplers]
    return out


class ClusterQueries(ArchiveQueries):
    """The cluster: ``Archive.cluster(cluster_file)`` (the same ``search``; a page cache, if it has one, is
    emptied before every query as the local engine's)."""

    def __init__(self, cluster_file: Path):
        from presse.search import Archive

        super().__init__(Archive.cluster(cluster_file))

    def shards(self) -> dict:
        """Articles in the cluster and per shard (``stats()``, after the timed queries: it reads every article)."""
        stats = self.archive.stats()
        return {"articles": stats.articles, "shard_articles": list(stats.shard_articles)}


# ------------------------------------------------------------------------------------ SQLite FTS5

FTS5_SCHEMA = """
CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, date TEXT, year INTEGER,
                  source TEXT, author TEXT, url TEXT);
CREATE VIRTUAL TABLE docs USING fts5(title, lead, body, tokenize="unicode61 remove_diacritics 2");
INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(2.5, 1.5, 1.0)');
"""
FTS5_INDEXES = """
CREATE INDEX meta_source ON meta(source);
CREATE INDEX meta_author ON meta(author);
CREATE INDEX meta_date ON meta(date);
"""
BM25 = "bm25(docs, 2.5, 1.5, 1.0)"
SNIPPET_TOKENS = 48  # FTS5 allows 1-64; Presse shows up to 3 fragments of ~110 characters


def fts5_index(corpus: Path, db: Path) -> dict:
    """Read the JSON Lines file(s) of ``corpus`` and load them in one transaction."""
    started = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(FTS5_SCHEMA)
    con.execute("BEGIN")
    n = chars = 0
    batch_meta, batch_docs = [], []

    def flush():
        con.executemany("INSERT INTO meta VALUES (?,?,?,?,?,?,?)", batch_meta)
        con.executemany("INSERT INTO docs(rowid, title, lead, body) VALUES (?,?,?,?)", batch_docs)
        batch_meta.clear()
        batch_docs.clear()

    for path in sorted(p for p in Path(corpus).iterdir() if p.name.endswith((".jsonl", ".jsonl.gz"))):
        for r in read_jsonl(path):
            n += 1
            date = (r.get("date") or "")[:10] or None
            year = int(date[:4]) if date and date[:4].isdigit() else None
            batch_meta.append((n, str(r.get("id")), date, year, r.get("source"), r.get("author"), r.get("url")))
            title, lead, body = r.get("title") or "", r.get("lead") or "", r.get("body") or ""
            batch_docs.append((n, title, lead, body))
            chars += len(title) + len(lead) + len(body)
            if len(batch_docs) >= 1000:
                flush()
    flush()
    for statement in FTS5_INDEXES.strip().split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute("COMMIT")
    con.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "added": n, "chars": chars}


class Fts5Queries:
    """The same queries against FTS5: total + facet counts, then the page, then its snippets.

    Three statements per query (what a careful app does): (1) total and source/year/author counts
    over all matches, grouped in SQL; (2) the rowids of the requested page, ordered by
    ``bm25(docs, 2.5, 1.5, 1.0)`` (the ``rank`` column, configured to it) or by date, with LIMIT /
    OFFSET; (3) highlight(title), highlight(lead) and snippet(body) for those rows only.
    """

    def __init__(self, db: Path):
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.con.execute("PRAGMA cache_size=-65536")

    def _where(self, q: dict) -> tuple[str, list]:
        sql, args = "docs MATCH ?", [q["fts"]]
        if q.get("source"):
            sql += " AND m.source = ?"
            args.append(q["source"])
        if q.get("author"):
            sql += " AND m.author = ?"
            args.append(q["author"])
        return sql, args

    def search(self, q: dict) -> tuple[int, dict, list]:
        where, args = self._where(q)
        con = self.con
        total = 0
        facets = {name: Counter() for name in FACETS}
        for source, year, author, count in con.execute(
                f"SELECT m.source, m.year, m.author, count(*) FROM docs CROSS JOIN meta AS m "
                f"ON m.rowid = docs.rowid WHERE {where} GROUP BY 1, 2, 3", args):
            total += count
            facets["source"][source] += count
            facets["year"][year] += count
            facets["author"][author] += count
        offset = (q["page"] - 1) * PER_PAGE
        if q["sort"] == "relevance":
            order = "docs.rank"
        else:
            order = "m.date DESC, m.rowid DESC" if q["sort"] == "-date" else "m.date, m.rowid"
        rowids = [r for (r,) in con.execute(
            f"SELECT docs.rowid FROM docs CROSS JOIN meta AS m ON m.rowid = docs.rowid "
            f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?", args + [PER_PAGE, offset])]
        hits = []
        if rowids:
            marks = "'<mark>', '</mark>'"
            rows = {r[0]: r for r in con.execute(
                f"SELECT docs.rowid, m.id, m.date, m.source, m.author, m.url, highlight(docs, 0, {marks}), "
                f"highlight(docs, 1, {marks}), snippet(docs, 2, {marks}, '…', {SNIPPET_TOKENS}), {BM25} "
                f"FROM docs CROSS JOIN meta AS m ON m.rowid = docs.rowid "
                f"WHERE docs MATCH ? AND docs.rowid IN ({','.join('?' * len(rowids))})",
                [q["fts"], *rowids])}
            hits = [rows[r] for r in rowids if r in rows]
        return total, facets, hits

    def run(self, q: dict) -> dict:
        started = time.perf_counter()
        try:
            total, _, hits = self.search(q)
        except sqlite3.Error as exc:
            return {"ms": (time.perf_counter() - started) * 1000, "error": f"{type(exc).__name__}: {exc}",
                    "total": 0, "hits": 0, "marked": 0}
        ms = (time.perf_counter() - started) * 1000
        marked = sum(1 for h in hits if "<mark>" in (h[6] or "") or "<mark>" in (h[8] or ""))
        return {"ms": ms, "total": total, "hits": len(hits), "marked": marked}


# ------------------------------------------------------------------------------------ known-item rankers
# bench/relevance.py asks each engine for its top 10 ids of a query of plain words, ANDed, ORed, and
# AND then OR when AND finds nothing; the engines index the same records (id, title, lead, body).

WORD_RE = re.compile(r"[^\W_]+")
RANKED_FIELDS = ("title", "lead", "body")


def plain_tokens(text: str) -> list[str]:
    """The word tokens of ``text`` (letters and digits), which every engine's query syntax reads as words."""
    return WORD_RE.findall(text)


class KnownItemRanker:
    """Top ``top`` ids of a query for the variants ``NAME and``, ``NAME or`` and ``NAME and>or``."""

    name = ""

    def _top(self, tokens: list[str], conjunction: bool) -> list[str]:
        raise NotImplementedError

    def top_all(self, text: str) -> dict[str, list[str]]:
        """Top ids of each variant for ``text``."""
        tokens = plain_tokens(text)
        first = self._top(tokens, True) if tokens else []
        relaxed = self._top(tokens, False) if tokens else []
        return {f"{self.name} and": first, f"{self.name} or": relaxed, f"{self.name} and>or": first or relaxed}


def fts5_known_item_build(records: Path, db: Path) -> None:
    """An FTS5 table ``docs(id, title, lead, body)`` of the JSON Lines file ``records``."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute('CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, lead, body, '
                'tokenize="unicode61 remove_diacritics 2")')
    con.execute("BEGIN")
    con.executemany("INSERT INTO docs(id, title, lead, body) VALUES (?,?,?,?)",
                    ((r["id"], r.get("title") or "", r.get("lead") or "", r.get("body") or "")
                     for r in read_jsonl(records)))
    con.execute("COMMIT")
    con.execute("INSERT INTO docs(docs) VALUES('optimize')")
    con.close()


class Fts5Ranker(KnownItemRanker):
    """SQLite FTS5 (unicode61 remove_diacritics 2, no stemming), ``bm25`` with the given field weights;
    each token quoted."""

    name = "fts5"

    def __init__(self, db: Path, weights: tuple[float, float, float], top: int = PER_PAGE):
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.sql = (f"SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, {weights[0]}, {weights[1]}, "
                    f"{weights[2]}), rowid LIMIT {top}")

    def _top(self, tokens, conjunction):
        match = (" " if conjunction else " OR ").join(f'"{t}"' for t in tokens)
        return [row[0] for row in self.con.execute(self.sql, (match,))]


TANTIVY_TOKENIZER = "fr_stem_fold"


def _tantivy_analyzer():
    """Simple tokenizer, lower case, Snowball French stemmer, then ASCII folding (folding first
    would stem "annoncées" and "annonçait" apart)."""
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("french")).filter(tantivy.Filter.ascii_fold()).build())


def _tantivy_schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in RANKED_FIELDS:
        builder.add_text_field(field, tokenizer_name=TANTIVY_TOKENIZER)
    return builder.build()


def tantivy_known_item_build(records: Path, directory: Path) -> None:
    """A tantivy index of the JSON Lines file ``records`` in ``directory`` (French stemmer + ASCII folding)."""
    import tantivy

    directory.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(_tantivy_schema(), path=str(directory))
    index.register_tokenizer(TANTIVY_TOKENIZER, _tantivy_analyzer())
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for r in read_jsonl(records):
        writer.add_document(tantivy.Document(id=r["id"], **{f: r.get(f) or "" for f in RANKED_FIELDS}))
    writer.commit()
    writer.wait_merging_threads()


class TantivyRanker(KnownItemRanker):
    """tantivy (Snowball French stemmer + ASCII folding), BM25 per field with the given field boosts."""

    name = "tantivy"

    def __init__(self, directory: Path, weights: tuple[float, float, float], top: int = PER_PAGE):
        import tantivy

        self.index = tantivy.Index.open(str(directory))
        self.index.register_tokenizer(TANTIVY_TOKENIZER, _tantivy_analyzer())
        self.searcher = self.index.searcher()
        self.boosts = dict(zip(RANKED_FIELDS, weights))
        self.top = top

    def _top(self, tokens, conjunction):
        query = self.index.parse_query(" ".join(t.lower() for t in tokens), list(RANKED_FIELDS),
                                       field_boosts=self.boosts, conjunction_by_default=conjunction)
        return [self.searcher.doc(address)["id"][0] for _, address in self.searcher.search(query, self.top).hits]


# ------------------------------------------------------------------------------------ query phase

def run_queries(runner, queries: list[dict], warmup: list[dict]) -> dict:
    """Warm the searcher with ``warmup``, then time every query of ``queries`` once, in order."""
    started = time.perf_counter()
    for q in warmup:
        runner.run(q)
    warm_s = time.perf_counter() - started
    gc.collect()
    results = []
    for q in queries:
        r = runner.run(q)
        results.append({"kind": q["kind"], "q": q["q"], **r})
    return {"warmup_queries": len(warmup), "warmup_s": warm_s, "results": results,
            "rss_after_mb": self_peak_rss_mb(), "resident_after_mb": resident_mb()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task", choices=["presse-index", "fts5-index", "presse-query", "fts5-query",
                                     "cluster-index", "cluster-query"])
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--cluster", type=Path, help="the cluster file (TOML) of the cluster tasks")
    ap.add_argument("--servers", help="process ids of the shard servers, comma-separated (their memory is read)")
    ap.add_argument("--procs", type=int)
    ap.add_argument("--queries", type=Path)
    ap.add_argument("--warmup", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    if a.task == "presse-index":
        out = presse_index(a.corpus, a.index, a.procs)
    elif a.task == "fts5-index":
        out = fts5_index(a.corpus, a.db)
    elif a.task == "cluster-index":
        out = cluster_index(a.corpus, a.cluster, _pids(a.servers))
    else:
        queries = json.loads(a.queries.read_text())
        warmup = json.loads(a.warmup.read_text()) if a.warmup else []
        if a.task == "presse-query":
            runner = PresseQueries(a.index)
            out = run_queries(runner, queries, warmup)
            out["cache_cleared"] = runner.cache_cleared
        elif a.task == "cluster-query":
            runner = ClusterQueries(a.cluster)
            out = run_queries(runner, queries, warmup)
            out["cache_cleared"] = runner.cache_cleared
            # Now, while this process's connections are open: the servers' processes that answered them.
            out["servers"] = [{"pid": pid, **tree_memory_mb(pid)} for pid in _pids(a.servers)]
            out.update(runner.shards())
        else:
            out = run_queries(Fts5Queries(a.db), queries, warmup)
    a.out.write_text(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
