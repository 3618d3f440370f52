"""Where the browser tests find Chromium and put their screenshots (the fixtures are in this folder's conftest)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def unavailable(reason: str):
    """Skip the test, or fail it when $CI is set: CI installs Chromium, so there a missing browser is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run (install Debian's chromium package)")
    pytest.skip(f"{reason} (apt-get install chromium); set CI=1 to make this a failure")
