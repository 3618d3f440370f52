"""``presse serve``: --get, the sample archive when the index is missing, waitress and its request log."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

import presse.web.cli  # noqa: F401 (used as web.cli)
import presse.web.serve  # noqa: F401 (used as web.serve)
from presse import web
from presse.web.cli import cli
from presse.web.formatting import duration_ms, french_date, is_web_url, number, plural
from presse.web.views import page_window


@pytest.fixture
def runner():
    return CliRunner()


def test_serve_get_prints_a_page(runner, archive_dir):
    r = runner.invoke(cli, ["serve", "--index", str(archive_dir), "--get", "/recherche?q=russie"])
    assert r.exit_code == 0, r.output
    assert "<mark>Russie</mark>" in r.stdout or "<mark>russie</mark>" in r.stdout.lower()
    assert r.stdout.startswith("<!doctype html>")


def test_serve_get_json_and_errors(runner, archive_dir):
    r = runner.invoke(cli, ["serve", "--index", str(archive_dir), "--get", "/api/stats"])
    assert r.exit_code == 0 and '"articles":9' in r.stdout
    r = runner.invoke(cli, ["serve", "--index", str(archive_dir), "--get", "/nulle-part"])
    assert r.exit_code == 1 and "Page introuvable" in r.stdout


def test_serve_indexes_the_sample_when_the_index_is_missing(runner, tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setattr(web.cli, "SEEDS_DIR", corpus_dir)  # the real seeds take seconds to index
    index = tmp_path / "index"
    r = runner.invoke(cli, ["serve", "--index", str(index), "--get", "/api/stats"])
    assert r.exit_code == 0, r.output
    assert "indexation de l'archive d'exemple" in r.stderr
    assert '"articles":9' in r.stdout
    r = runner.invoke(cli, ["serve", "--index", str(index), "--get", "/api/stats"])
    assert "indexation" not in r.stderr  # only once


def test_seeds_dir_is_the_shipped_sample():
    assert (web.cli.SEEDS_DIR / "000_903b3f1d0023df44.txt").is_file()


@pytest.fixture
def started(monkeypatch):
    """Run ``presse serve`` up to the point where waitress would loop; returns the servers made."""
    servers = []
    real = web.serve.make_server

    def make_server(app, host="127.0.0.1", port=8000, threads=8):
        server = real(app, host=host, port=0, threads=threads)

        def run():
            raise KeyboardInterrupt

        server.run = run
        servers.append((server, host, threads))
        return server

    monkeypatch.setattr(web.serve, "make_server", make_server)
    return servers


def test_serve_prints_its_url_and_binds_loopback_by_default(runner, archive_dir, started):
    r = runner.invoke(cli, ["serve", "--index", str(archive_dir), "--threads", "3"])
    assert r.exit_code == 0, r.output
    server, host, threads = started[0]
    assert host == "127.0.0.1" and threads == 3
    assert f"Presse écoute sur http://127.0.0.1:{server.effective_port}" in r.stdout
    assert "Attention" not in r.stderr


def test_serve_warns_when_binding_elsewhere(runner, archive_dir, started):
    r = runner.invoke(cli, ["serve", "--index", str(archive_dir), "--host", "0.0.0.0"])
    assert r.exit_code == 0, r.output
    assert "Attention" in r.stderr and "d'autres machines" in r.stderr


def test_live_server_logs_each_request(live_server, caplog):
    with caplog.at_level(logging.INFO, logger="presse.web"):
        with urllib.request.urlopen(live_server.url + "/recherche?q=russie") as response:
            assert response.status == 200
            assert response.headers["X-Frame-Options"] == "DENY"
            response.read()
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(live_server.url + "/nulle-part")
        assert error.value.code == 404
        error.value.close()
        # A line is written once waitress has sent the whole response, maybe just after the client read it.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(_log_lines(caplog)) < 2:
            time.sleep(0.02)
    messages = _log_lines(caplog)
    assert any(m.startswith("GET /recherche?q=russie 200 ") and m.endswith(" ms") for m in messages), messages
    assert any(m.startswith("GET /nulle-part 404 ") for m in messages), messages


def _log_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "presse.web"]


# ------------------------------------------------------------------------------------------- helpers

def test_french_dates_numbers_and_plurals():
    import datetime as dt

    assert french_date(dt.date(2024, 10, 12)) == "12 octobre 2024"
    assert french_date(dt.date(2024, 1, 1)) == "1er janvier 2024"
    assert french_date(dt.date(1995, 8, 15)) == "15 août 1995"
    assert french_date("2024-02-29") == "29 février 2024"
    assert french_date(None) == ""
    assert number(2112) == "2\u00a0112" and number(7) == "7"
    assert plural(0, "résultat") == "0\u00a0résultat" and plural(132, "résultat") == "132\u00a0résultats"
    assert duration_ms(0.4) == "<\u00a01\u00a0ms" and duration_ms(4.4) == "4\u00a0ms"


@pytest.mark.parametrize("url, ok", [
    ("https://www.lemonde.fr/a", True), ("http://example.org", True), ("HTTPS://EXAMPLE.ORG/x", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/x", False), ("ftp://example.org", False), ("http:///nohost", False), ("", False), (None, False),
    ("http://[::1", False),
])
def test_only_http_urls_are_linked(url, ok):
    assert is_web_url(url) is ok


def test_page_window():
    assert page_window(1, 1) == []
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page_window(1, 20) == [1, 2, 3, None, 20]
    assert page_window(4, 20) == [1, 2, 3, 4, 5, 6, None, 20]  # no gap of a single page
    assert page_window(50, 3) == [1, 2, 3]


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads worker processes from /proc (Linux)")
def test_serve_with_workers_shares_one_port_and_replaces_a_dead_worker(archive_dir):
    proc = subprocess.Popen([sys.executable, "-m", "presse.web", "serve", "--index", str(archive_dir), "--port", "0",
                             "--workers", "2", "--threads", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group()
        assert "2 processus" in line

        def search() -> dict:
            with urllib.request.urlopen(url + "/api/search?q=russie", timeout=30) as response:
                return json.load(response)

        assert search()["total"] == 3
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        while (len(_children(proc.pid)) < 2 or workers[0] in _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_children(proc.pid)) == 2 and workers[0] not in _children(proc.pid)
        assert all(search()["total"] == 3 for _ in range(10))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "Presse arrêté." in out
        for pid in _children_gone(workers[1:]):
            pytest.fail(f"worker {pid} outlived the server")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _children_gone(pids: list[int]) -> list[int]:
    """The ``pids`` still running after a short wait."""
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if os.path.exists(f"/proc/{p}") and not _is_zombie(p)]
        time.sleep(0.05)
    return alive


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True
