"""Shared helpers of the benchmark scripts: corpora, the query mix, percentiles, memory measurement.

Nothing here is imported by the project itself; the scripts in ``bench/`` import it as ``common``.

Corpora
    ``base_articles()`` is OrangeSum deduplicated (records with an empty body dropped, then one
    record per ``url``, the first one kept), written once to ``bench/out/corpora/33k/``. The label
    "33k" stands for that full set (34,016 articles; SOURCE.md's 33,338 counts only bodies of 80+
    words). ``1k``/``10k`` are the first N articles of a fixed shuffle of it; ``330k`` replicates it
    10 times (new ids, dates shifted by k years).

Query mix
    ``build_mix(articles, n)`` draws, with a fixed seed, the same number of queries of each kind
    (see ``KINDS``) and gives each one in Presse syntax and in SQLite FTS5 MATCH syntax.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = BENCH / "out"
CORPORA = OUT / "corpora"


def shared_dir() -> Path:
    """The shared data directory, ``../shared`` beside the repository: beside this checkout, or
    beside the main checkout when this one is a ``git worktree`` elsewhere (``$PRESSE_SHARED`` overrides)."""
    if os.environ.get("PRESSE_SHARED"):
        return Path(os.environ["PRESSE_SHARED"])
    roots = [ROOT]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        if common:
            roots.append(Path(common).parent)  # the main checkout of a worktree
    except (OSError, subprocess.SubprocessError):
        pass
    for root in roots:
        if (root.parent / "shared").is_dir():
            return root.parent / "shared"
    return ROOT.parent / "shared"


def shared_path(env: str, relative: str) -> Path:
    """``$env`` when set, else ``relative`` inside ``shared_dir()``."""
    return Path(os.environ[env]) if os.environ.get(env) else shared_dir() / relative


ORANGESUM = shared_path("PRESSE_BENCH_CORPUS", "corpora/orangesum/orangesum.jsonl.gz")
SEED = 20240601
CORPUS_VERSION = 1  # bump when the way corpora are derived changes (invalidates the cache)

SIZES = {"1k": 1_000, "10k": 10_000, "33k": None, "330k": None}  # None: the full set / the 10x set
SCALE_FACTOR = 10

KINDS = ("common", "rare", "words", "phrase", "prefix", "fuzzy", "filtered", "sorted", "page5")
KIND_HELP = {
    "common": "one high-df word",
    "rare": "one word of df 2-5",
    "words": "2-3 consecutive content words of a title (AND)",
    "phrase": "two consecutive words of a body, quoted",
    "prefix": "first 5-6 letters of a word + *",
    "fuzzy": "a word with one typo + ~ (FTS5: the word spelled right, no fuzzy in FTS5)",
    "filtered": "a common word or title words + a source= or author= filter",
    "sorted": "a common word or title words, newest first",
    "page5": "a common word, results 41-50",
}
FACETS = ["source", "year", "author"]  # what the web UI asks for
PER_PAGE = 10


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ corpora

def read_jsonl(path: Path):
    """The records of a JSON Lines file (.gz too), blank lines skipped."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def write_jsonl(path: Path, records) -> None:
    """Write ``records`` to the JSON Lines file ``path`` (through a temporary file: never half written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False))
            f.write("\n")
    os.replace(tmp, path)


def text_bytes(article: dict) -> tuple[int, int]:
    """(UTF-8 bytes of the body, UTF-8 bytes of title + lead + body) of one record."""
    body = len((article.get("body") or "").encode("utf-8"))
    other = len(((article.get("title") or "") + (article.get("lead") or "")).encode("utf-8"))
    return body, body + other


def _source_stamp() -> dict:
    st = ORANGESUM.stat()
    return {"source": str(ORANGESUM), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "seed": SEED, "version": CORPUS_VERSION}


def corpus_dir(label: str) -> Path:
    return CORPORA / label


def corpus_file(label: str) -> Path:
    return corpus_dir(label) / f"orangesum-{label}.jsonl"


def _meta_path(label: str) -> Path:
    return CORPORA / f"{label}.meta.json"


def _cached(label: str) -> dict | None:
    try:
        meta = json.loads(_meta_path(label).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("stamp") != _source_stamp() or not corpus_file(label).exists():
        return None
    return meta


def _save_meta(label: str, records_info: dict) -> dict:
    meta = {"stamp": _source_stamp(), **records_info}
    _meta_path(label).write_text(json.dumps(meta, indent=1))
    return meta


def base_articles() -> list[dict]:
    """The deduplicated OrangeSum set, in source order (cached in ``bench/out/corpora/33k``)."""
    if _cached("33k"):
        return list(read_jsonl(corpus_file("33k")))
    log(f"[corpus] dedupe {ORANGESUM} on url (empty bodies dropped first) ...")
    seen: set[str] = set()
    out = []
    empty = dupes = 0
    for r in read_jsonl(ORANGESUM):
        if not (r.get("body") or "").strip():
            empty += 1
            continue
        key = r.get("url") or r.get("id")
        if key in seen:
            dupes += 1
            continue
        seen.add(key)
        out.append(r)
    write_jsonl(corpus_file("33k"), out)
    _save_meta("33k", _info(out) | {"dropped_empty": empty, "dropped_duplicate_url": dupes})
    log(f"[corpus] {len(out)} articles kept ({empty} empty bodies, {dupes} duplicate urls dropped)")
    return out


def _info(records) -> dict:
    n = body = text = 0
    for r in records:
        b, t = text_bytes(r)
        n += 1
        body += b
        text += t
    return {"articles": n, "body_bytes": body, "text_bytes": text}


def shuffled(articles: list[dict]) -> list[dict]:
    """A fixed shuffle of ``articles`` (the slices are its prefixes)."""
    out = list(articles)
    random.Random(SEED).shuffle(out)
    return out


def _shift_years(date: str | None, k: int) -> str | None:
    if not date or k == 0:
        return date
    try:
        d = dt.date.fromisoformat(date[:10])
    except ValueError:
        return date
    try:
        return d.replace(year=d.year + k).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year + k, day=28).isoformat()


def replicated(articles: list[dict], factor: int = SCALE_FACTOR):
    """``factor`` copies of every article; copy k has id ``<id>-r<k>`` and its date shifted by k years."""
    for k in range(factor):
        for r in articles:
            if k == 0:
                yield r
                continue
            c = dict(r)
            c["id"] = f"{r.get('id')}-r{k}"
            c["date"] = _shift_years(r.get("date"), k)
            if c.get("url"):
                c["url"] = f"{r['url']}#r{k}"
            yield c


SCALED_WARNING = ("WARNING: the 330k set is the real set replicated 10 times (new ids, dates shifted by k "
                  "years): every term's document frequency is multiplied by 10 and no new vocabulary "
                  "appears, so term statistics, index compression and the rare-word queries are not those "
                  "of 330k distinct articles.")


def prepare(label: str) -> tuple[Path, dict, list[dict]]:
    """Write (once) the corpus ``label``; return (its directory, its meta, articles to draw queries from).

    The directory holds a single JSON Lines file: that is what every engine indexes. A number of
    articles above the real set's gives the first N articles of the replicated set (see ``SCALED_WARNING``).
    """
    base = base_articles()
    if label == "33k":
        return corpus_dir(label), _cached("33k"), base
    n = None if label == "330k" else SIZES.get(label) or parse_size(label)
    if n is None or n > len(base):
        meta = _cached(label)
        if meta is None:
            log(f"[corpus] writing {label}: the real set replicated (up to {SCALE_FACTOR} times) ...")
            write_jsonl(corpus_file(label), itertools.islice(replicated(base), n))
            meta = _save_meta(label, _info(read_jsonl(corpus_file(label))))
        return corpus_dir(label), meta, base  # queries from the real set (see SCALED_WARNING)
    articles = shuffled(base)[:n]
    meta = _cached(label)
    if meta is None:
        write_jsonl(corpus_file(label), articles)
        meta = _save_meta(label, _info(articles))
    return corpus_dir(label), meta, articles


def parse_size(label: str) -> int:
    m = re.fullmatch(r"(\d+)(k?)", label.strip().lower())
    if not m:
        raise ValueError(f"unknown size {label!r}: use 1k, 10k, 33k, 330k or a number of articles")
    return int(m.group(1)) * (1000 if m.group(2) else 1)


# ------------------------------------------------------------------------------------ query mix

def _stop_words() -> frozenset[str]:
    try:
        from presse.indexer.analysis import FRENCH_STOP_WORDS, fold
        return frozenset(FRENCH_STOP_WORDS) | frozenset(fold(w) for w in FRENCH_STOP_WORDS)
    except ImportError:  # the bench must not depend on engine internals to draw words
        return frozenset("au aux avec ce ces dans de des du elle en et il ils je la le les leur lui "
                         "mais ne nous on ou par pas pour que qui sa se ses son sur un une est sont".split())


# Runs of letters and digits, kept together across apostrophes and hyphens (like Presse's
# tokenizer): a "word" for the mix is such a run made of letters only ("4Matic", "l'État" and
# "porte-avions" are not words), so both engines see the same single word.
_RAW = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Removed before drawing words, as Presse's reader does (OrangeSum has soft hyphens: "formi\u00addable").
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_OPERATORS = {"et", "ou", "sauf", "and", "or", "not", "to", "a", "à"}


def _clean(text: str | None) -> str:
    return (text or "").translate(_INVISIBLE)


def _words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) in ``text``, which must already be ``_clean``."""
    return [(m.group(), m.start(), m.end()) for m in _RAW.finditer(text)]


