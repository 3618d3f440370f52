"""The French pages through Flask's test client: home, results, article, help, about, OpenSearch."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

NBSP = "\u00a0"


def body(response) -> str:
    return response.get_data(as_text=True)


def hrefs(html: str, pattern: str = "") -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html) if pattern in unescape(h)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def result_ids(html: str) -> list[str]:
    return re.findall(r'<h2 class="hit-title"><a href="/article/([^"?]+)', html)


def result_dates(html: str) -> list[str]:
    hits = html.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<time datetime="([0-9-]+)"', hits)


# ------------------------------------------------------------------------------------------ home

def test_home_shows_the_search_box_the_archive_and_examples(client):
    r = client.get("/")
    html = body(r)
    assert r.status_code == 200
    assert '<html lang="fr">' in html
    assert re.search(r'<input id="q" type="search" name="q" autofocus', html)
    assert f"9{NBSP}articles, de 1995 à 2024" in html
    examples = [query_of(h)["q"][0] for h in hrefs(html, "/recherche?q=")]
    assert any(q.startswith('"') and q.endswith('"') for q in examples)  # a phrase
    assert any(" SAUF " in q for q in examples)
    assert any(q.endswith("~") for q in examples)  # fuzzy


def test_every_page_has_landmarks_skip_link_footer_and_opensearch(client):
    for path in ("/", "/recherche?q=russie", "/article/lemonde-1995-12-05", "/aide", "/a-propos", "/nulle-part"):
        html = body(client.get(path))
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in html, (path, landmark)
        assert '<a class="skip-link" href="#contenu">' in html and 'id="contenu"' in html
        assert 'href="/a-propos"' in html.split("<footer", 1)[1]
        assert '<link rel="search" type="application/opensearchdescription+xml"' in html
        assert "<script>" not in html and "style=" not in html  # the CSP forbids both


# --------------------------------------------------------------------------------------- results

def test_results_show_total_time_marks_and_metadata(client):
    html = body(client.get("/recherche?q=Poutine"))
    assert re.search(rf"2{NBSP}résultats \((&lt;{NBSP}1|\d+){NBSP}ms\)", html)
    assert "<mark>Poutine</mark>" in html
    assert 'href="/article/lefigaro-2024-10-11?q=Poutine"' in html
    assert '<time datetime="2024-10-11">11 octobre 2024</time>' in html
    assert "Le Figaro" in html and "Agence France-Presse" in html
    assert '<p class="lead">Le président iranien' in html


def test_results_facets_have_counts_and_links_that_add_the_filter(client):
    html = body(client.get("/recherche?q=russie"))
    aside = html.split("<aside", 1)[1]
    assert re.search(r'href="/recherche\?q=russie&amp;year=2024"><span class="facet-name">2024</span> '
                     r'<span class="count">3<', aside)
    link = next(h for h in hrefs(aside, "source=") if "Lib%C3%A9ration" in h)
    assert query_of(link) == {"q": ["russie"], "source": ["Libération"]}
    filtered = body(client.get(link))
    assert result_ids(filtered) == ["liberation-2024-03-14"]
    chips = filtered.split('class="chips"', 1)[1].split("</div>", 1)[0]
    assert "× Libération" in unescape(re.sub(r"<[^>]+>", "", chips))
    assert [query_of(h) for h in hrefs(chips)] == [{"q": ["russie"]}]


def test_an_active_facet_value_links_to_its_removal(client):
    html = body(client.get("/recherche?q=russie&source=Le+Figaro"))
    aside = html.split("<aside", 1)[1]
    active = re.search(r'<a class="facet-value active" aria-current="true" href="([^"]+)"', aside)
    assert active and query_of(unescape(active.group(1))) == {"q": ["russie"]}
    chips = html.split('class="chips"', 1)[1].split("</div>", 1)[0]
    assert 'aria-label="Retirer le filtre Source : Le Figaro"' in chips


def test_filters_combine_and_repeat(client):
    html = body(client.get("/recherche?q=&source=Le+Monde&source=Libération"))
    assert sorted(result_ids(html)) == sorted(
        ["lemonde-1995-12-05", "lemonde-2022-01-10", "liberation-2024-03-14", "liberation-2024-06-02"])
    html = body(client.get("/recherche?source=Le+Monde&year=2022"))
    assert result_ids(html) == ["lemonde-2022-01-10"]
    html = body(client.get("/recherche?author=Jean+Dupont&section=societe"))
    assert result_ids(html) == ["sudouest-2019-11-30"]


def test_date_filter_keeps_the_other_parameters(client):
    html = body(client.get("/recherche?q=russie&source=Le+Figaro&date_from=2024-10-01&date_to=2024-10-31"))
    assert result_ids(html) == ["lefigaro-2024-10-11"]
    assert "× depuis le 1er octobre 2024" in unescape(re.sub(r"<[^>]+>", "", html))
    form = html.split('<form class="toolbar"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="q" value="russie">' in form
    assert '<input type="hidden" name="source" value="Le Figaro">' in form
    assert 'name="date_from" value="2024-10-01"' in form and 'name="date_to" value="2024-10-31"' in form
    assert '<input type="hidden" name="date_from"' not in form  # the visible inputs carry the dates
    html = body(client.get("/recherche?date_to=2000-01-01"))
    assert result_ids(html) == ["lemonde-1995-12-05"]


def test_sort_orders(client):
    newest = result_dates(body(client.get("/recherche?year=2024&sort=-date")))
    oldest = result_dates(body(client.get("/recherche?year=2024&sort=date")))
    assert newest == sorted(newest, reverse=True) and len(newest) == 5
    assert oldest == sorted(oldest)
    assert oldest == list(reversed(newest))
    html = body(client.get("/recherche?q=russie&sort=date"))
    assert '<option value="date" selected>Plus anciens</option>' in html
    assert result_dates(html) == sorted(result_dates(html))


def test_empty_query_with_a_filter_lists_everything_newest_first(client):
    html = body(client.get("/recherche?year=2024"))
    assert "Tous les articles" in html
    dates = result_dates(html)
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("path", ["/recherche", "/recherche?q=", "/recherche?q=++", "/recherche?sort=date&page=2"])
def test_empty_query_without_filters_redirects_home(client, path):
    r = client.get(path)
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_pagination(client):
    first = body(client.get("/recherche?q=russie&per_page=1"))
    assert len(result_ids(first)) == 1
    nav = first.split('<nav class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page" href="/recherche?q=russie&amp;per_page=1"' in nav
    assert "Précédent" not in nav
    assert 'rel="next" href="/recherche?q=russie&amp;per_page=1&amp;page=2"' in nav
    assert "page 1 sur 3" in first
    last = body(client.get("/recherche?q=russie&per_page=1&page=3"))
    nav = last.split('<nav class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert "Suivant" not in nav and 'rel="prev"' in nav and 'aria-current="page" href="' in nav
    assert '<ol class="hits" start="3">' in last
    seen = {result_ids(body(client.get(f"/recherche?q=russie&per_page=1&page={n}")))[0] for n in (1, 2, 3)}
    assert len(seen) == 3


def test_a_page_past_the_end_is_empty_not_an_error(client):
    r = client.get("/recherche?q=russie&page=50")
    html = body(r)
    assert r.status_code == 200
    assert result_ids(html) == []
    assert "au-delà des résultats" in html
    assert 'href="/recherche?q=russie"' in html  # the last page (page 1 is the default)


@pytest.mark.parametrize("args", ["page=0", "page=-1", "page=abc", "page=1.5", "page=99999999999",
                                  "per_page=0", "per_page=101", "per_page=x", "sort=pertinence", "year=abc",
                                  "year=20245", "date_from=2024-13-01", "date_from=hier", "date_to=2024-02-30",
                                  "date_from=2024-06-01&date_to=2024-01-01"])
def test_bad_parameters_are_a_400_with_the_query_kept(client, args):
    r = client.get(f"/recherche?q=russie&{args}")
    html = body(r)
    assert r.status_code == 400
    assert 'role="alert"' in html and "La recherche n'a pas pu être faite" in html
    assert '<input id="q" type="search" name="q" value="russie"' in html


def test_a_query_error_shows_its_french_message(client):
    r = client.get("/recherche?q=iran+date:2024-13")
    html = body(r)
    assert r.status_code == 400
    assert "Date invalide « 2024-13 »" in html
    assert 'value="iran date:2024-13"' in html and 'aria-invalid="true"' in html
    r = client.get("/recherche?q=" + "a" * 2500)
    assert r.status_code == 400 and "trop longue" in body(r)


def test_suggestion_and_help_on_an_empty_result(client):
    # Nothing has the misspelling: the respelled query's results are shown, and the page says so.
    html = body(client.get("/recherche?q=Pezechkain"))
    assert re.search(r'Aucun article ne contient « Pezechkain » : voici les résultats pour '
                     r'« <a href="/recherche\?q=pezechkian">pezechkian</a> »', html)
    assert result_ids(html) == ["000_903b3f1d0023df44"]
    # A query that finds nothing at all gets help: the syntax page and a fuzzy variant.
    empty = body(client.get("/recherche?q=Zqxwvy"))
    assert "Aucun résultat" in empty
    assert 'href="/aide"' in empty.split("<main", 1)[1]
    assert "Zqxwvy~" in empty
    assert "<aside" not in empty  # no facet to show


def test_suggestion_keeps_the_filters(client):
    html = body(client.get("/recherche?q=Pezechkain&year=2023"))
    link = re.search(r'Essayez avec : <a href="([^"]+)"', html).group(1)
    assert query_of(unescape(link)) == {"q": ["pezechkian"], "year": ["2023"]}
    assert "sans filtre" in html


def test_head_and_other_methods(client):
    assert client.head("/recherche?q=russie").status_code == 200
    r = client.post("/recherche", data={"q": "x"})
    assert r.status_code == 405 and "Méthode non autorisée" in body(r)
    assert "GET" in r.headers["Allow"]


# --------------------------------------------------------------------------------------- article

def test_article_page_highlights_the_query_and_shows_metadata(client):
    r = client.get("/article/lemonde-1995-12-05?q=grève")
    html = body(r)
    assert r.status_code == 200
    assert "<mark>grève</mark>" in html.split('<div class="article-body">', 1)[1]
    assert "<mark>grève</mark>" in html.split("<h1", 1)[1].split("</h1>", 1)[0]
    meta = html.split('<dl class="article-meta">', 1)[1].split("</dl>", 1)[0]
    for text in ("Le Monde", "Jean Dupont", "5 décembre 1995", "politique", "<li>grève</li>", "<li>retraites</li>"):
        assert text in meta
    assert '<a href="https://www.lemonde.fr/archives/1995/12/05/greve" rel="noopener noreferrer nofollow">' in html
    assert 'href="/recherche?q=gr%C3%A8ve"' in html and "Retour aux résultats" in html


def test_article_page_lists_similar_articles(client):
    html = body(client.get("/article/lefigaro-2024-10-11"))
    similar = html.split('<aside class="similar"', 1)[1].split("</aside>", 1)[0]
    assert "Articles similaires" in similar
    assert 'href="/article/000_903b3f1d0023df44"' in similar
    assert 'href="/article/lefigaro-2024-10-11"' not in similar


def test_article_without_url_has_no_original_link(client):
    html = body(client.get("/article/000_903b3f1d0023df44?q=Poutine"))
    assert "Lire l'article original" not in html
    assert "<mark>Poutine</mark>" in html


def test_hostile_article_url_is_not_linked(client):
    html = body(client.get("/article/hostile-2024-01-01?q=xylophone"))
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.I)
    assert "javascript:alert(1)" not in html  # the stored URL is not even shown
    assert "Lire l'article original" not in html
    assert "<mark>xylophone</mark>" in html


@pytest.mark.parametrize("article_id", ["inconnu-2024", "-commence-mal", "a" * 201, "espace%20id", "%00", "..",
                                        "caf%C3%A9", "a%2Fb"])
def test_unknown_or_invalid_article_is_a_french_404(client, article_id):
    r = client.get(f"/article/{article_id}")
    assert r.status_code == 404
    assert "Page introuvable" in body(r) and '<html lang="fr">' in body(r)


def test_unknown_page_is_a_french_404(client):
    r = client.get("/nulle-part")
    assert r.status_code == 404 and "Cette page n'existe pas" in unescape(body(r))


# ------------------------------------------------------------------------------ help, about, opensearch

def test_help_page_documents_every_operator(client):
    html = unescape(body(client.get("/aide")))
    for example in ("ET", "AND", "OU", "OR", "SAUF", "NOT", "-Russie", "(pétrole OU gaz)", '"corridor Nord-Sud"',
                    '"guerre Ukraine"~3', "gouvern*", "pezeshkian~", "titre:", "auteur:", "source:", "date:2024",
                    "date:[2024-01-01 TO 2024-06-30]", "accents et les majuscules sont ignorés"):
        assert example in html, example


def test_help_examples_all_search_without_error(client):
    html = body(client.get("/aide"))
    for link in hrefs(html, "/recherche?q="):
        assert client.get(link).status_code == 200, link


def test_home_examples_all_find_something_or_suggest(client):
    for link in hrefs(body(client.get("/")), "/recherche?q="):
        assert client.get(link).status_code == 200, link


def test_about_page_credits_the_sample_archive(client):
    html = body(client.get("/a-propos"))
    for text in ("OrangeSum", "CC BY-SA 4.0", "Kamal Eddine", "Tixier", "Vazirgiannis", "Orange Actu", "Wikinews",
                 "CC BY 2.5", "contributeurs de Wikinews"):
        assert text in html, text
    assert "Le Monde" in html  # this archive's sources


def test_opensearch_description(client):
    r = client.get("/opensearch.xml")
    xml = body(r)
    assert r.status_code == 200
    assert r.mimetype == "application/opensearchdescription+xml"
    assert '<Url type="text/html" method="get" template="http://localhost/recherche?q={searchTerms}"/>' in xml
    assert "<ShortName>Presse</ShortName>" in xml


def test_static_files(client):
    css = client.get("/static/presse.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "@import" not in body(css) and "http" not in body(css)  # nothing external
    assert client.get("/static/presse.js").status_code == 200
