"""Presse installs under one ``presse`` namespace (issue 17): a host app with its own ``search`` or
``web`` module imports Presse beside them, no Presse module loads under its folder's name, and an
index written before the move asks for a reindex instead of failing to unpickle its classes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import presse.indexer.build
import presse.search
import presse.web
import presse.web.cli
from presse.indexer.build import update_index
from presse.indexer.schema import SCHEMA_VERSION
from presse.indexer.store import IndexVersionError, current_generation
from presse.search import Archive

REPO = Path(__file__).resolve().parent.parent
CHECKOUT = REPO / "tests" / "checkout"  # what tests import as presse (see conftest.py)
FOLDERS = ("search", "indexer", "web")


def presse_command(*args) -> list[str]:
    return [sys.executable, "-m", "presse.web", *map(str, args)]


def _folder_modules(modules) -> list[str]:
    """The names among ``modules`` that are Presse's folders imported under their own names."""
    return sorted(n for n in modules if n.split(".")[0] in FOLDERS)


def test_no_presse_module_is_loaded_under_its_folder_name():
    assert presse.search.Archive is Archive and presse.web.cli.SEEDS_DIR.is_dir()
    assert _folder_modules(sys.modules) == []
    for module in (presse.search, presse.web, presse.indexer.build):
        assert module.__name__.startswith("presse.") and module.__file__.startswith(str(CHECKOUT))


def test_a_fresh_interpreter_loads_presse_only_under_presse(tmp_path, subprocess_env):
    code = ("import sys, presse.search, presse.web, presse.web.cli, presse.indexer.build; "
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('search', 'indexer', 'web')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=subprocess_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


HOST_MODULE = 'raise ImportError("the host application\'s own {name} module: Presse must not import it")\n'


@pytest.fixture
def host_app(tmp_path):
    """A host application's directory: its own search.py, web.py and indexer.py, which raise when imported."""
    for name in FOLDERS:
        (tmp_path / f"{name}.py").write_text(HOST_MODULE.format(name=name), encoding="utf-8")
    return tmp_path


def test_presse_searches_inside_an_app_with_its_own_search_and_web_modules(host_app, archive_dir, archive,
                                                                         subprocess_env):
    script = textwrap.dedent(f"""
        import importlib, json, sys
        assert sys.path[0] == {str(host_app)!r}
        from presse.search import Archive
        from presse.web import create_app

        with Archive({str(archive_dir)!r}) as archive:
            page = archive.search("pétrole ET gaz")
        response = create_app({{"PRESSE_INDEX": {str(archive_dir)!r}}}).test_client().get("/api/search?q=russie")
        try:
            importlib.import_module("search")  # the host's own module
        except ImportError as exc:
            host = str(exc)
        print(json.dumps({{"total": page.total, "titles": [h.title for h in page.hits], "api": response.status_code,
                          "api_total": response.get_json()["total"], "host": host}}))
    """)
    (host_app / "app.py").write_text(script, encoding="utf-8")
    result = subprocess.run([sys.executable, "app.py"], cwd=host_app, env=subprocess_env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    expected = archive.search("pétrole ET gaz")
    assert out["total"] == expected.total > 0
    assert out["titles"] == [h.title for h in expected.hits]
    assert out["api"] == 200 and out["api_total"] == archive.search("russie").total > 0
    assert "the host application's own search module" in out["host"]


def test_the_presse_command_runs_from_an_app_directory_with_its_own_modules(host_app, archive_dir, subprocess_env):
    # python -m puts the current directory first on sys.path: the host's search.py and web.py come first.
    result = subprocess.run(presse_command("search", "pétrole ET gaz", "--json", "--index", archive_dir),
                            cwd=host_app, env=subprocess_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] > 0


def test_an_index_written_before_the_move_asks_for_a_reindex_before_unpickling(tmp_path, corpus_dir, subprocess_env):
    root = tmp_path / "ix"
    update_index(root, [corpus_dir])
    generation = current_generation(root)
    meta = json.loads((generation / "presse.json").read_text(encoding="utf-8"))
    meta["schema_version"] = 6  # the last version before presse.*: its pickles name indexer.analysis…
    (generation / "presse.json").write_text(json.dumps(meta), encoding="utf-8")
    # … which this interpreter cannot import: the same bytes, a module path that does not exist (same length).
    tocs = list(generation.glob("*.toc"))
    assert tocs
    for toc in tocs:
        data = toc.read_bytes()
        assert b"presse.indexer." in data
        toc.write_bytes(data.replace(b"presse.indexer.", b"zombie.indexer."))
    with pytest.raises(IndexVersionError) as caught:
        Archive(root)
    message = str(caught.value)
    assert f"version d'analyse {meta['analysis_version']!r} (schéma 6)" in message
    assert f"(schéma {SCHEMA_VERSION})" in message and "presse reindex" in message
    assert caught.value.__cause__ is None  # refused from presse.json, before Whoosh unpickled anything

    result = subprocess.run(presse_command("search", "gaz", "--index", root), cwd=REPO, env=subprocess_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "(schéma 6)" in result.stderr and "presse reindex" in result.stderr
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr
