"""The ``presse`` command line (``web.cli``), driven through click's CliRunner.

Exit codes: 0 ok; 1 some files or records skipped; 2 usage error (missing path, invalid query);
3 the index cannot be used (missing, needs a reindex…).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.analysis import ANALYSIS_VERSION
from web.cli import cli

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SEED = REPO / "seeds" / "000_903b3f1d0023df44.txt"

SUMMARY = re.compile(
    r"^(?P<added>\d+) ajoutés, (?P<updated>\d+) mis à jour, (?P<removed>\d+) supprimés, "
    r"(?P<unchanged>\d+) inchangés, (?P<skipped>\d+) ignorés — (?P<files>\d+) fichiers en [\d.]+ s "
    r"\([\d.]+ articles/s, [\d.]+ Mo/s\)$"
)


def counts(stdout: str) -> dict[str, int]:
    """The numbers of the summary line (the last line of the output)."""
    m = SUMMARY.match(stdout.strip().splitlines()[-1])
    assert m, stdout
    return {k: int(v) for k, v in m.groupdict().items()}


def run(*args, env=None):
    return CliRunner(env={"PRESSE_INDEX": None, **(env or {})}).invoke(cli, [str(a) for a in args])


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A copy of the hand-written articles and the seed article."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(DATA / "articles.jsonl", d / "articles.jsonl")
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture
def index(tmp_path, corpus) -> Path:
    """An index of ``corpus``."""
    ix = tmp_path / "index"
    result = run("index", corpus, "--index", ix)
    assert result.exit_code == 0, result.output
    return ix


# ----------------------------------------------------------------------------- index

def test_index_then_reindex_unchanged_then_update_then_delete(tmp_path, corpus):
    ix = tmp_path / "index"
    first = run("index", corpus, "--index", ix)
    assert first.exit_code == 0, first.output
    assert counts(first.stdout) == dict(added=9, updated=0, removed=0, unchanged=0, skipped=0, files=2)

    again = run("index", corpus, "--index", ix)
    assert again.exit_code == 0
    assert counts(again.stdout) == dict(added=0, updated=0, removed=0, unchanged=9, skipped=0, files=2)

    articles = corpus / "articles.jsonl"
    articles.write_text(articles.read_text(encoding="utf-8").replace("quinze tableaux", "seize tableaux"),
                        encoding="utf-8")
    changed = run("index", corpus, "--index", ix)
    assert changed.exit_code == 0
    assert counts(changed.stdout) == dict(added=0, updated=1, removed=0, unchanged=8, skipped=0, files=2)
    assert "1 mis à jour" in changed.stdout

    (corpus / SEED.name).unlink()
    deleted = run("index", corpus, "--index", ix)
    assert deleted.exit_code == 0
    assert counts(deleted.stdout) == dict(added=0, updated=0, removed=1, unchanged=8, skipped=0, files=1)
    assert "1 supprimés" in deleted.stdout

    assert json.loads(run("stats", "--json", "--index", ix).stdout)["articles"] == 8
    found = json.loads(run("search", "seize tableaux", "--json", "--index", ix).stdout)
    assert [h["id"] for h in found["hits"]] == ["lemonde-2022-01-10"]


def test_index_a_single_file(tmp_path, corpus):
    result = run("index", corpus / "articles.jsonl", "--index", tmp_path / "index")
    assert result.exit_code == 0
    assert counts(result.stdout)["added"] == 8


def test_bad_files_are_skipped_with_their_reason_and_exit_code_1(tmp_path, corpus):
    (corpus / "cassé.jsonl").write_text('{"id": "bon", "title": "Bon", "body": "Un texte."}\n{"id": cassé\n',
                                        encoding="utf-8")
    (corpus / "binaire.txt").write_bytes(bytes(range(256)) * 4)
    result = run("index", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert counts(result.stdout) == dict(added=10, updated=0, removed=0, unchanged=0, skipped=2, files=4)
    assert re.search(r"ignoré : .*cassé\.jsonl:2 — JSON invalide ligne 2", result.stderr), result.stderr
    assert re.search(r"ignoré : .*binaire\.txt — fichier binaire", result.stderr), result.stderr
    assert "Ignorés par raison : " in result.stderr
    # What could be read is indexed.
    found = json.loads(run("search", "texte", "--json", "--index", tmp_path / "index").stdout)
    assert "bon" in [h["id"] for h in found["hits"]]


def test_a_missing_path_is_a_usage_error(tmp_path, corpus):
    result = run("index", tmp_path / "nulle-part", "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert "chemin introuvable" in result.stderr
    assert "nulle-part" in result.stderr


def test_the_missing_path_message_says_it_once(tmp_path):
    result = run("index", tmp_path / "nulle-part", "--index", tmp_path / "index")
    assert result.stderr.count("chemin introuvable") == 1, result.stderr


def test_index_requires_a_path(tmp_path):
    assert run("index", "--index", tmp_path / "index").exit_code == 2


# ----------------------------------------------------------------------------- reindex

def test_reindex_with_paths(tmp_path, index, corpus):
    before = json.loads(run("stats", "--json", "--index", index).stdout)["generation"]
    only_seed = tmp_path / "seul"
    only_seed.mkdir()
    shutil.copy(SEED, only_seed / SEED.name)
    result = run("reindex", only_seed, "--index", index)
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == dict(added=1, updated=0, removed=0, unchanged=0, skipped=0, files=1)
    stats = json.loads(run("stats", "--json", "--index", index).stdout)
    assert (stats["articles"], stats["generation"] != before) == (1, True)
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("gen-")) == [stats["generation"]]


def test_reindex_without_paths_reuses_the_original_folders(index, corpus):
    (corpus / SEED.name).unlink()
    result = run("reindex", "--index", index)
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == dict(added=8, updated=0, removed=0, unchanged=0, skipped=0, files=1)


def test_a_mistyped_path_does_not_break_reindex(tmp_path, index):
    assert run("index", tmp_path / "corpsu", "--index", index).exit_code == 2
    result = run("reindex", "--index", index)
    assert result.exit_code == 0, result.output


def test_reindex_of_an_unknown_index_without_paths(tmp_path):
    result = run("reindex", "--index", tmp_path / "index")
    assert result.exit_code == 3
    assert "Indiquez les dossiers à indexer" in result.stderr


# ----------------------------------------------------------------------------- search

def test_search_text_output(index):
    result = run("search", "pétrole ET gaz", "--index", index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"1 résultat \([\d.]+ ms\)", lines[0])
    assert lines[1:] == [
        "",
        "1. «Pétrole» et «gaz» : l'Europe cherche à se passer de la Russie  [liberation-2024-03-14]",
        "   Libération · Claire Martin · 2024-03-14",
        "   Les capacités de stockage de «gaz» naturel liquéfié ont doublé en Europe. Le «pétrole» norvégien et "
        "le «gaz» qatari …",
    ]


def test_search_text_numbers_hits_across_pages(index):
    result = run("search", "", "--limit", "2", "--page", "2", "--index", index)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("9 résultats (")
    assert re.findall(r"^(\d+)\. .*\[(.+)\]$", result.stdout, re.M) == [
        ("3", "liberation-2024-06-02"), ("4", "liberation-2024-03-14")]


def test_search_text_unescapes_html(index):
    result = run("search", "xylophone", "--index", index)
    assert "1. <script>alert('titre')</script> Un titre \"piégé\"  [hostile-2024-01-01]" in result.stdout
    assert "Le mot sentinelle est «xylophone»." in result.stdout


def test_search_shows_a_suggestion(index):
    result = run("search", "Pezechkain", "--index", index)
    assert result.exit_code == 0
    first, second = result.stdout.splitlines()[:2]
    assert re.fullmatch(r"1 résultat \([\d.]+ ms\)", first)
    assert second == "Aucun article ne contient « Pezechkain » : résultats pour « pezechkian »."


def test_search_json(index):
    result = run("search", "russie", "--json", "--index", index, "--sort", "-date", "--limit", "2")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["query"], data["total"], data["page"], data["per_page"], data["sort"]) == ("russie", 3, 1, 2, "-date")
    assert [h["id"] for h in data["hits"]] == ["000_903b3f1d0023df44", "lefigaro-2024-10-11"]
    assert data["hits"][1]["date"] == "2024-10-11"
    assert data["facets"] == {
        "source": [["Le Figaro", 1], ["Libération", 1]],
        "year": [[2024, 3]],
        "author": [["Agence France-Presse", 1], ["Claire Martin", 1], ["James Keou", 1]],
    }
    assert data["suggestion"] is None


def test_search_json_filters(index):
    result = run("search", "", "--json", "--index", index, "--source", "Le Monde", "--source", "Le Figaro",
                 "--from", "2000-01-01", "--to", "2024-12-31")
    assert [h["id"] for h in json.loads(result.stdout)["hits"]] == ["lefigaro-2024-10-11", "lemonde-2022-01-10"]


@pytest.mark.parametrize("args, message", [
    (["*"], "Erreur : « * » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."),
    (["date:2024-13"], "Erreur : Date invalide « 2024-13 » : écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (par exemple 2024-10-12)."),
    (["gaz", "--from", "hier"], "Erreur : Date invalide pour date_from : « hier » (attendu AAAA-MM-JJ)."),
])
def test_search_bad_query_is_a_usage_error_in_french(index, args, message):
    result = run("search", *args, "--index", index)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "101"], ["--page", "0"], ["--sort", "titre"]])
def test_search_bad_options_are_usage_errors(index, args):
    assert run("search", "gaz", *args, "--index", index).exit_code == 2


def test_search_without_index_exits_3(tmp_path):
    result = run("search", "gaz", "--index", tmp_path / "vide")
    assert result.exit_code == 3
    assert "Aucun index Presse" in result.stderr


def _set_analysis_version(index: Path, version: int) -> None:
    generation = index / (index / "CURRENT").read_text(encoding="utf-8").strip()
    meta_path = generation / "presse.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["analysis_version"] == ANALYSIS_VERSION
    meta["analysis_version"] = version
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize("command", [["search", "gaz"], ["stats"], ["index", "."]])
def test_an_index_of_another_analysis_version_asks_for_a_reindex(index, command, corpus):
    _set_analysis_version(index, 0)
    args = [corpus if a == "." else a for a in command]
    result = run(*args, "--index", index)
    assert result.exit_code == 3
    assert "reindex" in result.stderr
    assert "version d'analyse 0" in result.stderr


def test_reindex_repairs_an_index_of_another_analysis_version(index, corpus):
    _set_analysis_version(index, 0)
    assert run("reindex", corpus, "--index", index).exit_code == 0
    assert run("search", "gaz", "--index", index).exit_code == 0


# ----------------------------------------------------------------------------- stats

def test_stats_text(index):
    result = run("stats", "--index", index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"Index          : {re.escape(str(index))} \(gen-.+\)", lines[0])
    assert lines[1:3] == ["Articles       : 9", "Période        : 1995-12-05 → 2024-10-12"]
    assert re.fullmatch(r"Taille         : [\d.]+ Mo", lines[3])
    assert lines[4].startswith(f"Analyse        : version {ANALYSIS_VERSION} (créé le ")
    assert lines[5:] == [
        "Sources        : 6",
        "        2  Le Monde",
        "        2  Libération",
        "        1  Le Figaro",
        "        1  Ouest-France",
        "        1  Source <i>test</i>",
        "        1  Sud Ouest",
    ]


def test_stats_json(index):
    result = run("stats", "--json", "--index", index)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("articles", "date_min", "date_max", "analysis_version")} == {
        "articles": 9, "date_min": "1995-12-05", "date_max": "2024-10-12", "analysis_version": ANALYSIS_VERSION}
    assert data["sources"][:2] == [["Le Monde", 2], ["Libération", 2]]
    assert data["generation"].startswith("gen-") and data["size_bytes"] > 0


def test_stats_without_index_exits_3(tmp_path):
    assert run("stats", "--index", tmp_path / "vide").exit_code == 3


def test_presse_index_environment_variable(tmp_path, index):
    result = run("stats", "--json", env={"PRESSE_INDEX": str(index)})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["articles"] == 9


# ----------------------------------------------------------------------------- python -m web

def test_python_m_web_help():
    result = subprocess.run([sys.executable, "-m", "web", "--help"], cwd=REPO, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert "Presse : moteur de recherche plein texte" in result.stdout
    for command in ("index", "reindex", "search", "stats"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command


def test_help_of_each_command():
    for command in ("index", "reindex", "search", "stats"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--index" in result.stdout
