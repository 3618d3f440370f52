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

from presse.indexer.analysis import ANALYSIS_VERSION
from presse.web.cli import cli

from conftest import presse_command, presse_env  # at import: tests/web's conftest takes the name later

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SEED = REPO / "seeds" / "000_903b3f1d0023df44.txt"

# French numbers: a no-break space between thousands and before units, a decimal comma; 0 and 1
# take the singular.
SUMMARY = re.compile(
    r"^(?P<added>[\d\xa0]+)\xa0ajoutés?, (?P<updated>[\d\xa0]+)\xa0mis à jour, (?P<removed>[\d\xa0]+)\xa0supprimés?, "
    r"(?P<unchanged>[\d\xa0]+)\xa0inchangés?, (?P<skipped>[\d\xa0]+)\xa0ignorés? — (?P<files>[\d\xa0]+)\xa0fichiers? en "
    r"(?:\d+,\d|\d+|\d+\xa0min\xa0\d\d)\xa0s \([\d\xa0]+\xa0articles/s, \d+,\d\d\xa0Mo/s\)$"
)


def counts(stdout: str) -> dict[str, int]:
    """The numbers of the summary line (the last line of the output)."""
    m = SUMMARY.match(stdout.strip().splitlines()[-1])
    assert m, stdout
    return {k: int(v.replace("\xa0", "")) for k, v in m.groupdict().items()}


def plain(text: str) -> str:
    """``text`` with its no-break spaces as spaces."""
    return text.replace("\xa0", " ")


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
    assert "1 mis à jour" in plain(changed.stdout)

    (corpus / SEED.name).unlink()
    deleted = run("index", corpus, "--index", ix)
    assert deleted.exit_code == 0
    assert counts(deleted.stdout) == dict(added=0, updated=0, removed=1, unchanged=8, skipped=0, files=1)
    assert "1 supprimé," in plain(deleted.stdout)  # French: 0 and 1 take the singular

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
    assert "Ignorés par raison :" in result.stderr
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


