"""Real Xapian shard servers for the cluster tests: ``xapian-tcpsrv`` processes on free loopback
ports over temporary directories (no mocks); ``conftest`` starts and stops them.

Tests that need servers are skipped, with the reason, when the ``xapian`` bindings or
``xapian-tcpsrv`` are missing (``pip install -e '.[cluster]'``, ``apt-get install xapian-tools``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from presse.indexer.build import die_with_parent

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
START_SECONDS = 10.0


def need_xapian() -> None:
    """Skip the calling test when the cluster cannot run here; fail it when ``$CI`` is set (CI
    installs both: .ci/run and the test extra), as the browser tests do."""
    try:
        import xapian  # noqa: F401
    except ImportError:
        _unavailable("les liaisons Python de Xapian manquent (pip install -e '.[cluster]')")
    if shutil.which("xapian-tcpsrv") is None:
        _unavailable("xapian-tcpsrv manque (apt-get install xapian-tools)")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} ; CI est défini : les tests de grappe doivent tourner")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ShardServer:
    """One ``xapian-tcpsrv`` over ``directory``, bound to 127.0.0.1 (writable unless ``readonly``)."""

    def __init__(self, directory: Path, readonly: bool = False, port: int | None = None,
                 idle_timeout_ms: int | None = None):
        self.directory = directory
        self.readonly = readonly
        self.idle_timeout_ms = idle_timeout_ms
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ShardServer:
        args = ["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(self.port), "--quiet"]
        if not self.readonly:
            args.append("--writable")
        if self.idle_timeout_ms is not None:
            args += ["--idle-timeout", str(self.idle_timeout_ms)]
        log = self.directory.parent / f"{self.directory.name}-{self.port}.log"  # not a pipe: it could fill up
        with open(log, "ab") as err:
            # Killed with the test process even when it crashes (no server left behind).
            self.process = subprocess.Popen(args + [str(self.directory)], stdout=subprocess.DEVNULL, stderr=err,
                                            start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"xapian-tcpsrv s'est arrêté : {log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"xapian-tcpsrv ne répond pas sur le port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and the processes it forked for its connections."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def cluster_file(path: Path, shards: list[ShardServer], replicas: dict[int, list[ShardServer]] | None = None) -> Path:
    """Write the cluster file of ``shards`` (with ``replicas`` by shard index) to ``path``."""
    lines = []
    for i, server in enumerate(shards):
        lines += ["[[shard]]", f'address = "{server.address}"']
        copies = (replicas or {}).get(i, [])
        if copies:
            lines.append("replicas = [" + ", ".join(f'"{c.address}"' for c in copies) + "]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def under_load(step, shard: ShardServer, threads: int = 4, before: float = 0.3, down: float = 0.6,
               after: float = 0.3, wait=None) -> None:
    """Call ``step()`` without pause from ``threads`` threads while ``shard`` is SIGKILLed after
    ``before`` seconds, started again ``down`` seconds later (then ``wait()``, when given), and
    searched ``after`` seconds more; ``step`` records what it sees."""
    import threading

    stop = threading.Event()

    def loop():
        while not stop.is_set():
            step()

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    try:
        time.sleep(before)
        shard.kill()
        time.sleep(down)
        shard.start()
        if wait is not None:
            wait()
        time.sleep(after)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=30)
