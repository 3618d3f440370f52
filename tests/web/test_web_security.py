"""Security headers, escaping of hostile content, and errors that never leak a traceback."""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import presse.web.archive  # noqa: F401 (used as web.archive)
from presse import web
from presse.indexer.build import update_index
from presse.web import create_app
from presse.web.security import CSP

HOSTILE_MARKUP = ("<script>", "<script>alert", "<img src=x", "<b>Auteur", "<i>test</i>", '" onmouseover="', "<tag>", "<a href=\"javascript")

ROUTES = [
    "/", "/recherche?q=russie", "/recherche?q=date:2024-13", "/recherche?page=abc&q=x", "/recherche",
    "/article/lemonde-1995-12-05", "/article/inconnu", "/aide", "/a-propos", "/opensearch.xml",
    "/static/presse.css", "/static/presse.js", "/nulle-part",
    "/api/search?q=russie", "/api/search?page=0", "/api/articles/lemonde-1995-12-05", "/api/articles/inconnu",
    "/api/stats", "/api/openapi.json", "/api/nulle-part",
]


@pytest.mark.parametrize("path", ROUTES)
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    assert r.headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_security_headers_on_a_405(client):
    r = client.post("/api/search")
    assert r.status_code == 405 and r.headers["X-Frame-Options"] == "DENY"
    assert r.get_json()["error"]["fr"]


def test_csp_is_exactly_the_one_asked_for():
    assert CSP == ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _assert_no_hostile_markup(text: str, where: str):
    for markup in HOSTILE_MARKUP:
        assert markup not in text, (where, markup)


@pytest.mark.parametrize("path", [
    "/recherche?q=xylophone",
    "/recherche?year=2024",  # every facet lists the hostile source, author and section
    "/recherche?q=piégé&source=Source+<i>test</i>",
    "/recherche?author=<b>Auteur</b>+\"+onmouseover=\"alert(1)",
    "/article/hostile-2024-01-01?q=xylophone",
    "/article/hostile-2024-01-01?q=<script>alert(1)</script>",
    "/article/lefigaro-2024-10-11",  # the hostile article may be listed as similar
    "/recherche?q=<script>alert(1)</script>+xylophon",  # the suggestion repeats the query
    "/recherche?q=<script>alert(1)</script>*",
    "/a-propos", "/",
])
def test_hostile_content_is_shown_as_text_in_pages(client, path):
    r = client.get(path)
    html = r.get_data(as_text=True)
    assert r.status_code in (200, 400), path
    _assert_no_hostile_markup(html, path)
    assert not re.search(r"<script(?! src=\"/static/(?:presse|timeline|trends)\.js\" defer></script>)", html), path


def test_hostile_article_is_escaped_in_results_and_article(client):
    html = client.get("/recherche?q=xylophone").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt; Un titre &quot;piégé&quot;" in html
    assert "Source &lt;i&gt;test&lt;/i&gt;" in html
    assert "&lt;b&gt;Auteur&lt;/b&gt; &#34; onmouseover=&#34;alert(1)" in html
    article = client.get("/article/hostile-2024-01-01").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#x27;corps&#x27;)&lt;/script&gt;" in article
    assert "<li>&lt;tag&gt;</li>" in article


@pytest.mark.parametrize("path", [
    "/api/search?q=xylophone", "/api/search?year=2024&facets=source,author,section",
    "/api/articles/hostile-2024-01-01", "/api/stats", "/api/search?q=<script>alert(1)</script>+xylophon",
    "/api/search?q=<script>*", "/api/articles/<script>",
])
def test_hostile_content_is_escaped_in_json(client, path):
    r = client.get(path)
    text = r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert "<" not in text and ">" not in text
    json.loads(text)


def test_json_escaping_round_trips(client):
    data = client.get("/api/articles/hostile-2024-01-01").get_json()
    assert data["title"] == "<script>alert('titre')</script> Un titre \"piégé\""
    assert data["url"] == "javascript:alert(1)"
    assert data["tags"] == ["<tag>"]


# ------------------------------------------------------------------------------------------ errors

@pytest.fixture
def failing_app(archive_dir):
    app = create_app({"PRESSE_INDEX": str(archive_dir), "PROPAGATE_EXCEPTIONS": False})

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    app.extensions["presse"].search = boom
    app.extensions["presse"].get = boom
    return app


def test_a_crash_is_a_generic_french_500_logged_server_side(failing_app, caplog):
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR):
        r = client.get("/recherche?q=russie")
    html = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "Erreur interne" in html and '<html lang="fr">' in html
    assert "secret internal detail" not in html and "Traceback" not in html
    assert r.headers["Content-Security-Policy"] == CSP
    assert "secret internal detail" in caplog.text and "Traceback" in caplog.text


