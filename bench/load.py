"""Load and soak test of a real ``presse serve`` (waitress) on 127.0.0.1: requests/s, latency, errors, memory.

    /tmp/venv/bin/python bench/load.py                               # 16 then 64 clients, 60 s each
    /tmp/venv/bin/python bench/load.py --clients 16 --duration 15    # a short validation
    /tmp/venv/bin/python bench/load.py --endpoint /api/search --clients 16
    /tmp/venv/bin/python bench/load.py --soak 600                    # 10 minutes at 16 clients, server RSS every 10 s

The script starts ``python -m presse.web serve --host 127.0.0.1 --port 0 --index DIR`` itself (``--index``, else
it first runs ``python -m presse.web index seeds/`` into a temporary directory), waits for its address, sends
traffic to it only, and stops it at the end (SIGINT, then SIGKILL if it does not exit). Nothing else
is contacted. Every level is bounded in time (``--duration``, ``--soak``) and in requests
(``--max-requests``), so the script ends by itself.

Clients: ``--clients`` concurrent clients, each a thread with its own keep-alive ``http.client``
connection (HTTP/1.1), sending the next request as soon as the previous answer has been read (closed
loop, no think time). ``--client-procs N`` spreads the clients over N processes, for when the GIL of
one client process would hold the clients back: the report gives the CPU used by the clients and by
the server, so that it shows which one was saturated.

The mix (drawn once from the index's own articles, fixed seed; ``--endpoint`` keeps one kind only):
  60 %  /api/search — common words, rare words, 2-3 title words, 2-word phrases, prefixes, fuzzy words;
        facets=source,year,author (most), all facets or none (some); filters on source, year, author or
        dates (25 %); pages 1-5; sort relevance, -date or date
  20 %  /article/<id> (half of them with ?q=, highlighted), with 5 similar articles
  20 %  /recherche?q=… (the HTML results page: facets, snippets, pagination)
Every request of the mix is valid, so every answer must be a 200: anything else, a connection error
or a timeout (30 s) is an error, and the exit code is 1 when there is any.

Report per level: requests, requests/s, p50/p95/p99/max latency (ms, measured by the client: send to
last byte), errors, per endpoint, server RSS (VmRSS of /proc/<pid>/status) at start and end, CPU of the
server and of the clients (% of one core), load average. The soak also prints RSS every 10 s and the
throughput and p95 minute by minute. ``--json FILE`` writes it all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import code_version, percentile  # noqa: E402

OUT = ROOT / "bench" / "out" / "load"
HOST = "127.0.0.1"  # the only address this script ever sends to
SEED = 20240601
REQUEST_TIMEOUT = 30.0
KINDS = ("/api/search", "/article", "/recherche")
STOP = frozenset("""le la les de des du un une et en à au aux ce ces cet cette il elle ils elles on nous vous
que qui quoi dont où ne pas plus par pour sur dans avec sans sous son sa ses leur leurs est sont été être
avoir a ont fait mais ou donc or ni car se si tout tous toute toutes très aussi comme après avant entre
depuis lors selon chez contre dont même autre autres deux trois premier première cours ans""".split())


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)




# ------------------------------------------------------------------------------------------ the mix

def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text or "")


def _content(w: str, minlen: int = 4) -> bool:
    return len(w) >= minlen and w.lower() not in STOP


def read_articles(index: Path, limit: int) -> tuple[list[dict], dict]:
    """Some articles of the index (id, title, body, source, author, year) and its facet values."""
    sys.path.insert(0, str(ROOT))
    from presse.search import Archive

    articles = []
    with Archive(index) as archive:
        facets = archive.search("", per_page=1, facets=["source", "year", "author"]).facets
        page = 1
        while len(articles) < limit:
            hits = archive.search("", page=page, per_page=100, facets=[]).hits
            if not hits:
                break
            for hit in hits:
                view = archive.get(hit.id)
                articles.append({"id": hit.id, "title": hit.title, "body": view.body if view else "",
                                 "source": hit.source, "author": hit.author,
                                 "year": hit.date.year if hit.date else None})
            page += 1
    values = {name: [v.value for v in counts] for name, counts in facets.items()}
    return articles[:limit], values


def build_mix(articles: list[dict], facet_values: dict, n: int, seed: int = SEED) -> list[tuple[str, str]]:
    """``n`` (kind, path) requests, drawn with a fixed seed."""
    rng = random.Random(seed)
    df: Counter = Counter()
    for a in articles:
        df.update({w.lower() for w in _words(a["title"] + " " + a["body"]) if _content(w)})
    ranked = [w for w, _ in df.most_common()]
    common = ranked[:150]
    rare = [w for w, c in df.items() if 2 <= c <= 5] or ranked[-200:]
    long_words = [w for w in ranked[:3000] if len(w) >= 6]
    sources = [s for s in facet_values.get("source", []) if s]
    years = [y for y in facet_values.get("year", []) if y]
    authors = [a for a in facet_values.get("author", [])[:30] if a]

    def title_words() -> str:
        for _ in range(20):
            ws = [w for w in _words(rng.choice(articles)["title"]) if _content(w)]
            if len(ws) >= 2:
                k = rng.randint(2, min(3, len(ws)))
                start = rng.randrange(len(ws) - k + 1)
                return " ".join(ws[start:start + k])
        return rng.choice(common)

    def phrase() -> str:
        for _ in range(20):
            ws = _words(rng.choice(articles)["body"])
            if len(ws) > 3:
                i = rng.randrange(len(ws) - 1)
                if _content(ws[i], 3) and _content(ws[i + 1], 3):
                    return f'"{ws[i]} {ws[i + 1]}"'
        return f'"{rng.choice(common)}"'

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    def query() -> str:
        kind = rng.choices(["common", "rare", "words", "phrase", "prefix", "fuzzy", "two"],
                           [25, 15, 20, 12, 10, 8, 10])[0]
        if kind == "common":
            return rng.choice(common)
        if kind == "rare":
            return rng.choice(rare)
        if kind == "words":
            return title_words()
        if kind == "phrase":
            return phrase()
        if kind == "prefix":
            return rng.choice(long_words)[:rng.randint(4, 6)] + "*"
        if kind == "fuzzy":
            return typo(rng.choice(long_words)) + "~"
        return f"{rng.choice(common)} {rng.choice(['OU', 'ET', 'SAUF'])} {rng.choice(common)}"

    def search_path() -> str:
        params: list[tuple[str, str]] = [("q", query())]
        r = rng.random()
        if r < 0.8:
            params.append(("facets", "source,year,author"))
        elif r < 0.9:
            params.append(("facets", ""))
        if rng.random() < 0.25:
            f = rng.choice(["source", "year", "author", "dates"])
            if f == "source" and sources:
                params.append(("source", rng.choice(sources)))
            elif f == "year" and years:
                params.append(("year", str(rng.choice(years))))
            elif f == "author" and authors:
                params.append(("author", rng.choice(authors)))
            else:
                y = rng.choice(years) if years else 2020
                params += [("date_from", f"{y}-01-01"), ("date_to", f"{y}-12-31")]
        page = rng.choices([1, 2, 3, 4, 5], [60, 15, 10, 8, 7])[0]
        if page > 1:
            params.append(("page", str(page)))
        sort = rng.choices(["relevance", "-date", "date"], [75, 20, 5])[0]
        if sort != "relevance":
            params.append(("sort", sort))
        return "/api/search?" + urlencode(params)

    def article_path() -> str:
        a = rng.choice(articles)
        path = "/article/" + quote(a["id"], safe="")
        if rng.random() < 0.5:
            ws = [w for w in _words(a["title"]) if _content(w)] or common
            path += "?" + urlencode({"q": rng.choice(ws)})
        return path

    def results_path() -> str:
        params = [("q", query())]
        if rng.random() < 0.15:
            params.append(("page", "2"))
        if rng.random() < 0.1 and sources:
            params.append(("source", rng.choice(sources)))
        return "/recherche?" + urlencode(params)

    makers = {"/api/search": search_path, "/article": article_path, "/recherche": results_path}
    kinds = rng.choices(KINDS, [60, 20, 20], k=n)
    return [(kind, makers[kind]()) for kind in kinds]


# ------------------------------------------------------------------------------------------ the server

class Server:
    """``python -m presse.web serve`` on 127.0.0.1, a free port, as a child process."""

    def __init__(self, index: Path, threads: int, log_path: Path, workers: int = 1):
        self.log_path = log_path
        self.workers = workers
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = open(log_path, "wb")
        cmd = [sys.executable, "-m", "presse.web", "serve", "--host", HOST, "--port", "0", "--index", str(index),
               "--threads", str(threads), "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log_file,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.port = self._wait_for_port(60.0)

    def _wait_for_port(self, timeout: float) -> int:
        found: list[int] = []

        def read():
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
                if m and not found:
                    found.append(int(m.group(1)))
            # keep draining until the process ends (stdout is a pipe)

        threading.Thread(target=read, daemon=True, name="server-stdout").start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not found:
            if self.proc.poll() is not None:
                raise SystemExit(f"presse serve exited with {self.proc.returncode}; see {self.log_path}")
            time.sleep(0.05)
        if not found:
            self.stop()
            raise SystemExit(f"presse serve did not print its address within {timeout:.0f} s; see {self.log_path}")
        return found[0]

    def pids(self) -> list[int]:
        """The server process and its worker processes (``--workers``)."""
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return [self.pid] + [int(p) for p in f.read().split()]
        except OSError:
            return [self.pid]

    def memory_kb(self) -> tuple[int | None, int | None]:
        """(VmRSS, RssAnon) of the server, summed over its processes: all resident memory, and the part
        not backed by files (the index segments are mmapped by each thread's searcher and count in
        VmRSS, once per mapping)."""
        found: dict[str, int] = {}
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        name = line.split(":", 1)[0]
                        if name in ("VmRSS", "RssAnon"):
                            found[name] = found.get(name, 0) + int(line.split()[1])
            except OSError:
                pass
        return found.get("VmRSS"), found.get("RssAnon")

    def cpu_seconds(self) -> float:
        """CPU time of the server's processes so far (user + system)."""
        total = 0.0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                pass
        return total

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # waitress returns on Ctrl+C
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log_file.close()


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ the clients

