"""Records lost or silently changed on ingest (issue 16, item 4): every loss is avoided or reported.

* a JSON Lines line with a NUL byte is skipped alone, with its number (it used to make the whole
  file "binaire");
* a text file mixing UTF-8 with one Windows-1252 line is decoded line by line;
* ids made from file names keep distinct files distinct (accents folded, collisions disambiguated);
* a text cut at the size limit, a broken symbolic link and a directory that cannot be listed are
  reported in the run's summary.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.indexer import readers
from presse.indexer.article import Article, is_valid_id
from presse.indexer.build import update_index
from presse.indexer.decoding import decode_bytes
from presse.indexer.readers import BINARY, Skip, file_stems, iter_files, limits, read_file
from presse.search import Archive

REPO = Path(__file__).resolve().parent.parent
SEED_LINES = [line for line in (REPO / "seeds" / "orangesum-demo-2000.jsonl").read_bytes().splitlines() if line]


def read(path: Path, root: Path | None = None) -> list[Article | Skip]:
    return list(read_file(path, root or path.parent))


def ids_of(paths: list[Path], root: Path) -> list[str]:
    """The ids the indexer gives the files ``paths`` read together (``file_stems`` then ``read_file``)."""
    files = [(p, root) for p in paths]
    stems = file_stems(files)
    return [item.id for p in paths for item in read_file(p, root, stems.get(p)) if isinstance(item, Article)]


# ---------------------------------------------------------------------------------------------
# 4a. A NUL byte in one JSON Lines line


def test_a_jsonl_line_with_a_nul_byte_is_skipped_alone_and_the_rest_is_read(tmp_path):
    lines = SEED_LINES[:3]
    p = tmp_path / "depeches.jsonl"
    p.write_bytes(lines[0] + b"\n" + b'{"title": "Ligne abim\xc3\xa9e", "body": "x"}\x00\n' + lines[1] + b"\n" + lines[2] + b"\n")
    items = read(p)
    assert [type(i).__name__ for i in items] == ["Article", "Skip", "Article", "Article"]
    assert [a.id for a in items if isinstance(a, Article)] == [json.loads(line)["id"] for line in lines]
    skip = items[1]
    assert skip.line == 2 and skip.reason.startswith("JSON invalide ligne 2 : octet nul")


def test_a_nul_byte_in_the_first_line_loses_only_that_line(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_bytes(b'\x00{"title": "Premier"}\n' + SEED_LINES[0] + b"\n")
    items = read(p)
    assert [(type(i).__name__, getattr(i, "line", None)) for i in items] == [("Skip", 1), ("Article", None)]
    assert items[1].id == json.loads(SEED_LINES[0])["id"]


def test_a_binary_file_named_jsonl_is_still_one_binary_skip(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 50
    p = tmp_path / "image.jsonl"
    p.write_bytes(png)
    assert [(s.reason, s.line) for s in read(p)] == [(BINARY, None)]


def test_a_big_binary_file_named_jsonl_is_not_read_to_the_end(tmp_path):
    p = tmp_path / "archive.jsonl"
    p.write_bytes((b"\x00\x01\x02binaire\n" * 10) + os.urandom(8_000_000))
    assert [s.reason for s in read(p)] == [BINARY]


# ---------------------------------------------------------------------------------------------
# 4b. A text file mixing UTF-8 and one Windows-1252 line


def test_a_txt_mixing_utf8_and_one_windows_1252_line_keeps_its_utf8_lines(tmp_path):
    p = tmp_path / "melange.txt"
    p.write_bytes("Titre mélangé\n\nPremier paragraphe en UTF-8 : l'été à Montréal.\n".encode()
                  + "Second paragraphe collé d'un fichier Windows : « œuvre », 12 €.\n".encode("cp1252"))
    (a,) = read(p)
    assert a.title == "Titre mélangé"
    assert a.body == ("Premier paragraphe en UTF-8 : l'été à Montréal.\n"
                      "Second paragraphe collé d'un fichier Windows : « œuvre », 12 €.")


def test_decode_bytes_reads_each_line_in_its_own_encoding():
    data = "déjà\r\n".encode() + "déjà\n".encode("cp1252") + "ça \x81".encode("latin-1") + "\n€".encode()
    assert decode_bytes(data) == "déjà\r\ndéjà\nça \x81\n€"


def test_a_declared_charset_still_decides_for_the_whole_page(tmp_path):
    page = '<html><head><meta charset="iso-8859-15"></head><body><p>Œuvre à 12 €</p></body></html>'
    p = tmp_path / "x.html"
    p.write_bytes(page.encode("iso-8859-15"))
    (a,) = read(p)
    assert a.body == "Œuvre à 12 €"


# ---------------------------------------------------------------------------------------------
# 4c. Ids made from file names


def test_accented_file_names_give_their_letters_to_the_id(tmp_path):
    for name in ("Été.txt", "Ôté.txt", "Москва.txt", "Œuvres complètes.txt"):
        (tmp_path / name).write_text("Titre\n\nTexte.\n", encoding="utf-8")
    assert sorted(ids_of(sorted(tmp_path.iterdir()), tmp_path)) == ["Ete", "Moskva", "OEuvres-completes", "Ote"]


def test_names_making_the_same_id_are_told_apart_by_a_hash_of_their_path(tmp_path):
    names = ["article 1.txt", "article-1.txt", "Ete.txt", "Été.txt", "été.html"]
    for name in names:
        (tmp_path / name).write_text("Titre\n\nTexte.\n", encoding="utf-8")
    ids = dict(zip(names, ids_of([tmp_path / n for n in names], tmp_path)))
    # The file whose name is already its id keeps it; the other gets a short hash of its relative path.
    assert ids["article-1.txt"] == "article-1" and ids["Ete.txt"] == "Ete"
    assert ids["article 1.txt"].startswith("article-1-") and ids["Été.txt"].startswith("Ete-")
    assert ids["été.html"] == "ete"  # ids are case-sensitive: no collision
    assert len(set(ids.values())) == len(names)
    # Deterministic: the same files give the same ids, whatever the order they are listed in.
    assert ids_of([tmp_path / n for n in reversed(names)], tmp_path) == [ids[n] for n in reversed(names)]


def test_the_same_relative_path_under_two_directories_gets_two_ids(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "une.txt").write_text("Titre\n\nTexte.\n", encoding="utf-8")
    files = list(iter_files([tmp_path / "a", tmp_path / "b"]))
    stems = file_stems(files)
    ids = [item.id for f, r in files for item in read_file(f, r, stems.get(f))]
    assert ids[0] == "une" and ids[1].startswith("une-") and len(set(ids)) == 2


def test_record_ids_without_usable_characters_stay_distinct(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text("".join(json.dumps({"id": i, "body": "Texte."}, ensure_ascii=False) + "\n"
                         for i in ("Москва", "Київ", "!!!")), encoding="utf-8")
    ids = [a.id for a in read(p)]
    assert len(set(ids)) == 3 and all(i.startswith("article-") and is_valid_id(i) for i in ids)


NAME_CHARS = st.sampled_from(list("aeéèEÉ1 -_.&'’ÔôœМ"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.text(NAME_CHARS, min_size=1, max_size=6).map(str.strip).filter(
    lambda s: s and not s.startswith(".")), min_size=2, max_size=8))
def test_distinct_file_names_always_give_distinct_valid_ids(tmp_path_factory, names):
    root = tmp_path_factory.mktemp("noms")
    paths = []
    for name in sorted(names):
        path = root / f"{name}.txt"
        path.write_text("Titre\n\nTexte.\n", encoding="utf-8")
        paths.append(path)
    ids = ids_of(paths, root)
    assert len(ids) == len(paths) and len(set(ids)) == len(ids), dict(zip(names, ids))
    assert all(is_valid_id(i) for i in ids)


def test_colliding_files_are_all_indexed_and_a_second_run_changes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, name in enumerate(["Été.txt", "Ôté.txt", "article 1.txt", "article-1.txt"]):
        (corpus / name).write_text(f"Titre {n}\n\nLe texte numéro {n}, sur la canicule.\n", encoding="utf-8")
    first = update_index(tmp_path / "index", [corpus])
    assert (first.added, first.skipped) == (4, [])
    again = update_index(tmp_path / "index", [corpus])
    assert (again.added, again.updated, again.removed, again.unchanged, again.skipped) == (0, 0, 0, 4, [])
    with Archive(tmp_path / "index") as archive:
        assert archive.search("canicule").total == 4


def test_a_new_file_taking_a_name_s_id_moves_the_old_one_without_losing_it(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article 1.txt").write_text("Premier\n\nLe texte du premier, sur la canicule.\n", encoding="utf-8")
    update_index(tmp_path / "index", [corpus])
    (corpus / "article-1.txt").write_text("Second\n\nLe texte du second, sur la canicule.\n", encoding="utf-8")
    summary = update_index(tmp_path / "index", [corpus])
    assert summary.skipped == []
    with Archive(tmp_path / "index") as archive:
        hits = archive.search("canicule").hits
        assert sorted(h.title for h in hits) == ["Premier", "Second"]
        assert archive.get("article-1").title == "Second"


# ---------------------------------------------------------------------------------------------
# 4d. Every loss is reported


def test_a_body_cut_at_the_limit_is_reported_in_the_summary(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BODY_CHARS", 2000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.txt").write_text("Un très long article\n\n" + "La canicule continue. " * 200, encoding="utf-8")
    summary = update_index(tmp_path / "index", [corpus], procs=1)
    assert summary.added == 1
    (skip,) = summary.skipped
    assert skip.path == str((corpus / "long.txt").resolve())
    assert skip.reason == ("article tronqué : corps de 4\u00a0400 caractères, seuls les 2\u00a0000 premiers sont "
                           "indexés")
    assert summary.skip_reasons() == {"article tronqué": 1}


def test_a_lead_and_a_title_cut_are_reported_with_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LEAD_CHARS", 100)
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps({"body": "Texte.", "title": "T" * 1500, "lead": "chapeau " * 50}) + "\n", encoding="utf-8")
    article, warning = read(p)
    assert isinstance(article, Article) and len(article.title) == 1000 and len(article.lead) <= 100
    assert warning.line == 1
    assert warning.reason == ("article tronqué : chapeau de 400 caractères, seuls les 100 premiers sont indexés ; "
                              "titre de 1\u00a0500 caractères, seuls les 1\u00a0000 premiers sont indexés")


def test_a_broken_symbolic_link_is_counted_and_reported(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bon.txt").write_text("Titre\n\nTexte.\n", encoding="utf-8")
    (corpus / "perdu.txt").symlink_to(tmp_path / "disparu.txt")
    (corpus / "archives-2019").symlink_to(tmp_path / "disque-demonte", target_is_directory=True)
    (corpus / "photo.jpg").symlink_to(tmp_path / "photo.jpg")  # not an article: not reported
    (corpus / "boucle.txt").symlink_to(corpus / "boucle.txt")
    summary = update_index(tmp_path / "index", [corpus])
    assert summary.added == 1 and summary.files == 4
    assert sorted((Path(s.path).name, s.reason) for s in summary.skipped) == [
        ("archives-2019", f"lien symbolique cassé : sa cible {tmp_path / 'disque-demonte'} est introuvable"),
        ("boucle.txt", f"lien symbolique cassé : il forme une boucle ({corpus / 'boucle.txt'} → {corpus / 'boucle.txt'})"),
        ("perdu.txt", f"lien symbolique cassé : sa cible {tmp_path / 'disparu.txt'} est introuvable"),
    ]


def test_a_link_that_breaks_removes_its_article_and_says_why(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    target = tmp_path / "ailleurs.txt"
    target.write_text("Titre\n\nTexte sur la canicule.\n", encoding="utf-8")
    (corpus / "lien.txt").symlink_to(target)
    assert update_index(tmp_path / "index", [corpus]).added == 1
    target.unlink()
    summary = update_index(tmp_path / "index", [corpus])
    assert summary.removed == 1
    assert [s.reason.split(" : ")[0] for s in summary.skipped] == ["lien symbolique cassé"]


def test_a_directory_that_cannot_be_listed_is_reported(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "ferme").mkdir(parents=True)
    (corpus / "ferme" / "cache.txt").write_text("Titre\n\nTexte.\n", encoding="utf-8")
    (corpus / "ouvert.txt").write_text("Titre\n\nTexte.\n", encoding="utf-8")
    scandir = os.scandir

    def refuse(path="."):  # root reads every directory: refuse this one as the system would
        if Path(path).name == "ferme":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(readers.os, "scandir", refuse)
    summary = update_index(tmp_path / "index", [corpus], procs=1)
    assert summary.added == 1
    assert [(Path(s.path).name, s.reason) for s in summary.skipped] == [("ferme", "dossier illisible : permission refusée")]


@pytest.mark.parametrize("suffix", [".txt", ".json", ".jsonl", ".html"])
def test_read_file_says_a_link_is_broken_whatever_the_format(tmp_path, suffix):
    p = tmp_path / f"x{suffix}"
    p.symlink_to(tmp_path / "nulle-part")
    (s,) = read(p)
    assert s.reason.startswith("lien symbolique cassé")
