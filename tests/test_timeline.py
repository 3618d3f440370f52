"""Results over time (``Archive.timeline``) and trends (``Archive.trends``): every count is the
count of the matching search, on the real articles of seeds/ (OrangeSum, Wikinews, the scraped page)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.indexer.build import update_index
from presse.search import Archive, Period, QueryError, Timeline, Trends
from presse.search.engine import day_counts
from presse.search.timeline import MAX_PERIODS, choose_interval, key_of, period_bounds, period_counts, period_keys

REPO = Path(__file__).resolve().parent.parent
# Queries of every kind: words, inflections, accent-less forms, phrases, operators, prefixes, fields.
QUERIES = ["grève", "greve", "grèves", '"gilets jaunes"', "gilet jaune", "Macron SAUF Trump",
           "(pétrole OU gaz) ET Russie", "gouvern*", "titre:Iran", "coronavirus", ""]
FILTERS = [{}, {"source": "Orange Actu (auto.orange.fr)"}, {"date_from": "2019-03-15"},
           {"date_from": "2018-11-01", "date_to": "2019-02-28"}, {"year": [2019, 2020]}]


@pytest.fixture(scope="module")
def seeds_archive(tmp_path_factory):
    """The 2,101 articles of seeds/ (one of them undated), indexed once for this module."""
    index = tmp_path_factory.mktemp("seeds-index")
    update_index(index, [REPO / "seeds"])
    with Archive(index) as archive:
        yield archive


def _narrowed(archive: Archive, q: str, period: Period, filters: dict):
    """The search for ``q`` restricted to ``period`` within ``filters``' date range."""
    start, end = period.start, period.end
    if filters.get("date_from"):
        start = max(start, dt.date.fromisoformat(filters["date_from"]))
    if filters.get("date_to"):
        end = min(end, dt.date.fromisoformat(filters["date_to"]))
    rest = {k: v for k, v in filters.items() if k not in ("date_from", "date_to")}
    return archive.search(q, date_from=start, date_to=end, per_page=1, facets=(), **rest)


def _restricted(archive: Archive, q: str, period: Period, filters: dict) -> int:
    """The total of the search for ``q`` restricted to ``period`` (see ``_narrowed``)."""
    return _narrowed(archive, q, period, filters).total


def _assert_period_is_its_search(archive: Archive, q: str, period: Period, filters: dict) -> None:
    """A period with matches has what the narrowed search finds. Where the query matches nothing,
    the narrowed search may show what a search shows when nothing matches (a plain query's
    respelling, or the articles with the most of its words), which the timeline does not count."""
    page = _narrowed(archive, q, period, filters)
    if period.count:
        assert (page.total, page.relaxed, page.rewritten) == (period.count, False, None), period
    else:
        assert page.total == 0 or page.relaxed or page.rewritten, period


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "no-filter")
@pytest.mark.parametrize("q", QUERIES)
def test_timeline_counts_add_up_to_the_search_total(seeds_archive, q, filters):
    timeline = seeds_archive.timeline(q, **filters)
    total = seeds_archive.search(q, per_page=1, facets=(), **filters).total
    assert timeline.total == total
    assert sum(p.count for p in timeline.periods) + timeline.undated == total
    assert timeline.dated == sum(p.count for p in timeline.periods)