def _client(port: int, paths: list, offset: int, step: int, start_at: float, stop_at: float, budget: list,
            lock: threading.Lock, records: list, errors: list) -> None:
    """One client: a keep-alive connection, requests back to back until ``stop_at`` or the budget is spent."""
    conn = None
    i = offset
    mine = []
    while True:
        now = time.monotonic()
        if now >= stop_at:
            break
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        kind, path = paths[i % len(paths)]
        i += step
        if conn is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        t0 = time.perf_counter()
        status = 0
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if response.will_close:
                conn.close()
                conn = None
            if status != 200:
                errors.append((kind, path, f"HTTP {status}: {body[:160]!r}"))
        except Exception as exc:  # connection reset, timeout, ...: an error, then a new connection
            errors.append((kind, path, f"{type(exc).__name__}: {exc}"))
            if conn is not None:
                conn.close()
            conn = None
        mine.append((now, time.perf_counter() - t0, kind, status))
    if conn is not None:
        conn.close()
    records.extend(mine)


def run_clients(port: int, paths: list, clients: int, first: int, total: int, start_at: float, stop_at: float,
                max_requests: int, seed: int) -> dict:
    """``clients`` threads in this process (client numbers first..first+clients-1 of ``total``)."""
    records: list = []
    errors: list = []
    lock = threading.Lock()
    budget = [max_requests]
    rng = random.Random(seed)
    threads = [threading.Thread(target=_client, name=f"client-{first + k}", daemon=True,
                                args=(port, paths, rng.randrange(len(paths)), 7919, start_at, stop_at, budget,
                                      lock, records, errors))
               for k in range(clients)]
    cpu0 = os.times()
    while time.monotonic() < start_at:
        time.sleep(0.01)
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, stop_at - time.monotonic()) + REQUEST_TIMEOUT + 5)
    cpu1 = os.times()
    return {"records": records, "errors": errors,
            "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)}


def _proc_main(queue, *args) -> None:
    queue.put(run_clients(*args))


def drive(port: int, paths: list, clients: int, procs: int, duration: float, warmup: float, max_requests: int,
          seed: int, server: Server, sample_every: float | None = None) -> dict:
    """One level: warm-up then ``duration`` seconds of ``clients`` clients; records and server figures."""
    start_at = time.monotonic() + 0.5
    measure_from = start_at + warmup
    stop_at = measure_from + duration
    rss: list[tuple] = []  # (seconds since measuring began, VmRSS kB, RssAnon kB)
    sampler_stop = threading.Event()

    def sample():
        if sampler_stop.wait(max(0.0, measure_from - time.monotonic())):
            return
        while True:
            rss.append((round(time.monotonic() - measure_from, 1), *server.memory_kb()))
            if sampler_stop.wait(sample_every or 10.0):
                return

    sampler = threading.Thread(target=sample, daemon=True, name="rss-sampler")
    sampler.start()
    cpu_mark: dict = {}

    def mark_cpu():
        time.sleep(max(0.0, measure_from - time.monotonic()))
        cpu_mark["server0"], cpu_mark["t0"] = server.cpu_seconds(), time.monotonic()
        time.sleep(max(0.0, stop_at - time.monotonic()))
        cpu_mark["server1"], cpu_mark["t1"] = server.cpu_seconds(), time.monotonic()

    marker = threading.Thread(target=mark_cpu, daemon=True, name="cpu-marker")
    marker.start()
    if procs <= 1:
        results = [run_clients(port, paths, clients, 0, clients, start_at, stop_at, max_requests, seed)]
    else:
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        per = [clients // procs + (1 if k < clients % procs else 0) for k in range(procs)]
        children = []
        first = 0
        for k, n in enumerate(per):
            p = ctx.Process(target=_proc_main, args=(queue, port, paths, n, first, clients, start_at, stop_at,
                                                     max_requests // procs, seed + k), daemon=True)
            p.start()
            children.append(p)
            first += n
        results = [queue.get(timeout=duration + warmup + REQUEST_TIMEOUT + 120) for _ in children]
        for p in children:
            p.join(timeout=10)
    marker.join(timeout=5)
    sampler_stop.set()
    sampler.join(timeout=5)
    records = [r for res in results for r in res["records"]]
    errors = [e for res in results for e in res["errors"]]
    measured = [r for r in records if r[0] >= measure_from]
    wall = cpu_mark.get("t1", stop_at) - cpu_mark.get("t0", measure_from)
    server_cpu = (cpu_mark.get("server1", float("nan")) - cpu_mark.get("server0", float("nan"))) / wall
    client_cpu = sum(res["cpu"] for res in results) / (stop_at - start_at)
    return {"records": measured, "all_requests": len(records), "errors": errors, "duration": duration,
            "measure_from": measure_from, "rss": rss, "server_cpu": server_cpu, "client_cpu": client_cpu}


# ------------------------------------------------------------------------------------------ reporting

def summarize(records: list, duration: float) -> dict:
    ms = [r[1] * 1000 for r in records]
    return {"requests": len(ms), "rps": len(ms) / duration if duration else float("nan"),
            "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "max": max(ms) if ms else float("nan")}


def report_level(name: str, res: dict, clients: int) -> dict:
    s = summarize(res["records"], res["duration"])
    errors = res["errors"]
    by_kind = defaultdict(list)
    for r in res["records"]:
        by_kind[r[2]].append(r)
    rss = [kb for _, kb, _ in res["rss"] if kb]
    anon = [kb for _, _, kb in res["rss"] if kb]
    print(f"{name}: {clients} clients, {res['duration']:.0f} s measured")
    print(f"  {s['requests']:,} requests   {s['rps']:.1f} req/s   p50 {s['p50']:.1f} ms   p95 {s['p95']:.1f} ms   "
          f"p99 {s['p99']:.1f} ms   max {s['max']:.1f} ms   errors {len(errors)}")
    for kind in KINDS:
        if by_kind.get(kind):
            k = summarize(by_kind[kind], res["duration"])
            print(f"    {kind:<12} {k['requests']:>7,} req  {k['rps']:7.1f} req/s   p50 {k['p50']:7.1f}   "
                  f"p95 {k['p95']:7.1f}   p99 {k['p99']:7.1f}   max {k['max']:7.1f} ms")
    if rss:
        print(f"  server VmRSS {rss[0] / 1024:.1f} MiB at start, {rss[-1] / 1024:.1f} MiB at end "
              f"(max {max(rss) / 1024:.1f}; RssAnon {anon[0] / 1024:.1f} -> {anon[-1] / 1024:.1f} MiB)")
        print(f"  server CPU {res['server_cpu'] * 100:.0f} % of a core, "
              f"clients CPU {res['client_cpu'] * 100:.0f} %; load average {os.getloadavg()[0]:.1f}")
    for kind, path, what in errors[:5]:
        print(f"  ERROR {kind} {path[:120]} -> {what[:200]}")
    return {**s, "clients": clients, "errors": len(errors), "error_examples": errors[:20],
            "rss_kb_start": rss[0] if rss else None, "rss_kb_end": rss[-1] if rss else None,
            "rss_kb_max": max(rss) if rss else None, "rss_anon_kb_start": anon[0] if anon else None,
            "rss_anon_kb_end": anon[-1] if anon else None, "server_cpu": res["server_cpu"],
            "client_cpu": res["client_cpu"],
            "per_endpoint": {kind: summarize(v, res["duration"]) for kind, v in by_kind.items()}}


def report_soak(res: dict) -> dict:
    print("  VmRSS every 10 s (MiB): " + " ".join(f"{kb / 1024:.0f}" for _, kb, _ in res["rss"] if kb))
    print("  RssAnon every 10 s (MiB): " + " ".join(f"{kb / 1024:.0f}" for _, _, kb in res["rss"] if kb))
    per_minute = defaultdict(list)
    for r in res["records"]:
        per_minute[int((r[0] - res["measure_from"]) // 60)].append(r)
    print("  minute by minute:")
    minutes = []
    for minute in sorted(per_minute):
        s = summarize(per_minute[minute], 60)
        minutes.append({"minute": minute + 1, **s})
        print(f"    {minute + 1:>3}  {s['rps']:7.1f} req/s   p50 {s['p50']:6.1f}   p95 {s['p95']:6.1f}   "
              f"p99 {s['p99']:6.1f} ms")
    return {"rss_samples": res["rss"], "minutes": minutes}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, help="a Presse index (default: index seeds/ into a temp dir)")
    ap.add_argument("--clients", default="16,64", help="concurrency levels, comma-separated (default 16,64)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds measured per level (default 60)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of traffic before measuring (default 5)")
    ap.add_argument("--soak", type=float, default=None, metavar="SECONDS",
                    help="instead of the levels: one soak of this many seconds at --soak-clients, RSS every 10 s")
    ap.add_argument("--soak-clients", type=int, default=16)
    ap.add_argument("--endpoint", choices=KINDS, help="send only this kind of request")
    ap.add_argument("--client-procs", type=int, default=1, help="client processes (default 1: threads only)")
    ap.add_argument("--server-threads", type=int, default=8, help="presse serve --threads (default 8, its default)")
    ap.add_argument("--server-workers", type=int, default=1, help="presse serve --workers (default 1, its default)")
    ap.add_argument("--pool", type=int, default=None,
                    help="distinct requests drawn (default 20,000; 100,000 for a soak)")
    ap.add_argument("--max-requests", type=int, default=2_000_000, help="cap on requests per level")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    if args.soak is not None:
        levels = [args.soak_clients]
    if not levels or min(levels) < 1 or max(levels) > 256:
        ap.error("--clients: between 1 and 256 clients per level")

    tmp = None
    server = None
    try:
        if args.index is None:
            tmp = Path(tempfile.mkdtemp(prefix="presse-load-"))
            index = tmp / "index"
            log(f"indexing seeds/ into {index} (python -m presse.web index, ~20-30 s) ...")
            done = subprocess.run([sys.executable, "-m", "presse.web", "index", str(ROOT / "seeds"), "--index", str(index)],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode not in (0, 1):
                raise SystemExit(f"presse index failed ({done.returncode}): {done.stderr[-2000:]}")
        else:
            index = args.index
        articles, facet_values = read_articles(index, 800)
        pool = args.pool or (100_000 if args.soak else 20_000)
        paths = build_mix(articles, facet_values, pool, args.seed)
        del articles
        if args.endpoint:
            paths = [p for p in paths if p[0] == args.endpoint]
        stamp = time.strftime("%Y%m%d-%H%M%S")
        server = Server(index, args.server_threads, OUT / f"server-{stamp}.log", args.server_workers)
        log(f"presse serve pid {server.pid} on http://{HOST}:{server.port} (log {server.log_path})")
        idle = server.memory_kb()
        # Every request kind once, before measuring: a 200 each, or nothing is worth measuring.
        for kind in KINDS:
            sample = next((p for k, p in paths if k == kind), None)
            if sample:
                status, body = get(server.port, sample)
                if status != 200:
                    raise SystemExit(f"{sample} answered {status}: {body[:300]!r}")
        m = os.cpu_count()
        print(f"Presse under load — {index if tmp is None else 'seeds/ (temporary index)'}; "
              + (f"{len(paths):,} distinct requests of {args.endpoint} only" if args.endpoint else
                 f"{len(paths):,} distinct requests (60 % /api/search, 20 % /article, 20 % /recherche)"))
        print(f"server: python -m presse.web serve --threads {args.server_threads} --workers {args.server_workers} "
              f"(waitress), pid {server.pid}; "
              f"clients: {'threads in 1 process' if args.client_procs <= 1 else f'{args.client_procs} processes'}, "
              f"keep-alive http.client; {m} cores, load average {os.getloadavg()[0]:.1f} before the run")
        print(f"code: {code_version()}")
        print(f"server memory when started, before any request: VmRSS {idle[0] / 1024:.1f} MiB, "
              f"RssAnon {idle[1] / 1024:.1f} MiB")
        out = {"code": code_version(), "index": str(index), "endpoint": args.endpoint, "idle_vmrss_kb": idle[0], "idle_rss_anon_kb": idle[1],
               "client_procs": args.client_procs,
               "server_threads": args.server_threads, "server_workers": args.server_workers, "levels": []}
        failed = False
        for clients in levels:
            duration = args.soak if args.soak is not None else args.duration
            res = drive(server.port, paths, clients, args.client_procs, duration, args.warmup,
                        args.max_requests, args.seed + clients, server, 10.0)
            name = "soak" if args.soak is not None else "level"
            level = report_level(name, res, clients)
            if args.soak is not None:
                level.update(report_soak(res))
            out["levels"].append(level)
            failed |= bool(res["errors"])
            if not server.alive():
                print(f"the server died (exit code {server.proc.returncode}); see {server.log_path}")
                failed = True
                break
        server.stop()
        with open(server.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        warnings = len(re.findall(r"Task queue depth", text))
        tracebacks = text.count("Traceback")
        print(f"server log: {server.log_path} ({tracebacks} tracebacks, {warnings} 'Task queue depth' warnings "
              f"from waitress: requests waiting for one of its {args.server_threads} threads)")
        out.update(tracebacks=tracebacks, queue_warnings=warnings, loadavg=os.getloadavg())
        failed |= tracebacks > 0
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(out, indent=1, default=str))
        print("FAIL: errors (see above)" if failed else "OK: no errors")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
