"""Behavioural search tests run on both engines — the local index and a 2-shard Xapian cluster —
through one parametrised fixture, over the shipped archive (seeds/, 2,101 articles): what the
README promises of a search, checked on what each engine returns (``test_same_results`` compares
the two engines' answers with each other)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from presse.indexer.analysis import fold
from presse.search import Archive, QueryError, UnknownFilterValue

ARTICLES = 2101


@pytest.fixture(scope="module", params=["local", "cluster"])
def engine(request):
    """``search.Archive`` over seeds/, then the same ``Archive`` API over the same articles on 2 shards."""
    if request.param == "local":
        yield request.getfixturevalue("seeds_local")
        return
    with Archive.cluster(request.getfixturevalue("seeds_cluster")) as archive:  # the Python entry point
        yield archive


def search(engine, q="", **params):
    return engine.search(q, collapse=False, **params)


def texts(engine, page) -> list[str]:
    """The folded, lower-cased title, lead and body of each hit of ``page``."""
    out = []
    for hit in page.hits:
        view = engine.get(hit.id)
        out.append(fold(f"{view.title}\n{view.lead or ''}\n{view.body}").lower())
    return out


def test_the_empty_query_lists_every_article_newest_first(engine):
    page = search(engine, "", per_page=100)
    assert page.total == ARTICLES and page.sort == "-date"
    dates = [h.date for h in page.hits if h.date]
    assert dates == sorted(dates, reverse=True)


def test_facet_counts_are_the_totals_of_their_filters(engine):
    page = search(engine, "", facets=("source", "year"))
    for value, count in page.facets["source"]:
        assert search(engine, "", source=value, per_page=1).total == count
    years = dict(page.facets["year"])
    assert search(engine, "", year=2019, per_page=1).total == years[2019] == search(engine, "date:2019").total


def test_a_phrase_finds_its_words_together(engine):
    page = search(engine, '"premier ministre"', per_page=20)
    assert page.total > 100
    assert all("premier ministre" in text for text in texts(engine, page))


def test_sauf_leaves_out_the_word_and_et_keeps_both(engine):
    without = search(engine, "grève SAUF Paris", per_page=20)
    assert 0 < without.total < search(engine, "grève").total
    assert not any(re.search(r"\bparis\b", text) for text in texts(engine, without))
    both = search(engine, "pétrole ET gaz", per_page=20)
    assert both.total >= 1 and all("petrol" in t and "gaz" in t for t in texts(engine, both))


def test_accents_do_not_matter_and_fields_restrict(engine):
    page = search(engine, "capacites", per_page=10)
    assert page.total > 10 and all("capacite" in text for text in texts(engine, page))
    titles = search(engine, "titre:football", per_page=10)
    assert titles.total >= 1 and all("football" in fold(h.title).lower() for h in titles.hits)


def test_dates_and_filters_keep_what_they_say(engine):
    in_2019 = search(engine, "date:2019", per_page=50)
    assert in_2019.total > 100 and all(h.date.year == 2019 for h in in_2019.hits)
    spring = search(engine, "gouvernement", date_from="2018-03-01", date_to="2018-05-31", per_page=50, sort="date")
    assert spring.total > 0 and all(dt.date(2018, 3, 1) <= h.date <= dt.date(2018, 5, 31) for h in spring.hits)
    wikinews = search(engine, "", source="wikinews", per_page=100)
    assert wikinews.total == 100 and all(h.source == "Wikinews (fr.wikinews.org)" for h in wikinews.hits)


def test_the_top_hit_and_the_highlighting(engine):
    page = search(engine, "Brexit", per_page=3)
    assert "brexit" in fold(page.hits[0].title).lower()
    assert all("<mark>" in (h.snippet + h.title_html) for h in page.hits)


def test_a_misspelt_query_is_respelled(engine):
    page = search(engine, "presidnet", per_page=5)
    assert (page.rewritten, page.suggestion) == ("président", "président") and page.total > 100
    assert search(engine, "zzzzqqq").total == 0


def test_pages_follow_one_another(engine):
    first, second = search(engine, "France", per_page=10), search(engine, "France", page=2, per_page=10)
    both = search(engine, "France", per_page=20)
    assert [h.id for h in first.hits + second.hits] == [h.id for h in both.hits]
    assert search(engine, "France", page=10_000).hits == ()


def test_bad_requests_get_the_same_french_messages(engine):
    with pytest.raises(QueryError, match="Le nombre de résultats par page doit être compris entre 1 et 100."):
        search(engine, "France", per_page=0)
    with pytest.raises(QueryError, match="Tri inconnu « pertinence »"):
        search(engine, "France", sort="pertinence")
    with pytest.raises(UnknownFilterValue, match="Le Monde"):
        search(engine, "France", source="Le Monde")
