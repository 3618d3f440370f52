"""``presse index|reindex|search|stats|serve --cluster FILE`` (and ``$PRESSE_CLUSTER``) end to end,
through click's runner, on real ``xapian-tcpsrv`` shard servers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

from click.testing import CliRunner

from presse.web.cli import cli

from .cluster_servers import REPO, SEEDS, cluster_file

SUBSET = SEEDS / "wikinews-fr-100.jsonl"


def run(*args, env=None):
    return CliRunner(env={"PRESSE_INDEX": None, "PRESSE_CLUSTER": None, **(env or {})}).invoke(
        cli, [str(a) for a in args])


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_index_search_stats_on_a_cluster(servers, tmp_path):
    shards = servers(2)
    grappe = cluster_file(tmp_path / "grappe.toml", shards)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SUBSET, corpus / SUBSET.name)

    r = run("index", corpus, "--cluster", grappe)
    assert r.exit_code == 0, r.output
    assert plain(r.output).startswith("100 ajoutés, 0 mis à jour, 0 supprimé, 0 inchangé, 0 ignoré")
    r = run("index", corpus, "--cluster", grappe)  # nothing changed: read again, nothing written
    assert r.exit_code == 0 and plain(r.output).startswith("0 ajouté, 0 mis à jour, 0 supprimé, 100 inchangés")

    r = run("search", "Canada", "--cluster", grappe, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["total"] > 0 and data["partial"] is False and data["missing"] == []
    assert data["hits"][0]["title"] and set(data["facets"]) == {"source", "year", "author", "section"}

    r = run("search", "Canada", "--cluster", grappe, "--limit", "2")
    assert r.exit_code == 0 and "1. " in r.output and "3. " not in r.output

    r = run("stats", "--cluster", grappe)
    out = plain(r.output)
    assert r.exit_code == 0, r.output
    assert f"Grappe         : {grappe} (2 fragments)" in out and "Articles       : 100" in out
    counts = [int(line.split()[2]) for line in out.splitlines() if line.startswith("  fragment ")]
    assert len(counts) == 2 and sum(counts) == 100 and all(counts)

    r = run("stats", "--cluster", grappe, "--json")
    s = json.loads(r.output)
    assert (s["articles"], s["partial"], s["missing"], sum(s["shard_articles"])) == (100, False, [], 100)

    # reindex without paths: the folders the cluster remembers, every article rewritten
    r = run("reindex", "--cluster", grappe)
    assert r.exit_code == 0, r.output
    assert plain(r.output).startswith("0 ajouté, 100 mis à jour, 0 supprimé, 0 inchangé")


def test_a_dead_shard_is_flagged_in_json_and_text_and_a_dead_cluster_is_exit_3(servers, tmp_path):
    shards = servers(2)
    grappe = cluster_file(tmp_path / "grappe.toml", shards)
    assert run("index", SUBSET, "--cluster", grappe).exit_code == 0
    total = json.loads(run("search", "", "--cluster", grappe, "--json").output)["total"]
    shards[1].kill()

    r = run("search", "", "--cluster", grappe, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["partial"] is True and data["missing"] == [2] and 0 < data["total"] < total
    r = run("search", "", "--cluster", grappe)
    assert "Attention : 1 fragment sur 2 ne répond pas : résultats incomplets." in r.output
    r = run("stats", "--cluster", grappe)
    assert "fragment 2    ne répond pas" in plain(r.output) and "1 fragment sur 2 ne répond pas" in r.output

    r = run("index", SUBSET, "--cluster", grappe)
    assert r.exit_code == 3 and "Le fragment 2" in r.output and "relancez la même commande" in r.output

    shards[0].kill()
    r = run("search", "Canada", "--cluster", grappe)
    assert r.exit_code == 3 and "Aucun fragment de la grappe" in r.output and "Traceback" not in r.output

    shards[0].start()
    shards[1].start()
    data = json.loads(run("search", "", "--cluster", grappe, "--json").output)
    assert (data["total"], data["partial"]) == (total, False)


def test_the_cluster_file_comes_from_presse_cluster_unless_an_index_is_given(servers, tmp_path):
    grappe = cluster_file(tmp_path / "grappe.toml", servers(2))
    assert run("index", SUBSET, env={"PRESSE_CLUSTER": str(grappe)}).exit_code == 0
    r = run("search", "", "--json", env={"PRESSE_CLUSTER": str(grappe)})
    assert json.loads(r.output)["total"] == 100
    local = tmp_path / "local"
    r = run("stats", "--index", local, env={"PRESSE_CLUSTER": str(grappe)})  # --index: the local index
    assert r.exit_code == 3 and "Grappe" not in r.output
    r = run("stats", "--index", local, "--cluster", grappe)
    assert r.exit_code == 2 and "Choisissez --index (un index local) ou --cluster (une grappe), pas les deux." in r.output


def test_bad_cluster_files_and_options_are_french_usage_errors(servers, tmp_path):
    r = run("search", "x", "--cluster", tmp_path / "absente.toml")
    assert r.exit_code == 2 and "absente.toml" in r.output and "Traceback" not in r.output
    bad = tmp_path / "mauvaise.toml"
    bad.write_text("[[shard]]\naddress = 'pas une adresse'\n", encoding="utf-8")
    for args in (("search", "x"), ("stats",), ("index", SUBSET)):
        r = run(*args, "--cluster", bad)
        assert r.exit_code == 2 and "mauvaise.toml" in r.output, (args, r.output)
    grappe = cluster_file(tmp_path / "grappe.toml", servers(1))
    r = run("index", SUBSET, "--cluster", grappe, "--procs", "2", "--entites")
    assert r.exit_code == 2 and "--procs et --entites ne s'appliquent pas à une grappe" in r.output
    r = run("search", "x", "--entites", "--cluster", grappe)
    assert r.exit_code == 2 and "--entites ne s'applique pas à une grappe" in r.output
    r = run("reindex", "--cluster", grappe)  # an empty cluster does not say where its articles come from
    assert r.exit_code == 3 and "Indiquez les dossiers à indexer" in r.output


def test_presse_serve_get_on_a_cluster(seeds_cluster):
    """``presse serve --cluster F --get PATH`` in a process of its own: the installed command's path."""
    out = subprocess.run([sys.executable, "-m", "presse.web", "serve", "--cluster", str(seeds_cluster), "--get",
                          "/api/search?q=Canada&per_page=1"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["total"] > 0 and data["partial"] is False and len(data["hits"]) == 1


def test_presse_serve_starts_while_no_shard_answers_and_serves_once_they_do(servers, tmp_path):
    """The server starts anyway (a warning, then French 503s) and serves the cluster once its shards
    answer, without a restart."""
    import os
    import signal
    import urllib.error
    import urllib.request

    shards = servers(1)
    grappe = cluster_file(tmp_path / "grappe.toml", shards)
    assert run("index", SUBSET, "--cluster", grappe).exit_code == 0
    shards[0].stop()
    process = subprocess.Popen([sys.executable, "-m", "presse.web", "serve", "--cluster", str(grappe), "--port", "0"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PRESSE_CLUSTER": ""}, start_new_session=True)
    try:
        listening = process.stdout.readline()
        assert "Presse écoute sur http://127.0.0.1:" in listening and f"(grappe : {grappe})" in listening
        url = listening.split("écoute sur ")[1].split()[0]
        try:
            urllib.request.urlopen(f"{url}/api/search?q=Canada", timeout=10)
            raise AssertionError("a dead cluster must not answer 200")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503 and "Aucun fragment de la grappe" in exc.read().decode("utf-8")
        shards[0].start()
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/search?q=Canada", timeout=10) as response:
                    assert json.loads(response.read())["partial"] is False
                    break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "the cluster did not come back"
                time.sleep(0.3)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "Attention : Aucun fragment de la grappe" in err and "Traceback" not in err
