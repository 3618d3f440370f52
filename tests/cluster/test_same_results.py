"""The cluster (2 real shard servers) answers as the local engine does over the same articles
(seeds/: 2,101 real articles): the same totals and facet counts for the query language's every
construct, and the same first result where the local one is clearly first."""

from __future__ import annotations

import pytest

from presse.search import Archive

QUERIES = [
    "gouvernement", "Macron", "capacites", "élections", "Notre-Dame",   # words, accents, compounds
    '"premier ministre"', '"guerre Ukraine"~3', "« gilets jaunes »",        # phrases
    "pétrole ET gaz", "grève OU manifestation", "grève SAUF Paris", "police -Paris", "(Trump OU Poutine) ET Iran",
    "gouvern*", "électri?ue", "Macron~", "presidnet",                       # prefix, wildcard, fuzzy, respelling
    "titre:football", "auteur:Keou", "source:wikinews",                     # fields
    "date:2019", "date:2019-03", "date:[2018-01-01 TO 2018-06-30]", "climat date:[2019 TO *]",
    "le ET de", "", "zzzzqqq",                                              # stop words only, everything, nothing
]
FACETS = ("source", "year", "author", "section")


@pytest.fixture(scope="module")
def cluster(seeds_cluster):
    with Archive.cluster(seeds_cluster) as archive:
        yield archive


@pytest.mark.parametrize("q", QUERIES)
def test_same_totals_and_facet_counts_as_the_local_engine(cluster, seeds_local, q):
    local = seeds_local.search(q, facets=FACETS, collapse=False)
    remote = cluster.search(q, facets=FACETS)
    assert (remote.total, remote.suggestion, remote.rewritten, remote.relaxed, remote.partial) == \
        (local.total, local.suggestion, local.rewritten, local.relaxed, False)
    assert remote.facets == local.facets


@pytest.mark.parametrize("filters", [
    dict(source="wikinews"), dict(year=[2018, 2019]), dict(section="politique", author="AFP"),
    dict(date_from="2019-01-01", date_to="2019-12-31"),
])
def test_same_totals_and_facets_under_filters(cluster, seeds_local, filters):
    local = seeds_local.search("France", facets=FACETS, collapse=False, **filters)
    remote = cluster.search("France", facets=FACETS, **filters)
    assert remote.total == local.total
    assert remote.facets == local.facets


@pytest.mark.parametrize("q, filters", [
    ("Poutine climat", dict(year=2012)),  # no 2012 article has both words: the relaxed query, within 2012
    ("presidnet", dict(source="wikinews")),  # respelled within the filter
    ("Macron Trump", dict(source="wikinews")),  # nothing within the filter, even relaxed
])
def test_respelling_and_relaxing_happen_within_the_filters(cluster, seeds_local, q, filters):
    local = seeds_local.search(q, collapse=False, **filters)
    remote = cluster.search(q, **filters)
    assert (remote.total, remote.relaxed, remote.rewritten) == (local.total, local.relaxed, local.rewritten)


def test_an_unknown_filter_value_gets_the_local_french_message(cluster, seeds_local):
    from presse.search import UnknownFilterValue

    with pytest.raises(UnknownFilterValue) as local:
        seeds_local.search("France", source="Le Monde")
    with pytest.raises(UnknownFilterValue) as remote:
        cluster.search("France", source="Le Monde")
    assert str(remote.value) == str(local.value)


@pytest.mark.parametrize("sort", ["-date", "date"])
def test_same_order_by_date_as_the_local_engine(cluster, seeds_local, sort):
    local = seeds_local.search("Macron", sort=sort, per_page=50, collapse=False)
    remote = cluster.search("Macron", sort=sort, per_page=50)
    assert [h.date for h in remote.hits] == [h.date for h in local.hits]
    assert remote.hits[0].date == local.hits[0].date


@pytest.mark.parametrize("q", ["gouvern*", "capacites", "Ligue 1", "voiture électrique", "Poutine", "Nord-Sud",
                               "Ukraine guerre", '"premier ministre"', "Brexit", "coronavirus", "football"])
def test_same_first_result_where_the_local_one_is_clearly_first(cluster, seeds_local, q):
    local = seeds_local.search(q, per_page=2, collapse=False)
    remote = cluster.search(q, per_page=2)
    if len(local.hits) < 2 or local.hits[0].score >= 1.05 * local.hits[1].score:  # clearly first: 5 % ahead
        assert remote.hits[0].id == local.hits[0].id
    else:  # a near tie (football: 18.9 and 18.3) may go either way, between the same two
        assert remote.hits[0].id in {h.id for h in local.hits}


def test_hits_and_articles_are_highlighted_like_the_local_ones(cluster, seeds_local):
    remote = cluster.search('"premier ministre"', per_page=1)
    local_view = seeds_local.get(remote.hits[0].id, q='"premier ministre"')
    view = cluster.get(remote.hits[0].id, q='"premier ministre"')
    assert "<mark>" in remote.hits[0].snippet
    assert (view.title, view.body, view.date, view.source, view.author, view.url, view.tags) == \
        (local_view.title, local_view.body, local_view.date, local_view.source, local_view.author, local_view.url,
         local_view.tags)
    assert view.paragraphs_html == local_view.paragraphs_html
    assert cluster.get("pas-un-article") is None


def test_more_like_this_finds_articles_the_local_engine_finds_similar_too(cluster, seeds_local):
    first = cluster.search('"gilets jaunes"', per_page=1).hits[0]
    similar = cluster.more_like(first.id, limit=10)
    assert len(similar) == 10 and first.id not in {h.id for h in similar}
    assert {h.id for h in similar} & {h.id for h in seeds_local.more_like(first.id, limit=10)}
    assert cluster.more_like("pas-un-article") == []