def test_a_crash_under_api_is_a_json_500(failing_app):
    r = failing_app.test_client().get("/api/articles/lemonde-1995-12-05")
    assert r.status_code == 500
    error = r.get_json()["error"]
    assert error["fr"].startswith("Une erreur inattendue") and error["en"] == "Internal server error."
    assert "secret" not in r.get_data(as_text=True)


def test_missing_index_gives_503_pages_that_say_how_to_build_it(tmp_path):
    client = create_app({"PRESSE_INDEX": str(tmp_path / "nothing")}).test_client()
    for path in ("/", "/recherche?q=russie", "/recherche?q=russie&page=abc", "/article/lemonde-1995-12-05"):
        r = client.get(path)
        html = r.get_data(as_text=True)
        assert r.status_code == 503, path
        assert "Index indisponible" in html and "presse index" in html, path
        assert "Traceback" not in html
    r = client.get("/api/search?q=russie")
    assert r.status_code == 503 and "presse index" in r.get_json()["error"]["fr"]
    assert client.get("/api/stats").status_code == 503
    helper = client.get("/aide")  # pages that do not need the index still work, with a notice
    assert helper.status_code == 200 and "n'est pas disponible" in helper.get_data(as_text=True)
    assert client.get("/a-propos").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_incompatible_index_gives_503(tmp_path, corpus_dir):
    index = tmp_path / "index"
    update_index(index, [corpus_dir])
    generation = next(index.glob("gen-*"))
    meta = json.loads((generation / "presse.json").read_text())
    meta["analysis_version"] = -1
    (generation / "presse.json").write_text(json.dumps(meta))
    r = create_app({"PRESSE_INDEX": str(index)}).test_client().get("/recherche?q=russie")
    assert r.status_code == 503 and "reindex" in r.get_data(as_text=True)


def test_an_index_built_after_start_up_is_picked_up(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setattr(web.archive, "RETRY_SECONDS", 0.0)
    index = tmp_path / "index"
    client = create_app({"PRESSE_INDEX": str(index)}).test_client()
    assert client.get("/").status_code == 503
    update_index(index, [corpus_dir])
    assert client.get("/").status_code == 200


def test_undated_articles_do_not_break_pages(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        '{"id": "sans-date", "title": "Un article sans date", "body": "Le texte parle de tramways."}\n'
        '{"id": "avec-date", "title": "Un article daté", "date": "2020-05-04", "body": "Encore des tramways."}\n',
        encoding="utf-8")
    update_index(tmp_path / "index", [corpus])
    client = create_app({"PRESSE_INDEX": str(tmp_path / "index")}).test_client()
    for path in ("/", "/recherche?q=tramways", "/recherche?q=tramways&sort=-date", "/article/sans-date",
                 "/a-propos", "/api/stats", "/api/search?q=tramways"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/stats").get_json()["date_min"] == "2020-05-04"
    data = client.get("/api/search?q=tramways&facets=year").get_json()
    assert data["facets"]["year"] == [{"value": 2020, "count": 1}]


def test_request_size_is_capped(app):
    assert app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024


# ------------------------------------------------------------------------------------- any user input

_PARAMS = st.sampled_from(["q", "page", "per_page", "source", "author", "section", "year", "date_from", "date_to",
                           "sort", "facets"])
_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1", "2", "100", "101", "2024", "2024-01-01", "2024-02-30", "0000-01-01",
                     "9999-12-31", "relevance", "-date", "date", "year", "source,author", "*", "\"", "(", ")",
                     "date:[2024 TO", "titre:", "~", "a~9", "\x00", "%", "é" * 300]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(_PARAMS, _VALUES), max_size=5), api=st.booleans())
def test_no_user_input_causes_a_server_error(client, params, api):
    r = client.get("/api/search" if api else "/recherche", query_string=params)
    assert r.status_code in (200, 302, 400), (params, r.status_code)
    if api:
        assert r.status_code in (200, 400) and (r.status_code == 200 or set(r.get_json()["error"]) == {"fr", "en"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(article_id=st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s), q=st.text(max_size=30))
def test_no_article_id_causes_a_server_error(client, article_id, q):
    for prefix in ("/article/", "/api/articles/"):
        r = client.get(prefix + article_id.replace("%", "%25").replace("?", "%3F").replace("#", "%23"),
                       query_string={"q": q})
        assert r.status_code in (200, 404, 308), (prefix, article_id, r.status_code)