def _plain(word: str) -> bool:
    return word.isalpha()


def fts_quote(text: str) -> str:
    """``text`` as one FTS5 string: the tokenizer splits it; quotes avoid syntax errors on ' and -."""
    return '"' + text.replace('"', '""') + '"'


def _typo(word: str, rng: random.Random) -> str:
    """``word`` with one edit (substitution, deletion or transposition) away from its ends."""
    for _ in range(20):
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice("sdt")
        if op == "s":
            c = rng.choice("aeiourstnl")
            if c == word[i]:
                continue
            out = word[:i] + c + word[i + 1:]
        elif op == "d":
            out = word[:i] + word[i + 1:]
        else:
            if word[i] == word[i + 1]:
                continue
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if out != word:
            return out
    return word[:-1]


_DF_CACHE: dict = {}


def _document_frequencies(articles: list[dict]) -> Counter:
    """Lower-cased letter-only word -> number of articles containing it (cached for the same list)."""
    key = (id(articles), len(articles))
    if key not in _DF_CACHE:
        df: Counter = Counter()
        for a in articles:
            text = _clean(f"{a.get('title') or ''} {a.get('lead') or ''} {a.get('body') or ''}")
            df.update({w.lower() for w, _, _ in _words(text) if _plain(w)})
        _DF_CACHE.clear()
        _DF_CACHE[key] = (articles, df)  # the list is kept alive so that its id stays its own
    return _DF_CACHE[key][1]


