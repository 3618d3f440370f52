"""What the CLI and the web app call: the cluster file from --cluster or $PRESSE_CLUSTER, opening
and indexing a cluster in two calls, and no Xapian loaded until a cluster is used."""

from __future__ import annotations

import subprocess
import sys

from .cluster_servers import REPO, SEEDS, cluster_file


def test_presse_imports_no_xapian_until_a_cluster_is_used():
    code = ("import sys, search, search.cluster, search.cluster.config, web; "
            "print('xapian' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_cluster_file_comes_from_the_option_else_the_environment(monkeypatch):
    from presse.search.cluster import configured

    monkeypatch.delenv("PRESSE_CLUSTER", raising=False)
    assert configured(None) is None
    monkeypatch.setenv("PRESSE_CLUSTER", "/etc/presse/grappe.toml")
    assert configured(None) == "/etc/presse/grappe.toml"
    assert configured("ici.toml") == "ici.toml"


def test_index_then_reindex_without_paths_then_search(servers, tmp_path):
    from presse.search.cluster import index, open_archive

    grappe = cluster_file(tmp_path / "grappe.toml", servers(2))
    assert index(grappe, [SEEDS / "wikinews-fr-100.jsonl"]).added == 100
    again = index(grappe, reindex=True)  # the folders the cluster remembers, every article rewritten
    assert (again.updated, again.unchanged) == (100, 0)
    with open_archive(grappe) as archive:
        assert archive.search("").total == 100
