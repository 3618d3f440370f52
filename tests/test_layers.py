"""The layers keep to their places (issue 17): indexer ← search ← web, with Whoosh behind one seam.

Only the storage engine package (``search/whoosh_engine/``) and the index writer (``indexer/``)
import Whoosh; ``web/`` uses the search library through the names ``search/__init__.py`` exports.
Imports are read with ``ast``, so a module that is never imported in a test is checked too; the
checks accept the ``presse.`` namespace the packages install under.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from presse import search

ROOT = Path(__file__).resolve().parent.parent
ENGINE_PACKAGE = "search/whoosh_engine/"

# Public modules of the library besides its top-level names: the one definition of a search request
# (its fields make the web's parameters, the command's options and the OpenAPI document) and the
# cluster's entry points (imported only when a cluster is configured: Xapian is an optional extra).
PUBLIC_MODULES = ("search.request", "search.cluster")

# web/ modules that still import search's modules rather than its public names, each with why.
# (Listed as they stand; the module names are what web/ imports from.)
WEB_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("web/export_openapi.py", "search.concordance"): "the concordance's limits, documented in the OpenAPI file",
    ("web/export_openapi.py", "search.export"): "the export formats and columns, documented in the OpenAPI file",
    ("web/export_views.py", "search.citation"): "citation formatting shared by the pages and the files",
    ("web/export_views.py", "search"): "the concordance and export modules themselves (kwic, search_export)",
    ("web/export_views.py", "search.concordance"): "the concordance's limits and sorts, checked on the form",
    ("web/export_views.py", "search.export"): "the export formats, media types and CSV writer",
    ("web/formatting.py", "search.french"): "French dates and numbers, the templates' filters",
    ("web/timeline_views.py", "search.timeline"): "the timeline's limits and period keys, for the chart links",
    # Being rewritten onto search/request.py (issue 17, "one search request"):
    ("web/openapi.py", "search.collapse"): "MAX_VERSIONS, until the request module documents it",
    ("web/openapi.py", "search.timeline"): "INTERVALS, MAX_TREND_QUERIES, until the request module documents them",
    ("web/params.py", "search.syntax"): "parse: the form checks the query, until the request module does",
}


class Import(NamedTuple):
    module: str  # absolute, without the "presse." namespace
    names: tuple[str, ...]
    line: int


def imports(path: Path) -> Iterator[Import]:
    """Every import of a module (relative ones resolved against its package)."""
    package = path.relative_to(ROOT).parent.parts
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(_without_namespace(alias.name), (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield Import(_without_namespace(module), tuple(a.name for a in node.names), node.lineno)


def _without_namespace(module: str) -> str:
    return module[len("presse."):] if module.startswith("presse.") else module


def _sources(*folders: str) -> Iterator[tuple[str, Path]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def _is(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_only_the_engine_package_and_the_index_writer_import_whoosh():
    offenders = [f"{name}:{imp.line} imports {imp.module}" for name, path in _sources("search", "web")
                 if not name.startswith(ENGINE_PACKAGE) for imp in imports(path) if _is(imp.module, "whoosh")]
    assert offenders == []


def test_the_check_sees_a_whoosh_import(tmp_path):
    # The rule's own check: relative and namespaced imports are resolved before comparing.
    assert _is("whoosh.query", "whoosh") and not _is("whooshy", "whoosh")
    assert _without_namespace("presse.search.archive") == "search.archive"
    found = list(imports(ROOT / "search/whoosh_engine/postings.py"))
    assert any(_is(i.module, "whoosh") for i in found)
    assert any(i.module == "search.lru" for i in found)  # "from ..lru import LRU"


def test_web_imports_only_the_public_names_of_search():
    public = set(search.__all__)
    offenders = {}
    for name, path in _sources("web"):
        for imp in imports(path):
            if not _is(imp.module, "search"):
                continue
            if imp.module == "search" and set(imp.names) <= public or any(_is(imp.module, m) for m in PUBLIC_MODULES):
                continue
            offenders[name, imp.module] = imp.line
    unexplained = sorted(f"{name}:{line} imports {module}" for (name, module), line in offenders.items()
                         if (name, module) not in WEB_EXCEPTIONS)
    assert unexplained == []
