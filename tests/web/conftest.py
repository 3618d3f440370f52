"""Fixtures of the web tests: the app over the shared test archive, its client, a live waitress server, and
Debian's Chromium with a page on that server (for the tests marked ``browser``)."""

from __future__ import annotations

import logging
import threading

import pytest

from presse.web import create_app
from presse.web.serve import make_server, server_url

from chromium import CHROMIUM, CHROMIUM_ARGS, unavailable


@pytest.fixture(scope="session")
def app(archive_dir):
    """The app over ``archive_dir`` (read-only, so one app serves the whole run)."""
    return create_app({"TESTING": True, "PRESSE_INDEX": str(archive_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


class LiveServer:
    """waitress serving ``app`` from a background thread on a free 127.0.0.1 port."""

    def __init__(self, app):
        self.server = make_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = server_url(self.server)
        self.thread = threading.Thread(target=self._run, name="presse-live-server", daemon=True)
        self.stopping = False

    def _run(self):
        try:
            self.server.run()
        except OSError:
            if not self.stopping:  # closing the sockets under the loop ends it with EBADF
                raise

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        # As webtest's StopableWSGIServer: close every channel, so the asyncore loop's map empties and run() returns.
        self.stopping = True
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        while self.server._map:
            for channel in list(self.server._map.values()):
                channel.handle_close()
        self.server.task_dispatcher.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(archive_dir):
    """A running server over the test archive; ``live_server.url`` is its base URL (no trailing slash)."""
    server = LiveServer(create_app({"PRESSE_INDEX": str(archive_dir)})).start()
    yield server
    server.stop()
    assert not server.thread.is_alive(), "the live server did not stop"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module; skipped without it (a failure when $CI is set)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A French page on the live server; the test fails if a script error or CSP violation was logged."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                  base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    yield page
    context.close()
    assert errors == [], errors  # no script error, no CSP violation
