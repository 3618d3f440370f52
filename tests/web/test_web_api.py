"""The JSON API, and its responses checked against the schemas of /api/openapi.json."""

from __future__ import annotations

import os

import pytest

try:
    import jsonschema
except ImportError:  # pragma: no cover - the test extras install it
    if os.environ.get("CI"):
        raise
    jsonschema = None

needs_jsonschema = pytest.mark.skipif(jsonschema is None, reason="jsonschema is not installed (pip install jsonschema)")


def test_search(client):
    r = client.get("/api/search?q=russie")
    data = r.get_json()
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert data["total"] == 3 and data["page"] == 1 and data["per_page"] == 20
    assert data["took_ms"] >= 0
    assert {h["id"] for h in data["hits"]} == {"liberation-2024-03-14", "lefigaro-2024-10-11", "000_903b3f1d0023df44"}
    hit = next(h for h in data["hits"] if h["id"] == "lefigaro-2024-10-11")
    assert hit == {
        "id": "lefigaro-2024-10-11", "title": "Massoud Pezeshkian reçu par Vladimir Poutine à Achgabat",
        "source": "Le Figaro", "author": "Agence France-Presse", "date": "2024-10-11",
        "url": "https://www.lefigaro.fr/international/pezeshkian-poutine", "score": hit["score"],
        "snippet": hit["snippet"], "lead": "Le président iranien et le président russe se sont rencontrés au Turkménistan.",
        "section": "international", "group": None, "other_versions": 0, "versions": [],  # issue 20.1
    }
    assert "<mark>" in hit["snippet"] and isinstance(hit["score"], float)
    assert set(data["facets"]) == {"source", "year", "author", "section"}
    assert {"value": 2024, "count": 3} in data["facets"]["year"]
    assert data["suggestion"] is None


def test_search_filters_as_repeated_params_or_comma_lists(client):
    repeated = client.get("/api/search?source=Le+Monde&source=Libération&facets=").get_json()
    comma = client.get("/api/search?source=Le+Monde,Libération&facets=").get_json()
    assert repeated["total"] == comma["total"] == 4
    assert repeated["facets"] == {}
    assert client.get("/api/search?year=1995,2022").get_json()["total"] == 2
    assert client.get("/api/search?year=1995&year=2022&section=culture").get_json()["total"] == 1
    assert client.get("/api/search?author=Jean+Dupont&date_from=2000-01-01").get_json()["total"] == 1
    facets = client.get("/api/search?q=russie&facets=year,source").get_json()["facets"]
    assert list(facets) == ["year", "source"]


def test_comma_followed_by_a_space_belongs_to_the_value():
    from werkzeug.datastructures import MultiDict

    from presse.web.params import parse_search

    state = parse_search(MultiDict([("author", "Texte 6Medias, vidéo BFMTV,AFP")]), default_per_page=20,
                         comma_lists=True)
    assert state.author == ("Texte 6Medias, vidéo BFMTV", "AFP")


def test_search_pages_and_sorts(client):
    one = client.get("/api/search?q=russie&per_page=1&page=2").get_json()
    assert one["page"] == 2 and one["per_page"] == 1 and len(one["hits"]) == 1 and one["total"] == 3
    past = client.get("/api/search?q=russie&page=9").get_json()
    assert past["hits"] == [] and past["total"] == 3
    newest = [h["date"] for h in client.get("/api/search?year=2024&sort=-date").get_json()["hits"]]
    assert newest == sorted(newest, reverse=True)
    oldest = [h["date"] for h in client.get("/api/search?year=2024&sort=date").get_json()["hits"]]
    assert oldest == sorted(oldest)


def test_empty_query_lists_everything(client):
    data = client.get("/api/search").get_json()
    assert data["total"] == 9


def test_search_suggestion(client):
    assert client.get("/api/search?q=Pezechkain").get_json()["suggestion"] == "pezechkian"


@pytest.mark.parametrize("args", ["page=abc", "page=0", "page=-1", "page=10001", "per_page=0", "per_page=101",
                                  "per_page=", "sort=pertinence", "facets=title", "facets=year,bogus",
                                  "date_from=2024-1-1", "date_to=31/12/2024", "date_from=2024-06-01&date_to=2024-01-01",
                                  "year=deux-mille", "q=*ab", "q=date:2024-13"])
def test_search_bad_parameters_are_400_with_bilingual_errors(client, args):
    r = client.get(f"/api/search?{args}")
    data = r.get_json()
    if args == "per_page=":  # an empty value is the default
        assert r.status_code == 200
        return
    assert r.status_code == 400, args
    assert set(data) == {"error"} and set(data["error"]) == {"fr", "en"}
    assert data["error"]["fr"] and data["error"]["en"]


