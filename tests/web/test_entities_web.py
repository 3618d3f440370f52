"""Named entities in the web UI and the JSON API (issue 20.2): the « Personnes », « Lieux »,
« Organisations » facets, their links, the entity page, /api/entities, the hint when the index has
no entities; and the entity page in headless Chromium (screenshot test-artifacts/entity.png).

Runs on the shared entity index of ``entity_corpus`` (real OrangeSum articles analysed by spaCy's
French model); skips, saying why, without the ``entites`` extra.
"""

from __future__ import annotations

import html as html_module
import importlib.util
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from presse.search import Archive
from presse.search.entities import entity_query
from presse.web import create_app

from chromium import ARTIFACTS
from entity_corpus import entity_index

try:
    import jsonschema
except ImportError:  # pragma: no cover
    jsonschema = None


@pytest.fixture(scope="module")
def built():
    return entity_index()


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "PRESSE_INDEX": str(built.root)}).test_client()


@pytest.fixture(scope="module")
def archive(built):
    with Archive(built.root) as a:
        yield a


def _links(html: str, css_class: str) -> list[tuple[str, str, int]]:
    """(href, name, count) of the facet links of the results page."""
    pattern = (rf'<a class="{css_class}" href="([^"]+)"><span class="facet-name">([^<]+)</span> '
               r'<span class="count">([\d\u202f\u00a0 ]+)')
    return [(href.replace("&amp;", "&"), name, int(re.sub(r"\D", "", count)))
            for href, name, count in re.findall(pattern, html)]


def test_results_page_shows_entity_facets_whose_links_keep_their_count(client):
    r = client.get("/recherche?q=gouvernement")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for heading in ("Personnes", "Lieux", "Organisations"):
        assert f">{heading}</h3>" in html
    links = [link for link in _links(html, "facet-value") if "personne%3A" in link[0] or "personne:" in link[0]]
    assert links
    for href, name, count in links[:4]:
        q = parse_qs(urlsplit(href).query)["q"][0]
        assert q == "gouvernement " + entity_query("person", html_module.unescape(name))
        narrowed = client.get(href).get_data(as_text=True)
        assert re.search(rf"{count}\s+résultats?", narrowed), (href, count)
        assert 'aria-current="true"' in narrowed  # the facet shows as active, a link that removes it


def test_active_entity_facet_link_removes_the_filter(client):
    r = client.get('/recherche?q=lieu:"Paris"')
    html = r.get_data(as_text=True)
    active = re.search(r'<a class="facet-value active" aria-current="true" href="([^"]+)">', html)
    assert active
    assert "q=" not in active.group(1).replace("&amp;", "&")  # the query was only the filter: nothing left


def test_entity_page(client, archive):
    view = archive.entity("person", "Emmanuel Macron")
    r = client.get("/entite/personne/Emmanuel%20Macron")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<h1 id="titre-entite">Emmanuel Macron</h1>' in html
    assert re.search(rf"Dans {view.articles}\s+articles de l", html)
    assert 'class="tl-svg"' in html  # the timeline of its mentions
    assert "Souvent avec Emmanuel Macron" in html
    for values in view.related.values():
        for value in values[:3]:
            assert f">{value.value.replace(chr(39), '&#39;')}</span>" in html
    hits = archive.search(view.query, sort="-date", per_page=10, facets=()).hits
    for hit in hits:
        assert f"/article/{hit.id}" in html


def test_entity_page_other_form_redirects_and_unknown_is_a_french_404(client):
    r = client.get("/entite/personne/macron?page=1")
    assert r.status_code == 302 and r.headers["Location"].endswith("/entite/personne/Emmanuel%20Macron?page=1")
    r = client.get("/entite/personne/Personne%20Inconnue")
    assert r.status_code == 404
    assert "Aucun article de l'archive ne mentionne « Personne Inconnue »" in html_module.unescape(r.get_data(as_text=True))
    assert client.get("/entite/chose/Paris").status_code == 404
    assert client.get("/entite/lieu/Paris?page=abc").status_code == 400


