"""Shared fixtures: a small hand-written archive (tests/data/articles.jsonl + the seed article).

Tests never assert on the whole seeds/ directory; the index built here is session-scoped and
read-only (use ``fresh_index_dir`` to write).
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

import pytest

from presse.indexer.build import article_fields, update_index
from presse.indexer.readers import iter_files, read_file
from presse.search import Archive

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SEED = REPO / "seeds" / "000_903b3f1d0023df44.txt"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A directory with the hand-written articles and the seed article."""
    d = tmp_path_factory.mktemp("corpus")
    shutil.copy(DATA / "articles.jsonl", d / "articles.jsonl")
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture(scope="session")
def archive_dir(tmp_path_factory, corpus_dir) -> Path:
    """An index of ``corpus_dir``, built once per test run."""
    d = tmp_path_factory.mktemp("index")
    update_index(d, [corpus_dir])
    return d


@pytest.fixture(scope="session")
def archive(archive_dir) -> Archive:
    """The search API over ``archive_dir``."""
    with Archive(archive_dir) as a:
        yield a


@pytest.fixture
def fresh_index_dir(tmp_path) -> Path:
    """An empty directory for a test that writes an index."""
    return tmp_path / "index"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent (a clone without the corpora)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not available")
    return p


def seed_documents(limit: int) -> list[dict]:
    """The first ``limit`` articles of each file in seeds/ (the scraped page, OrangeSum, Wikinews),
    as the index writer gets them (``article_fields``)."""
    docs = []
    for file, root in iter_files([str(REPO / "seeds")]):
        for article in itertools.islice(read_file(file, root), limit):
            if not hasattr(article, "reason"):
                docs.append(article_fields(article))
    return docs


def presse_command(*args) -> list[str]:
    """The command line running ``presse ARGS…`` with this interpreter (``python -m presse.web``)."""
    return [sys.executable, "-m", "presse.web", *(str(a) for a in args)]


def presse_env() -> dict:
    """The environment for a ``presse`` subprocess: this checkout importable, no ``$PRESSE_INDEX``."""
    env = dict(os.environ)
    env.pop("PRESSE_INDEX", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env
