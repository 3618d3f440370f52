"""The wheel works outside the repository (issue 17): built with ``pip wheel``, installed in a fresh
venv in a temporary directory, ``presse index``, ``presse search`` and ``presse serve --get /`` run
from a directory outside the checkout — the last one indexing the sample archive shipped in the wheel.

Slow (a build, a venv, an install: its dependencies come from the package index, pip's cache makes
that quick), but run by default: it is the only test of what users install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
# What the wheel is built from: the rest of the checkout (tests, bench, build leftovers) stays out of it.
SOURCES = ("pyproject.toml", "README.md", "search", "indexer", "web", "seeds")


def _run(args, *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PRESSE_INDEX", "PYTHONHOME")}
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (f"{result.args}\n--- stdout\n{result.stdout[-3000:]}"
                                    f"\n--- stderr\n{result.stderr[-3000:]}")
    return result


def _isolation() -> list[str]:
    """``--no-build-isolation`` when setuptools ≥ 64 and wheel are importable here (no build environment to
    download), else nothing."""
    try:
        import setuptools
        import wheel  # noqa: F401
    except ImportError:
        return []
    return ["--no-build-isolation"] if int(setuptools.__version__.split(".")[0]) >= 64 else []


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel built from a copy of this checkout's sources and installed in a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, src / name)
    _ok(_run([*PIP, "wheel", "--no-deps", *_isolation(), "-q", ".", "-w", tmp / "dist"], cwd=src))
    (wheel_file,) = (tmp / "dist").glob("presse-*.whl")
    venv = tmp / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp))
    python = venv / "bin" / "python"
    _ok(_run([*PIP, "--python", python, "install", "-q", wheel_file], cwd=tmp))
    work = tmp / "elsewhere"  # the current directory of the commands: neither the checkout nor the sources
    work.mkdir()
    shutil.copy(REPO / "tests" / "data" / "articles.jsonl", work / "articles.jsonl")
    return {"src": src, "wheel": wheel_file, "venv": venv, "python": python, "presse": venv / "bin" / "presse",
            "work": work}


def test_the_wheel_installs_one_presse_namespace_with_its_data(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    top = {n.split("/")[0] for n in names if not n.startswith("presse-")}
    assert top == {"presse"}, top  # no top-level search, web, indexer: a host app keeps those names
    assert "presse/__init__.py" not in names  # a namespace package (see pyproject.toml)
    for expected in ("presse/search/__init__.py", "presse/indexer/schema.py", "presse/web/cli.py",
                     "presse/search/py.typed", "presse/indexer/py.typed", "presse/web/py.typed",
                     "presse/web/templates/base.html", "presse/web/templates/opensearch.xml",
                     "presse/web/templates/trends.svg", "presse/web/static/presse.css",
                     "presse/seeds/orangesum-demo-2000.jsonl", "presse/seeds/wikinews-fr-100.jsonl",
                     "presse/seeds/000_903b3f1d0023df44.txt"):
        assert expected in names, expected
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "presse = presse.web.cli:main" in zipfile.ZipFile(installed["wheel"]).read(entry_points).decode()


def test_presse_index_and_search_outside_the_checkout(installed):
    work, presse = installed["work"], installed["presse"]
    indexed = _ok(_run([presse, "index", "articles.jsonl", "--index", "ix"], cwd=work))
    assert re.search(r"^8\sajoutés", indexed.stdout, re.M)
    found = json.loads(_ok(_run([presse, "search", "pétrole ET gaz", "--json", "--index", "ix"], cwd=work)).stdout)
    assert found["total"] >= 1
    help_text = _ok(_run([installed["python"], "-m", "presse.web", "--help"], cwd=work)).stdout
    assert "Presse : moteur de recherche plein texte" in help_text
    where = _ok(_run([installed["python"], "-c", "import presse.search, presse.web; print(presse.search.__file__)"],
                     cwd=work)).stdout
    assert Path(where.strip()).is_relative_to(installed["venv"])  # the installed copy, not the checkout


def test_presse_serve_indexes_the_sample_archive_shipped_in_the_wheel(installed):
    work, presse = installed["work"], installed["presse"]
    served = _ok(_run([presse, "serve", "--index", "vide", "--get", "/"], cwd=work))
    assert "chemin introuvable" not in served.stderr
    assert "indexation de l'archive d'exemple" in served.stderr and "site-packages/presse/seeds" in served.stderr
    assert re.search(r"2\s101\sajoutés", served.stderr)
    assert "<html" in served.stdout and re.search(r"2\s101\sarticles", served.stdout)
    searched = json.loads(_ok(_run([presse, "search", "grève", "--json", "--index", "vide"], cwd=work)).stdout)
    assert searched["total"] > 0
    opensearch = _ok(_run([presse, "serve", "--index", "vide", "--get", "/opensearch.xml"], cwd=work)).stdout
    assert opensearch.startswith("<?xml")  # templates/*.xml are in the wheel


def test_the_editable_install_imports_and_serves_too(installed):
    # Last in this file: it replaces the wheel in the same venv (whose dependencies are installed). With
    # setuptools' editable finder, presse is a namespace without a directory (Flask once failed to find
    # its instance folder there: StopIteration).
    work, python, presse, src = installed["work"], installed["python"], installed["presse"], installed["src"]
    _ok(_run([*PIP, "--python", python, "install", "-q", "--no-deps", *_isolation(), "-e", src], cwd=work))
    where = _ok(_run([python, "-c", "import presse.web.cli as c; print(c.__file__); print(c.SEEDS_DIR)"], cwd=work))
    assert where.stdout.split() == [str(src / "web" / "cli.py"), str(src / "seeds")]
    _ok(_run([presse, "index", "articles.jsonl", "--index", "ix-editable"], cwd=work))
    page = _ok(_run([presse, "serve", "--index", "ix-editable", "--get", "/recherche?q=gaz"], cwd=work)).stdout
    assert "<html" in page and "gaz" in page
