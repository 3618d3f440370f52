"""Crash safety: ``presse index`` and ``presse reindex`` killed with SIGKILL at random points.

The promise (``indexer.build``): batches are committed atomically, the lexicon entries of a batch
reach the disk before its commit, the index lock is released by the kernel when the writer dies,
and the next run picks up where the killed one stopped. ``presse reindex`` builds a new generation
beside the one that serves and swaps it in with one rename.

Each kill is a real ``presse index`` subprocess (``python -m presse.web index``) in its own session, killed
with ``os.killpg`` so that the writer processes of ``--procs 2`` die with it. After every kill the
index must open, never hold fewer articles than before, hold no article twice nor a torn one, serve
every article by id and find it by an accent-stripped word of its title (that word is chosen so that
it only matches through the lexicon whenever possible: that proves the lexicon parts reached the disk
before the commit that made the article visible), and the lock must be free for the next run.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from presse.indexer.analysis import Lexiconizer, fold
from presse.indexer.lexicon import LEXICON_FILE, PARTS_DIR
from presse.indexer.readers import Skip, iter_files, read_file
from presse.indexer.store import CURRENT_FILE, GENERATION_PREFIX, RootLock, current_generation, open_generation
from presse.search import Archive
from presse.search.query import Analysis

from conftest import REPO, presse_command, presse_env

SEEDS = REPO / "seeds"
SEED_TXT = SEEDS / "000_903b3f1d0023df44.txt"

SUMMARY = re.compile(  # French numbers (no-break space between thousands), 0 and 1 singular
    r"^(?P<added>[\d\xa0]+)\xa0ajoutés?, (?P<updated>[\d\xa0]+)\xa0mis à jour, (?P<removed>[\d\xa0]+)\xa0supprimés?, "
    r"(?P<unchanged>[\d\xa0]+)\xa0inchangés?, (?P<skipped>[\d\xa0]+)\xa0ignorés? — (?P<files>[\d\xa0]+)\xa0fichiers?"
)

KILLS = 20  # at least 20 are required (24 before: CI approached its 15 minutes once the cluster and wheel tests came)
BATCH = 200  # articles per commit: a run killed after a few seconds has committed something
SEED = 20241012  # the kill schedule is random but reproducible
# Kill delays: uniform in [0.3 s, MAX_DELAY + STALL_STEP × kills in a row that committed nothing]. Measured
# on 2 busy cores: a full run from scratch takes 25–30 s, a restart ~1–3 s before it writes (more as the
# index grows), a batch of 200 articles ~2 s; widening the window when runs stop making progress spreads the
# kills over the whole run on slower machines too.
MAX_DELAY = 6.0
STALL_STEP = 1.5
MAX_WINDOW = 15.0  # bounds the test's duration on a very slow machine
SLOW_CHECKS = 40  # already-verified articles searched again after each kill


# ---------------------------------------------------------------------------------------------
# Helpers


def counts(stdout: str) -> dict[str, int]:
    lines = stdout.strip().splitlines()
    assert lines, "no summary line"
    m = SUMMARY.match(lines[-1])
    assert m, stdout
    return {k: int(v.replace("\xa0", "")) for k, v in m.groupdict().items()}


def group_alive(pgid: int) -> bool:
    """True while a process of group ``pgid`` is alive (zombies, whose files are closed, do not count)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def kill_group(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGKILL the whole process group of ``proc`` (its session) and wait until every member is gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while group_alive(proc.pid):
        assert time.monotonic() < deadline, f"processes of group {proc.pid} survive SIGKILL"
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[-1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Run:
    """A ``presse`` subprocess in its own session, its output in files (no pipe to fill up)."""

    def __init__(self, args, workdir: Path):
        self.out = open(workdir / f"out-{time.monotonic_ns()}.txt", "w+", encoding="utf-8")
        self.err = open(workdir / f"err-{time.monotonic_ns()}.txt", "w+", encoding="utf-8")
        self.proc = subprocess.Popen(presse_command(*args), cwd=REPO, env=presse_env(), stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None when still running after ``timeout`` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        kill_group(self.proc)

    def output(self) -> tuple[str, str]:
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read(), self.err.read()

    def close(self) -> None:
        if self.proc.poll() is None or group_alive(self.proc.pid):
            kill_group(self.proc)
        self.out.close()
        self.err.close()


def run_to_end(args, workdir: Path, timeout: float = 900) -> tuple[int, str, str]:
    run = Run(args, workdir)
    try:
        code = run.wait(timeout)
        assert code is not None, f"presse {' '.join(map(str, args))} still running after {timeout} s"
        out, err = run.output()
        return code, out, err
    finally:
        run.close()


def expected_articles(paths) -> dict:
    """id → Article, read with the project's own readers (every file of these corpora is valid)."""
    out = {}
    for file, root in iter_files(paths):
        for item in read_file(file, root):
            assert not isinstance(item, Skip), item
            assert item.id not in out, f"duplicate id {item.id}"
            out[item.id] = item
    return out


_ANALYSIS = Analysis()
_LEXICONIZER = Lexiconizer()
_WORD = re.compile(r"[^\W\d_]{3,}")


def title_word(title: str) -> tuple[str, bool] | None:
    """An accent-stripped word of ``title`` to find the article by, and whether only the lexicon finds it.

    Preferred: a word whose accented form is indexed as a term that its folded form does not stem to
    (``capacités`` → ``capac`` but ``capacites`` → ``capacit``), then any accented word, then the longest.
    """
    best = None
    for raw in _ANALYSIS.raw_tokens(title):
        if not _WORD.fullmatch(raw):
            continue
        pairs = _LEXICONIZER.pairs(raw)
        if len(pairs) != 1:
            continue  # a stop word
        key, term = pairs[0]
        score = (key != term, not raw.isascii(), len(raw))
        if best is None or score > best[0]:
            best = (score, fold(raw.lower()), key != term)
    return (best[1], best[2]) if best else None


def index_state(root: Path) -> dict[str, str] | None:
    """id → content hash of every article in the serving generation (None when there is no index yet)."""
    if current_generation(root) is None:
        return None
    ix, _, _ = open_generation(root)
    try:
        with ix.reader() as reader:
            if reader.doc_count_all() == 0:
                return {}  # killed before its first commit: an index without segments (and columns)
            ids, hashes = reader.column_reader("id"), reader.column_reader("hash")
            docs = list(reader.all_doc_ids())
            assert reader.doc_count() == len(docs)
            state: dict[str, str] = {}
            for d in docs:
                article_id = ids[d].decode() if isinstance(ids[d], bytes) else ids[d]
                assert article_id not in state, f"article {article_id} is in the index twice"
                h = hashes[d]
                state[article_id] = h.decode() if isinstance(h, bytes) else h
            return state
    finally:
        ix.close()


def search_ids(archive: Archive, word: str) -> set[str]:
    """Ids of every article whose title matches ``word`` (all pages; no facets)."""
    found: set[str] = set()
    page = 1
    while True:
        # collapse=False: every article, versions of one dispatch included (issue 20.1)
        result = archive.search(f"titre:{word}", page=page, per_page=100, facets=(), collapse=False)
        found.update(h.id for h in result.hits)
        if page * 100 >= result.total:
            return found
        page += 1


class Checker:
    """Verifies an index against the corpus after each kill; remembers what it already verified."""

    def __init__(self, root: Path, expected: dict):
        self.root = root
        self.expected = expected
        self.words = {i: title_word(a.title) for i, a in expected.items()}
        self.previous = 0
        self.verified: set[str] = set()
        self.rng = random.Random(SEED + 1)

    def check(self, full: bool = False) -> int:
        state = index_state(self.root)
        if state is None:
            assert self.previous == 0, "the index disappeared"
            return 0
        count = len(state)
        assert count >= self.previous, f"article count went down: {self.previous} → {count}"
        self.previous = count
        unknown = set(state) - set(self.expected)
        assert not unknown, f"articles that are not in the corpus: {sorted(unknown)[:5]}"
        torn = [i for i, h in state.items() if h != self.expected[i].content_hash]
        assert not torn, f"articles whose stored content differs from the file: {torn[:5]}"
        with Archive(self.root) as archive:
            assert archive.stats().articles == count
            for article_id in state:  # every article is fetchable
                view = archive.get(article_id)
                assert view is not None, f"article {article_id} is counted but cannot be fetched"
                assert view.title == self.expected[article_id].title
            # Every article is searched by its title word once it is in the index (and a sample again
            # after each later kill; everything again at the end).
            todo = set(state) - self.verified if not full else set(state)
            old = sorted(set(state) & self.verified)
            todo |= set(self.rng.sample(old, min(SLOW_CHECKS, len(old))))
            by_word: dict[str, set[str]] = {}
            for article_id in todo:
                picked = self.words[article_id]
                if picked is not None:
                    by_word.setdefault(picked[0], set()).add(article_id)
            for word, ids in sorted(by_word.items()):
                missing = ids - search_ids(archive, word)
                assert not missing, f"titre:{word} does not find {sorted(missing)[:5]} (lexicon not on disk?)"
            self.verified |= todo
        return count


# ---------------------------------------------------------------------------------------------
# Corpus


def _seed_page() -> str:
    """The seed article cut after a few paragraphs (same title, metadata and accents; cheaper to index)."""
    out, size = [], 0
    for line in SEED_TXT.read_text(encoding="utf-8").splitlines():
        out.append(line)
        size += len(line)
        if size > 1200 and not line.strip():
            break
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def crash_corpus(tmp_path_factory) -> Path:
    """~3,000 articles: the 2,100 sample articles in 20 JSON Lines files, plus 900 .txt copies of the seed.

    Each of the 20 ``lot-NN`` folders holds one JSON Lines file and 45 pages, so every batch of 200
    articles mixes both formats.
    """
    root = tmp_path_factory.mktemp("crash-corpus")
    lines = []
    for name in ("orangesum-demo-2000.jsonl", "wikinews-fr-100.jsonl"):
        lines += [line for line in (SEEDS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 2100
    page = _seed_page()
    for n in range(20):
        lot = root / f"lot-{n:02d}"
        lot.mkdir()
        (lot / "articles.jsonl").write_text("\n".join(lines[n::20]) + "\n", encoding="utf-8")
        for k in range(45):
            (lot / f"page-{k:02d}.txt").write_text(page, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def crash_expected(crash_corpus) -> dict:
    expected = expected_articles([crash_corpus])
    assert len(expected) == 3000
    return expected


@pytest.fixture
def workdir(tmp_path) -> Path:
    d = tmp_path / "runs"
    d.mkdir()
    return d


# ---------------------------------------------------------------------------------------------
# presse index, killed


@pytest.mark.slow
def test_index_survives_random_sigkills(tmp_path, workdir, crash_corpus, crash_expected, capsys):
    rng = random.Random(SEED)
    campaign = 0
    root = tmp_path / f"index-{campaign}"
    checker = Checker(root, crash_expected)
    kills = completed = 0
    delays: list[float] = []
    progress: list[int] = []  # articles in the index after each kill
    started = time.monotonic()
    while kills < KILLS:
        procs = 2 if kills % 4 == 3 else 1
        same = next((n for n, c in enumerate(reversed(progress)) if c != checker.previous), len(progress))
        stalled = max(0, same - 1)  # the kills since the last one that found new articles
        delay = rng.uniform(0.3, min(MAX_DELAY + STALL_STEP * stalled, MAX_WINDOW))
        run = Run(["index", crash_corpus, "--index", root, "--procs", procs, "--batch-size", BATCH], workdir)
        try:
            code = run.wait(delay)
            if code is None:
                run.kill()
                kills += 1
                delays.append(delay)
            out, err = run.output()
        finally:
            run.close()
        assert "Traceback" not in err, err
        assert "écrit déjà" not in err, f"the lock of a killed run blocked the next one: {err}"
        if code is not None:
            # The run finished before its kill: the index must be complete; start a new one.
            assert code == 0, (code, out, err)
            c = counts(out)
            assert c["added"] + c["unchanged"] == len(crash_expected) and c["skipped"] == 0, out
            assert checker.check() == len(crash_expected)
            completed += 1
            campaign += 1
            root = tmp_path / f"index-{campaign}"
            checker = Checker(root, crash_expected)
            continue
        progress.append(checker.check())
        # The lock is free: a writer that died released it (the next run starts without IndexBusy).
        RootLock(root).acquire(wait=False).release()

    # Finally a run to completion, then a run that finds nothing to do.
    code, out, err = run_to_end(["index", crash_corpus, "--index", root, "--procs", 1, "--batch-size", BATCH], workdir)
    assert code == 0, (out, err)
    assert "écrit déjà" not in err and "Traceback" not in err
    c = counts(out)
    assert c["added"] + c["unchanged"] == len(crash_expected), out
    assert c["skipped"] == c["updated"] == c["removed"] == 0, out
    assert checker.check(full=True) == len(crash_expected)
    assert set(index_state(root)) == set(crash_expected)
    code, out, err = run_to_end(["index", crash_corpus, "--index", root], workdir)
    assert code == 0, (out, err)
    assert counts(out) == {"added": 0, "updated": 0, "removed": 0, "unchanged": len(crash_expected), "skipped": 0,
                           "files": 920}

    # The title-word check is sensitive to the lexicon: without it, the lexicon-only words find nothing.
    dependent = [i for i, w in checker.words.items() if w is not None and w[1]]
    assert len(dependent) >= 100, len(dependent)
    bare = tmp_path / "without-lexicon"
    gen = current_generation(root)
    shutil.copytree(gen, bare / gen.name)
    (bare / CURRENT_FILE).write_text(gen.name + "\n", encoding="utf-8")
    (bare / gen.name / LEXICON_FILE).unlink(missing_ok=True)
    shutil.rmtree(bare / gen.name / PARTS_DIR, ignore_errors=True)
    sample = random.Random(SEED).sample(dependent, 20)
    with Archive(bare) as archive:
        assert all(i not in search_ids(archive, checker.words[i][0]) for i in sample)

    with capsys.disabled():
        print(f"\n[test_crash] presse index: {kills} SIGKILLs survived "
              f"({sum(1 for k in range(kills) if k % 4 == 3)} with --procs 2), {completed} runs finished before "
              f"their kill, {campaign + 1} index(es) built, kill delays {min(delays):.1f}–{max(delays):.1f} s, "
              f"articles after each kill {progress}, {time.monotonic() - started:.0f} s")


class Crash(BaseException):
    """Stands for the process dying right after a commit."""


@pytest.mark.parametrize("procs", [1, 2])
def test_lexicon_reaches_the_disk_before_the_commit(tmp_path, monkeypatch, crash_corpus, procs):
    """Deterministic version of the title-word check: the run dies right after its first commit."""
    from whoosh.multiproc import MpWriter
    from whoosh.writing import SegmentWriter

    from presse.indexer.build import update_index

    paths = [lot / "articles.jsonl" for lot in sorted(crash_corpus.glob("lot-*"))[:3]]
    expected = expected_articles(paths)
    for cls in (SegmentWriter, MpWriter):
        original = cls.commit

        def commit(self, *args, _original=original, **kwargs):
            _original(self, *args, **kwargs)
            raise Crash()

        monkeypatch.setattr(cls, "commit", commit)
    root = tmp_path / "index"
    with pytest.raises(Crash):
        update_index(root, paths, procs=procs, batch_size=100)
    monkeypatch.undo()
    checker = Checker(root, expected)
    assert checker.check(full=True) == 100
    dependent = [i for i in index_state(root) if checker.words[i] and checker.words[i][1]]
    assert len(dependent) >= 10, dependent  # these are found through the lexicon only


# ---------------------------------------------------------------------------------------------
# presse reindex, killed


def _generations(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))


@pytest.mark.slow
def test_reindex_killed_midway_keeps_serving_the_previous_generation(tmp_path, workdir, crash_corpus, crash_expected):
    from presse.indexer.build import update_index

    lots = sorted(crash_corpus.glob("lot-*"))
    old_paths = [lots[0] / "articles.jsonl", lots[1] / "articles.jsonl"]
    new_paths = [lot / "articles.jsonl" for lot in lots[:8]]
    old_expected = expected_articles(old_paths)
    new_expected = expected_articles(new_paths)
    root = tmp_path / "index"
    update_index(root, old_paths, procs=1)
    old_gen = current_generation(root)
    checker = Checker(root, {**old_expected})
    assert checker.check(full=True) == len(old_expected)

    rng = random.Random(SEED + 2)
    run = Run(["reindex", *new_paths, "--index", root, "--procs", 1, "--batch-size", 100], workdir)
    try:
        # Kill it in the middle: once the new generation has committed a first batch, after a random delay.
        deadline = time.monotonic() + 300
        while True:
            assert run.proc.poll() is None, run.output()
            building = [g for g in _generations(root) if g != old_gen]
            if building and any(int(t.stem.rsplit("_", 1)[1]) >= 1 for t in building[0].glob("_MAIN_*.toc")):
                break  # _MAIN_0.toc is the empty index, _MAIN_1.toc its first commit
            assert time.monotonic() < deadline, "the reindex never committed a batch"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        assert run.proc.poll() is None, "the reindex finished before it could be killed"
        run.kill()
    finally:
        run.close()

    # The previous generation still serves, whole; the half-built one is not the current one.
    assert current_generation(root) == old_gen
    assert checker.check(full=True) == len(old_expected)
    half_built = [g for g in _generations(root) if g != old_gen]
    assert len(half_built) <= 1
    RootLock(root).acquire(wait=False).release()

    # The next reindex completes, swaps, and removes both the old and the half-built generations.
    code, out, err = run_to_end(["reindex", *new_paths, "--index", root, "--procs", 1, "--batch-size", 100], workdir)
    assert code == 0, (out, err)
    assert counts(out)["added"] == len(new_expected)
    new_gen = current_generation(root)
    assert new_gen != old_gen and new_gen not in half_built
    assert _generations(root) == [new_gen]
    checker = Checker(root, new_expected)
    assert checker.check(full=True) == len(new_expected)


# ---------------------------------------------------------------------------------------------
# The multiprocess writer: a writer process or the main process dies alone


def _jsonl_corpus(crash_corpus: Path, lots: int) -> list[Path]:
    return [lot / "articles.jsonl" for lot in sorted(crash_corpus.glob("lot-*"))[:lots]]


def _wait_for_busy_child(run: Run, min_cpu: float = 0.5, timeout: float = 300) -> list[int]:
    """The writer processes of ``run`` once one of them has been indexing for ``min_cpu`` CPU seconds."""
    deadline = time.monotonic() + timeout
    while True:
        assert run.proc.poll() is None, run.output()
        kids = children(run.proc.pid)
        if kids and max(cpu_seconds(k) for k in kids) >= min_cpu:
            return sorted(kids, key=cpu_seconds, reverse=True)
        assert time.monotonic() < deadline, "no writer process started"
        time.sleep(0.02)


@pytest.mark.slow
def test_lock_is_released_when_the_main_process_dies_alone(tmp_path, workdir, crash_corpus):
    # 2,100 articles: more than Whoosh's job queue holds (procs × 4 jobs of 100 articles), so the main
    # process is still handing out jobs when it is killed.
    paths = _jsonl_corpus(crash_corpus, 20)
    root = tmp_path / "index"
    run = Run(["index", *paths, "--index", root, "--procs", 2, "--batch-size", 100000], workdir)
    try:
        _wait_for_busy_child(run, min_cpu=0.2)
        os.kill(run.proc.pid, signal.SIGKILL)  # the main process only, as the OOM killer would
        run.proc.wait(timeout=60)
        # The dead process's lock must not outlive it for long (writer processes may finish a job file).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and group_alive(run.proc.pid):
            time.sleep(0.2)
        code, out, err = run_to_end(["index", *paths, "--index", root, "--procs", 1], workdir, timeout=600)
        assert "écrit déjà" not in err, err
        assert code == 0, (out, err)
    finally:
        run.close()  # kills the orphaned writer processes (same process group)


@pytest.mark.slow
def test_a_writer_process_killed_alone_loses_no_article(tmp_path, workdir, crash_corpus):
    paths = _jsonl_corpus(crash_corpus, 6)
    expected = expected_articles(paths)
    root = tmp_path / "index"
    run = Run(["index", *paths, "--index", root, "--procs", 2, "--batch-size", 100000], workdir)
    try:
        kids = _wait_for_busy_child(run, min_cpu=0.5)
        os.kill(kids[0], signal.SIGKILL)  # one writer process, busy with a job of 100 articles
        code = run.wait(300)
        out, err = run.output()
    finally:
        run.close()
    indexed = len(index_state(root) or {})
    # Either the run says it failed, or every article it reports as added is in the index...
    assert code != 0 or indexed == counts(out)["added"] == len(expected), (code, out, err, indexed)
    # ...and in any case the next run completes the index.
    code, out, err = run_to_end(["index", *paths, "--index", root, "--procs", 1], workdir)
    assert code == 0, (out, err)
    assert set(index_state(root)) == set(expected)


# ---------------------------------------------------------------------------------------------
# Batches that commit separately: a segment without a column must not break search


def test_search_after_a_batch_of_articles_without_source(tmp_path):
    from presse.indexer.build import update_index

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    lines = (SEEDS / "orangesum-demo-2000.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    (first / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (second / "note.txt").write_text("Un titre\n\nUn texte sur le pétrole.\n", encoding="utf-8")
    root = tmp_path / "index"
    update_index(root, [first], procs=1)
    update_index(root, [second], procs=1)  # a second commit: a segment whose articles have no source
    with Archive(root) as archive:
        assert archive.stats().articles == 6
        page = archive.search("pétrole")
        assert "note" in {h.id for h in page.hits}
