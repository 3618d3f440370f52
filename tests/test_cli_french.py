"""Everything the ``presse`` command writes is French: click's own texts and Python's error texts
(issue 16, item 6)."""

from __future__ import annotations

import ast
import errno
import gzip
import importlib
import json
import os
import re
import socket
import subprocess
import zlib
from pathlib import Path

import pytest

from presse.indexer.messages import compression_error_text, json_error_text, os_error_text
from presse.web import click_french

from conftest import presse_command, presse_env

REPO = Path(__file__).resolve().parent.parent
# Texts of click and of Python that must not reach a user of Presse.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Error:|Show this message|Show the version|\[default|default:|\brequired\b|Missing|"
    r"No such|Try '|for help|Invalid value|is not|Got unexpected|requires an argument|does not exist|"
    r"\bTEXT\b|\bINTEGER\b|\bPATH\b|\bQUERY\b|\bPATHS\b|\bCOMMAND\b|\[ARGS\]|Aborted|"
    r"Expecting|Unterminated|Not a gzipped|No such file|Permission denied|Address already in use|"
    r"Compressed file ended|while decompressing|Errno|Not a directory|Is a directory|Read-only|No space"
)


def presse(*args, cwd=REPO, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(presse_command(*args), cwd=cwd, env=presse_env(), capture_output=True, text=True,
                          timeout=timeout)


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(text)


# ------------------------------------------------------------------------------------ click's texts

@pytest.mark.parametrize("args", [
    ["--help"], ["search", "--help"], ["index", "--help"], ["reindex", "--help"], ["stats", "--help"],
    ["serve", "--help"],
])
def test_help_pages_are_french(args):
    result = presse(*args)
    assert result.returncode == 0, result.stderr
    assert english_in(result.stdout) == [], result.stdout
    assert result.stdout.startswith("Utilisation : presse")
    assert "Options :" in result.stdout and "Affiche cette aide et quitte." in result.stdout


def test_defaults_in_help_are_french():
    out = presse("search", "--help").stdout
    assert "[défaut : 10;" in out


@pytest.mark.parametrize("args, french", [
    (["search", "gaz", "--bogus"], "Erreur : Option inconnue : « --bogus »."),
    (["search", "gaz", "--limt", "3"], "(Vouliez-vous dire l'une de celles-ci : '--limit'"),
    (["search", "gaz", "--jsn"], "Vouliez-vous dire '--json' ?"),
    (["search"], "Erreur : Argument manquant : 'REQUÊTE'."),
    (["index"], "Erreur : Argument manquant : 'CHEMIN…'."),
    (["search", "gaz", "--limit", "beaucoup"], "« beaucoup » n'est pas un nombre valide."),
    (["search", "gaz", "--limit", "0"], "0 est hors des limites permises (1<=x<=100)."),
    (["search", "gaz", "--sort", "titre"], "« titre » n'est pas une valeur permise"),
    (["search", "gaz", "--limit"], "L'option « --limit » demande une valeur."),
    (["search", "gaz", "encore"], "Argument en trop : encore"),
    (["cherche", "gaz"], "Erreur : Commande inconnue : « cherche »."),
])
def test_usage_errors_are_french(args, french):
    result = presse(*args)
    assert result.returncode == 2
    assert french in result.stderr
    assert english_in(result.stderr) == [], result.stderr


def test_a_usage_error_says_where_the_help_is():
    assert "Aide : presse search --help" in presse("search", "gaz", "--bogus").stderr


def _click_texts() -> tuple[set[str], set[tuple[str, str]]]:
    """Every text click's modules fetch through gettext: ``_("…")`` and ``ngettext("…", "…", n)``."""
    texts, plurals = set(), set()
    for name in click_french.MODULES:
        module = importlib.import_module(f"click.{name}")
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and strings:
                texts.add(strings[0])
            elif node.func.id == "ngettext" and len(strings) >= 2:
                plurals.add((strings[0], strings[1]))
    return texts, plurals


def test_every_text_of_click_has_a_french_translation():
    texts, plurals = _click_texts()
    assert len(texts) > 40 and len(plurals) > 5  # the walk found click's texts
    assert sorted(texts - click_french.TEXTS.keys()) == []
    assert sorted(plurals - click_french.PLURALS.keys()) == []


def test_french_texts_take_the_arguments_click_gives():
    """Click fills each text with str.format: a French text may only use the names of the English one."""
    names = re.compile(r"{(\w+)")
    for english, french in click_french.TEXTS.items():
        assert set(names.findall(french)) <= set(names.findall(english)), english
    for (one, many), (fr_one, fr_many) in click_french.PLURALS.items():
        allowed = set(names.findall(one)) | set(names.findall(many))
        assert set(names.findall(fr_one)) | set(names.findall(fr_many)) <= allowed, one


# ------------------------------------------------------------------------------ Python's error texts

@pytest.mark.parametrize("code", sorted(errno.errorcode))
def test_every_system_error_is_told_in_french(code):
    text = os_error_text(OSError(code, os.strerror(code)))
    assert text and os.strerror(code) not in text


def test_system_errors_that_users_meet():
    with pytest.raises(OSError) as missing:
        open("/nulle-part/article.txt", encoding="utf-8")
    assert os_error_text(missing.value) == "fichier ou dossier introuvable"
    with pytest.raises(OSError) as directory:
        open(REPO / "seeds", encoding="utf-8")
    assert os_error_text(directory.value) == "c'est un dossier, pas un fichier"
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        first.listen()
        with pytest.raises(OSError) as in_use:
            second.bind(first.getsockname())
    assert os_error_text(in_use.value) == "adresse déjà utilisée : un autre programme écoute sur ce port"
    with pytest.raises(socket.gaierror) as unknown_host:
        socket.getaddrinfo("machine-inexistante.invalid", 80)
    assert os_error_text(unknown_host.value) == "nom de machine inconnu ou introuvable"


@pytest.mark.parametrize("text, french", [
    ('{"titre": "Pétrole', "texte entre guillemets jamais refermé"),
    ("", "valeur attendue"),
    ('{"titre" "Pétrole"}', "deux-points (:) attendu"),
    ('{"titre": "a" "corps": "b"}', "virgule attendue"),
    ("{titre: 1}", "nom de champ entre guillemets droits (\") attendu"),
    ('{"a": 1} {"b": 2}', "contenu en trop après l'objet JSON"),
    ('"\\x"', "barre oblique inverse (\\) suivie d'un caractère invalide"),
    ('"\\u12"', "séquence \\uXXXX invalide"),
    ('{"a": "\x01"}', "caractère de contrôle interdit dans un texte"),
    ("1" * 5000, "nombre trop long"),
])
def test_json_errors_are_told_in_french(text, french):
    with pytest.raises(ValueError) as error:
        json.loads(text)
    assert json_error_text(error.value) == french


def test_gzip_errors_are_told_in_french(tmp_path):
    not_gzip = tmp_path / "a.jsonl.gz"
    not_gzip.write_bytes(b"ceci n'est pas compresse")
    with pytest.raises(OSError) as bad, gzip.open(not_gzip) as f:
        f.read()
    assert compression_error_text(bad.value) == "ce n'est pas un fichier gzip"
    cut = tmp_path / "b.jsonl.gz"
    cut.write_bytes(gzip.compress(os.urandom(4000).hex().encode())[:1000])
    with pytest.raises(EOFError) as truncated, gzip.open(cut) as f:
        f.read()
    assert compression_error_text(truncated.value) == "archive tronquée (elle s'arrête avant sa fin)"
    with pytest.raises(zlib.error) as corrupt:
        zlib.decompress(b"x\x9c" + b"\xff" * 20)
    assert compression_error_text(corrupt.value) == "données compressées corrompues"


def test_skip_reasons_are_french(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cassé.jsonl").write_text('{"id": "bon", "title": "Bon", "body": "Un texte."}\n{"title": "Pétrole\n',
                                        encoding="utf-8")
    (corpus / "faux.jsonl.gz").write_bytes(b"pas du gzip du tout")
    lines = "".join(json.dumps({"title": "T", "body": os.urandom(200).hex()}) + "\n" for _ in range(100))
    (corpus / "tronqué.jsonl.gz").write_bytes(gzip.compress(lines.encode())[:20000])
    result = presse("index", corpus, "--index", tmp_path / "index")
    assert result.returncode == 1, result.stderr
    assert "cassé.jsonl:2 — JSON invalide ligne 2 : texte entre guillemets jamais refermé" in result.stderr
    assert "faux.jsonl.gz — archive gzip illisible : ce n'est pas un fichier gzip" in result.stderr
    assert "archive tronquée" in result.stderr
    assert english_in(result.stderr + result.stdout) == [], result.stderr


def test_a_busy_port_is_told_in_french(tmp_path, archive_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = presse("serve", "--port", port, "--index", archive_dir, timeout=60)
    assert result.returncode == 2
    assert f"impossible d'écouter sur 127.0.0.1:{port} : adresse déjà utilisée" in result.stderr
    assert english_in(result.stderr) == [], result.stderr


def test_an_unwritable_index_is_told_in_french(tmp_path, corpus_dir):
    index = tmp_path / "fichier"
    index.write_text("pas un dossier", encoding="utf-8")
    result = presse("index", corpus_dir, "--index", index / "index")
    assert result.returncode == 3
    assert result.stderr.startswith("Erreur : Impossible d'écrire l'index ")
    assert "un élément du chemin n'est pas un dossier" in result.stderr
    assert english_in(result.stderr) == [], result.stderr
