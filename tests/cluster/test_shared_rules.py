"""The rules both engines share, in public functions of the modules they belong to (the cluster
imports no private helper of ``search.archive`` or ``indexer.build``)."""

from __future__ import annotations

import ast
import datetime as dt
import doctest

import pytest

import presse.search.respelling  # noqa: F401 (used as search.respelling)
from presse import search
from presse.indexer.readers import given_paths, is_under
from presse.search.respelling import may_search_again, replace_word
from presse.search.syntax import parse
from presse.search.types import ArchiveStats, ArticleView, Hit, SearchPage, incomplete_notice

from .cluster_servers import REPO, SEEDS


def test_the_cluster_imports_no_private_name_of_another_package():
    private = []
    for path in sorted((REPO / "search" / "cluster").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level > 1 or not (node.module or "").startswith("presse.search.cluster")) \
                    and node.level != 1:
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


def test_respelling_rules_doctests():
    assert doctest.testmod(search.respelling).failed == 0


@pytest.mark.parametrize("q, again", [("gréve", True), ("gréve cheminots", True), ("grève et cheminots", True),
                                      ("grève ET cheminots", False), ('"grève"', False), ("titre:grève", False),
                                      ("grév*", False), ("grève SAUF Paris", False), ("grève OU", False)])
def test_which_queries_are_respelled_or_relaxed(q, again):
    assert may_search_again(q, parse(q)) is again


def test_a_word_is_replaced_whole_once_and_the_replacement_is_taken_literally():
    assert replace_word("Gréve, gréve et grévestes", "gréve", "grève") == "Gréve, grève et grévestes"
    assert replace_word("a b", "b", r"c\1") == r"a c\1"


def test_the_paths_given_are_checked_and_tell_what_they_cover(tmp_path):
    assert given_paths([SEEDS]) == [str(SEEDS.resolve())]
    with pytest.raises(FileNotFoundError) as exc:
        given_paths([SEEDS, tmp_path / "absent"])
    assert exc.value.filename == str(tmp_path / "absent")
    root = str(SEEDS.resolve())
    assert is_under(root + "/a/b.json", [root]) and is_under(root, [root])
    assert not is_under(root + "-autre/b.json", [root])


class _Upper:
    def snippet(self, text: str) -> str:
        return text[:5].upper()

    def mark(self, text: str) -> str:
        return text.upper()

    def mark_lines(self, text: str) -> tuple[str, ...]:
        return tuple(line.upper() for line in text.split("\n"))


def test_hits_and_articles_from_stored_fields():
    fields = {"id": "a-1", "title": "Grève", "body": "Les cheminots\nen grève", "date": dt.datetime(2024, 3, 1, 8),
              "tags": "social,rail", "lead": ""}
    hit = Hit.from_fields(fields, 1.234567, _Upper())
    assert (hit.date, hit.score, hit.snippet, hit.title_html, hit.lead) == (dt.date(2024, 3, 1), 1.2346, "LES C", "GRÈVE", None)
    view = ArticleView.from_fields({**fields, "date": dt.date(2024, 3, 1)}, _Upper())
    assert view.paragraphs_html == ("LES CHEMINOTS", "EN GRÈVE") and view.tags == ("social", "rail")
    assert view.language == "fr" and view.date == dt.date(2024, 3, 1)


def test_the_notice_of_incomplete_results_in_french():
    assert incomplete_notice((), 3) is None
    assert incomplete_notice((2,), 3) == "1 fragment sur 3 ne répond pas : résultats incomplets"
    assert incomplete_notice((1, 3), 3) == "2 fragments sur 3 ne répondent pas : résultats incomplets"
    page = SearchPage(query="", page=1, per_page=10, total=0, took_ms=0, hits=(), facets={}, suggestion=None)
    assert (page.partial, page.missing, page.notice) == (False, (), None)
    stats = ArchiveStats(articles=1, sources=(), date_min=None, date_max=None, size_bytes=0, analysis_version=1,
                         created=None, generation="g", shard_articles=(5, None), partial=True, missing=(2,))
    assert stats.notice == "1 fragment sur 2 ne répond pas : résultats incomplets"
