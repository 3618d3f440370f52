"""Concurrency and failing disks: what happens to an index while it is being written.

* ``presse reindex`` while ``presse serve`` answers queries under load: no request fails, each answer
  is wholly from the old or wholly from the new generation, the swap is seen, the old generation is
  deleted after the grace period.
* Two ``presse index`` at once on one index: the second stops with a French message (exit 3), or waits
  with ``--wait``; the index is consistent afterwards.
* A read-only index directory or a full disk: a clear French error (exit 3, no traceback) and the
  previous index intact and searchable. Real file systems (tmpfs, read-only bind mounts: skipped where
  ``mount`` is not allowed) and, always, injected faults in the low-level write paths.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from presse.indexer import lexicon
from presse.indexer.analysis import fold
from presse.indexer.build import reindex, update_index
from presse.indexer.readers import Skip, iter_files, read_file
from presse.indexer.store import GENERATION_PREFIX, LOCK_FILE, PresseIndexError, current_generation, open_generation
from presse.search import Archive

from conftest import REPO, presse_command, presse_env

SEEDS = REPO / "seeds"
UNIQUE = "zyxorbium"  # a word only in corpus B


# ---------------------------------------------------------------------------------------------
# Helpers


def run_presse(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(presse_command(*args), cwd=REPO, env=presse_env(), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def sample_lines(start: int, stop: int) -> list[str]:
    lines = (SEEDS / "orangesum-demo-2000.jsonl").read_text(encoding="utf-8").splitlines()
    return lines[start:stop]


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected_articles(paths) -> dict:
    out = {}
    for file, root in iter_files(paths):
        for item in read_file(file, root):
            assert not isinstance(item, Skip), item
            out[item.id] = item
    return out


def index_state(root: Path) -> dict[str, str]:
    """id → content hash of every article in the serving generation; no article twice."""
    ix, _, _ = open_generation(root)
    try:
        with ix.reader() as reader:
            state: dict[str, str] = {}
            if reader.doc_count_all() == 0:
                return state  # an index without segments has no columns
            ids, hashes = reader.column_reader("id"), reader.column_reader("hash")
            for d in reader.all_doc_ids():
                article_id = ids[d].decode() if isinstance(ids[d], bytes) else ids[d]
                assert article_id not in state, f"{article_id} is in the index twice"
                state[article_id] = hashes[d].decode() if isinstance(hashes[d], bytes) else hashes[d]
            return state
    finally:
        ix.close()


def assert_serves(root: Path, expected: dict, exactly: bool = True) -> dict[str, str]:
    """The index at ``root`` opens, holds ``expected`` (exactly, or at least), unchanged, each article
    fetchable and found by a search for its id-specific title."""
    state = index_state(root)
    if exactly:
        assert set(state) == set(expected), (len(state), len(expected))
    else:
        assert set(expected) <= set(state), sorted(set(expected) - set(state))[:5]
    for article_id, h in state.items():
        if article_id in expected:
            assert h == expected[article_id].content_hash, article_id
    with Archive(root) as archive:
        assert archive.stats().articles == len(state)
        for article_id in expected:
            view = archive.get(article_id)
            assert view is not None and view.title == expected[article_id].title, article_id
        for article_id, article in list(expected.items())[:25]:
            word = title_word(article.title)
            if word is not None:
                assert article_id in search_ids(archive, f"titre:{word}"), (word, article.title)
    return state


def title_word(title: str) -> str | None:
    """The longest word of ``title`` (accents stripped), preferring accented ones."""
    words = [w for w in re.findall(r"[^\W\d_]{4,}", title)]
    if not words:
        return None
    return fold(max(words, key=lambda w: (not w.isascii(), len(w))).lower())


def search_ids(archive: Archive, q: str) -> set[str]:
    found: set[str] = set()
    page = 1
    while True:
        # collapse=False: every article, versions of one dispatch included (issue 20.1)
        result = archive.search(q, page=page, per_page=100, facets=(), collapse=False)
        found.update(h.id for h in result.hits)
        if page * 100 >= result.total:
            return found
        page += 1


def generations(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``presse serve`` on 127.0.0.1 in a subprocess; always stopped by ``stop()``."""

    def __init__(self, index: Path, workdir: Path):
        self.index = index
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 120) -> Server:
        for _ in range(3):  # the free port may be taken between the probe and the bind: retry
            port = free_port()
            self.log = open(self.workdir / f"serve-{port}.log", "w+", encoding="utf-8")
            self.proc = subprocess.Popen(
                presse_command("serve", "--host", "127.0.0.1", "--port", port, "--index", self.index, "--threads", 8),
                cwd=REPO, env=presse_env(), stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                self.log.seek(0)
                if "Presse écoute sur" in self.log.read():
                    return self
                time.sleep(0.1)
            self.stop()
        raise AssertionError(f"presse serve did not start: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def get(self, path: str, timeout: float = 120) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@pytest.fixture
def serve_factory(tmp_path):
    servers: list[Server] = []

    def start(index: Path) -> Server:
        server = Server(index, tmp_path)
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


# ---------------------------------------------------------------------------------------------
# presse reindex while presse serve answers


QUERIES = ["voiture", "football", "gouvernement", "prix", "France", UNIQUE, "titre:nouvelle"]


def _signature(body: dict) -> tuple:
    """What identifies an answer (not its timing): total, hits in order, facets, suggestion."""
    return (body["total"], tuple(h["id"] for h in body["hits"]), json.dumps(body["facets"], sort_keys=True),
            body["suggestion"])


@pytest.mark.slow
def test_reindex_while_serving_queries_under_load(tmp_path, serve_factory):
    corpus_a = tmp_path / "a"
    corpus_b = tmp_path / "b"
    write_jsonl(corpus_a / "a.jsonl", sample_lines(0, 400))
    write_jsonl(corpus_b / "b.jsonl", sample_lines(400, 800))
    exclusive = [json.dumps({"id": f"exclusif-{n}", "title": f"Le {UNIQUE} numéro {n}", "date": "2024-10-12",
                             "source": "Presse Test", "body": f"Un article sur le {UNIQUE}, nouveau métal."},
                            ensure_ascii=False) for n in range(3)]
    write_jsonl(corpus_b / "exclusif.jsonl", exclusive)
    root = tmp_path / "index"
    update_index(root, [corpus_a], procs=1)
    old_gen = current_generation(root)

    server = serve_factory(root)
    paths = {q: "/api/search?" + urllib.parse.urlencode({"q": q}) for q in QUERIES}

    def ask(q: str) -> dict:
        status, raw = server.get(paths[q])
        assert status == 200, (q, status, raw[:500])
        return json.loads(raw)

    old = {q: _signature(ask(q)) for q in QUERIES}
    assert old[UNIQUE][0] == 0, "the word of corpus B is found before the reindex"

    stop = threading.Event()
    lock = threading.Lock()
    answers: list[list[tuple[str, float, tuple | None, str | None]]] = [[] for _ in range(8)]
    cap = 6000  # a bound on the load; with the pacing below it is not reached in a normal run
    pace = 0.05  # seconds between two requests of one client: at most ~160 requests per second
    total = [0]

    def client(n: int) -> None:
        k = n
        while not stop.is_set():
            with lock:
                if total[0] >= cap:
                    return
                total[0] += 1
            q = QUERIES[k % len(QUERIES)]
            k += 1
            try:
                status, raw = server.get(paths[q])
                if status != 200:
                    answers[n].append((q, time.monotonic(), None, f"HTTP {status}: {raw[:200]!r}"))
                    continue
                answers[n].append((q, time.monotonic(), _signature(json.loads(raw)), None))
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                answers[n].append((q, time.monotonic(), None, f"{type(exc).__name__}: {exc}"))
            stop.wait(pace)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(8)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        reindex_started = time.monotonic()
        result = run_presse("reindex", corpus_a, corpus_b, "--index", root)
        reindex_done = time.monotonic()
        assert result.returncode == 0, (result.stdout, result.stderr)
        time.sleep(3.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=180)
    assert not any(t.is_alive() for t in threads)

    # The new generation serves; the old one was removed after the grace period.
    new_gen = current_generation(root)
    assert new_gen != old_gen
    assert generations(root) == [new_gen]
    new = {q: _signature(ask(q)) for q in QUERIES}
    assert new[UNIQUE][0] == 3, "the word of corpus B is not found after the reindex"
    changed = [q for q in QUERIES if old[q] != new[q]]
    assert len(changed) >= 4, changed

    failures = [(q, err) for per in answers for q, _, _, err in per if err]
    assert not failures, f"{len(failures)} failed requests, e.g. {failures[:3]}"
    count = sum(len(per) for per in answers)
    assert count >= 100, count
    during = sum(1 for per in answers for _, at, _, _ in per if reindex_started <= at <= reindex_done)
    assert during > 0, "no request was answered while the reindex ran"
    saw_old = saw_new = 0
    for per in answers:
        seen_new = False
        for q, _, sig, _ in per:
            assert sig in (old[q], new[q]), f"an answer to {q!r} is neither the old nor the new one: {sig[:2]}"
            if old[q] == new[q]:
                continue
            if sig == new[q]:
                seen_new = True
                saw_new += 1
            else:
                assert not seen_new, f"a client got an old answer to {q!r} after a new one"
                saw_old += 1
    assert saw_old and saw_new, (saw_old, saw_new)
    print(f"\n[test_concurrency] {count} requests ({during} during the reindex), 0 failed; "
          f"{saw_old} old and {saw_new} new answers; reindex {reindex_done - reindex_started:.1f} s")


# ---------------------------------------------------------------------------------------------
# Two writers


@pytest.mark.slow
def test_two_index_runs_at_once(tmp_path):
    corpus = tmp_path / "corpus"
    for n in range(5):
        write_jsonl(corpus / f"part-{n}.jsonl", sample_lines(n * 200, n * 200 + 200))
    expected = expected_articles([corpus])
    root = tmp_path / "index"
    first = subprocess.Popen(presse_command("index", corpus, "--index", root, "--procs", 1), cwd=REPO, env=presse_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    waiting = None
    try:
        # Wait until the first run holds the lock (it writes its pid into .lock once it has it).
        deadline = time.monotonic() + 120
        while True:
            assert first.poll() is None, first.communicate()
            try:
                if (root / LOCK_FILE).read_text().strip() == str(first.pid):
                    break
            except FileNotFoundError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.02)

        second = run_presse("index", corpus, "--index", root, "--procs", 1)
        assert first.poll() is None, "the first run ended too early for the test to mean something"
        assert second.returncode == 3, (second.stdout, second.stderr)
        assert second.stdout == ""
        err = second.stderr.strip()
        assert "Traceback" not in err
        assert err.startswith("Erreur : Un autre processus"), err
        assert f"(processus {first.pid})" in err and "écrit déjà dans l'index" in err and str(root) in err, err
        assert "--wait" in err, err

        waiting = subprocess.Popen(presse_command("index", corpus, "--index", root, "--wait"), cwd=REPO, env=presse_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   stdin=subprocess.DEVNULL)
        out1, err1 = first.communicate(timeout=900)
        assert first.returncode == 0, (out1, err1)
        out3, err3 = waiting.communicate(timeout=900)
    finally:
        for p in (first, waiting):
            if p is not None and p.poll() is None:
                p.kill()
                p.communicate()
    assert waiting.returncode == 0, (out3, err3)
    n = f"{len(expected):,}".replace(",", " ")  # French numbers: 0 and 1 singular (expected has more)
    assert out1.replace("\xa0", " ").strip().startswith(f"{n} ajoutés, 0 mis à jour, 0 supprimé, 0 inchangé, 0 ignoré"), out1
    # The waiting run started while the first one wrote, waited, then found everything done.
    assert out3.replace("\xa0", " ").strip().startswith(f"0 ajouté, 0 mis à jour, 0 supprimé, {n} inchangés, 0 ignoré"), out3
    assert_serves(root, expected)


# ---------------------------------------------------------------------------------------------
# Read-only directory, full disk: real file systems


def _mount(*args) -> None:
    result = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"mount is not allowed here: {result.stderr.strip()}")


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_corpora(tmp_path):
    a = write_jsonl(tmp_path / "corpus-a" / "a.jsonl", sample_lines(1000, 1040)).parent
    b = write_jsonl(tmp_path / "corpus-b" / "b.jsonl", sample_lines(1040, 1100)).parent
    return a, b


def _assert_clear_error(result: subprocess.CompletedProcess, french: str) -> None:
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Erreur : "), result.stderr
    assert french in result.stderr, result.stderr


@pytest.fixture
def read_only_bind(tmp_path):
    mounted: list[Path] = []

    def make(path: Path) -> None:
        if shutil.which("mount") is None:
            pytest.skip("no mount command")
        _mount("--bind", path, path)
        mounted.append(path)
        _mount("-o", "remount,bind,ro", path)
        probe = path / ".probe"
        try:
            probe.touch()
        except OSError as exc:
            assert exc.errno == errno.EROFS
        else:
            probe.unlink()
            pytest.skip("the read-only bind mount is writable here")

    try:
        yield make
    finally:
        for path in reversed(mounted):
            _umount(path)


def test_read_only_generation_gives_a_french_error_and_keeps_the_index(tmp_path, small_corpora, read_only_bind):
    a, b = small_corpora
    root = tmp_path / "index"
    update_index(root, [a], procs=1)
    expected = expected_articles([a])
    read_only_bind(current_generation(root))  # the index files; the root (and its .lock) stay writable
    result = run_presse("index", b, "--index", root)
    _assert_clear_error(result, "le dossier de l'index n'est pas accessible en écriture")
    assert "L'index précédent est intact" in result.stderr
    assert_serves(root, expected)


def test_read_only_index_root_gives_a_french_error(tmp_path, small_corpora, read_only_bind):
    a, b = small_corpora
    source = tmp_path / "disk"
    root = source / "index"
    update_index(root, [a], procs=1)
    expected = expected_articles([a])
    read_only_bind(source)
    for command in ("index", "reindex"):
        result = run_presse(command, b, "--index", root)
        assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
        assert_serves(root, expected)
        _assert_clear_error(result, "n'est pas accessible en écriture")


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """An 8 MB tmpfs (skipped where mounting is not allowed)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt)
    try:
        yield mnt
    finally:
        _umount(mnt)


def fill(directory: Path, leave: int) -> Path:
    """Fill the file system of ``directory`` up to ``leave`` free bytes."""
    filler = directory / "filler"
    chunk = b"\0" * (1 << 16)
    # Unbuffered: with a buffer, the bytes that did not fit were flushed again, and failed again, on
    # close (whether any were left depended on the free space modulo the buffer size).
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 32 * 1024, 200 * 1024])
def test_full_disk_gives_a_french_error_and_keeps_the_index(tiny_tmpfs, small_corpora, leave):
    a, b = small_corpora
    root = tiny_tmpfs / "index"
    update_index(root, [a], procs=1)
    expected = expected_articles([a])
    filler = fill(tiny_tmpfs, leave=leave)
    result = run_presse("index", b, "--index", root)
    _assert_clear_error(result, "le disque est plein")
    assert "L'index précédent est intact" in result.stderr
    assert_serves(root, expected)
    # Once there is room again, the next run completes the index.
    filler.unlink()
    result = run_presse("index", b, "--index", root)
    assert result.returncode == 0, result.stderr
    assert_serves(root, {**expected, **expected_articles([b])})


def test_full_disk_reindex_keeps_the_previous_generation(tiny_tmpfs, small_corpora):
    a, b = small_corpora
    root = tiny_tmpfs / "index"
    update_index(root, [a], procs=1)
    expected = expected_articles([a])
    old_gen = current_generation(root)
    filler = fill(tiny_tmpfs, leave=64 * 1024)  # room for the new generation's first files only
    result = run_presse("reindex", a, b, "--index", root)
    _assert_clear_error(result, "le disque est plein")
    assert current_generation(root) == old_gen
    assert generations(root) == [old_gen], "the half-built generation was left behind"
    assert_serves(root, expected)
    filler.unlink()
    result = run_presse("reindex", a, b, "--index", root)
    assert result.returncode == 0, result.stderr
    assert generations(root) == [current_generation(root)] != [old_gen]
    assert_serves(root, {**expected, **expected_articles([b])})


def test_full_disk_reindex_before_the_new_generation_exists(tiny_tmpfs, small_corpora):
    a, b = small_corpora
    root = tiny_tmpfs / "index"
    update_index(root, [a], procs=1)
    expected = expected_articles([a])
    old_gen = current_generation(root)
    fill(tiny_tmpfs, leave=0)
    result = run_presse("reindex", a, b, "--index", root)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
    assert current_generation(root) == old_gen
    assert_serves(root, expected)
    _assert_clear_error(result, "le disque est plein")
    assert generations(root) == [old_gen], "a half-created generation was left behind"


# ---------------------------------------------------------------------------------------------
# Injected faults (always run): the low-level write paths fail in the middle of a run


class Faults:
    """Make a write path raise ``OSError(code)`` from its ``fail_at``-th call on."""

    def __init__(self, code: int, fail_at: int):
        self.code = code
        self.fail_at = fail_at
        self.calls = 0
        self.raised = 0

    def hit(self, what) -> None:
        self.calls += 1
        if self.calls >= self.fail_at:
            self.raised += 1
            raise OSError(self.code, os.strerror(self.code), str(what))


def _inject(monkeypatch, target: str, faults: Faults) -> None:
    if target == "whoosh":
        original = FileStorage.create_file

        def create_file(self, name, *args, **kwargs):
            faults.hit(name)
            return original(self, name, *args, **kwargs)

        monkeypatch.setattr(FileStorage, "create_file", create_file)
    elif target == "lexicon":
        # The lexicon writes its files through indexer.files (parts with atomic_write, lexicon.json
        # with atomic_file): each write fails as opening its file would.
        for name in ("atomic_write", "atomic_file"):
            real = getattr(lexicon, name)

            def failing(path, *args, _real=real, **kwargs):
                faults.hit(path)
                return _real(path, *args, **kwargs)

            monkeypatch.setattr(lexicon, name, failing)
    else:
        raise ValueError(target)


def failure(fn) -> tuple[str, int | None]:
    """Run ``fn``, which must raise ``PresseIndexError``: its message and the errno of its cause.

    Nothing of the exception is kept: its traceback holds the failed Whoosh writer, whose index lock is
    released when the writer is freed (as it is for any caller that handles the error and moves on).
    """
    try:
        fn()
    except PresseIndexError as exc:
        return str(exc), getattr(exc.__cause__, "errno", None)
    raise AssertionError("no PresseIndexError")


MESSAGES = {errno.ENOSPC: "le disque est plein", errno.EROFS: "le dossier de l'index n'est pas accessible en écriture",
            errno.EACCES: "le dossier de l'index n'est pas accessible en écriture"}


@pytest.mark.parametrize("target, code, fail_at", [
    ("whoosh", errno.ENOSPC, 1),  # the first file of the first batch's segment
    ("whoosh", errno.ENOSPC, 12),  # inside a segment
    ("whoosh", errno.ENOSPC, 40),  # a later batch, after some have been committed
    ("lexicon", errno.ENOSPC, 1),  # the lexicon part written before the first commit
    ("lexicon", errno.ENOSPC, 3),  # the lexicon part of a later batch
    ("whoosh", errno.EROFS, 5),
    ("whoosh", errno.EACCES, 20),
])
def test_injected_write_error_mid_run(tmp_path, monkeypatch, target, code, fail_at):
    a = write_jsonl(tmp_path / "a" / "a.jsonl", sample_lines(1200, 1260)).parent
    b = write_jsonl(tmp_path / "b" / "b.jsonl", sample_lines(1260, 1400)).parent
    expected_a, expected_b = expected_articles([a]), expected_articles([b])
    root = tmp_path / "index"
    update_index(root, [a], procs=1)

    faults = Faults(code, fail_at)
    with monkeypatch.context() as m:
        _inject(m, target, faults)
        message, cause = failure(lambda: update_index(root, [b], procs=1, batch_size=30))
    assert faults.raised >= 1
    assert MESSAGES[code] in message, message
    assert f"Impossible d'écrire l'index {root}" in message and "L'index précédent est intact" in message
    assert cause == code

    # Everything from before is intact; the batches committed before the failure are whole.
    state = assert_serves(root, expected_a, exactly=False)
    assert set(state) <= set(expected_a) | set(expected_b)
    assert (len(state) - len(expected_a)) % 30 == 0, len(state)
    for article_id in set(state) & set(expected_b):
        assert state[article_id] == expected_b[article_id].content_hash
    # The next run (the disk has room again) completes the index, and the one after changes nothing.
    summary = update_index(root, [b], procs=1, batch_size=30)
    assert summary.added == len(expected_b) - (len(state) - len(expected_a)) and not summary.skipped
    assert_serves(root, {**expected_a, **expected_b})
    again = update_index(root, [a, b], procs=1)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, len(expected_a) + len(expected_b))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_injected_write_error_during_reindex(tmp_path, monkeypatch, code):
    a = write_jsonl(tmp_path / "a" / "a.jsonl", sample_lines(1400, 1450)).parent
    b = write_jsonl(tmp_path / "b" / "b.jsonl", sample_lines(1450, 1500)).parent
    expected_a = expected_articles([a])
    root = tmp_path / "index"
    update_index(root, [a], procs=1)
    old_gen = current_generation(root)
    faults = Faults(code, 8)  # after the new generation exists, while its articles are written
    with monkeypatch.context() as m:
        _inject(m, "whoosh", faults)
        message, cause = failure(lambda: reindex(root, [a, b], procs=1, batch_size=20, grace_seconds=0))
    assert MESSAGES[code] in message and cause == code
    assert current_generation(root) == old_gen
    assert generations(root) == [old_gen], "the half-built generation was not removed"
    assert_serves(root, expected_a)
    reindex(root, [a, b], procs=1, grace_seconds=0)
    assert generations(root) == [current_generation(root)] != [old_gen]
    assert_serves(root, {**expected_a, **expected_articles([b])})