def build_mix(articles: list[dict], n: int = 324, seed: int = SEED) -> list[dict]:
    """``n`` distinct queries drawn from ``articles``, about n/9 of each kind, in a shuffled order.

    Each query: kind, ``q`` (Presse syntax), ``page``, ``sort`` ("relevance" or "-date"),
    ``source``/``author`` (a filter value or None), ``fts`` (the FTS5 MATCH expression) and
    ``note`` (what FTS5 does differently, if anything).
    """
    rng = random.Random(seed)
    stop = _stop_words()
    df = _document_frequencies(articles)

    def content(w: str, minlen: int = 3) -> bool:
        return _plain(w) and len(w) >= minlen and w.lower() not in stop and w.lower() not in _OPERATORS

    common = [w for w, _ in df.most_common(600) if content(w, 4)][:150]
    with_meta = [a for a in articles if a.get("author") or a.get("source")] or articles
    rare = sorted(w for w, c in df.items() if 2 <= c <= 5 and content(w, 5))

    def random_body_word(minlen: int, min_df: int = 1) -> str:
        while True:
            a = rng.choice(articles)
            ws = [w for w, _, _ in _words(_clean(a.get("body"))) if content(w, minlen) and df[w.lower()] >= min_df]
            if ws:
                return rng.choice(ws).lower()

    def title_words(article: dict | None = None) -> str:
        while True:
            a = article or rng.choice(articles)
            ws = [w.lower() for w, _, _ in _words(_clean(a.get("title"))) if content(w)]
            k = rng.choice((2, 3))
            if article is not None and len(ws) < k:
                k = len(ws)
                if k == 0:
                    article = None  # no usable title words: any title
                    continue
            if len(ws) >= k:
                i = rng.randrange(0, len(ws) - k + 1)
                return " ".join(ws[i:i + k])

    def body_phrase() -> str:
        while True:
            a = rng.choice(articles)
            body = _clean(a.get("body"))
            ws = _words(body)
            pairs = []
            for (w1, _, e1), (w2, s2, _) in zip(ws, ws[1:]):
                if (_plain(w1) and _plain(w2) and body[e1:s2] == " " and len(w1) >= 2 and len(w2) >= 2
                        and (content(w1, 4) or content(w2, 4))
                        and w1.lower() not in _OPERATORS and w2.lower() not in _OPERATORS):
                    pairs.append(f"{w1.lower()} {w2.lower()}")
            if pairs:
                return rng.choice(pairs)

    def words_query(text: str) -> str:
        return " ".join(fts_quote(w) for w in text.split())

    def make(kind: str) -> dict:
        q = {"kind": kind, "page": 1, "sort": "relevance", "source": None, "author": None, "note": ""}
        if kind == "common":
            w = rng.choice(common)
            q.update(q=w, fts=fts_quote(w))
        elif kind == "rare":
            w = rng.choice(rare) if rare else random_body_word(5)
            q.update(q=w, fts=fts_quote(w))
        elif kind == "words":
            t = title_words()
            q.update(q=t, fts=words_query(t))
        elif kind == "phrase":
            p = body_phrase()
            q.update(q=f'"{p}"', fts=fts_quote(p))
        elif kind == "prefix":
            w = random_body_word(7)
            p = w[: rng.choice((5, 6))]
            q.update(q=f"{p}*", fts=f"{fts_quote(p)}*")
        elif kind == "fuzzy":
            w = random_body_word(6, min_df=3)
            q.update(q=f"{_typo(w, rng)}~", fts=fts_quote(w), note="FTS5: no fuzzy, the word spelled right")
        elif kind == "sorted":
            t = rng.choice(common) if rng.random() < 0.5 else title_words()
            q.update(q=t, fts=words_query(t), sort="-date")
        elif kind == "filtered":
            # The filter value comes from the article the title words come from: at least one hit.
            a = rng.choice(with_meta)
            t = rng.choice(common) if rng.random() < 0.5 else title_words(a)
            q.update(q=t, fts=words_query(t))
            if a.get("author") and (rng.random() < 0.5 or not a.get("source")):
                q["author"] = a["author"]
            else:
                q["source"] = a.get("source")
        elif kind == "page5":
            w = rng.choice(common)
            q.update(q=w, fts=fts_quote(w), page=5)
        else:
            raise ValueError(kind)
        return q

    queries, seen = [], set()
    per_kind = -(-n // len(KINDS))
    for kind in KINDS:
        made = tries = 0
        while made < per_kind and tries < per_kind * 50:
            tries += 1
            q = make(kind)
            key = (q["q"], q["page"], q["sort"], q["source"], q["author"])
            if key in seen:
                continue
            seen.add(key)
            queries.append(q)
            made += 1
    rng.shuffle(queries)
    return queries


def _mix_key(q: dict) -> tuple:
    return q["q"], q["page"], q["sort"], q["source"], q["author"]


def query_mix(articles: list[dict], n: int, n_warmup: int) -> tuple[list[dict], list[dict]]:
    """The timed mix (``build_mix`` with ``SEED``) and the warm-up queries (another seed, none of the mix's)."""
    mix = build_mix(articles, n)
    keys = {_mix_key(q) for q in mix}
    warm = [q for q in build_mix(articles, n_warmup, seed=SEED + 1) if _mix_key(q) not in keys]
    return mix, warm


# ------------------------------------------------------------------------------------ statistics

def percentile(values, p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "max": max(ms) if ms else float("nan"), "mean": sum(ms) / len(ms) if ms else float("nan")}


# ------------------------------------------------------------------------------------ memory

def _descendants(pid: int) -> list[int]:
    """``pid`` and all its live descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _proc_kb(pid: int, name: str, field: str) -> int:
    """The kB figure of line ``field`` (e.g. "Pss:") of /proc/<pid>/<name>; 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/{name}", encoding="ascii") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", "VmRSS:")


