"""Serving the app: waitress, one log line per request, and ``serve --get`` through the test client."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from waitress.server import create_server

from search import Archive, ArchiveNotFound, PresseIndexError

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
    """A waitress server for ``app`` (with request logging); ``port=0`` picks a free port (``server.effective_port``)."""
    return create_server(RequestLog(app), host=host, port=port, threads=threads, ident="presse")


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