def test_stats_count_every_article_of_both_shards(cluster, seeds_local):
    stats, local = cluster.stats(), seeds_local.stats()
    assert (stats.articles, stats.sources, stats.date_min, stats.date_max) == \
        (local.articles, local.sources, local.date_min, local.date_max)
    assert sum(stats.shard_articles) == stats.articles and all(stats.shard_articles)
    assert not stats.partial


def test_exports_and_citations_are_the_local_ones(cluster, seeds_local):
    q = '"premier ministre"'
    local = list(seeds_local.records(q, sort="-date", limit=150, source="actu.orange.fr"))
    remote = list(cluster.records(q, sort="-date", limit=150, source="actu.orange.fr"))
    assert len(remote) == len(local) == 150
    assert [(r.rank, r.date, r.title, r.body) for r in remote][:1] == [(r.rank, r.date, r.title, r.body) for r in local][:1]
    assert sorted(r.id for r in remote if r.date > remote[-1].date) == \
        sorted(r.id for r in local if r.date > remote[-1].date)  # the same articles, up to order within a day
    assert "".join(cluster.export(q, "ris", limit=3)).count("TY  - NEWS") == 3
    article = remote[0].id
    assert cluster.cite(article, "bibtex") == seeds_local.cite(article, "bibtex")
    assert cluster.cite_search(q).total == seeds_local.cite_search(q).total


@pytest.mark.parametrize("q", ["Macron", '"gilets jaunes"', "grève date:[2018 TO 2019]", "", "zzzzqqq"])
def test_timelines_are_the_local_engines(cluster, seeds_local, q):
    for interval in ("year", "month", "day", None):
        assert cluster.timeline(q, interval) == seeds_local.timeline(q, interval)
    filters = dict(year=[2018, 2019], date_to="2019-06-30")
    assert cluster.trends([q, "climat"], **filters) == seeds_local.trends([q, "climat"], **filters)


@pytest.mark.parametrize("q,sort", [("Macron", "date"), ('"premier ministre"', "-date"), ("grève", "left"),
                                    ("gouvernement", "right")])
def test_concordances_are_the_local_engines(cluster, seeds_local, q, sort):
    def lines(archive):
        return [(line.id, line.field, line.offset, line.left, line.match, line.right) for line in
                archive.concordance_lines(q, sort=sort, width=6)]

    local, remote = lines(seeds_local), lines(cluster)
    assert len(remote) == len(local) > 20
    assert sorted(remote) == sorted(local)  # the same lines (their order within a day follows each ranking)
    page = cluster.concordance(q, sort=sort, per_page=10)
    assert page.articles == seeds_local.concordance(q, sort=sort, per_page=10).articles


def test_named_entities_and_wire_copies_are_not_on_the_cluster(cluster):
    assert cluster.entity("person", "Macron") is None and cluster.entities_analysed() == 0
    page = cluster.search("Macron", per_page=5)  # grouping asked for, by default
    assert not page.collapse and page.collapsed_total == page.total
    assert cluster.versions(page.hits[0].id) == () and cluster.article_entities(page.hits[0].id) == ()


def test_a_relaxed_query_ranks_the_articles_with_the_most_words_first(cluster, seeds_local):
    q = "Macron Brexit Renault football"  # no article has the four words
    local = seeds_local.search(q, collapse=False, per_page=20)
    remote = cluster.search(q, per_page=20)
    assert remote.relaxed and local.relaxed and remote.total == local.total
    having = {w: {r.id for r in cluster.records(w)} for w in q.split()}

    def words(article_id: str) -> int:
        return sum(article_id in ids for ids in having.values())

    counts = [words(h.id) for h in remote.hits]
    assert counts == sorted(counts, reverse=True)  # more words first, whatever the score
    assert counts[0] == max(words(h.id) for h in local.hits)
    assert all(0 < h.score < 1000 for h in remote.hits)  # the score shown is the BM25 one


def _passages(archive, n: int, size: int, start: int) -> list[tuple[str, str]]:
    """(article id, ``size`` words of its text from the ``start``-th, unaccented, in order: a
    half-remembered passage) for ``n`` articles of the archive."""
    import re

    from unidecode import unidecode

    out = []
    for hit in archive.search("", per_page=100, collapse=False).hits[::3]:
        words = re.findall(r"[^\W\d_]{4,}", archive.get(hit.id).body)
        if len(words) >= 40:
            out.append((hit.id, unidecode(" ".join(words[start:start + size])).lower()))
        if len(out) == n:
            break
    return out


def test_half_remembered_passages_rank_as_on_the_local_engine(cluster, seeds_local):
    """The words of a passage, unaccented (2 or 3 words, 90 queries): the cluster ranks the article
    about as the local engine does (exact forms combined over title and text, the proximity boost
    over the best articles). On seeds/ the cluster's MRR@10 is 97.8 % of the local one; it was 92 %
    with the exact forms weighted outside BM25's saturation and no proximity reordering."""
    def reciprocal_rank(archive, article, q, **extra):
        ids = [h.id for h in archive.search(q, per_page=10, facets=(), **extra).hits]
        return 1 / (ids.index(article) + 1) if article in ids else 0.0

    passages = [p for size, start in ((3, 30), (2, 30), (3, 10)) for p in _passages(seeds_local, 30, size, start)]
    local = sum(reciprocal_rank(seeds_local, a, q, collapse=False) for a, q in passages) / len(passages)
    remote = sum(reciprocal_rank(cluster, a, q) for a, q in passages) / len(passages)
    assert len(passages) == 90 and local > 0.8
    assert remote >= 0.95 * local, (remote, local)