def test_reindex_of_an_unknown_index_without_paths_is_a_usage_error_and_creates_nothing(tmp_path):
    # Issue 16 (6): it used to exit 3 and leave the directory behind, with a .lock inside.
    result = run("reindex", "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert "Indiquez les dossiers à indexer" in result.stderr
    assert not (tmp_path / "index").exists()


def test_reindex_in_python_checks_its_arguments_before_creating_anything(tmp_path):
    from presse.indexer.build import reindex
    from presse.indexer.store import PresseIndexError

    with pytest.raises(PresseIndexError, match="Indiquez les dossiers à indexer"):
        reindex(tmp_path / "index")
    with pytest.raises(FileNotFoundError):
        reindex(tmp_path / "index", [tmp_path / "nulle-part"])
    assert not (tmp_path / "index").exists()


def test_reindex_of_a_missing_path_creates_nothing(tmp_path):
    result = run("reindex", tmp_path / "nulle-part", "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert "chemin introuvable" in result.stderr
    assert not (tmp_path / "index").exists()


# ----------------------------------------------------------------------------- search

def test_search_text_output(index):
    result = run("search", "pétrole ET gaz", "--index", index)
    assert result.exit_code == 0
    lines = plain(result.stdout).splitlines()
    assert re.fullmatch(r"1 résultat \(\d+,\d ms\)", lines[0])
    # Piped: the matched words are not marked (« » read as quotation marks: issue 16, 6).
    assert lines[1:] == [
        "",
        "1. Pétrole et gaz : l'Europe cherche à se passer de la Russie  [liberation-2024-03-14]",
        "   Libération · Claire Martin · 14 mars 2024",
        "   Les capacités de stockage de gaz naturel liquéfié ont doublé en Europe. Le pétrole norvégien et "
        "le gaz qatari …",
    ]


def test_search_text_numbers_hits_across_pages(index):
    result = run("search", "", "--limit", "2", "--page", "2", "--index", index)
    assert result.exit_code == 0
    assert plain(result.stdout).splitlines()[0].startswith("9 résultats (")
    assert re.findall(r"^(\d+)\. .*\[(.+)\]$", result.stdout, re.M) == [
        ("3", "liberation-2024-06-02"), ("4", "liberation-2024-03-14")]


def test_search_text_unescapes_html(index):
    result = run("search", "xylophone", "--index", index)
    assert "1. <script>alert('titre')</script> Un titre \"piégé\"  [hostile-2024-01-01]" in result.stdout
    assert "Le mot sentinelle est xylophone." in result.stdout


def test_search_shows_a_suggestion(index):
    result = run("search", "Pezechkain", "--index", index)
    assert result.exit_code == 0
    first, second = plain(result.stdout).splitlines()[:2]
    assert re.fullmatch(r"1 résultat \(\d+,\d ms\)", first)
    assert second == "Aucun article ne contient « Pezechkain » : résultats pour « pezechkian »."


def test_search_json(index):
    result = run("search", "russie", "--json", "--index", index, "--sort", "-date", "--limit", "2")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["query"], data["total"], data["page"], data["per_page"], data["sort"]) == ("russie", 3, 1, 2, "-date")
    assert [h["id"] for h in data["hits"]] == ["000_903b3f1d0023df44", "lefigaro-2024-10-11"]
    assert data["hits"][1]["date"] == "2024-10-11"
    # /api/search's JSON since issue 17: facets as {value, count} objects, the API's four default facets.
    assert data["facets"] == {
        "source": [{"value": "Le Figaro", "count": 1}, {"value": "Libération", "count": 1}],
        "year": [{"value": 2024, "count": 3}],
        "author": [{"value": "Agence France-Presse", "count": 1}, {"value": "Claire Martin", "count": 1},
                   {"value": "James Keou", "count": 1}],
        "section": [{"value": "economie", "count": 1}, {"value": "international", "count": 1}],
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
    lines = plain(result.stdout).splitlines()
    assert re.fullmatch(rf"Index          : {re.escape(str(index))} \(gen-.+\)", lines[0])
    assert lines[1:3] == ["Articles       : 9", "Période        : du 5 décembre 1995 au 12 octobre 2024"]
    assert re.fullmatch(r"Taille         : \d+,\d Mo", lines[3])
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


# ----------------------------------------------------------------------------- python -m presse.web

def test_python_m_web_help():
    result = subprocess.run([sys.executable, "-m", "presse.web", "--help"], cwd=REPO, capture_output=True, text=True,
                            timeout=60, env=presse_env())
    assert result.returncode == 0, result.stderr
    assert "Presse : moteur de recherche plein texte" in result.stdout
    for command in ("index", "reindex", "search", "stats"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command


def test_help_of_each_command():
    for command in ("index", "reindex", "search", "stats"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--index" in result.stdout


# ----------------------------------------------------------------------------- issue 16, item 6

def presse(*args, cwd=REPO, timeout=120) -> subprocess.CompletedProcess:
    """``presse ARGS…`` in a subprocess, its output piped (not a terminal)."""
    return subprocess.run(presse_command(*args), cwd=cwd, env=presse_env(), capture_output=True, text=True,
                          timeout=timeout)


def on_a_terminal(*args, env=None, timeout=120) -> tuple[str, int]:
    """``presse ARGS…`` with stdout and stderr on a pseudo-terminal: (what it wrote, exit code)."""
    import pty


    main, secondary = pty.openpty()
    proc = subprocess.Popen(presse_command(*args), cwd=REPO, stdin=secondary, stdout=secondary, stderr=secondary,
                            env={**presse_env(), "COLUMNS": "150", **(env or {})})
    os.close(secondary)
    out = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not data:
            break
        out += data
    os.close(main)
    return out.decode("utf-8", "replace"), proc.wait(timeout=timeout)


def hit_ids(stdout: str) -> list[str]:
    return [h["id"] for h in json.loads(stdout)["hits"]]


@pytest.mark.parametrize("args", [
    ["-Russie"], ["-Russie", "--limit", "20"], ["--limit", "20", "-Russie"], ["-n", "20", "-Russie"],
    ["-n20", "-Russie"],
])
def test_a_query_starting_with_a_dash_is_searched(index, args):
    # Issue 16 (6): "Error: No such option '-R'"; the README documents -Russie as "without Russie".
    result = presse("search", *args, "--json", "--index", index)
    assert result.returncode == 0, result.stderr
    ids = hit_ids(result.stdout)
    assert len(ids) == 6  # the 9 articles but the 3 on Russia
    assert not {"liberation-2024-03-14", "lefigaro-2024-10-11", "000_903b3f1d0023df44"} & set(ids)


def test_a_dash_query_whose_letter_is_a_short_option(index):
    # -n is --limit: "-naturel" is still a query (without "naturel"), not --limit "aturel".
    result = presse("search", "-naturel", "--json", "--index", index)
    assert result.returncode == 0, result.stderr
    assert "liberation-2024-03-14" not in hit_ids(result.stdout)  # « gaz naturel liquéfié »
    after_dashes = presse("search", "--json", "--index", index, "--", "-naturel")
    assert hit_ids(after_dashes.stdout) == hit_ids(result.stdout)
    both = presse("search", "pétrole -Russie", "--json", "--index", index)
    assert both.returncode == 0 and hit_ids(both.stdout) == []  # the only article on pétrole mentions Russie


def test_a_mistyped_long_option_is_still_an_option_error(index):
    result = presse("search", "gaz", "--limt", "5", "--index", index)
    assert result.returncode == 2
    assert "Option inconnue : « --limt »" in result.stderr


def test_matches_are_bold_and_coloured_on_a_terminal(index):
    out, code = on_a_terminal("search", "pétrole ET gaz", "--index", index)
    assert code == 0, out
    assert "\x1b[31m\x1b[1mPétrole\x1b[0m et \x1b[31m\x1b[1mgaz\x1b[0m : l'Europe" in out
    assert "«" not in out.split("\n", 1)[1]


def test_no_colour_on_a_terminal_with_no_color(index):
    out, code = on_a_terminal("search", "gaz", "--index", index, env={"NO_COLOR": "1"})
    assert code == 0
    assert "\x1b[1mgaz\x1b[0m" in out and "\x1b[31m" not in out


def test_matches_are_plain_when_piped(index):
    result = presse("search", "pétrole ET gaz", "--index", index)
    assert result.returncode == 0
    assert "1. Pétrole et gaz : l'Europe" in result.stdout
    assert "«" not in result.stdout and "\x1b" not in result.stdout


# ---------------------------------------------------------------------- skipped files and records

@pytest.fixture
def messy(tmp_path, corpus) -> Path:
    """The corpus plus 30 broken lines, two other kinds of broken lines, an unsupported file and an empty one."""
    lines = [json.dumps({"id": "bon", "title": "Bon", "body": "Un texte sur le pétrole."})]
    lines += [f'{{"id": "x{n}", "title": "Pétrole' for n in range(30)]
    lines += ['{"id": "y", "title": "t", "body": "b",}', "[1, 2]"]
    (corpus / "abîmé.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (corpus / "vide.txt").write_text("", encoding="utf-8")
    return corpus


def test_the_skip_list_stops_at_20_and_says_how_to_see_the_rest(tmp_path, messy):
    result = presse("index", messy, "--index", tmp_path / "index")
    assert result.returncode == 1
    listed = re.findall(r"^  ignoré : ", result.stderr, re.M)
    assert len(listed) == 20
    assert "  … et 13 autres : la liste complète s'affiche avec -v, ou s'écrit dans un fichier CSV avec " \
           "--skipped-report FICHIER" in result.stderr


def test_v_lists_every_skip(tmp_path, messy):
    # Issue 16 (6): "… et 151 autres ignorés" and no way to see them.
    result = presse("index", messy, "--index", tmp_path / "index", "-v")
    assert result.returncode == 1
    listed = re.findall(r"^  ignoré : (.*?)(?::(\d+))? — ", result.stderr, re.M)
    assert len(listed) == 33
    assert [int(n) for path, n in listed if path.endswith("abîmé.jsonl")] == list(range(2, 34))
    assert "autres" not in result.stderr


def test_skipped_report_writes_every_skip_as_csv(tmp_path, messy):
    import csv

    report = tmp_path / "ignorés.csv"
    result = presse("index", messy, "--index", tmp_path / "index", "--skipped-report", report)
    assert result.returncode == 1
    with open(report, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["chemin", "ligne", "raison"]
    assert len(rows) == 34
    broken = [r for r in rows[1:] if r[0].endswith("abîmé.jsonl")]
    assert [int(r[1]) for r in broken] == list(range(2, 34))
    assert broken[0][2] == "JSON invalide ligne 2 : texte entre guillemets jamais refermé (caractère 23)"
    assert [r for r in rows[1:] if r[0].endswith("vide.txt")][0][1:] == ["", "fichier vide"]
    assert f"la liste complète est dans {report}" in result.stderr


def test_skipped_report_is_written_with_no_skip(tmp_path, corpus):
    report = tmp_path / "ignorés.csv"
    assert presse("index", corpus, "--index", tmp_path / "index", "--skipped-report", report).returncode == 0
    assert report.read_text(encoding="utf-8").splitlines() == ["chemin,ligne,raison"]


def test_an_unwritable_skipped_report_is_a_usage_error_before_indexing(tmp_path, corpus):
    result = presse("index", corpus, "--index", tmp_path / "index", "--skipped-report", tmp_path / "nulle-part" / "r.csv")
    assert result.returncode == 2
    assert "fichier ou dossier introuvable" in result.stderr
    assert not (tmp_path / "index").exists()


def test_skips_are_counted_by_reason_without_their_line_numbers(tmp_path, messy):
    # Issue 16 (6): each line number counted as its own reason; reasons cut at their first " : ".
    result = presse("index", messy, "--index", tmp_path / "index")
    by_reason = result.stderr.split("Ignorés par raison :\n", 1)[1].splitlines()
    assert [line.replace("\xa0", " ").strip() for line in by_reason] == [
        "30 × JSON invalide : texte entre guillemets jamais refermé",
        "1 × JSON invalide : nom de champ entre guillemets droits (\") attendu",
        "1 × objet JSON attendu",
        "1 × fichier vide",
    ]


def test_a_reason_with_a_colon_is_counted_whole(tmp_path, corpus):
    unsupported = corpus / "notes.odt"
    unsupported.write_text("x", encoding="utf-8")
    result = presse("index", corpus, unsupported, "--index", tmp_path / "index")
    assert result.returncode == 1
    assert re.search(r"1 × format non pris en charge \(extensions acceptées : \.txt, .*\.htm\)$",
                     result.stderr.replace("\xa0", " "), re.M), result.stderr


# ---------------------------------------------------------------------------------------- progress

def test_a_progress_bar_on_a_terminal(tmp_path):
    # Issue 16 (6): the progress line was a count of articles; now files and bytes out of the total.
    out, code = on_a_terminal("index", REPO / "seeds", "--index", tmp_path / "index")
    assert code == 0, out
    assert "\x1b[K" in out  # redrawn in place
    last = out.replace("\x1b[K", "").split("\r\n")[0].split("\r")[-1]
    size = sum(p.stat().st_size for p in (REPO / "seeds").iterdir() if p.suffix in (".txt", ".jsonl")) / 1e6
    mb = f"{size:.1f}".replace(".", ",")
    assert re.fullmatch(rf"\[█{{24}}\] 100\xa0% · 3/3\xa0fichiers · {mb}/{mb}\xa0Mo · \d+,\d\d\xa0Mo/s", last), last
    summary = out.split("\r\n")[-2]
    assert counts(summary)["added"] == 2101


def test_no_progress_when_piped(tmp_path, corpus):
    result = presse("index", corpus, "--index", tmp_path / "index")
    assert result.returncode == 0
    assert result.stderr == ""
    assert counts(result.stdout)["added"] == 9


def test_the_summary_is_french(tmp_path):
    single = tmp_path / "un"
    single.mkdir()
    shutil.copy(SEED, single / SEED.name)
    result = presse("index", single, "--index", tmp_path / "index")
    assert re.fullmatch(r"1\xa0ajouté, 0\xa0mis à jour, 0\xa0supprimé, 0\xa0inchangé, 0\xa0ignoré — 1\xa0fichier "
                        r"en \d+(,\d)?\xa0s \(\d+\xa0articles/s, \d+,\d\d\xa0Mo/s\)\n", result.stdout), result.stdout


# ----------------------------------------------------------------------------------------- filters

def test_source_filters_take_part_of_the_name(tmp_path):
    # Issue 16 (6): --source wikinews found nothing while source:wikinews found the articles.
    ix = tmp_path / "index"
    assert presse("index", REPO / "seeds" / "wikinews-fr-100.jsonl", SEED, "--index", ix).returncode == 0
    by_query = json.loads(presse("search", "source:wikinews", "--json", "--limit", "100", "--index", ix).stdout)
    by_filter = json.loads(presse("search", "", "--source", "wikinews", "--json", "--limit", "100", "--index", ix).stdout)
    assert by_filter["total"] == by_query["total"] == 100
    assert sorted(hit_ids(json.dumps(by_filter))) == sorted(hit_ids(json.dumps(by_query)))


@pytest.mark.parametrize("option, value, expected", [
    ("--source", "monde", ["lemonde-2022-01-10", "lemonde-1995-12-05"]),
    ("--source", "LIBERATION", ["liberation-2024-06-02", "liberation-2024-03-14"]),
    ("--author", "dupont", ["sudouest-2019-11-30", "lemonde-1995-12-05"]),
    ("--section", "Défense", ["liberation-2024-06-02"]),
])
def test_filters_ignore_case_and_accents(index, option, value, expected):
    result = presse("search", "", option, value, "--json", "--index", index)
    assert result.returncode == 0, result.stderr
    assert hit_ids(result.stdout) == expected


def test_a_filter_that_matches_nothing_names_the_known_values(index):
    result = presse("search", "", "--source", "lemonde", "--index", index)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Erreur : Aucune source ne correspond à « lemonde ». Sources de l'archive : « Le Figaro », « Le Monde », "
        "« Libération », « Ouest-France », « Source <i>test</i> », « Sud Ouest ».")
