"""What ``Archive.search`` and ``Archive.more_like`` accept: the documented values, a single value
wherever a list is, and for anything else a ``QueryError`` with a French message — never a
TypeError, AttributeError or ValueError from inside (issue 16.7).

The session ``archive`` of conftest.py: the 8 hand-written articles and the seed article.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.search import QueryError, SearchPage

SEED = "000_903b3f1d0023df44"
FIGARO = "lefigaro-2024-10-11"


def ids(page) -> list[str]:
    return [h.id for h in page.hits]


# ------------------------------------------------------------------------------------- the query

def test_none_is_the_empty_query(archive):
    assert ids(archive.search(None, per_page=100)) == ids(archive.search("", per_page=100))
    assert archive.search(None).total == 9


@pytest.mark.parametrize("q, message", [
    (b"russie", "La requête doit être du texte, pas des octets (décodez-les d'abord, par exemple en UTF-8)."),
    (42, "La requête doit être du texte, pas un nombre."),
    (1.5, "La requête doit être du texte, pas un nombre."),
    (True, "La requête doit être du texte, pas un booléen."),
    (("russie",), "La requête doit être du texte, pas une liste."),
    (dt.date(2024, 1, 1), "La requête doit être du texte, pas une valeur de type date."),
])
def test_a_query_that_is_not_text_is_a_query_error(archive, q, message):
    # search(b"iran") raised AttributeError from inside the parser.
    with pytest.raises(QueryError) as exc:
        archive.search(q)
    assert str(exc.value) == message


@pytest.mark.parametrize("q", [["russie"], bytearray(b"russie"), {"q": "russie"}])
def test_an_unhashable_query_is_a_query_error(archive, q):
    with pytest.raises(QueryError):
        archive.search(q)


# --------------------------------------------------------------------- one value where a list is

def test_a_single_facet_name_is_a_list_of_one(archive):
    # facets="source" used to be read letter by letter: « Facette inconnue « s » ».
    page = archive.search("russie", facets="source")
    assert list(page.facets) == ["source"]
    assert page.facets["source"] == archive.search("russie", facets=["source"]).facets["source"]
    assert list(archive.search("russie", facets=("year",)).facets) == ["year"]
    assert archive.search("russie", facets=None).facets == {}


@pytest.mark.parametrize("name, one, many", [
    ("source", "Le Figaro", ["Le Figaro"]),
    ("author", "Jean Dupont", ["Jean Dupont"]),
    ("section", "politique", ["politique"]),
    ("year", 2024, [2024]),
    ("year", "2024", ["2024"]),
    ("year", 2024.0, [2024]),
])
def test_a_single_filter_value_is_a_list_of_one(archive, name, one, many):
    alone = archive.search("", per_page=100, **{name: one})
    assert 0 < alone.total < 9
    assert ids(alone) == ids(archive.search("", per_page=100, **{name: many}))


@pytest.mark.parametrize("kwargs, message", [
    (dict(facets="couleur"), "Facette inconnue « couleur » : choisissez parmi source, year, author, section, person, place, org."),
    (dict(facets=[1]), "Facette inconnue « 1 » : choisissez parmi source, year, author, section, person, place, org."),
    (dict(facets=3), "Facette inconnue « 3 » : choisissez parmi source, year, author, section, person, place, org."),
    (dict(sort=["relevance"]), "Tri inconnu « ['relevance'] » : choisissez relevance, date ou -date."),
    (dict(year=2024.5), "Valeur de paramètre invalide « 2024.5 » : attendu du texte ou un nombre entier."),
    (dict(year=float("inf")), "Valeur de paramètre invalide « inf » : attendu du texte ou un nombre entier."),
    (dict(source=dt.date(2024, 1, 1)),
     "Valeur de paramètre invalide « datetime.date(2024, 1, 1) » : attendu du texte ou un nombre entier."),
    (dict(date_from="2024-02-30"),
     "Date invalide pour date_from : « 2024-02-30 » : ce jour n'existe pas (février 2024 a 29 jours)."),
    (dict(date_to=20240101), "Date invalide pour date_to : « 20240101 » (attendu AAAA-MM-JJ)."),
])
def test_other_values_are_query_errors_in_french(archive, kwargs, message):
    with pytest.raises(QueryError) as exc:
        archive.search("russie", **kwargs)
    assert str(exc.value) == message


def test_dates_with_a_time_zone_compare_with_dates_without(archive):
    paris = dt.timezone(dt.timedelta(hours=2))
    page = archive.search("", date_from=dt.datetime(2024, 10, 1, tzinfo=paris), date_to="2024-10-31", per_page=100)
    assert ids(page) == [SEED, FIGARO]


# ------------------------------------------------------------------------------------ more_like

def test_more_like_zero_is_an_empty_list(archive):
    # limit=0 raised Whoosh's ValueError("limit must be >= 1").
    assert archive.more_like(SEED, limit=0) == []


@pytest.mark.parametrize("limit", [-1, 101, 2.0, "3", None, True])
def test_more_like_a_bad_limit_is_a_query_error(archive, limit):
    with pytest.raises(QueryError) as exc:
        archive.more_like(SEED, limit=limit)
    assert str(exc.value) == "Le nombre d'articles similaires doit être un entier de 0 à 100."


# ------------------------------------------------------------------------------- anything at all

PARIS = dt.timezone(dt.timedelta(hours=2))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-3, 3), st.floats(), st.text(max_size=20),
    st.binary(max_size=20), st.dates(), st.datetimes(timezones=st.sampled_from([None, dt.UTC, PARIS])),
    st.sampled_from(["source", "year", "author", "section", "relevance", "-date", "date", "Le Figaro",
                     "2024", "2024-01-01", "2024-02-30", 2024, 2024.0, 1, 20, 100]),
)
# Hashable values: the query is part of the page-cache key (see test_an_unhashable_query_is_a_query_error).
HASHABLE = st.one_of(SCALARS, st.tuples(SCALARS), st.tuples(SCALARS, SCALARS), st.frozensets(st.text(max_size=3)))
ANYTHING = st.one_of(HASHABLE, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2))
# Parameters left out are not passed: each example varies some of them.
PARAMS = st.fixed_dictionaries({}, optional={
    name: ANYTHING for name in ("page", "per_page", "source", "author", "section", "year", "date_from", "date_to",
                                "sort", "facets")})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=HASHABLE, params=PARAMS)
def test_any_parameters_give_a_page_or_a_query_error(archive, q, params):
    try:
        page = archive.search(q, **params)
    except QueryError as exc:
        assert str(exc)  # a French message to show
    else:
        assert isinstance(page, SearchPage)


@settings(max_examples=100, deadline=None)
@given(article_id=st.one_of(st.sampled_from([SEED, FIGARO]), ANYTHING), limit=ANYTHING)
def test_any_more_like_gives_a_list_or_a_query_error(archive, article_id, limit):
    try:
        similar = archive.more_like(article_id, limit=limit)
    except QueryError as exc:
        assert str(exc)
    else:
        assert isinstance(similar, list) and len(similar) <= limit