def test_article_page_lists_its_entities(client, archive):
    refs = archive.article_entities("orangesum-20399")
    html = client.get("/article/orangesum-20399").get_data(as_text=True)
    assert "Dans cet article" in html and 'href="/entite/personne/Emmanuel%20Macron"' in html
    assert len(refs) >= 3


def test_api_search_entity_facets_and_entity_endpoint(client, archive):
    data = client.get("/api/search?q=gouvernement&facets=person,place,org").get_json()
    assert list(data["facets"]) == ["person", "place", "org"]
    assert data["facets"]["person"][0] == {"value": data["facets"]["person"][0]["value"],
                                           "count": data["facets"]["person"][0]["count"]}
    entity = client.get("/api/entities/person/macron").get_json()
    assert entity["name"] == "Emmanuel Macron" and entity["query"] == 'personne:"Emmanuel Macron"'
    assert entity["articles"] == client.get("/api/search?" + "q=" + entity["query"]).get_json()["total"]
    assert client.get("/api/entities/person/Personne%20Inconnue").status_code == 404
    r = client.get("/api/entities/chose/x")
    assert r.status_code == 400 and "Type d'entité inconnu" in r.get_json()["error"]["fr"]


@pytest.mark.skipif(jsonschema is None, reason="jsonschema is not installed")
@pytest.mark.parametrize("url, status", [("/api/entities/person/Emmanuel%20Macron", 200),
                                         ("/api/entities/place/paris", 200),
                                         ("/api/entities/org/Inconnue", 404), ("/api/entities/x/y", 400)])
def test_entity_api_conforms_to_openapi(client, url, status):
    spec = client.get("/api/openapi.json").get_json()
    r = client.get(url)
    assert r.status_code == status
    schema = spec["paths"]["/api/entities/{kind}/{name}"]["get"]["responses"][str(status)]["content"][
        "application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(r.get_json())
    search = client.get("/api/search?q=grève&facets=person,org").get_json()
    schema = spec["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(search)


def test_index_without_entities_says_how_to_get_them(tmp_path):
    from presse.indexer.build import update_index

    from entity_corpus import corpus_records, write_records

    corpus = write_records(tmp_path / "c" / "a.jsonl", corpus_records(first=3)[:3]).parent
    update_index(tmp_path / "index", [corpus])
    client = create_app({"TESTING": True, "PRESSE_INDEX": str(tmp_path / "index")}).test_client()
    html = client.get("/recherche?q=le").get_data(as_text=True)
    assert "Personnes, lieux, organisations" in html and "presse index --entites" in html
    r = client.get("/entite/personne/Emmanuel%20Macron")
    assert r.status_code == 404 and "presse index --entites" in r.get_data(as_text=True)


# ----------------------------------------------------------------------------- Chromium

@pytest.fixture(scope="module")
def entity_server(built):
    # tests/web/conftest.py's LiveServer (waitress in a thread), loaded by path: which "conftest"
    # module an import finds depends on the order pytest collected the directories in.
    spec = importlib.util.spec_from_file_location("presse_web_conftest", Path(__file__).with_name("conftest.py"))
    web_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(web_conftest)
    server = web_conftest.LiveServer(create_app({"PRESSE_INDEX": str(built.root)})).start()
    yield server
    server.stop()


@pytest.mark.browser
def test_entity_page_in_chromium(browser, entity_server):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                  base_url=entity_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/recherche?q=gouvernement")
    page.locator(".facet-entities").first.get_by_role("link", name=re.compile("^Fiche de ")).first.click()
    page.wait_for_url(re.compile(r"/entite/personne/"))
    name = page.locator("h1#titre-entite").inner_text()
    assert page.locator(".tl-svg .tl-bar").count() >= 1
    assert page.locator(".entity-articles .hit").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "entity.png"), full_page=True)
    related = page.locator(".entity-related .facet-value").first
    related_name = related.locator(".facet-name").inner_text()
    related.click()
    page.wait_for_url(re.compile(r"/entite/"))
    assert page.locator("h1#titre-entite").inner_text() == related_name != name
    page.get_by_role("link", name=re.compile("Chercher ses articles")).click()
    page.wait_for_url(re.compile(r"/recherche\?q="))
    assert page.locator('.facet-value.active').count() == 1
    context.close()
    assert errors == []
