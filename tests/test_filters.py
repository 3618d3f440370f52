"""Source, author and section filters: the value itself, or part of a name as ``source:…`` reads it
(case and accents ignored); a filter that matches nothing names the known values (issue 16, item 6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from unidecode import unidecode

from presse.search import QueryError
from presse.search.facets import UnknownFilterValue, filter_values, suggested_values, value_words

SOURCES = ["Orange Actu (actu.orange.fr)", "Orange Actu (auto.orange.fr)", "Wikinews (fr.wikinews.org)"]
AUTHORS = ["AFP", "Orange avec AFP", "Orange avec AFP-Services", "Florian Lautre", "Le Figaro", "Élise Lucet"]


@pytest.mark.parametrize("values, wanted, expected", [
    (SOURCES, "wikinews", [2]),
    (SOURCES, "WikiNews", [2]),
    (SOURCES, "orange actu", [0, 1]),
    (SOURCES, "auto.orange.fr", [1]),
    (SOURCES, "actu orange", [0]),  # words in this order: "actu.orange.fr" only
    (SOURCES, "wiki", []),  # whole words, as source:wiki
    (AUTHORS, "AFP", [0]),  # the value itself, as a facet link sends it: not "Orange avec AFP" too
    (AUTHORS, "afp", [0, 1, 2]),
    (AUTHORS, "afp services", [2]),
    (AUTHORS, "elise lucet", [5]),
    (AUTHORS, "LUCET", [5]),
    (["societe/people", "societe/culture", "politique"], "Société", [0, 1]),
    ([None, "Le Monde"], "le monde", [1]),
    (["a", "A"], "A", [1]),  # a value present as typed is kept alone, not its case variants
])
def test_filter_values(values, wanted, expected):
    assert filter_values(values, wanted) == expected


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=10), st.data())
def test_a_value_always_keeps_itself_and_its_case_and_accent_variants(values, data):
    position = data.draw(st.integers(0, len(values) - 1))
    value = values[position]
    assert position in filter_values(values, value)
    if value_words(value):
        variant = unidecode(value).upper() if value_words(unidecode(value).upper()) == value_words(value) else value
        if variant not in values or variant == value:  # else the variant, itself a value, is kept alone
            assert position in filter_values(values, variant)


def test_suggestions_are_all_the_values_when_few():
    assert suggested_values(SOURCES, "lemonde", []) == (sorted(SOURCES), "all")


def test_suggestions_are_close_spellings_or_the_most_frequent():
    many = AUTHORS + [f"Auteur {n}" for n in range(20)]
    close, how = suggested_values(many, "afpp", ["Auteur 3"])
    assert (how, close[0]) == ("close", "AFP")
    assert suggested_values(many, "zzzz", ["Auteur 3", "AFP"]) == (["Auteur 3", "AFP"], "frequent")


# ------------------------------------------------------------------------------ through Archive.search

def test_the_search_filter_matches_as_the_query_syntax(archive):
    for value in ("Le Figaro", "figaro", "FIGARO"):
        assert [h.id for h in archive.search("", source=value).hits] == ["lefigaro-2024-10-11"]
    assert {h.id for h in archive.search("source:monde").hits} == {h.id for h in archive.search("", source="monde").hits}


def test_an_unknown_filter_value_is_a_query_error_naming_the_values(archive):
    with pytest.raises(QueryError) as error:
        archive.search("gaz", source=["Le Monde", "lemonde"])
    assert isinstance(error.value, UnknownFilterValue)
    assert (error.value.facet, error.value.value) == ("source", "lemonde")
    assert str(error.value) == ("Aucune source ne correspond à « lemonde ». Sources de l'archive : « Le Figaro », "
                                "« Le Monde », « Libération », « Ouest-France », « Source <i>test</i> », « Sud Ouest ».")
    with pytest.raises(QueryError, match=r"^Aucun auteur ne correspond à « Durand »\. Auteurs de l'archive : "):
        archive.search("", author="Durand")
    with pytest.raises(QueryError, match=r"^Aucune rubrique ne correspond à « sport »\. Rubriques de l'archive : "):
        archive.search("", section="sport")
