"""The web app over a cluster (``create_app({"PRESSE_CLUSTER": FILE})``, what ``presse serve --cluster``
runs), through Flask's test client on real ``xapian-tcpsrv`` shard servers: the same pages and API,
``partial`` and the French notice when a shard does not answer, a French 503 when none does, never
a 5xx otherwise, and recovery by itself."""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time

import pytest

from presse.search.cluster.layout import shard_of

from .cluster_servers import SEEDS, cluster_file, under_load

SUBSET = SEEDS / "wikinews-fr-100.jsonl"
NOTICE = "1 fragment sur 2 ne répond pas : résultats incomplets"


def make_app(grappe, tmp_path):
    from presse.web import create_app

    return create_app({"TESTING": True, "PRESSE_CLUSTER": str(grappe), "PRESSE_INDEX": str(tmp_path / "aucun")})


@pytest.fixture(scope="module")
def client(seeds_cluster, tmp_path_factory):
    return make_app(seeds_cluster, tmp_path_factory.mktemp("web")).test_client()


@pytest.fixture(scope="module")
def spec():
    from presse.web.openapi import openapi_document

    return openapi_document()


def validate(spec, data, name):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]},
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(data)


def text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


def test_the_pages_and_the_api_over_the_cluster(client, spec):
    home = client.get("/")
    assert home.status_code == 200 and "2 101 articles" in text(home)
    r = client.get("/recherche?q=Canada")
    assert r.status_code == 200 and "résultats incomplets" not in text(r)
    first = re.search(r'href="/article/([^"?]+)\?q=Canada', text(r)).group(1)
    article = client.get(f"/article/{first}?q=Canada")
    assert article.status_code == 200 and "<mark>Canada</mark>" in text(article)
    api = client.get("/api/search?q=Canada&per_page=3")
    data = api.get_json()
    assert api.status_code == 200 and data["partial"] is False and data["missing"] == [] and len(data["hits"]) == 3
    validate(spec, data, "SearchResults")
    assert client.get(f"/api/articles/{first}").get_json()["id"] == first
    stats = client.get("/api/stats").get_json()
    assert (stats["articles"], stats["partial"]) == (2101, False)
    validate(spec, stats, "Stats")
    # filters, facets, sort and pages as on one index
    r = client.get("/recherche?q=gouvernement&source=Wikinews&sort=-date&page=2")
    assert r.status_code == 200 and "page 2 sur" in text(r)


def test_no_page_is_a_server_error_on_the_cluster(client):
    """Every page answers on the cluster, research views included; what it does not have (named entities) is a 4xx."""
    urls = ["/", "/recherche?q=p%C3%A9trole+SAUF+Russie", "/recherche?q=%22gilets+jaunes%22", "/recherche?q=gouvern*",
            "/recherche?q=pezeshkian~", "/recherche?q=gr%C3%A8ve&year=2019", "/recherche?q=", "/aide", "/a-propos",
            "/api/search?q=titre:Iran", "/api/stats", "/api/openapi.json", "/api/articles/nulle-part",
            "/article/nulle-part", "/export?q=Canada&format=csv", "/export?q=Canada&format=ris", "/recherche.atom?q=Canada",
            "/concordance?q=Canada", "/api/concordance?q=Canada", "/api/timeline?q=Canada", "/api/trends?q=Canada",
            "/tendances?q=Canada", "/entite/personne/Macron", "/api/entities/person/Macron", "/recherche/citer?q=Canada",
            "/api/search/citation?q=Canada", "/opensearch.xml"]
    statuses = {url: client.get(url).status_code for url in urls}
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["/recherche?q=gouvern*"] == 200 and statuses["/api/articles/nulle-part"] == 404
    for url in ("/api/timeline?q=Canada", "/api/trends?q=Canada", "/api/concordance?q=Canada", "/tendances?q=Canada",
                "/concordance?q=Canada", "/export?q=Canada&format=csv"):
        assert statuses[url] == 200, url
    timeline = client.get("/api/timeline?q=Canada").get_json()
    assert timeline["total"] == client.get("/api/search?q=Canada").get_json()["total"] > 0
    assert sum(p["count"] for p in timeline["periods"]) + timeline["undated"] == timeline["total"]
    assert "Canada" in text(client.get("/concordance?q=Canada"))
    assert statuses["/api/entities/person/Macron"] == 404


def test_the_results_page_leaves_out_what_the_cluster_does_not_offer(client):
    page = text(client.get("/recherche?q=Canada"))
    assert "Concordance" in page and "presse index --entites" not in page  # no named entities on a cluster
    assert "Citer cette recherche" in page  # exports and citations work on the cluster


@pytest.fixture
def two_shards(servers, tmp_path):
    shards = servers(2)
    grappe = cluster_file(tmp_path / "grappe.toml", shards)
    from presse.search.cluster import index

    index(grappe, [SUBSET])
    return shards, make_app(grappe, tmp_path)


