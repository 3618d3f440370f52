"""Named entities (issue 20.2): normalisation of mentions, the archive-wide table (facets, names,
surnames), the query filters, incremental enrichment of an index built without entities.

The normalisation and table tests need no model; the index tests run spaCy's French model on real
OrangeSum articles of seeds/ (see ``entity_corpus``) and skip, saying why, without the extra.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from presse.indexer import entities as named
from presse.indexer.build import update_index
from presse.indexer.entities import Entity, clean_mention, encode, entity_key, merge_mentions
from presse.search import Archive
from presse.search.entities import EntityTable, entity_query
from presse.search.syntax import Entity as EntityNode
from presse.search.syntax import QueryError, parse

from entity_corpus import MACRON, corpus_records, entity_index, require_entities, write_records

# ----------------------------------------------------------------------------- one article

def test_title_and_surname_are_the_full_name():
    found = merge_mentions([("PER", "Emmanuel Macron"), ("PER", "M. Macron"), ("PER", "Macron"),
                            ("LOC", "Marseille")])
    assert found == [Entity("person", "emmanuel macron", "Emmanuel Macron", 3),
                     Entity("place", "marseille", "Marseille", 1)]


def test_surname_alone_is_kept_when_no_fuller_name():
    assert merge_mentions([("PER", "M. Macron"), ("PER", "Macron")]) == [Entity("person", "macron", "Macron", 2)]


def test_accents_and_case_never_split_an_entity():
    found = merge_mentions([("LOC", "Genève"), ("LOC", "GENEVE"), ("LOC", "Geneve"), ("ORG", "Électricité de France"),
                            ("ORG", "electricité de FRANCE")])
    assert [(e.kind, e.key, e.mentions) for e in found] == [("place", "geneve", 3),
                                                            ("org", "electricite de france", 2)]
    assert found[0].name == "Genève" and found[1].name == "Électricité de France"


def test_two_word_surname_and_a_first_name_alone():
    found = merge_mentions([("PER", "Marine Le Pen"), ("PER", "Mme Le Pen"), ("PER", "Le Pen"), ("PER", "Marine")])
    assert found == [Entity("person", "marine le pen", "Marine Le Pen", 4)]


def test_ambiguous_surname_goes_to_the_most_mentioned_fuller_name():
    found = merge_mentions([("PER", "Jean-Marie Le Pen"), ("PER", "Marine Le Pen"), ("PER", "Marine Le Pen"),
                            ("PER", "Le Pen")])
    assert [(e.key, e.mentions) for e in found] == [("jean marie le pen", 1), ("marine le pen", 3)]


def test_a_surname_taken_for_a_place_is_the_person():
    found = merge_mentions([("PER", "Édouard Philippe"), ("LOC", "Philippe"), ("ORG", "Matignon")])
    assert [(e.kind, e.key, e.mentions) for e in found] == [("person", "edouard philippe", 2), ("org", "matignon", 1)]


def test_a_key_gets_its_most_frequent_label():
    found = merge_mentions([("ORG", "Marseille"), ("LOC", "Marseille"), ("LOC", "Marseille")])
    assert found == [Entity("place", "marseille", "Marseille", 3)]


@pytest.mark.parametrize("text, kind, expected", [
    ("M. Macron", "person", "Macron"),
    ("le président Emmanuel Macron", "person", "Emmanuel Macron"),
    ("Mme Anne Hidalgo", "person", "Anne Hidalgo"),
    ("« Emmanuel Macron »", "person", "Emmanuel Macron"),
    ("la France", "place", "France"),
    ("l'ONU", "org", "ONU"),
    ("La Poste", "org", "La Poste"),  # a capitalised article is part of the name
    ("Le Pen", "person", "Le Pen"),
    ("hayon", "place", None),  # no capital: not a name
    ("Jeudi", "person", None),
    ("État", "place", None),
    ("Américains", "place", None),  # inhabitants, not a place
    ("Italienne", "place", None),
    ("Amérique", "place", "Amérique"),
    ("Calais", "place", "Calais"),
    ("2019", "org", None),
    ("M.", "person", None),
])
def test_clean_mention(text, kind, expected):
    assert clean_mention(text, kind) == expected


@given(st.text(alphabet=st.sampled_from(list("MmeErLl.' -«»\"ÉéaoPpnN2")), max_size=30),
       st.sampled_from(named.KINDS))
def test_a_cleaned_name_cleans_to_itself(text, kind):
    """A facet shows a cleaned name; typed back as a filter, it must find the same key."""
    name = clean_mention(text, kind)
    if name is not None:
        assert clean_mention(name, kind) == name
        assert entity_key(name) == entity_key(clean_mention(name, kind))


def test_encode_and_decode():
    entities = [Entity("person", "emmanuel macron", "Emmanuel Macron", 3), Entity("org", "onu", "ONU", 1)]
    assert named.decode(encode(entities)) == entities
    assert named.decode(None) is None and named.decode("0\nP\tx\tX\t1") is None  # another version: not analysed
    assert named.document_fields(entities) == {"entities": encode(entities), "person": "emmanuel macron", "org": "onu"}


# ----------------------------------------------------------------------------- the archive

def _table(*articles: list[Entity]) -> EntityTable:
    values = [encode(a) for a in articles]
    return EntityTable(values, np.ones(len(values), dtype=bool))


def test_archive_names_an_entity_by_its_most_frequent_full_form():
    macron = [Entity("person", "emmanuel macron", "Emmanuel Macron")]
    table = _table(macron, macron, [Entity("person", "emmanuel macron", "EMMANUEL MACRON")] * 1,
                   [Entity("person", "emmanuel macron", "EMMANUEL MACRON")],
                   [Entity("person", "macron", "Macron")], [Entity("person", "brigitte macron", "Brigitte Macron")])
    everything = np.ones(6, dtype=bool)
    # "macron" alone (one article) is Emmanuel Macron: 4 articles against Brigitte's 1.
    assert table.counts("person", everything) == (("Emmanuel Macron", 5), ("Brigitte Macron", 1))
    assert table.terms("person", "Macron") == ["emmanuel macron", "macron"]
    assert table.terms("person", "emmanuel MACRON") == ["emmanuel macron", "macron"]
    assert table.terms("person", "M. Macron") == ["emmanuel macron", "macron"]
    assert table.view("person", "macron").name == "Emmanuel Macron"


def test_a_full_name_is_never_merged_into_a_longer_span():
    """The model sometimes glues words to a name (« Twitter Bruno Le Maire », « Macron Emmanuel Macron »):
    a full name stays itself, in an article and across the archive."""
    found = merge_mentions([("PER", "Bruno Le Maire"), ("PER", "Twitter Bruno Le Maire"), ("PER", "Le Maire")])
    assert [(e.key, e.mentions) for e in found] == [("bruno le maire", 2), ("twitter bruno le maire", 1)]
    table = _table([Entity("person", "bruno le maire", "Bruno Le Maire")] * 1,
                   [Entity("person", "bruno le maire", "Bruno Le Maire")],
                   [Entity("person", "twitter bruno le maire", "Twitter Bruno Le Maire")])
    assert table.counts("person", np.ones(3, dtype=bool)) == (("Bruno Le Maire", 2), ("Twitter Bruno Le Maire", 1))


def test_archive_keeps_an_ambiguous_surname_apart():
    table = _table(*([Entity("person", entity_key(name), name)] for name in ("Marine Le Pen", "Jean-Marie Le Pen",
                                                                               "Le Pen", "Jean-Pierre Raffarin")))
    assert sorted(table.counts("person", np.ones(4, dtype=bool))) == [
        ("Jean-Marie Le Pen", 1), ("Jean-Pierre Raffarin", 1), ("Le Pen", 1), ("Marine Le Pen", 1)]
    assert table.terms("person", "Le Pen") == table.terms("person", "le pen") == ["pen"]
    assert table.terms("person", "Jean") == ["jean marie le pen", "jean pierre raffarin"]  # words of names


def test_unanalysed_and_deleted_articles_count_nothing():
    values = [encode([Entity("place", "marseille", "Marseille")]), None,
              encode([Entity("place", "marseille", "Marseille")])]
    live = np.array([True, True, False])
    table = EntityTable(values, live)
    assert table.analysed == 1
    assert table.counts("place", live) == (("Marseille", 1),)


# ----------------------------------------------------------------------------- the query language

@pytest.mark.parametrize("q, node", [
    ('personne:"Emmanuel Macron"', EntityNode("person", "Emmanuel Macron")),
    ('person:«Emmanuel Macron»', EntityNode("person", "Emmanuel Macron")),
    ("lieu:Marseille", EntityNode("place", "Marseille")),
    ("place:Saint-Denis", EntityNode("place", "Saint-Denis")),
    ("organisation:ONU", EntityNode("org", "ONU")),
    ("org:ONU", EntityNode("org", "ONU")),
    ("Organisation:ONU", EntityNode("org", "ONU")),
])
def test_entity_filters_parse(q, node):
    assert parse(q) == node


def test_entity_filters_combine_with_words():
    tree = parse('grève lieu:Marseille SAUF personne:"Emmanuel Macron"')
    assert EntityNode("place", "Marseille") in tree.items


def test_entity_query_round_trip():
    assert entity_query("person", "Emmanuel Macron") == 'personne:"Emmanuel Macron"'
    assert parse(entity_query("org", 'Le "Monde"')) == EntityNode("org", "Le  Monde")


# ----------------------------------------------------------------------------- with spaCy

@pytest.fixture(scope="module")
def built():
    return entity_index()


@pytest.fixture(scope="module")
def archive(built):
    with Archive(built.root) as a:
        yield a


def _extracted(archive: Archive, ids) -> dict:
    """id → the entities the archive gives for the article (kind, name)."""
    return {i: {(r.kind, r.name) for r in archive.article_entities(i)} for i in ids}


def test_enrichment_analyses_every_article_once(built):
    n = len(built.records)
    assert (built.plain.added, built.plain.enriched) == (n, 0)
    assert (built.enriched.added, built.enriched.updated, built.enriched.enriched, built.enriched.unchanged) == (0, 0, n, 0)
    assert "enrichis (entités nommées)" in built.enriched.line()


def test_a_second_run_analyses_nothing(built):
    again = update_index(built.root, [built.corpus])
    assert (again.enriched, again.added, again.unchanged) == (0, 0, len(built.records))


def test_entity_filter_returns_exactly_the_articles_with_that_entity(archive, built):
    ids = [r["id"] for r in built.records]
    extracted = _extracted(archive, ids)
    everything = archive.search("", per_page=1, facets=["person", "place", "org"]).facets
    checked = 0
    for kind in ("person", "place", "org"):
        assert everything[kind], kind
        for value in everything[kind][:8]:
            q = entity_query(kind, value.value)
            found = {h.id for p in range(1, 4) for h in archive.search(q, per_page=100, page=p, facets=(), collapse=False).hits}
            expected = {i for i, ents in extracted.items() if (kind, value.value) in ents}
            assert found == expected, q
            assert value.count == len(expected), q
            checked += 1
    assert checked == 24


def test_macron_is_one_person_across_the_archive(archive):
    view = archive.entity("person", "macron")
    assert view is not None and view.name == "Emmanuel Macron"
    for article_id in ("orangesum-20399", "orangesum-3570"):  # "Emmanuel Macron" and "M. Macron" in each
        names = [r.name for r in archive.article_entities(article_id) if r.kind == "person"]
        assert names.count("Emmanuel Macron") == 1 and not any(n in ("Macron", "M. Macron") for n in names)
    assert archive.search('personne:"Emmanuel Macron"').total == archive.search("personne:MACRON").total >= 10
    assert set(MACRON) >= {h.id for h in archive.search("personne:macron", per_page=100).hits}


@pytest.mark.parametrize("q", ["", "gouvernement", "date:2017", "lieu:France"])
def test_facet_counts_equal_the_filtered_totals(archive, q):
    page = archive.search(q, per_page=1, facets=["person", "place", "org"])
    for kind, values in page.facets.items():
        for value in values[:5]:
            narrowed = archive.search(f"{q} {entity_query(kind, value.value)}".strip(), per_page=1, facets=())
            assert narrowed.total == value.count, (q, kind, value)


def test_entity_view_related_and_unknown(archive):
    view = archive.entity("place", "Marseille")
    assert view is not None and view.articles == archive.search(view.query).total
    assert all(item.count <= view.articles for values in view.related.values() for item in values)
    assert ("place", "Marseille") not in {(k, v.value) for k, values in view.related.items() for v in values}
    assert archive.entity("person", "Personne Inconnue De Nulle Part") is None
    assert archive.search('personne:"Personne Inconnue De Nulle Part"').total == 0
    with pytest.raises(QueryError, match="Type d'entité inconnu"):
        archive.entity("chose", "x")


def test_new_and_changed_articles_only_are_analysed(tmp_path):
    require_entities()
    records = corpus_records(first=4)[:4]
    corpus = tmp_path / "corpus"
    write_records(corpus / "a.jsonl", records[:3])
    root = tmp_path / "index"
    first = update_index(root, [corpus], entities=True)
    assert (first.added, first.enriched) == (3, 0)
    assert json.loads(next(root.glob("gen-*/presse.json")).read_text())["entities"] is True
    # The setting is remembered: a later plain run analyses the new article, and only it.
    changed = dict(records[0], title=records[0]["title"] + " à Marseille")
    write_records(corpus / "a.jsonl", [changed, *records[1:3]])
    write_records(corpus / "b.jsonl", records[3:4])
    second = update_index(root, [corpus])
    assert (second.added, second.updated, second.unchanged, second.enriched) == (1, 1, 2, 0)
    with Archive(root) as archive:
        assert archive.entities_analysed() == 4
        assert ("place", "Marseille") in {(r.kind, r.name) for r in archive.article_entities(changed["id"])}


def test_entities_off_by_default_and_switched_off(tmp_path):
    require_entities()
    corpus = write_records(tmp_path / "corpus" / "a.jsonl", corpus_records(first=2)[:2]).parent
    root = tmp_path / "index"
    update_index(root, [corpus])
    with Archive(root) as archive:
        assert archive.entities_analysed() == 0
        assert archive.search("", facets=["person"]).facets == {"person": ()}
    update_index(root, [corpus], entities=True)
    assert update_index(root, [corpus], entities=False).enriched == 0
    assert json.loads(next(root.glob("gen-*/presse.json")).read_text())["entities"] is False


def test_without_spacy_entities_say_how_to_install(tmp_path, monkeypatch):
    corpus = write_records(tmp_path / "corpus" / "a.jsonl", corpus_records(first=2)[:2]).parent
    root = tmp_path / "index"
    update_index(root, [corpus])  # entities off: works without spaCy
    monkeypatch.setattr(named, "available", lambda: False)
    with pytest.raises(named.EntitiesUnavailable, match=r"pip install -e '\.\[entites\]'"):
        update_index(root, [corpus], entities=True)
    assert "entities" not in json.loads(next(root.glob("gen-*/presse.json")).read_text())  # nothing written
    assert update_index(root, [corpus]).unchanged == 2


# ----------------------------------------------------------------------------- command line

def _presse(*args):
    from click.testing import CliRunner

    from presse.web.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_index_with_entities_then_search_shows_them(tmp_path):
    require_entities()
    corpus = write_records(tmp_path / "corpus" / "a.jsonl", corpus_records(first=0)[:6]).parent
    root = tmp_path / "index"
    assert _presse("index", corpus, "--index", root).exit_code == 0
    result = _presse("index", corpus, "--index", root, "--entites")
    assert result.exit_code == 0 and "6\xa0enrichis (entités nommées)" in result.stdout
    result = _presse("search", "personne:macron", "--index", root, "--entites")
    assert result.exit_code == 0
    assert "Personnes : Emmanuel Macron (" in result.stdout and "Lieux : " in result.stdout


def test_cli_says_how_to_get_entities(tmp_path, monkeypatch):
    corpus = write_records(tmp_path / "corpus" / "a.jsonl", corpus_records(first=2)[:2]).parent
    root = tmp_path / "index"
    assert _presse("index", corpus, "--index", root).exit_code == 0
    result = _presse("search", "le", "--index", root, "--entites")
    assert result.exit_code == 0 and "Aucune entité nommée dans cet index" in result.stdout
    assert "presse index --entites" in result.stdout or "pip install -e '.[entites]'" in result.stdout
    monkeypatch.setattr(named, "available", lambda: False)
    result = _presse("index", corpus, "--index", root, "--entites")
    assert result.exit_code == 2 and "pip install -e '.[entites]'" in result.stderr


def test_entities_survive_the_merge_of_small_segments(tmp_path):
    """Nine incremental runs of one article each: the eighth small segment of a tier merges them
    (indexer.segments.merge_small_segments); their keys and columns come through."""
    require_entities()
    records = [r for r in corpus_records(first=0) if r["id"] in MACRON][:9]
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    before = {}
    for n, record in enumerate(records):
        write_records(corpus / f"{n}.jsonl", [record])
        update_index(root, [corpus], entities=True)
        if n == 0:
            with Archive(root) as archive:
                before = {r.name for r in archive.article_entities(record["id"])}
    assert len(list(next(root.glob("gen-*")).glob("*.trm"))) < 9  # one term file per segment: merged
    with Archive(root) as archive:
        assert {r.name for r in archive.article_entities(records[0]["id"])} == before
        assert archive.entities_analysed() == 9
        with_macron = {r["id"] for r in records
                       if ("person", "Emmanuel Macron") in {(e.kind, e.name) for e in archive.article_entities(r["id"])}}
        assert len(with_macron) >= 7
        assert {h.id for h in archive.search("personne:macron", per_page=20, collapse=False).hits} == with_macron
