"""Results over time in the web UI and the JSON API: the histogram above the results, the trends
page (/tendances and its CSV and SVG exports), /api/timeline and /api/trends.

Counts are checked against the search itself, on the shared test archive and on the real articles
of seeds/ (OrangeSum, Wikinews)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.indexer.build import update_index
from presse.web import create_app

try:
    import jsonschema
except ImportError:  # pragma: no cover - the test extra installs it
    jsonschema = None

REPO = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"
SVG = "{http://www.w3.org/2000/svg}"


def body(response) -> str:
    return response.get_data(as_text=True)


def bar_links(html: str) -> list[tuple[str, int]]:
    """(href, count) of every linked bar of the histogram, the count read from its title."""
    svg = html.split('<svg class="tl-svg"', 1)[1].split("</svg>", 1)[0]
    out = []
    for href, title in re.findall(r'<a href="([^"]+)" aria-label="[^"]*">\s*<title>([^<]*)</title>', svg):
        count = re.search(r" : ([\d\u00a0]+) articles? sur", unescape(title))
        out.append((unescape(href), int(count.group(1).replace(NBSP, ""))))
    return out


def search_total(client, url: str) -> int:
    args = parse_qs(urlsplit(url).query)
    r = client.get("/api/search?" + urlencode({k: v for k, v in args.items()}, doseq=True) + "&per_page=1&facets=")
    assert r.status_code == 200, url
    return r.get_json()["total"]


def assert_narrowed_search_counts(page: dict, count: int) -> None:
    """The search narrowed to a period finds the period's count; where the timeline has none, it
    may instead show what the search offers when nothing matches (a respelling, or the articles
    with the most of the words), which the timeline of the whole query does not count."""
    if count:
        assert page["total"] == count and not page["relaxed"] and not page["rewritten"]
    else:
        assert page["total"] == 0 or page["relaxed"] or page["rewritten"]


@pytest.fixture(scope="module")
def seeds_client(tmp_path_factory):
    """A client of the app over the 2,101 articles of seeds/ (indexed once for this module)."""
    index = tmp_path_factory.mktemp("seeds-web-index")
    update_index(index, [REPO / "seeds"])
    return create_app({"TESTING": True, "PRESSE_INDEX": str(index)}).test_client()


# ------------------------------------------------------------------------------------ results page

def test_results_page_shows_the_histogram_with_french_labels(client):
    html = body(client.get("/recherche?q=russie"))
    assert '<section class="timeline" aria-labelledby="titre-frise">' in html
    assert "(par mois)" in html
    svg = html.split('<svg class="tl-svg"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="tl-bar"') == 8  # March to October 2024, empty months included
    assert ">mars 2024<" in svg and "oct. 2024" in svg
    assert f"<title>octobre 2024 : 2 articles sur 2 (100,0{NBSP}%)</title>" in svg
    assert [count for _, count in bar_links(html)] == [1, 2]  # only months with matches are links
    # The table alternative has every period, the counts and the shares in French.
    table = html.split('<details class="timeline-table">', 1)[1].split("</details>", 1)[0]
    assert "<caption>Résultats par mois pour « russie »</caption>" in table
    assert table.count("<tr>") == 9 and "juillet 2024" in table and f"100,0{NBSP}%" in table
    # Counts or shares of the period, without a script.
    assert 'id="frise-part"' in html and svg.count('class="tl-share"') == 9  # 8 bars + the axis


def test_each_bar_narrows_the_search_to_its_period(seeds_client):
    for q in ('"gilets jaunes"', "grève", "voiture électrique"):
        html = body(seeds_client.get("/recherche?" + urlencode({"q": q})))
        links = bar_links(html)
        assert len(links) > 3, q
        for href, count in links:
            args = parse_qs(urlsplit(href).query)
            assert args["q"] == [q] and args["date_from"] and args["date_to"], href
            assert search_total(seeds_client, href) == count, href
            assert f'<p class="summary">{count}{NBSP}résultat' in body(seeds_client.get(href)), href


def test_bar_links_stay_within_the_date_filter_and_keep_the_other_filters(seeds_client):
    url = "/recherche?" + urlencode({"q": "grève", "date_from": "2019-03-15", "date_to": "2020-02-10",
                                     "source": "Orange Actu (actu.orange.fr)", "sort": "-date"})
    html = body(seeds_client.get(url))
    links = bar_links(html)
    assert links
    for href, count in links:
        args = parse_qs(urlsplit(href).query)
        assert args["source"] == ["Orange Actu (actu.orange.fr)"] and args["sort"] == ["-date"]
        assert "2019-03-15" <= args["date_from"][0] <= args["date_to"][0] <= "2020-02-10"
        assert search_total(seeds_client, href) == count


def test_the_active_period_is_a_removable_filter(client):
    html = body(client.get("/recherche?q=russie&date_from=2024-10-01&date_to=2024-10-31"))
    assert "Période : <strong>octobre 2024</strong>" in html
    chip = re.search(r'<a class="chip" href="([^"]+)" aria-label="Retirer la période octobre 2024">', html)
    assert chip and unescape(chip.group(1)) == "/recherche?q=russie"
    assert "(par jour)" in html  # a month: one bar a day
    html = body(client.get("/recherche?q=russie&date_from=2024-03-01&date_to=2024-04-15"))
    assert "Période : <strong>du 1er mars 2024 au 15 avril 2024</strong>" in html
    html = body(client.get("/recherche?q=russie&date_from=2024-01-01&date_to=2024-12-31"))
    assert "Période : <strong>2024</strong>" in html
    html = body(client.get("/recherche?q=russie&date_from=2024-03-01"))
    assert "Période : <strong>depuis le 1er mars 2024</strong>" in html


def test_no_histogram_without_dated_matches(client):
    assert '<section class="timeline"' not in body(client.get("/recherche?q=xylophonesque"))
    assert '<section class="timeline"' not in body(client.get("/recherche?q=date:2024-13"))  # a query error
    assert '<section class="timeline"' not in body(client.get("/recherche?page=abc&q=russie"))


def test_undated_matches_are_said_apart(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        '{"id": "d1", "title": "Grève à la SNCF", "body": "Grève.", "date": "2019-12-05"}\n'
        '{"id": "d2", "title": "Grève des éboueurs", "body": "Grève.", "date": "2019-12-20"}\n'
        '{"id": "u1", "title": "Une grève sans date", "body": "Grève."}\n', encoding="utf-8")
    update_index(tmp_path / "index", [corpus])
    client = create_app({"TESTING": True, "PRESSE_INDEX": str(tmp_path / "index")}).test_client()
    html = body(client.get("/recherche?q=grève"))
    assert f"3{NBSP}résultats" in html
    assert f"1{NBSP}résultat sans date n'apparaît pas ici." in unescape(html)
    assert sum(count for _, count in bar_links(html)) == 2


def test_the_histogram_links_to_the_trends_of_the_search(client):
    html = body(client.get("/recherche?q=russie&source=Le+Figaro"))
    link = re.search(r'<a href="(/tendances\?[^"]+)">Comparer avec d', html)
    assert link and parse_qs(urlsplit(unescape(link.group(1))).query) == {"q": ["russie"], "source": ["Le Figaro"]}


# ------------------------------------------------------------------------------------ API

def test_api_timeline_counts_add_up_to_the_search(seeds_client):
    for args in ({"q": "grève"}, {"q": '"gilets jaunes"', "interval": "year"},
                 {"q": "voiture", "source": "Orange Actu (auto.orange.fr)"}, {"q": "", "interval": "year"},
                 {"q": "coronavirus", "date_from": "2020-01-01", "date_to": "2020-06-30", "interval": "day"}):
        data = seeds_client.get("/api/timeline?" + urlencode(args)).get_json()
        total = seeds_client.get("/api/search?" + urlencode(args | {"facets": ""})).get_json()["total"]
        assert data["total"] == total == sum(p["count"] for p in data["periods"]) + data["undated"], args
        if "interval" in args:
            assert data["interval"] == args["interval"]
        for period in data["periods"][:40]:
            narrowed = {k: v for k, v in args.items() if k not in ("interval", "date_from", "date_to")}
            narrowed |= {"date_from": max(period["start"], args.get("date_from", "")),
                         "date_to": min(period["end"], args.get("date_to", "9999"))}
            assert_narrowed_search_counts(seeds_client.get("/api/search?" + urlencode(narrowed)).get_json(),
                                          period["count"])


def test_api_trends_are_the_counts_of_the_searches(seeds_client):
    queries = ['"gilets jaunes"', "gilets jaunes", "greve", "grèves", "GRÈVE", "confinement"]
    data = seeds_client.get("/api/trends?" + urlencode({"q": queries, "interval": "year"}, doseq=True)).get_json()
    assert data["interval"] == "year" and [s["query"] for s in data["series"]] == queries
    labels = [p["period"] for p in data["periods"]]
    assert labels == [str(y) for y in range(int(labels[0]), int(labels[-1]) + 1)]
    for series in data["series"]:
        assert len(series["counts"]) == len(series["per_10000"]) == len(labels)
        for period, count, per in zip(data["periods"], series["counts"], series["per_10000"]):
            narrowed = {"q": series["query"], "date_from": period["start"], "date_to": period["end"], "facets": ""}
            assert_narrowed_search_counts(seeds_client.get("/api/search?" + urlencode(narrowed)).get_json(), count)
            assert per is None if not period["total"] else per == pytest.approx(count * 10_000 / period["total"],
                                                                                abs=1e-4)
    by_query = {s["query"]: s for s in data["series"]}
    assert by_query["greve"]["counts"] == by_query["grèves"]["counts"] == by_query["GRÈVE"]["counts"]
    assert by_query['"gilets jaunes"']["total"] > 30


@pytest.mark.parametrize("url, message", [
    ("/api/timeline?q=russie&interval=week", "Intervalle inconnu « week »"),
    ("/api/timeline?q=russie&date_from=2024-13-01", "Date invalide pour date_from"),
    ("/api/timeline?q=date:2024-13", "Date invalide « 2024-13 »"),
    ("/api/timeline?interval=day", "Trop de périodes"),
    ("/api/trends", "au moins une recherche"),
    ("/api/trends?" + "&".join(f"q=mot{i}" for i in range(7)), "Au plus 6 recherches"),
    ("/api/trends?q=russie&interval=siècle", "Intervalle inconnu"),
])
def test_api_errors_are_french_json(client, url, message):
    r = client.get(url)
    assert r.status_code == 400 and r.mimetype == "application/json"
    assert message in r.get_json()["error"]["fr"] and r.get_json()["error"]["en"]


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def _validate(spec: dict, response, path: str) -> None:
    documented = spec["paths"][path]["get"]["responses"][str(response.status_code)]
    schema = documented["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]},
                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
                                    ).validate(response.get_json())


@pytest.mark.skipif(jsonschema is None, reason="jsonschema is not installed")
@pytest.mark.parametrize("url, path, status", [
    ("/api/timeline?q=russie", "/api/timeline", 200),
    ("/api/timeline?q=russie&interval=day&source=Le+Figaro,Libération", "/api/timeline", 200),
    ("/api/timeline?q=xylophonesque", "/api/timeline", 200),
    ("/api/timeline?q=Pezechkain", "/api/timeline", 200),  # rewritten
    ("/api/timeline?interval=year", "/api/timeline", 200),
    ("/api/timeline?q=russie&interval=week", "/api/timeline", 400),
    ("/api/trends?q=russie&q=%22gilets+jaunes%22&q=", "/api/trends", 200),
    ("/api/trends?q=russie&interval=month&date_from=2024-01-01", "/api/trends", 200),
    ("/api/trends?q=a&q=b&q=c&q=d&q=e&q=f&q=g", "/api/trends", 400),
    ("/api/trends", "/api/trends", 400),
])
def test_api_answers_conform_to_the_openapi_document(client, spec, url, path, status):
    r = client.get(url)
    assert r.status_code == status
    _validate(spec, r, path)


@pytest.mark.skipif(jsonschema is None, reason="jsonschema is not installed")
def test_the_api_reads_the_parameters_it_documents(spec):
    for path in ("/api/timeline", "/api/trends"):
        params = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert set(params) == {"q", "interval", "source", "author", "section", "year", "date_from", "date_to"}
        assert params["interval"]["schema"]["enum"] == ["year", "month", "day"]
    trends_q = {p["name"]: p for p in spec["paths"]["/api/trends"]["get"]["parameters"]}["q"]
    assert trends_q["required"] and trends_q["schema"]["maxItems"] == 6
    for name in ("TimelinePeriod", "Timeline", "TrendPeriod", "TrendSeries", "Trends"):
        jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"][name])


# ------------------------------------------------------------------------------------ trends page

def test_trends_page_without_queries_shows_the_form_and_examples(client):
    r = client.get("/tendances")
    html = body(r)
    assert r.status_code == 200 and "<h1>Tendances</h1>" in html
    assert html.count('name="q"') == 7  # six query fields + the header's search box
    assert '<a href="/tendances" aria-current="page">Tendances</a>' in html
    assert "Exemples" in html


def test_trends_page_draws_one_line_per_query(seeds_client):
    url = "/tendances?" + urlencode({"q": ['"gilets jaunes"', "grève", "", "coronavirus"]}, doseq=True)
    html = body(seeds_client.get(url))
    svg = html.split('<svg class="tr-svg"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('<g class="tr-line"') == 3  # the empty field is skipped
    assert '<h2 id="titre-courbes">Articles pour 10 000 articles de la période, par année</h2>' in html
    # Each linked point leads to the search for that query in that period, with the same count.
    points = re.findall(r'<a href="([^"]+)" aria-label="([^"]+) — afficher ces articles">', svg)
    assert len(points) > 10
    for href, label in points:
        args = parse_qs(urlsplit(unescape(href)).query)
        count = int(re.search(r" : ([\d\u00a0]+) articles?", unescape(label)).group(1).replace(NBSP, ""))
        assert search_total(seeds_client, unescape(href)) == count, label
        assert f"« {args['q'][0]} »" in unescape(label)
    # Downloads, and the table: a row a year, a column a query.
    assert 'href="/tendances.csv?' in html and 'href="/tendances.svg?' in html
    table = html.split('<details class="timeline-table">', 1)[1].split("</details>", 1)[0]
    years = seeds_client.get("/api/trends?" + urlencode({"q": ['"gilets jaunes"', "grève", "coronavirus"]},
                                                        doseq=True)).get_json()["periods"]
    assert table.count('<th scope="row">') == len(years) > 5
    assert "<th scope=\"col\">« &#34;gilets jaunes&#34; »</th>" in table


def test_trends_absolute_scale_and_month_interval(seeds_client):
    url = "/tendances?" + urlencode({"q": ["confinement"], "interval": "month", "scale": "absolute",
                                     "date_from": "2020-01-01", "date_to": "2020-06-30"}, doseq=True)
    html = body(seeds_client.get(url))
    assert "Articles, par mois" in html and "janv. 2020" in html and "juin 2020" in html
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([\d\u00a0]+)</td>', table)
    assert [label for label, _ in rows] == ["janvier 2020", "février 2020", "mars 2020", "avril 2020", "mai 2020",
                                            "juin 2020"]
    for (_, count), month in zip(rows, range(1, 7)):
        start = f"2020-{month:02d}-01"
        end = ["2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30", "2020-05-31", "2020-06-30"][month - 1]
        narrowed = {"q": "confinement", "date_from": start, "date_to": end}
        assert search_total(seeds_client, "/recherche?" + urlencode(narrowed)) == int(count.replace(NBSP, ""))


def test_trends_csv_has_every_period_of_every_query(seeds_client):
    queries = ['"gilets jaunes"', "grève"]
    args = {"q": queries, "interval": "year", "source": "Orange Actu (actu.orange.fr)"}
    r = seeds_client.get("/tendances.csv?" + urlencode(args, doseq=True))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="tendances.csv"'
    rows = list(csv.DictReader(io.StringIO(body(r))))
    api = seeds_client.get("/api/trends?" + urlencode(args, doseq=True)).get_json()
    assert len(rows) == len(queries) * len(api["periods"])
    for row in rows:
        series = next(s for s in api["series"] if s["query"] == row["requête"])
        i = [p["period"] for p in api["periods"]].index(row["période"])
        assert int(row["articles"]) == series["counts"][i]
        assert int(row["articles de la période"]) == api["periods"][i]["total"]
        per = series["per_10000"][i]
        assert row["pour 10 000 articles"] == ("" if per is None else f"{per:.4f}")


def test_trends_svg_export_is_a_standalone_svg_with_absolute_links(seeds_client):
    r = seeds_client.get("/tendances.svg?" + urlencode({"q": ["grève", "<b>gras</b> & co"]}, doseq=True))
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.headers["Content-Disposition"] == 'attachment; filename="tendances.svg"'
    root = ET.fromstring(r.get_data())
    assert root.tag == f"{SVG}svg" and root.get("width") == "720"
    assert "Tendances : « grève », « <b>gras</b> & co »" in root.find(f"{SVG}title").text
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links and all(link.startswith("http://localhost/recherche?") for link in links)
    assert len(root.findall(f".//{SVG}path")) == 2


@pytest.mark.parametrize("url, message", [
    ("/tendances?" + "&".join(f"q=mot{i}" for i in range(7)), "Au plus 6 recherches"),
    ("/tendances?q=grève&interval=day", "Intervalle inconnu « day »"),
    ("/tendances?q=grève&scale=log", "Échelle inconnue « log »"),
    ("/tendances?q=*", "*"),
    ("/tendances?q=grève&date_from=2024-02-30", "Date invalide"),
])
def test_trends_page_errors_are_french_and_keep_the_form(client, url, message):
    r = client.get(url)
    html = body(r)
    assert r.status_code == 400 and '<div class="notice notice-error" role="alert">' in html
    assert message in unescape(html) and 'class="trends-form"' in html


def test_trends_exports_refuse_bad_requests_in_french(client):
    r = client.get("/tendances.csv")
    assert r.status_code == 400 and "au moins une recherche" in body(r)
    r = client.get("/tendances.svg?q=x&interval=week")
    assert r.status_code == 400 and "Intervalle inconnu" in unescape(body(r))


# ------------------------------------------------------------------------------------ escaping

HOSTILE = '<script>alert("x")</script> russie'


def test_hostile_queries_and_values_are_escaped_everywhere(client):
    pages = [
        "/recherche?" + urlencode({"q": HOSTILE}),
        "/tendances?" + urlencode({"q": [HOSTILE, "<img src=x onerror=alert(1)>"]}, doseq=True),
        "/tendances?" + urlencode({"q": "piégé", "source": "Source <i>test</i>"}),
        "/tendances?year=2024",  # the select lists the hostile source
    ]
    for url in pages:
        html = body(client.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html and "<i>test</i>" not in html, url
    html = body(client.get(pages[1]))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; russie" in html
    assert "Source &lt;i&gt;test&lt;/i&gt;" in body(client.get(pages[3]))
    svg = body(client.get("/tendances.svg?" + urlencode({"q": HOSTILE})))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    for path in ("/api/timeline?", "/api/trends?"):
        raw = body(client.get(path + urlencode({"q": HOSTILE})))
        assert "<script>" not in raw and "\\u003cscript\\u003e" in raw


def test_csv_cells_cannot_start_a_formula(client):
    r = client.get("/tendances.csv?" + urlencode({"q": ["=HYPERLINK(\"http://x\")", "-russie", "russie"]}, doseq=True))
    queries = {row["requête"] for row in csv.DictReader(io.StringIO(body(r)))}
    assert queries == {"'=HYPERLINK(\"http://x\")", "'-russie", "russie"}


# ------------------------------------------------------------------------------------ any input

_VALUES = st.one_of(st.sampled_from(["", "russie", "year", "month", "day", "week", "2024-01-01", "2024-13-01",
                                     "Le Figaro", "*", '"', "relative", "absolute", "-1", "<b>"]),
                    st.text(max_size=12))
_NAMES = st.sampled_from(["q", "interval", "scale", "source", "author", "section", "year", "date_from", "date_to",
                          "page", "sort"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_NAMES, _VALUES), max_size=9),
       path=st.sampled_from(["/api/timeline", "/api/trends", "/tendances", "/tendances.csv", "/tendances.svg"]))
def test_no_input_makes_a_server_error(client, pairs, path):
    r = client.get(path + "?" + urlencode(pairs))
    assert r.status_code in (200, 400), (path, pairs, r.status_code)
    if path.startswith("/api/"):
        assert r.mimetype == "application/json"
    assert "Traceback" not in body(r)


def test_help_page_explains_results_over_time_and_trends(client):
    html = unescape(body(client.get("/aide")))
    for text in ("<h2>Les résultats dans le temps</h2>", "Choisir une plage", "Retirer la période",
                 '<a href="/tendances">Tendances</a>', "pour 10 000 articles de la période", "/api/timeline",
                 "/api/trends", "sans date"):
        assert text in html, text


def test_trends_keep_the_filters_that_have_no_field_as_removable_chips(client):
    html = body(client.get("/tendances?" + urlencode({"q": "russie", "author": "James Keou", "year": "2024"})))
    assert '<input type="hidden" name="author" value="James Keou">' in html
    chip = re.search(r'<a class="chip" href="([^"]+)" aria-label="Retirer le filtre Auteur : James Keou">', html)
    assert chip and parse_qs(urlsplit(unescape(chip.group(1))).query) == {"q": ["russie"], "year": ["2024"]}
    assert "« russie »</a> :\n      1\u00a0article." in unescape(html)  # only James Keou's article