def recovered(client, deadline_s: float = 10.0) -> dict:
    """``/api/search`` as soon as every shard answers again (the cluster retries missing ones by itself)."""
    deadline = time.monotonic() + deadline_s
    while True:
        data = client.get("/api/search?q=&per_page=1").get_json()
        if data.get("partial") is False or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def test_a_dead_shard_gives_the_notice_and_partial_then_none_a_french_503_then_recovery(two_shards):
    shards, app = two_shards
    client = app.test_client()
    total = client.get("/api/search?q=").get_json()["total"]
    ids = [h["id"] for h in client.get("/api/search?q=&per_page=100").get_json()["hits"]]
    on_2 = next(i for i in ids if shard_of(i, 2) == 1)
    on_1 = next(i for i in ids if shard_of(i, 2) == 0)
    shards[1].kill()

    r = client.get("/recherche?year=2012")
    assert r.status_code == 200 and f"{NOTICE}." in text(r)
    data = client.get("/api/search?q=").get_json()
    assert (data["partial"], data["missing"]) == (True, [2]) and 0 < data["total"] < total
    assert NOTICE in text(client.get("/"))
    assert client.get(f"/article/{on_1}").status_code == 200
    r = client.get(f"/article/{on_2}")  # its shard is known from its id: not a 404
    assert r.status_code == 503 and "est sur le fragment 2" in text(r) and "Traceback" not in text(r)
    assert client.get(f"/api/articles/{on_2}").status_code == 503

    shards[0].kill()
    r = client.get("/recherche?q=Canada")
    assert r.status_code == 503 and "Aucun fragment de la grappe" in text(r) and "xapian-tcpsrv" in text(r)
    r = client.get("/api/search?q=Canada")
    assert r.status_code == 503 and "Aucun fragment de la grappe" in r.get_json()["error"]["fr"]
    assert client.get("/").status_code == 503

    shards[0].start()
    shards[1].start()
    data = recovered(client)
    assert (data["partial"], data["missing"], data["total"]) == (False, [], total)
    assert "résultats incomplets" not in text(client.get("/recherche?year=2012"))


def test_searching_while_a_shard_dies_and_returns_no_server_error(two_shards):
    """``bench/load.py``-style: 4 threads searching through the app while shard 2 is killed, then started again."""
    shards, app = two_shards
    statuses: list[int] = []
    partial: list[bool] = []
    queries = itertools.cycle(["Canada", "%C3%A9lection", "Obama", "", "gouvern*", "pr%C3%A9sident", "Syrie", "euro~"])
    local = threading.local()

    def step():
        if not hasattr(local, "client"):
            local.client = app.test_client()  # one per thread, as each server thread
        r = local.client.get(f"/api/search?q={next(queries)}&per_page=5")
        statuses.append(r.status_code)
        partial.append(bool(r.get_json().get("partial")))

    under_load(step, shards[1], before=1.0, down=1.5, after=1.5)
    assert statuses and all(s == 200 for s in statuses), sorted(set(statuses))
    assert any(partial) and not all(partial)
    assert recovered(app.test_client())["partial"] is False


def _live_server_class():
    """``LiveServer`` of tests/web/conftest.py (waitress in a thread), loaded by path: the name
    ``conftest`` is taken by tests/cluster's."""
    import importlib.util

    from .cluster_servers import REPO

    web_tests = REPO / "tests" / "web"
    spec = importlib.util.spec_from_file_location("web_tests_conftest", web_tests / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(web_tests))  # that conftest imports its folder's chromium.py
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(web_tests))
    return module.LiveServer


@pytest.mark.browser
def test_the_notice_in_headless_chromium(two_shards):
    from pathlib import Path

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium manque (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    shards, app = two_shards
    server = _live_server_class()(app).start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium),
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(locale="fr-FR", base_url=server.url)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto("/recherche?q=Canada")
            assert page.locator("#resultats-incomplets").count() == 0
            shards[1].kill()
            page.fill("#q", "Obama")
            page.press("#q", "Enter")
            notice = page.locator("#resultats-incomplets")
            notice.wait_for(state="visible", timeout=10_000)
            assert notice.get_attribute("role") == "status"
            assert notice.inner_text().startswith(f"{NOTICE}.")
            assert page.locator("ol.hits li.hit").count() > 0  # the answering shard's results
            shards[1].start()
            deadline = time.monotonic() + 10  # each server thread tries the shard again by itself (0.5 s)
            page.reload()
            while page.locator("#resultats-incomplets").count() and time.monotonic() < deadline:
                time.sleep(0.3)
                page.reload()
            assert page.locator("#resultats-incomplets").count() == 0
            browser.close()
            assert errors == []
    finally:
        server.stop()


def test_an_app_made_by_a_wsgi_server_follows_presse_cluster(seeds_cluster, monkeypatch, tmp_path):
    from presse.web import create_app

    monkeypatch.setenv("PRESSE_CLUSTER", str(seeds_cluster))
    assert create_app().test_client().get("/api/stats").get_json()["articles"] == 2101
    # presse serve --index DIR sets PRESSE_CLUSTER to None: the local index, whatever the environment
    local = create_app({"PRESSE_INDEX": str(tmp_path / "aucun"), "PRESSE_CLUSTER": None}).test_client()
    assert local.get("/api/stats").status_code == 503
