"""Wire copies in the web UI and the JSON API (issue 20.1): a real AFP flash and its updated
version (tests/data/dedup/) shown as one result, expandable, with the switch to list every article."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from presse.indexer.build import update_index
from presse.web import create_app

from chromium import ARTIFACTS
from test_web_api import _validate, needs_jsonschema

DATA = Path(__file__).resolve().parents[1] / "data"
FLASH, UPDATE = "orangesum-7156", "orangesum-6569"
QUERY = "Al Qaïda Mali"


@pytest.fixture(scope="module")
def wire_index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("wire-web-corpus")
    shutil.copy(DATA / "articles.jsonl", corpus / "articles.jsonl")
    for name in ("flash.jsonl", "update.jsonl", "drareni.jsonl"):
        shutil.copy(DATA / "dedup" / name, corpus / name)
    index = tmp_path_factory.mktemp("wire-web-index")
    update_index(index, [corpus])
    return index


@pytest.fixture(scope="module")
def wire_client(wire_index):
    return create_app({"TESTING": True, "PRESSE_INDEX": str(wire_index)}).test_client()


def test_api_collapses_a_dispatch_and_its_update(wire_client):
    data = wire_client.get("/api/search", query_string={"q": QUERY}).get_json()
    assert (data["total"], data["collapsed_total"], data["collapse"]) == (2, 1, True)
    [hit] = data["hits"]
    assert (hit["id"], hit["group"], hit["other_versions"]) == (UPDATE, UPDATE, 1)
    assert hit["versions"] == [{"id": FLASH, "title": "Le chef d'Al Qaïda au Maghreb islamique tué au Mali par les forces "
                                "françaises", "date": "2020-06-05", "source": "Orange Actu (actu.orange.fr)",
                                "url": hit["versions"][0]["url"]}]


@pytest.mark.parametrize("value", ["false", "0", "non"])
def test_api_expands_with_collapse_false(wire_client, value):
    data = wire_client.get("/api/search", query_string={"q": QUERY, "collapse": value}).get_json()
    assert (data["total"], data["collapsed_total"], data["collapse"]) == (2, 1, False)
    assert [h["id"] for h in data["hits"]] == [UPDATE, FLASH]
    assert all(h["other_versions"] == 0 and h["versions"] == [] and h["group"] is None for h in data["hits"])


def test_api_bad_collapse_is_a_bilingual_400(wire_client):
    r = wire_client.get("/api/search", query_string={"q": QUERY, "collapse": "peut-être"})
    assert r.status_code == 400
    assert r.get_json()["error"]["fr"] == "Le paramètre collapse vaut true ou false (reçu « peut-être »)."


@needs_jsonschema
@pytest.mark.parametrize("url, template", [
    (f"/api/search?q={QUERY}", "/api/search"), (f"/api/search?q={QUERY}&collapse=false", "/api/search"),
    ("/api/search?q=&per_page=100", "/api/search"), (f"/api/articles/{FLASH}", "/api/articles/{id}"),
])
def test_responses_with_versions_conform_to_the_openapi_document(wire_client, url, template):
    spec = wire_client.get("/api/openapi.json").get_json()
    r = wire_client.get(url)
    assert r.status_code == 200
    _validate(spec, r, template)


def test_article_api_lists_the_versions(wire_client):
    data = wire_client.get(f"/api/articles/{FLASH}").get_json()
    assert [(v["id"], v["date"]) for v in data["versions"]] == [(UPDATE, "2020-06-05")]


def test_results_page_shows_one_result_per_dispatch_with_both_totals(wire_client):
    html = wire_client.get("/recherche", query_string={"q": QUERY}).get_data(as_text=True)
    assert re.search(r'class="summary">2\s+articles, 1 après regroupement \(', html)
    assert html.count('<li class="hit">') == 1
    assert "+ 1 autre version de cette dépêche" in html
    assert f'href="/article/{FLASH}?q=Al+Qa%C3%AFda+Mali"' in html  # in the expandable list
    assert re.search(r'<input type="checkbox" name="collapse" value="true" data-autosubmit checked>', html)
    assert "Filtres et frise comptent tous les articles, versions comprises." in html


def test_results_page_without_grouping_lists_every_article(wire_client):
    html = wire_client.get("/recherche", query_string={"q": QUERY, "collapse": "false"}).get_data(as_text=True)
    assert html.count('<li class="hit">') == 2 and "autre version" not in html
    assert re.search(r'<input type="checkbox" name="collapse" value="true" data-autosubmit>', html)
    # The choice stays with the next search and the other links.
    assert '<input type="hidden" name="collapse" value="false">' in html.split('class="big-search"')[1].split("</form>")[0]


def test_pages_count_results_after_grouping(wire_client):
    html = wire_client.get("/recherche", query_string={"q": "", "source": "Orange Actu (actu.orange.fr)",
                                                       "per_page": 1}).get_data(as_text=True)
    # 5 dispatches, 3 results once grouped (the flash and its update; two versions of a Drareni one;
    # a Drareni dispatch of six days earlier).
    assert re.search(r"5\s+articles, 3 après regroupement", html)
    assert "page 1 sur 3" in html


def test_article_page_lists_the_versions_with_dates_and_sources(wire_client):
    html = wire_client.get(f"/article/{UPDATE}").get_data(as_text=True)
    section = html.split('id="versions"')[1].split("</section>")[0]
    assert "Autres versions de cette dépêche" in section
    assert "5 juin 2020" in section and "Orange Actu (actu.orange.fr)" in section
    assert f'href="/article/{FLASH}"' in section
    lone = wire_client.get("/article/lefigaro-2024-10-11").get_data(as_text=True)
    assert 'id="versions"' not in lone


# ------------------------------------------------------------------------------------ browser

def _live_server_class():
    """tests/web/conftest.py's LiveServer (imported by path: a plain ``import conftest`` may find
    tests/conftest.py instead)."""
    spec = importlib.util.spec_from_file_location("presse_web_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LiveServer


@pytest.fixture(scope="module")
def wire_server(wire_index):
    server = _live_server_class()(create_app({"PRESSE_INDEX": str(wire_index)})).start()
    yield server
    server.stop()


@pytest.mark.browser
def test_click_other_versions_then_switch_grouping_off(browser, wire_server):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, base_url=wire_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/recherche?q=Al+Qa%C3%AFda+Mali")
        assert page.locator(".hit").count() == 1
        version = page.locator(".versions li a")
        assert not version.is_visible()
        page.get_by_text("+ 1 autre version de cette dépêche").click()
        assert version.is_visible() and version.inner_text().startswith("Le chef d'Al Qaïda")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "versions.png"), full_page=True)
        version.click()
        page.wait_for_url(re.compile(rf"/article/{FLASH}"))
        assert page.locator("#versions tbody tr").count() == 1
        assert "5 juin 2020" in page.locator("#versions").inner_text()
        page.go_back()
        page.get_by_label("Regrouper les dépêches identiques").uncheck()  # submits the form by itself
        page.wait_for_url(re.compile(r"collapse=false"))
        assert page.locator(".hit").count() == 2
        assert not page.get_by_label("Regrouper les dépêches identiques").is_checked()
    finally:
        context.close()
    assert errors == []


def test_help_explains_the_grouping(wire_client):
    html = wire_client.get("/aide").get_data(as_text=True)
    section = " ".join(html.split('id="depeches"')[1].split("<h2")[0].split())
    assert "Regrouper les dépêches identiques" in section and "collapse=false" in section
    assert "comptent tous les articles, versions comprises" in section
