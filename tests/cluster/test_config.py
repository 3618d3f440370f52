"""The cluster file: what a good one gives, and the French message of each kind of bad one."""

from __future__ import annotations

import pytest

from presse.search.cluster.config import Address, ClusterConfigError, load_cluster, parse_address


def write(tmp_path, text: str):
    path = tmp_path / "grappe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cluster_file_gives_its_shards_in_order_with_their_replicas(tmp_path):
    cluster = load_cluster(write(tmp_path, '[[shard]]\naddress = "10.0.0.11:33301"\nreplicas = ["10.0.0.12:33301"]\n'
                                           '[[shard]]\naddress = "shard2.presse.lan:33302"\n'))
    assert [s.number for s in cluster.shards] == [1, 2]
    assert cluster.shards[0].readers == (Address("10.0.0.11", 33301), Address("10.0.0.12", 33301))
    assert cluster.shards[1].address == Address("shard2.presse.lan", 33302)
    assert parse_address("[::1]:33301", "x") == Address("::1", 33301)


@pytest.mark.parametrize("text, expected", [
    ("", "aucun fragment"),
    ("[shard]\naddress = \"10.0.0.11:1\"\n", "deux crochets"),
    ("[[shard]]\nadresse = \"10.0.0.11:1\"\n", "clé inconnue « adresse »"),
    ("[[shard]]\nreplicas = []\n", "l'adresse manque"),
    ("[[shard]]\naddress = \"10.0.0.11\"\n", "adresse « 10.0.0.11 » invalide"),
    ("[[shard]]\naddress = \"10.0.0.11:99999\"\n", "port 99999 invalide"),
    ("[[shard]]\naddress = \"mauvais nom!:33301\"\n", "invalide"),
    ("[[shard]]\naddress = 33301\n", "l'adresse doit être un texte"),
    ("[[shard]]\naddress = \"10.0.0.11:1\"\nreplicas = \"10.0.0.12:1\"\n", "replicas doit être une liste"),
    ("[[shard]]\naddress = \"10.0.0.11:1\"\n[[shard]]\naddress = \"10.0.0.11:1\"\n", "apparaît deux fois"),
    ("[[shard]\naddress = \"10.0.0.11:1\"\n", "pas du TOML valide"),
    ("[[shard]]\naddress = \"10.0.0.11:1\"\nreplicas = [\"ici\"]\n", "fragment 1, copie 1"),
])
def test_a_bad_cluster_file_gets_a_french_message_naming_the_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ClusterConfigError) as error:
        load_cluster(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_unreadable_or_misplaced_cluster_file_is_named(tmp_path):
    with pytest.raises(ClusterConfigError, match="Fichier de grappe introuvable"):
        load_cluster(tmp_path / "absent.toml")
    with pytest.raises(ClusterConfigError, match="est un dossier"):
        load_cluster(tmp_path)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('# grappe d\'été\n[[shard]]\naddress = "10.0.0.11:1"\n'.encode("latin-1"))
    with pytest.raises(ClusterConfigError, match="pas en UTF-8"):
        load_cluster(latin1)