@pytest.mark.parametrize("interval", ["year", "month"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "no-filter")
@pytest.mark.parametrize("q", ["grève", '"gilets jaunes"', "gilets jaunes", "Macron SAUF Trump", ""])
def test_each_period_count_is_the_search_restricted_to_that_period(seeds_archive, q, filters, interval):
    timeline = seeds_archive.timeline(q, interval, **filters)
    assert timeline.interval == interval
    for period in timeline.periods:
        _assert_period_is_its_search(seeds_archive, q, period, filters)
        # The period's total: the articles the filters keep in that period, whatever the query.
        assert _restricted(seeds_archive, "", period, filters) == period.total, period


def test_day_periods_are_the_searches_of_each_day(seeds_archive):
    timeline = seeds_archive.timeline("gilets jaunes", "day", date_from="2018-11-15", date_to="2018-12-10")
    assert [p.start for p in timeline.periods] == [p.end for p in timeline.periods]
    assert sum(1 for p in timeline.periods if p.count) > 3
    for period in timeline.periods:
        _assert_period_is_its_search(seeds_archive, "gilets jaunes", period, {})


def test_periods_without_all_the_words_count_nothing(seeds_archive):
    # Before 2018 no article has both words: narrowed to 2012, the search shows the articles with
    # one of them (relaxed); the timeline of the query, which has matches, counts none there.
    timeline = seeds_archive.timeline("gilets jaunes", "year", date_from="2011-01-01")
    years = {p.label: p for p in timeline.periods}
    assert years["2012"].count == 0 and years["2012"].total and years["2019"].count > 0
    narrowed = _narrowed(seeds_archive, "gilets jaunes", years["2012"], {})
    assert narrowed.relaxed and narrowed.total
    for period in timeline.periods:
        _assert_period_is_its_search(seeds_archive, "gilets jaunes", period, {})


def test_a_misspelled_query_counts_what_its_search_shows(seeds_archive):
    page = seeds_archive.search("coronavirsu")
    assert page.rewritten and page.total
    timeline = seeds_archive.timeline("coronavirsu")
    assert (timeline.rewritten, timeline.total) == (page.rewritten, page.total)
    relaxed = seeds_archive.search("coronavirus pezeshkian")
    assert relaxed.relaxed
    timeline = seeds_archive.timeline("coronavirus pezeshkian")
    assert timeline.relaxed and timeline.total == relaxed.total


def test_trend_values_are_the_counts_of_the_matching_searches(seeds_archive):
    queries = ['"gilets jaunes"', "Gilets Jaunes", "greve", "grèves", "grève", "coronavirus"]
    trends = seeds_archive.trends(queries, "month", date_from="2018-01-01")
    assert isinstance(trends, Trends) and trends.interval == "month"
    assert [s.query for s in trends.series] == queries
    labels = [p.label for p in trends.periods]
    assert labels[0] == "2018-01" and labels == sorted(labels)
    for series in trends.series:
        assert [p.label for p in series.periods] == labels  # one set of periods for all
        assert series.total == seeds_archive.search(series.query, date_from="2018-01-01").total
        for period in series.periods:
            _assert_period_is_its_search(seeds_archive, series.query, period, {"date_from": "2018-01-01"})
    # A phrase finds what the search finds, and so do accent-less and inflected forms of a word.
    by_query = {s.query: s for s in trends.series}
    assert by_query['"gilets jaunes"'].total == seeds_archive.search('"gilets jaunes"').total > 30
    assert by_query["greve"].total == by_query["grèves"].total == by_query["grève"].total > 10
    assert [p.count for p in by_query["greve"].periods] == [p.count for p in by_query["grève"].periods]


def test_per_10000_is_the_share_of_the_period(seeds_archive):
    trends = seeds_archive.trends(["coronavirus", ""], "year")
    everything = trends.series[1]
    for period in everything.periods:
        assert period.count == period.total
        assert period.per_10000 == (10_000 if period.total else None)
    corona = {p.label: p for p in trends.series[0].periods}
    assert corona["2020"].count > 0
    assert corona["2020"].per_10000 == pytest.approx(corona["2020"].count / corona["2020"].total * 10_000)
    assert corona["2013"].total == 0 and corona["2013"].share is None  # a year without articles


def test_interval_is_chosen_from_the_span_of_the_matches(seeds_archive):
    assert seeds_archive.timeline("").interval == "year"  # 2011-2024
    assert seeds_archive.timeline('"gilets jaunes"').interval == "month"  # late 2018 to mid 2020
    assert seeds_archive.timeline("grève", date_from="2019-01-01", date_to="2019-12-31").interval == "month"
    assert seeds_archive.timeline("", date_from="2019-03-01", date_to="2019-03-31").interval == "day"


def test_a_date_range_is_shown_whole(seeds_archive):
    # No match in 2019, but the range asked for is the whole year: twelve empty months.
    timeline = seeds_archive.timeline("Pezeshkian", date_from="2019-01-01", date_to="2019-12-31")
    assert timeline.total == 0 and [p.label for p in timeline.periods][:2] == ["2019-01", "2019-02"]
    assert len(timeline.periods) == 12 and all(p.total for p in timeline.periods)
    # Without a date filter, a query with no match has no period.
    assert seeds_archive.timeline("xylophonesque").periods == ()


def test_bad_intervals_and_trends_are_french_query_errors(seeds_archive, archive):
    with pytest.raises(QueryError, match="Intervalle inconnu « week »"):
        seeds_archive.timeline("grève", "week")
    with pytest.raises(QueryError, match="Trop de périodes"):
        archive.timeline("", "day")  # 1995 to 2024: more than MAX_PERIODS days
    assert len(archive.timeline("", "month").periods) < MAX_PERIODS
    with pytest.raises(QueryError, match="Au plus 6 recherches"):
        seeds_archive.trends(["a"] * 7)
    with pytest.raises(QueryError, match="au moins une recherche"):
        seeds_archive.trends([])
    with pytest.raises(QueryError, match="Date invalide"):
        seeds_archive.timeline("grève", date_from="2019-13-01")


def _write(path: Path, articles: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")


def test_undated_and_deleted_articles(tmp_path, fresh_index_dir):
    articles = [
        {"id": "a1", "title": "La grève des cheminots", "body": "Grève reconduite.", "date": "2019-12-05"},
        {"id": "a2", "title": "Grève générale", "body": "Les grévistes défilent.", "date": "2019-12-17"},
        {"id": "a3", "title": "Une grève sans date", "body": "On ne sait quand."},
        {"id": "a4", "title": "La météo", "body": "Il fait beau.", "date": "2020-01-03"},
        {"id": "a5", "title": "Encore une grève", "body": "Sans date non plus."},
    ]
    _write(tmp_path / "corpus" / "a.jsonl", articles)
    update_index(fresh_index_dir, [tmp_path / "corpus"])
    with Archive(fresh_index_dir) as archive:
        timeline = archive.timeline("grève")
        assert (timeline.total, timeline.undated, timeline.interval) == (4, 2, "day")
        assert sum(p.count for p in timeline.periods) == 2
        assert archive.timeline("grève", "month").periods[0] == Period("2019-12", dt.date(2019, 12, 1),
                                                                        dt.date(2019, 12, 31), 2, 2)
        # A date range leaves undated articles out, as the search does.
        assert archive.timeline("grève", date_from="2019-01-01").undated == 0
        everything = archive.timeline("", "year")
        assert [(p.label, p.count, p.total) for p in everything.periods] == [("2019", 2, 2), ("2020", 1, 1)]
        assert everything.undated == 2
    # a2 leaves the archive: it counts in no period and no total.
    _write(tmp_path / "corpus" / "a.jsonl", [a for a in articles if a["id"] != "a2"])
    update_index(fresh_index_dir, [tmp_path / "corpus"])
    with Archive(fresh_index_dir) as archive:
        month = archive.timeline("grève", "month").periods[0]
        assert (month.label, month.count, month.total) == ("2019-12", 1, 1)


def test_period_totals_follow_the_filters(seeds_archive):
    source = "Orange Actu (auto.orange.fr)"
    filtered = {p.label: p.total for p in seeds_archive.timeline("voiture", "year", source=source).periods}
    everything = {p.label: p.total for p in seeds_archive.timeline("voiture", "year").periods}
    assert filtered and all(filtered[y] <= everything[y] for y in filtered)
    assert any(filtered[y] < everything[y] for y in filtered)
    for label, total in filtered.items():
        assert total == seeds_archive.search("", source=source, year=int(label), per_page=1).total


def test_timeline_is_exported_and_frozen(seeds_archive):
    timeline = seeds_archive.timeline("grève")
    assert isinstance(timeline, Timeline)
    with pytest.raises(AttributeError):
        timeline.total = 3  # type: ignore[misc]


# ------------------------------------------------------------------------------- pure functions

DAYS = st.integers(min_value=dt.date(1800, 1, 1).toordinal(), max_value=dt.date(2100, 12, 31).toordinal())


@settings(max_examples=200, deadline=None)
@given(st.lists(DAYS, min_size=1, max_size=30), st.sampled_from(["year", "month", "day"]))
def test_period_numbers_and_bounds_agree(days, interval):
    keys = period_keys(np.array(days + [0]), interval)
    assert keys[-1] == -1  # undated
    for day, key in zip(days, keys.tolist()):
        assert key == key_of(day, interval)
        label, start, end = period_bounds(key, interval)
        assert start <= dt.date.fromordinal(day) <= end
        assert label == start.isoformat()[:{"year": 4, "month": 7, "day": 10}[interval]]
        # The next period starts the day after this one ends.
        assert period_bounds(key + 1, interval)[1] == end + dt.timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(DAYS, st.booleans()), min_size=1, max_size=40), st.sampled_from(["year", "month", "day"]))
def test_period_counts_are_a_histogram_of_the_selected_days(docs, interval):
    days = np.array([d for d, _ in docs] + [0])  # and an undated document, selected: in no period
    selected = np.array([s for _, s in docs] + [True])
    keys = period_keys(days[:-1], interval)
    first, last = int(keys.min()), int(keys.max())
    per_day = day_counts(days, selected)
    assert per_day.counts.sum() == selected.sum() and list(per_day.days) == sorted(set(days[selected].tolist()))
    counts = period_counts(per_day, interval, first, last - first + 1)
    selected = selected[:-1]
    assert counts.sum() == selected.sum()
    for key in set(keys.tolist()):
        assert counts[key - first] == sum(1 for (d, s) in docs if s and key_of(d, interval) == key)


def test_choose_interval():
    day = dt.date(2019, 1, 1).toordinal()
    assert choose_interval(day, day) == "day"
    assert choose_interval(day, day + 62) == "day"
    assert choose_interval(day, day + 63) == "month"
    assert choose_interval(day, dt.date(2022, 12, 31).toordinal()) == "month"  # 48 months
    assert choose_interval(day, dt.date(2023, 1, 1).toordinal()) == "year"
