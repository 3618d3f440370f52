"""The research views through Flask's test client: concordance, export, Atom feeds, citations.

Each view is checked against what the search itself answers (``/api/search``), files are read
back with real parsers (csv, rispy, bibtexparser, feedparser), every hostile text of the archive
comes out escaped, and the JSON routes conform to the OpenAPI document (and are fuzzed from it).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, urlsplit

import bibtexparser
import feedparser
import jsonschema
import pytest
import rispy
from hypothesis import given, settings
from hypothesis import strategies as st

import presse.search.concordance as kwic
import presse.search.export as export

from test_web_api import _validate
from test_web_fuzz import (
    FUZZ,
    HOSTILE,
    REFLECTED_SCRIPT,
    _any_pairs,
    _check_page,
    _query_string,
    api_checks,
    needs_schemathesis,
    schemathesis,
)

NBSP = "\u00a0"
ATOM = "{http://www.w3.org/2005/Atom}"


def body(response) -> str:
    return response.get_data(as_text=True)


def api_hits(client, **args) -> list[dict]:
    """Every hit of /api/search for ``args``, page after page."""
    hits, page = [], 1
    while True:
        data = client.get("/api/search", query_string={**args, "page": page, "per_page": 100, "facets": ""}).get_json()
        hits += data["hits"]
        if page * 100 >= data["total"]:
            return hits
        page += 1


def csv_rows(response) -> list[dict]:
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


# ------------------------------------------------------------------------------------ concordance

def kwic_rows(html: str) -> list[tuple[str, str, str]]:
    """(left, match, right) of each line of the concordance table, as text."""
    rows = re.findall(r'<td class="kwic-left"><span>(.*?)</span></td>\s*<td class="kwic-match"><a [^>]*>'
                      r'<mark>(.*?)</mark></a>.*?</td>\s*<td class="kwic-right">(.*?)</td>', html, re.S)
    return [tuple(unescape(x) for x in row) for row in rows]


def test_concordance_page_shows_every_line_marked(client):
    r = client.get("/concordance?q=russie&width=5")
    html = body(r)
    assert r.status_code == 200
    lines = client.get("/api/concordance?q=russie&width=5&per_page=100").get_json()["lines"]
    assert kwic_rows(html) == [(line["left"], line["match"], line["right"]) for line in lines] and len(lines) == 19
    assert f"Occurrences 1 à 19 sur 19 · 3{NBSP}articles" in html
    assert 'href="/article/liberation-2024-03-14?q=russie"' in html
    assert '<caption class="visually-hidden">Occurrences de « russie », triées par date' in html


def test_concordance_page_escapes_article_text(client):
    html = body(client.get("/concordance?q=xylophone&width=12"))
    assert not REFLECTED_SCRIPT.search(html)
    [(left, match, right)] = kwic_rows(html)
    assert match == "xylophone" and left.endswith('<a href="javascript:alert(3)">cliquez</a>. Le mot sentinelle est')
    assert "&lt;a href=&#34;javascript:alert(3)&#34;&gt;cliquez&lt;/a&gt;" in html
    assert 'title="&lt;script&gt;alert(&#39;titre&#39;)&lt;/script&gt; Un titre &#34;piégé&#34;"' in html
    assert "Source &lt;i&gt;test&lt;/i&gt;" in html


def test_concordance_page_sorts_and_pages(client):
    html = body(client.get("/concordance?q=russie&sort=right&per_page=5&page=2"))
    api = client.get("/api/concordance?q=russie&sort=right&per_page=5&page=2").get_json()
    assert kwic_rows(html) == [(line["left"], line["match"], line["right"]) for line in api["lines"]]
    prev = unescape(re.search(r'<a rel="prev" href="([^"]+)"', html).group(1))
    nxt = unescape(re.search(r'<a rel="next" href="([^"]+)"', html).group(1))
    assert parse_qs(urlsplit(prev).query) == {"q": ["russie"], "sort": ["right"], "width": ["8"], "per_page": ["5"],
                                              "page": ["1"]}
    assert parse_qs(urlsplit(nxt).query)["page"] == ["3"]
    assert '<option value="right" selected>mot à droite</option>' in html


def test_concordance_page_keeps_the_filters(client):
    html = body(client.get("/concordance?q=russie&source=Libération&date_from=2024-01-01"))
    assert {r[1] for r in kwic_rows(html)} == {"Russie", "russes"}
    assert '<input type="hidden" name="source" value="Libération">' in html
    assert '<input type="hidden" name="date_from" value="2024-01-01">' in html
    export_link = unescape(re.search(r'href="(/concordance\.csv\?[^"]+)"', html).group(1))
    assert parse_qs(urlsplit(export_link).query) == {"q": ["russie"], "source": ["Libération"],
                                                     "date_from": ["2024-01-01"], "sort": ["date"], "width": ["8"]}


@pytest.mark.parametrize("url, status, message", [
    ("/concordance", 200, "Tapez une recherche : la concordance montre chaque mot"),
    ("/concordance?q=source:Libération", 200, "aucun mot du texte à montrer"),
    ("/concordance?q=zyxorbium", 200, "Aucun article ne correspond à « zyxorbium »."),
    ("/concordance?q=russie&sort=relevance", 400, "Valeur inconnue pour sort : « relevance »"),
    ("/concordance?q=russie&width=99", 400, "Le paramètre width doit être compris entre 1 et 30"),
    ("/concordance?q=date:2024-13", 400, "Date invalide « 2024-13 »"),
    ("/concordance?q=russie&page=2001", 400, f"La concordance s'arrête à 100{NBSP}000 lignes"),
])
def test_concordance_page_messages(client, url, status, message):
    r = client.get(url)
    assert r.status_code == status and message in unescape(body(r))


def test_concordance_csv_is_every_line(client):
    r = client.get("/concordance.csv?q=russie&sort=left&width=3")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="presse-concordance-russie-\d{8}\.csv"',
                        r.headers["Content-Disposition"])
    rows = csv_rows(r)
    api = client.get("/api/concordance?q=russie&sort=left&width=3&per_page=100").get_json()["lines"]
    assert [(row["id"], row["field"], row["left"], row["match"], row["right"]) for row in rows] == [
        (line["id"], line["field"], line["left"], line["match"], line["right"]) for line in api]
    assert list(rows[0]) == list(export.CONCORDANCE_COLUMNS)


def test_concordance_csv_past_the_bound(client, monkeypatch):
    monkeypatch.setattr(kwic, "MAX_LINES", 5)
    r = client.get("/concordance.csv?q=russie")
    html = body(r)
    assert r.status_code == 400 and "Cette recherche donne plus de 5 occurrences" in html
    first = unescape(re.search(r'<a href="([^"]+)" download>Exporter les 5 premiers</a>', html).group(1))
    assert parse_qs(urlsplit(first).query) == {"q": ["russie"], "limit": ["5"]}
    assert len(csv_rows(client.get(first))) == 5
    r = client.get("/api/concordance.csv?q=russie")
    assert r.status_code == 400 and r.get_json()["error"]["en"].endswith("pass limit=5.")


# ------------------------------------------------------------------------------------ export

EXPORTS = [{"q": "russie"}, {"q": "", "sort": "date"}, {"q": "le", "source": "Libération", "sort": "-date"},
           {"q": "Pezechkain"}, {"q": "gouvernement OU Poutine", "year": "2024"}, {"q": "zyxorbium"}]


@pytest.mark.parametrize("args", EXPORTS)
def test_export_csv_and_jsonl_are_the_result_set(client, args):
    ids = [h["id"] for h in api_hits(client, **args)]
    r = client.get("/export", query_string={**args, "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert [row["id"] for row in csv_rows(r)] == ids
    r = client.get("/api/export", query_string={**args, "format": "jsonl"})
    assert r.mimetype == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in body(r).splitlines()] == ids


@pytest.mark.parametrize("args", EXPORTS)
def test_export_ris_and_bibtex_parse(client, args):
    hits = api_hits(client, **args)
    r = client.get("/export", query_string={**args, "format": "ris"})
    assert r.mimetype == "application/x-research-info-systems"
    entries = rispy.loads(body(r))
    assert [(e["id"], e["type_of_reference"], e.get("secondary_title")) for e in entries] == [
        (h["id"], "NEWS", h["source"]) for h in hits]
    r = client.get("/export", query_string={**args, "format": "bibtex"})
    assert r.mimetype == "application/x-bibtex" and r.headers["Content-Disposition"].endswith('.bib"')
    library = bibtexparser.parse_string(body(r))
    assert library.failed_blocks == [] and len(library.entries) == len(hits)
    assert [e.fields_dict["journal"].value for e in library.entries if "journal" in e.fields_dict] == [
        h["source"] for h in hits if h["source"]]


def test_export_past_the_bound(client, monkeypatch):
    monkeypatch.setattr(export, "MAX_ARTICLES", 4)
    r = client.get("/export?format=ris")
    html = body(r)
    assert r.status_code == 400
    assert "Cette recherche donne 9 articles : un export en contient au plus 4. Affinez la recherche" in html
    first = unescape(re.search(r'<a href="([^"]+)" download>Exporter les 4 premiers</a>', html).group(1))
    assert len(rispy.loads(body(client.get(first)))) == 4
    r = client.get("/api/export?format=csv")
    assert r.status_code == 400 and r.get_json()["error"]["fr"].startswith("Cette recherche donne 9 articles")
    results = body(client.get("/recherche?q=&source=Libération&source=Le Monde&source=Le Figaro&source=Sud Ouest"
                              "&source=Ouest-France"))
    assert "Exporter les 4 premiers :" in results and "limit=4" in results


@pytest.mark.parametrize("url, message", [
    ("/export?q=russie&format=pdf", "Valeur inconnue pour format : « pdf »"),
    ("/export?q=russie&limit=0", "Le paramètre limit doit être compris entre 1 et 50000"),
    ("/export?q=russie&sort=left", "Tri inconnu « left »"),
    ("/export?q=(russie", None),
])
def test_export_bad_parameters(client, url, message):
    r = client.get(url)
    if message is None:  # an unbalanced parenthesis is searched as words: not an error
        assert r.status_code == 200
        return
    assert r.status_code == 400 and message in body(r)
    r = client.get("/api" + url)
    assert r.status_code == 400 and message in r.get_json()["error"]["fr"]


@given(q=st.text(max_size=60))
@settings(FUZZ, max_examples=60)
def test_download_names_are_safe_ascii(client, q):
    r = client.get("/export", query_string={"q": q, "format": "csv"})
    if r.status_code == 200:
        assert re.fullmatch(r'attachment; filename="presse-export-[a-z0-9-]{1,40}-\d{8}\.csv"',
                            r.headers["Content-Disposition"])


# ------------------------------------------------------------------------------------ feeds

@pytest.mark.parametrize("url", ["/recherche.atom?q=russie", "/recherche.atom?q=&source=Libération",
                                 "/recherche.atom?q=xylophone", "/recherche.atom?q=zyxorbium",
                                 "/api/search.atom?q=russie,gaz&year=2024,1995"])
def test_atom_feed_is_valid_and_lists_the_newest_matches(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = feedparser.parse(r.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    args = {k: v for k, v in parse_qs(urlsplit(url).query).items()}
    hits = client.get("/api/search", query_string={**args, "sort": "-date", "per_page": 20}).get_json()["hits"]
    assert [e.link for e in feed.entries] == [f"http://localhost/article/{h['id']}" for h in hits]
    assert [e.title for e in feed.entries] == [h["title"] for h in hits]
    root = ET.fromstring(r.get_data())  # what RFC 4287 requires of every feed and entry
    for element in [root, *root.iter(f"{ATOM}entry")]:
        for tag in ("id", "title", "updated"):
            assert element.find(f"{ATOM}{tag}") is not None and element.find(f"{ATOM}{tag}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Presse"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"http://localhost{url.split('?')[0]}?" + \
        urlsplit(root.find(f"{ATOM}link[@rel='self']").get("href")).query


def test_atom_feed_escapes_hostile_articles(client):
    raw = client.get("/recherche.atom?q=xylophone").get_data(as_text=True)
    assert "<script" not in raw and "<img" not in raw and "javascript:" not in raw
    entry = feedparser.parse(raw).entries[0]
    assert entry.title == "<script>alert('titre')</script> Un titre \"piégé\""
    assert entry.author == "<b>Auteur</b> \" onmouseover=\"alert(1)"
    assert [link.rel for link in entry.links] == ["alternate"]  # javascript:alert(1) is not linked


def test_results_page_links_its_feed(client):
    html = body(client.get("/recherche?q=russie&source=Libération&sort=date"))
    head = html.split("</head>", 1)[0]
    link = re.search(r'<link rel="alternate" type="application/atom\+xml" title="Presse — russie" href="([^"]+)">',
                     head)
    assert link and parse_qs(urlsplit(unescape(link.group(1))).query) == {"q": ["russie"], "source": ["Libération"]}
    visible = re.search(r'<a class="tool-feed" href="([^"]+)"[^>]*>Suivre cette recherche</a>', html)
    assert visible and unescape(visible.group(1)) == unescape(link.group(1))
    assert client.get(unescape(link.group(1))).status_code == 200


def test_results_page_links_the_other_views(client):
    html = body(client.get("/recherche?q=russie&sort=-date&year=2024"))
    tools = html.split('<ul class="research-tools"', 1)[1].split("</ul>", 1)[0]
    links = {unescape(a): unescape(h) for h, a in re.findall(r'<a (?:class="[^"]*" )?href="([^"]+)"[^>]*>([^<]+)</a>',
                                                              tools)}
    assert parse_qs(urlsplit(links["Concordance"]).query) == {"q": ["russie"], "sort": ["-date"], "year": ["2024"]}
    assert parse_qs(urlsplit(links["BibTeX"]).query) == {"q": ["russie"], "sort": ["-date"], "year": ["2024"],
                                                         "format": ["bibtex"]}
    assert urlsplit(links["Citer cette recherche"]).path == "/recherche/citer"
    for url in links.values():
        assert client.get(url).status_code == 200, url
    assert 'class="research-tools"' not in body(client.get("/recherche?q=zyxorbium"))  # nothing to export


# ------------------------------------------------------------------------------------ citations

def meta_tags(html: str) -> list[tuple[str, str]]:
    head = html.split("</head>", 1)[0]
    return [(n, unescape(c)) for n, c in re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', head)]


def test_article_page_has_citation_meta_tags_and_a_cite_block(client):
    html = body(client.get("/article/liberation-2024-03-14"))
    assert meta_tags(html) == [
        ("citation_title", "Pétrole et gaz : l'Europe cherche à se passer de la Russie"),
        ("citation_author", "Claire Martin"), ("citation_publication_date", "2024/03/14"),
        ("citation_date", "2024/03/14"), ("citation_journal_title", "Libération"),
        ("citation_public_url", "https://www.liberation.fr/economie/petrole-gaz"), ("citation_language", "fr"),
        ("citation_keywords", "énergie")]
    block = html.split('<section class="cite"', 1)[1].split("</section>", 1)[0]
    assert re.search(f"Claire Martin, «{NBSP}Pétrole et gaz : l&#39;Europe cherche à se passer de la Russie{NBSP}», "
                     f"<cite>Libération</cite>, 14 mars 2024, en ligne{NBSP}: https://www.liberation.fr/economie/"
                     r"petrole-gaz \(consulté le \d+(er)? [a-zéû]+ \d{4}\)\.", block)
    bib = re.search(r'<a href="([^"]+)" download>BibTeX</a>', block).group(1)
    ris = re.search(r'<a href="([^"]+)" download>RIS</a>', block).group(1)
    entry = bibtexparser.parse_string(body(client.get(bib))).entries[0]
    assert (entry.entry_type, entry.fields_dict["journal"].value) == ("article", "Libération")
    r = client.get(ris)
    assert r.headers["Content-Disposition"] == 'attachment; filename="presse-liberation-2024-03-14.ris"'
    assert rispy.loads(body(r))[0]["type_of_reference"] == "NEWS"


def test_hostile_article_citation_is_escaped(client):
    html = body(client.get("/article/hostile-2024-01-01"))
    assert not REFLECTED_SCRIPT.search(html)
    tags = dict(meta_tags(html))
    assert tags["citation_title"] == "<script>alert('titre')</script> Un titre \"piégé\""
    assert tags["citation_public_url"] == "http://localhost/article/hostile-2024-01-01"  # not javascript:
    assert "<cite>Source &lt;i&gt;test&lt;/i&gt;</cite>" in html


def test_article_without_author_source_or_address(client):
    tags = dict(meta_tags(body(client.get("/article/000_903b3f1d0023df44"))))
    assert "citation_journal_title" not in tags
    assert tags["citation_public_url"] == "http://localhost/article/000_903b3f1d0023df44"


def test_article_citation_api(client, app):
    r = client.get("/api/articles/lemonde-1995-12-05/citation")
    data = r.get_json()
    assert data["text"].startswith(f"Jean Dupont, «{NBSP}L'État face à la grève")
    assert rispy.loads(data["ris"])[0]["id"] == "lemonde-1995-12-05"
    assert bibtexparser.parse_string(data["bibtex"]).entries[0].key == "presse:lemonde-1995-12-05"
    for url in ("/api/articles/inconnu/citation", "/article/inconnu/citation.bib", "/article/inconnu/citation.ris"):
        assert client.get(url).status_code == 404


def test_cite_search_page(client, archive):
    url = "/recherche/citer?q=russie&source=Libération&source=Le Figaro&date_from=2024-01-01&sort=-date&per_page=20"
    html = body(client.get(url))
    permalink = unescape(re.search(r'<p class="permalink"><a href="([^"]+)">', html).group(1))
    assert urlsplit(permalink).path == "/recherche" and parse_qs(urlsplit(permalink).query) == {
        "q": ["russie"], "source": ["Libération", "Le Figaro"], "date_from": ["2024-01-01"], "sort": ["-date"],
        "per_page": ["20"]}
    total = archive.search("russie", source=["Libération", "Le Figaro"], date_from="2024-01-01").total
    stats = archive.stats()
    assert f"<dt>Résultats</dt><dd>{total}{NBSP}articles</dd>" in html
    assert f"<code>{stats.generation}/{stats.articles}</code>" in html
    assert re.search(r"<dt>Faite le</dt><dd><time datetime=\"\d{4}-\d\d-\d\dT[0-9:.]+\+00:00\">\d+(er)? [a-zéû]+ "
                     r"\d{4} à \d\d h \d\d \(UTC\)</time></dd>", html)
    snippet = unescape(re.search(r'<pre class="snippet-code"><code>(.*?)</code></pre>', html, re.S).group(1))
    assert "page = archive.search('russie', source=['Libération', 'Le Figaro'], date_from='2024-01-01', " \
           "sort='-date')\n" in snippet


def test_cite_search_page_escapes_the_query(client):
    for q in HOSTILE:
        html = body(client.get("/recherche/citer", query_string={"q": q}))
        assert not REFLECTED_SCRIPT.search(html), q


def test_cite_search_api(client, spec):
    r = client.get("/api/search/citation?q=russie&source=Libération,Le Figaro&sort=date")
    _validate(spec, r, "/api/search/citation")
    data = r.get_json()
    assert data["parameters"] == {"source": ["Libération", "Le Figaro"], "sort": "date"}
    assert parse_qs(urlsplit(data["permalink"]).query)["source"] == ["Libération", "Le Figaro"]


def test_help_page_explains_the_research_views(client):
    html = body(client.get("/aide"))
    section = html.split("<h2>Pour la recherche : concordance, export, citations, alertes</h2>", 1)[1]
    for words in ("<strong>Concordance</strong>", "<strong>Exporter</strong>", "<strong>Suivre cette recherche</strong>",
                  "<strong>Citer cette recherche</strong>", "BibTeX", "50 000", "100 000", "<code>/api/export</code>"):
        assert words in section, words


# ------------------------------------------------------------------------------------ OpenAPI

@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


RESEARCH_PATHS = {"/api/concordance", "/api/concordance.csv", "/api/export", "/api/search.atom",
                  "/api/search/citation", "/api/articles/{id}/citation"}


def test_openapi_documents_the_research_views(spec):
    assert RESEARCH_PATHS <= set(spec["paths"])
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    params = {p["name"] for p in spec["paths"]["/api/export"]["get"]["parameters"]}
    assert params == {"q", "source", "author", "section", "year", "date_from", "date_to", "sort", "format", "limit"}


@pytest.mark.parametrize("url, template, status", [
    ("/api/concordance?q=russie", "/api/concordance", 200),
    ("/api/concordance?q=russie&sort=right&per_page=3&page=2", "/api/concordance", 200),
    ("/api/concordance?q=", "/api/concordance", 200),
    ("/api/concordance?q=russie&sort=x", "/api/concordance", 400),
    ("/api/concordance?q=russie&width=0", "/api/concordance", 400),
    ("/api/search/citation?q=russie", "/api/search/citation", 200),
    ("/api/search/citation?date_from=x", "/api/search/citation", 400),
    ("/api/articles/hostile-2024-01-01/citation", "/api/articles/{id}/citation", 200),
    ("/api/articles/inconnu/citation", "/api/articles/{id}/citation", 404),
    ("/api/export?format=x", "/api/export", 400),
    ("/api/concordance.csv?q=x&limit=0", "/api/concordance.csv", 400),
    ("/api/search.atom?year=x", "/api/search.atom", 400),
])
def test_json_answers_conform_to_the_openapi_schemas(client, spec, url, template, status):
    r = client.get(url)
    assert r.status_code == status
    _validate(spec, r, template)


def test_unavailable_index(spec, tmp_path):
    from presse.web import create_app

    client = create_app({"PRESSE_INDEX": str(tmp_path / "nothing")}).test_client()
    for url, template in (("/api/concordance?q=x", "/api/concordance"), ("/api/export?q=x", "/api/export"),
                          ("/api/search/citation?q=x", "/api/search/citation"),
                          ("/api/articles/x/citation", "/api/articles/{id}/citation")):
        r = client.get(url)
        assert r.status_code == 503
        _validate(spec, r, template)
    for url in ("/concordance?q=x", "/concordance", "/export?q=x", "/recherche.atom?q=x", "/recherche/citer?q=x",
                "/article/x/citation.bib"):
        r = client.get(url)
        assert r.status_code == 503 and "Index indisponible" in body(r) and "presse index" in body(r), url


@needs_schemathesis
@pytest.mark.parametrize("path, mode, examples", [
    (path, mode, 40) for path in sorted(RESEARCH_PATHS) for mode in ("positive", "negative")])
def test_research_api_fuzzed_from_openapi(app, path, mode, examples):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema[path]["GET"]
    checks = [c for c in api_checks() if c.__name__ != "no_script_in_body" or path in (
        "/api/concordance", "/api/search/citation", "/api/articles/{id}/citation")]  # files carry article text as is

    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    @settings(FUZZ, max_examples=examples)
    def run(case):
        case.call_and_validate(checks=checks)

    run()


# ------------------------------------------------------------------------------------ HTML fuzzing

_research_pairs = st.lists(st.sampled_from(["width", "format", "limit"]).flatmap(
    lambda name: st.one_of(st.sampled_from(("3", "8", "0", "31", "csv", "jsonl", "ris", "bibtex", "x", "1", "50001",
                                            "left", "right")), st.text(max_size=10)).map(lambda v: (name, v))),
    max_size=3)


@pytest.mark.parametrize("route", ["/concordance", "/recherche/citer"])
def test_research_pages_fuzzed(client, route):
    @given(pairs=_any_pairs, extra=_research_pairs)
    @settings(FUZZ, max_examples=60)
    def run(pairs, extra):
        path = f"{route}?{_query_string(pairs + extra)}"
        _check_page(client.get(path), path[:300])

    run()


@pytest.mark.parametrize("route", ["/export", "/concordance.csv", "/recherche.atom"])
def test_research_files_fuzzed(client, route):
    @given(pairs=_any_pairs, extra=_research_pairs)
    @settings(FUZZ, max_examples=40)
    def run(pairs, extra):
        path = f"{route}?{_query_string(pairs + extra)}"
        r = client.get(path)
        if r.status_code == 200:
            assert r.mimetype in ("text/csv", "application/x-ndjson", "application/x-research-info-systems",
                                  "application/x-bibtex", "application/atom+xml"), path[:300]
            if r.mimetype == "application/atom+xml":
                assert not feedparser.parse(r.get_data()).bozo, path[:300]
        else:
            _check_page(r, path[:300])

    run()


def test_hostile_parameters_are_never_reflected(client):
    for value in HOSTILE:
        for route in ("/concordance", "/recherche/citer", "/recherche.atom"):
            for name in ("q", "source", "author"):
                r = client.get(route, query_string={name: value})
                text = body(r)
                assert "<script" not in text.lower().replace('<script src="/static/presse.js" defer></script>', ""), \
                    (route, name, value)
