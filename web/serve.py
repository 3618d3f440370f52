"""Serving the app: waitress, one log line per request, and ``serve --get`` through the test client."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

from waitress.server import create_server

from presse.indexer.build import die_with_parent
from presse.search import Archive, ArchiveNotFound, PresseIndexError

log = logging.getLogger("presse.web")


class RequestLog:
    """WSGI middleware: logs ``GET /recherche?q=iran 200 12.3 ms`` once the response has been sent."""

    def __init__(self, app, logger: logging.Logger = log):
        self.app = app
        self.logger = logger

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = ["-"]

        def start(code, headers, exc_info=None):
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        def done():
            path = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
            self.logger.info("%s %s %s %.1f ms", environ.get("REQUEST_METHOD", "-"), path, status[0],
                             (time.perf_counter() - started) * 1000)

        try:
            body = self.app(environ, start)
        except BaseException:
            status[0] = "500"
            done()
            raise
        return _ClosingIterable(body, done)


class _ClosingIterable:
    """The app's response body, calling ``done`` when the server closes it (after the last byte)."""

    def __init__(self, body, done):
        self.body = body
        self.done = done

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


def make_server(app, host: str = "127.0.0.1", port: int = 8000, threads: int = 8):
    """A waitress server for ``app`` (with request logging); ``port=0`` picks a free port
    (``server.effective_port``)."""
    return create_server(RequestLog(app), host=host, port=port, threads=threads, ident="presse")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, for worker processes to share (``port=0``: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024, reuse_port=False)
    sock.set_inheritable(True)
    return sock


def run_workers(make_app: Callable[[], object], sock: socket.socket, workers: int, threads: int) -> int:
    """Serve ``sock`` from ``workers`` forked processes, each with its own app and ``threads``
    waitress threads, until SIGINT or SIGTERM; a worker that dies is replaced. Returns 0.

    Python threads share one interpreter lock: a single process uses one core for Python work,
    however many threads it has. Worker processes accepting on one listening socket use them all
    (the kernel hands each connection to one of them). Each worker opens the index itself, after
    the fork, so no file or lock is shared between processes.
    """
    children: dict[int, float] = {}
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                _worker(make_app, sock, threads)
            except BaseException:  # noqa: BLE001 - logged, then the parent replaces this worker
                log.exception("worker %d stopped on an error", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            spawn()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            log.warning("worker %d ended (status %d); starting another", pid, status)
            if time.monotonic() - started < 1.0:
                time.sleep(1.0)  # a worker that cannot start must not spin
            spawn()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    return 0


def _worker(make_app: Callable[[], object], sock: socket.socket, threads: int) -> None:
    """One worker process: its own app and waitress server on the shared socket, until SIGTERM/SIGINT."""
    die_with_parent(signal.SIGTERM)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    app = make_app()
    archive = app.extensions.get("presse")
    if archive is not None:
        archive.warm_up()
    server = create_server(RequestLog(app), sockets=[sock], threads=threads, ident="presse")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def socket_url(sock: socket.socket) -> str:
    """The http:// address of a listening socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def server_url(server) -> str:
    host = server.effective_host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.effective_port}"


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def needs_sample(index_dir: Path) -> bool:
    """True when there is no index at ``index_dir`` or it holds no article (an incompatible one is left alone)."""
    try:
        with Archive(index_dir) as archive:
            return archive.stats().articles == 0
    except ArchiveNotFound:
        return True
    except PresseIndexError:
        return False


def get_page(app, path: str):
    """Fetch ``path`` through the test client (``presse serve --get``): the response object."""
    with app.test_client() as client:
        return client.get(path)
