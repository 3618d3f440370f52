"""Xapian shard servers for the benchmarks: ``xapian-tcpsrv`` on free loopback ports, started and stopped here.

    with Shards(root, 2) as shards:                     # writable, over root/shard-1, root/shard-2
        grappe = shards.cluster_file()                  # root/grappe.toml, one [[shard]] per server
        ...
    with Shards(scratch, 1, writable=False, directories=[existing_shard]) as shards:   # read-only
        grappe = shards.cluster_file()

The servers listen on 127.0.0.1 only, each in its own session (stopping one stops the processes it
forked for its connections), and die with the process that started them (``PR_SET_PDEATHSIG``),
so a benchmark killed or interrupted leaves none behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

START_TIMEOUT_S = 10.0


class ShardsUnavailable(RuntimeError):
    """The shard servers cannot be run here (``xapian-tcpsrv`` or the Xapian bindings missing, or a
    server that does not start); ``str(error)`` says which."""


def unavailable_reason() -> str | None:
    """Why a cluster cannot be benchmarked with this interpreter (None: it can)."""
    if shutil.which("xapian-tcpsrv") is None:
        return "xapian-tcpsrv is missing (apt-get install xapian-tools)"
    if importlib.util.find_spec("xapian") is None:
        return f"the Xapian Python bindings are missing in {sys.executable} (pip install -e '.[cluster]')"
    try:
        if importlib.util.find_spec("presse.search.cluster") is None:
            return "this Presse has no presse.search.cluster"
    except ImportError as exc:
        return f"presse.search.cluster cannot be imported: {exc}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    from presse.indexer.build import die_with_parent

    die_with_parent()


class Shards:
    """``n`` ``xapian-tcpsrv`` servers on free 127.0.0.1 ports, server ``i`` over ``directories[i]``
    (default ``root/shard-1`` … ``root/shard-n``, created empty); ``writable`` adds ``--writable``
    (remote writes; an empty directory becomes an empty database). Read-only servers need existing databases."""

    def __init__(self, root: Path, n: int, *, writable: bool = True, directories: list[Path] | None = None):
        self.root = Path(root)
        self.n = n
        self.writable = writable
        self.directories = [Path(d) for d in directories] if directories else \
            [self.root / f"shard-{i + 1}" for i in range(n)]
        if len(self.directories) != n:
            raise ValueError(f"{n} shards but {len(self.directories)} directories")
        self.processes: list[subprocess.Popen | None] = [None] * n
        self.ports: list[int] = []

    def __enter__(self) -> Shards:
        reason = unavailable_reason()
        if reason:
            raise ShardsUnavailable(reason)
        if not self.writable:
            missing = [str(d) for d in self.directories if not any(d.glob("iam*"))]
            if missing:
                raise ShardsUnavailable(f"no Xapian database in {', '.join(missing)}")
        self.ports = [_free_port() for _ in range(self.n)]
        try:
            for i in range(self.n):
                self.restart(i)
        except BaseException:
            self.__exit__()
            raise
        return self

    def restart(self, i: int) -> None:
        """Start server ``i`` (0-based) on its port and wait until it accepts connections."""
        directory = self.directories[i]
        directory.mkdir(parents=True, exist_ok=True)
        command = ["xapian-tcpsrv", *(["--writable"] if self.writable else []), "--interface", "127.0.0.1",
                   "--port", str(self.ports[i]), "--quiet", str(directory)]
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.root / f"xapian-tcpsrv-{i + 1}.log"
        with open(log, "ab") as stderr:
            process = self.processes[i] = subprocess.Popen(
                command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
                raise ShardsUnavailable(f"xapian-tcpsrv over {directory} exited with code {process.returncode}: "
                                        f"{error[0] if error else 'no message'} (log: {log})")
            try:
                socket.create_connection(("127.0.0.1", self.ports[i]), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise ShardsUnavailable(f"xapian-tcpsrv over {directory} does not accept connections on port "
                                f"{self.ports[i]} after {START_TIMEOUT_S:.0f} s")

    @property
    def pids(self) -> list[int]:
        """The process ids of the listening servers (each forks one process per connection)."""
        return [p.pid for p in self.processes if p is not None]

    def cluster_file(self, path: Path | None = None) -> Path:
        """Write the cluster file of these servers (default ``root/grappe.toml``) and return its path."""
        path = Path(path) if path else self.root / "grappe.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f'[[shard]]\naddress = "127.0.0.1:{p}"\n' for p in self.ports), encoding="utf-8")
        return path

    def size_bytes(self) -> int:
        """Bytes on disk of the shard directories."""
        return sum(common.dir_size(d) for d in self.directories)

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