def test_article(client):
    data = client.get("/api/articles/lemonde-1995-12-05").get_json()
    assert data["id"] == "lemonde-1995-12-05"
    assert data["title"] == "L'État face à la grève : le gouvernement maintient sa réforme"
    assert data["date"] == "1995-12-05" and data["source"] == "Le Monde" and data["author"] == "Jean Dupont"
    assert data["tags"] == ["grève", "retraites"] and data["language"] == "fr" and data["section"] == "politique"
    assert data["body"].startswith("Le gouvernement d'Alain Juppé")
    assert set(data) == {"id", "title", "lead", "body", "date", "source", "author", "publisher", "url", "section",
                         "tags", "language", "versions"}  # versions: issue 20.1


@pytest.mark.parametrize("article_id", ["inconnu", "-mauvais", "a" * 300, "%00"])
def test_unknown_article_is_a_json_404(client, article_id):
    r = client.get(f"/api/articles/{article_id}")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert set(r.get_json()["error"]) == {"fr", "en"}


def test_stats(client):
    data = client.get("/api/stats").get_json()
    assert data["articles"] == 9
    assert data["date_min"] == "1995-12-05" and data["date_max"] == "2024-10-12"
    assert {"value": "Le Monde", "count": 2} in data["sources"]
    assert data["size_bytes"] > 0 and isinstance(data["analysis_version"], int)


def test_unknown_api_route_and_method_are_json(client):
    r = client.get("/api/nulle-part")
    assert r.status_code == 404 and r.get_json()["error"]["en"] == "Not found."
    r = client.post("/api/search")
    assert r.status_code == 405 and r.get_json()["error"]["fr"]


# ------------------------------------------------------------------------------------------- OpenAPI

@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def _validate(spec: dict, response, path_template: str):
    operation = spec["paths"][path_template]["get"]
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{path_template} answered {response.status_code}, which is not documented"
    schema = documented["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": spec["components"]}, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(response.get_json())


@needs_jsonschema
def test_openapi_document_is_a_valid_3_1_document(spec):
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{id}", "/api/stats", "/api/openapi.json",
                                  # issue 19: concordance, export, feeds, citations
                                  "/api/concordance", "/api/concordance.csv", "/api/export", "/api/search.atom",
                                  "/api/search/citation", "/api/articles/{id}/citation",
                                  # issue 19: timeline, trends
                                  "/api/timeline", "/api/trends",
                                  # issue 20: named entities
                                  "/api/entities/{kind}/{name}"}
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params == {"q", "page", "per_page", "source", "author", "section", "year", "date_from", "date_to", "sort",
                      "facets", "collapse"}  # collapse: issue 20.1


@needs_jsonschema
@pytest.mark.parametrize("url, template, status", [
    ("/api/search?q=russie", "/api/search", 200),
    ("/api/search?q=xylophone&facets=source,author", "/api/search", 200),
    ("/api/search?q=Pezechkain", "/api/search", 200),
    ("/api/search?year=2024&sort=-date&per_page=2&page=3", "/api/search", 200),
    ("/api/search?q=russie&page=40", "/api/search", 200),
    ("/api/search?facets=", "/api/search", 200),
    ("/api/search?page=abc", "/api/search", 400),
    ("/api/search?per_page=500", "/api/search", 400),
    ("/api/search?sort=x", "/api/search", 400),
    ("/api/search?facets=x", "/api/search", 400),
    ("/api/search?date_from=x", "/api/search", 400),
    ("/api/search?q=date:2024-13", "/api/search", 400),
    ("/api/articles/lemonde-1995-12-05", "/api/articles/{id}", 200),
    ("/api/articles/000_903b3f1d0023df44", "/api/articles/{id}", 200),
    ("/api/articles/hostile-2024-01-01", "/api/articles/{id}", 200),
    ("/api/articles/inconnu", "/api/articles/{id}", 404),
    ("/api/stats", "/api/stats", 200),
    ("/api/openapi.json", "/api/openapi.json", 200),
])
def test_responses_conform_to_the_openapi_schemas(client, spec, url, template, status):
    r = client.get(url)
    assert r.status_code == status
    _validate(spec, r, template)


@needs_jsonschema
def test_unavailable_index_responses_conform(spec, tmp_path):
    from presse.web import create_app

    client = create_app({"PRESSE_INDEX": str(tmp_path / "nothing")}).test_client()
    for url, template in (("/api/search?q=x", "/api/search"), ("/api/stats", "/api/stats"),
                          ("/api/articles/x", "/api/articles/{id}")):
        r = client.get(url)
        assert r.status_code == 503
        _validate(spec, r, template)


@needs_jsonschema
def test_documented_parameters_are_the_ones_the_api_reads(spec):
    search = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search["sort"]["schema"]["enum"] == ["relevance", "-date", "date"]
    assert search["facets"]["schema"]["items"]["enum"] == ["source", "year", "author", "section",
                                                           "person", "place", "org"]  # issue 20: entities
    assert search["per_page"]["schema"]["maximum"] == 100 and search["page"]["schema"]["minimum"] == 1