def tree_memory_mb(pid: int) -> dict:
    """Resident memory now of ``pid`` and all its live descendants (e.g. a server and the processes it
    forked for its connections): ``processes``, ``rss_mb`` (summed VmRSS: pages shared between them count
    once per process), ``pss_mb`` (summed PSS: shared pages split between their users) and ``root_rss_mb``."""
    pids = _descendants(pid)
    return {"processes": len(pids), "rss_mb": sum(_rss_kb(p) for p in pids) / 1024,
            "pss_mb": sum(_pss_kb(p) for p in pids) / 1024, "root_rss_mb": _rss_kb(pid) / 1024}


class TreeSampler(threading.Thread):
    """Samples the summed PSS (and RSS) of a process's descendants every ``interval`` seconds, and of the
    process itself with ``include_root`` (``run_child`` leaves its launcher out; a server counts itself)."""

    def __init__(self, pid: int, interval: float = 0.2, include_root: bool = False):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.include_root = include_root
        self.peak_kb = 0
        self.peak_rss_kb = 0
        self.max_procs = 0
        self._halt = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._halt.is_set():
            pids = [p for p in _descendants(self.pid) if self.include_root or p != self.pid]
            total = sum(_pss_kb(p) for p in pids)
            self.peak_kb = max(self.peak_kb, total)
            self.peak_rss_kb = max(self.peak_rss_kb, sum(_rss_kb(p) for p in pids))
            self.max_procs = max(self.max_procs, len(pids))
            # Fast at first, so that a child done in a fraction of a second is still seen.
            self._halt.wait(0.02 if time.monotonic() - started < 2 else self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


MEMORY_HOW = ("peak RSS = getrusage(RUSAGE_CHILDREN).ru_maxrss read, after the child exits, by a tiny "
              "launcher process whose only child ran the work (Linux: the max over that child and every "
              "worker it forked and reaped, e.g. Whoosh's multiprocess writer; a fresh launcher keeps the "
              "big parent's RSS out of the figure). It is the largest single process, not a sum: 'tree "
              "PSS' adds up the proportional set size of the child and all its live descendants, sampled "
              "from /proc/<pid>/smaps_rollup every 0.02 s for 2 s, then every 0.2 s. Presse reads its "
              "index through memory maps, so the RSS of its query process includes every index page it "
              "read (page cache, shared and reclaimable): the 'after querying' rows split the query "
              "process's resident memory at the end into what it allocated (RssAnon) and mapped file "
              "pages (RssFile, which also counts the pages of Python's own libraries).")

# Runs one command and reports its peak RSS. Started with -S and few imports so that its own RSS
# (which a forked child inherits as its starting high-water mark) stays far below any engine's.
_LAUNCHER = """
import os, sys, json, resource, subprocess
out, cmd = sys.argv[1], sys.argv[2:]
proc = subprocess.Popen(cmd)
_, status, usage = os.wait4(proc.pid, 0)
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(out, "w") as f:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "wait4_maxrss_kb": usage.ru_maxrss,
               "children_maxrss_kb": kids, "launcher_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, f)
"""


def run_child(args: list[str], timeout: float | None = None, sample: bool = True) -> dict:
    """Run ``python args...`` (from the repository root) under the launcher.

    Returns its exit code, wall time (including interpreter start-up), peak RSS and peak tree PSS in MB.
    """
    import signal
    import tempfile

    fd, report = tempfile.mkstemp(prefix="bench-rss-", suffix=".json")
    os.close(fd)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, report, sys.executable, *args],
                            cwd=str(ROOT), start_new_session=True)
    sampler = TreeSampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher's own session: the child and its workers
        proc.wait()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        if sampler:
            sampler.stop()
    wall = time.perf_counter() - started
    try:
        info = json.loads(Path(report).read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    finally:
        Path(report).unlink(missing_ok=True)
    rc = info.get("returncode", proc.returncode if proc.returncode else -1)
    return {"returncode": rc, "wall_s": wall, "peak_rss_mb": info.get("children_maxrss_kb", 0) / 1024,
            "launcher_rss_mb": info.get("launcher_maxrss_kb", 0) / 1024,
            "tree_pss_mb": (sampler.peak_kb / 1024) if sampler and sampler.peak_kb else None,
            "max_procs": sampler.max_procs if sampler and sampler.max_procs else None}


ENGINES = os.path.join("bench", "engines.py")


class TaskFailed(RuntimeError):
    """A ``bench/engines.py`` task that exited with an error (its own message is on stderr above)."""


def engine_task(task: str, out: Path, timeout: float, **kw) -> dict:
    """Run ``bench/engines.py TASK --out OUT --key value…`` under ``run_child``: its result (the JSON it
    wrote to ``out``, removed after) plus ``run`` (exit code, wall time, peak RSS, tree PSS, load before)."""
    args = [ENGINES, task, "--out", str(out)]
    for k, v in kw.items():
        if v is not None:
            args += [f"--{k.replace('_', '-')}", str(v)]
    load = os.getloadavg()[0]
    run = run_child(args, timeout=timeout)
    run["load_before"] = load
    if run["returncode"] != 0 or not out.exists():
        raise TaskFailed(f"{task} failed (exit code {run['returncode']}): {' '.join(args)}")
    result = json.loads(out.read_text())
    out.unlink()
    return {**result, "run": run}


def self_peak_rss_mb() -> float:
    """Peak RSS of this process and of the children it reaped (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def resident_mb() -> dict[str, float]:
    """This process's resident memory now, from /proc/self/status (MB; empty off Linux): ``anon``,
    what it allocated, and ``file``, the pages of mapped files (a memory-mapped index) it has
    touched, which are the kernel's page cache, shared and reclaimable."""
    out = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("RssAnon", "RssFile"):
                    out[name[3:].lower()] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def dir_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


# ------------------------------------------------------------------------------------ machine

ENGINE_DIRS = ("indexer", "search")


def engine_fingerprint() -> str:
    """A hash of the engine's sources (indexer/, search/): tells whether they changed during a run."""
    import hashlib

    h = hashlib.sha1()
    for d in ENGINE_DIRS:
        for path in sorted((ROOT / d).glob("*.py")):
            try:
                h.update(path.name.encode() + b"\0" + path.read_bytes())
            except OSError:
                pass
    return h.hexdigest()[:12]


def engine_version() -> str:
    """The git commit of the engine and whether indexer/ or search/ have uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *ENGINE_DIRS], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"sources {engine_fingerprint()}"
    return f"git {head or '?'}{' + uncommitted changes in indexer/ search/' if dirty else ''} (sources {engine_fingerprint()})"


def machine() -> dict:
    import platform

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        import whoosh
        whoosh_version = ".".join(map(str, whoosh.__version__))
    except Exception:  # noqa: BLE001
        whoosh_version = "?"
    try:
        from importlib.metadata import version
        whoosh_dist = f"whoosh-reloaded {version('whoosh-reloaded')}"
    except Exception:  # noqa: BLE001
        whoosh_dist = f"whoosh {whoosh_version}"
    import sqlite3

    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": ram, "python": platform.python_version(),
            "whoosh": whoosh_dist, "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def code_version() -> str:
    """The commit the measured code is at, and whether the work tree differs from it (others edit it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"git {head or '?'}" + (f" + uncommitted changes in {len(dirty)} files" if dirty else "")


# ------------------------------------------------------------------------------------ RESULTS.md

def write_section(path: Path, begin: str, end: str, section: str) -> None:
    """Put ``section`` (which starts with ``begin`` and ends with ``end``) in the file ``path`` in place of
    the text between the markers (``begin`` is matched up to its first " ("), or at its end."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head = begin.split(" (")[0]
    if head in old and end in old:
        start = old.index(head)
        start = old.rfind("\n", 0, start) + 1
        stop = old.index(end) + len(end)
        new = old[:start] + section + old[stop:]
    elif old:
        new = old.rstrip() + "\n\n" + section + "\n"
    else:
        new = "# Benchmark results\n\nFigures printed by the scripts in `bench/` (see `bench/README.md`).\n\n" + section + "\n"
    path.write_text(new, encoding="utf-8")
    log(f"recorded in {path}")
