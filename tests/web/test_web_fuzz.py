"""Fuzzing every parameter of every route: never a 500, never a traceback, never reflected markup.

The JSON API is fuzzed by schemathesis from the OpenAPI document the app serves (``/api/openapi.json``):
valid and invalid values of every parameter, plus its deterministic boundary cases (the "coverage"
phase), each response checked for a 5xx, an undocumented status or content type, and a body that does
not match the documented schema. The HTML routes are fuzzed with hypothesis through the Flask test
client: random unicode, control characters, invalid UTF-8, huge values, repeated parameters, query
language fragments and hostile markup in every parameter.

The app runs with ``TESTING`` (the ``app`` fixture), so an unexpected exception is raised into the test
with its traceback instead of being turned into a 500 page.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi import checks as openapi_checks
except ImportError:  # pragma: no cover - the test extras install it
    if os.environ.get("CI"):
        raise
    schemathesis = None

needs_schemathesis = pytest.mark.skipif(schemathesis is None,
                                        reason="schemathesis is not installed (pip install schemathesis)")

# Modest example counts: the whole file runs in well under a minute on a 2-core machine.
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
COUNTS: dict[str, dict[int, int]] = {}  # test -> status code -> responses (printed with -s)

ARTICLE_IDS = ("lemonde-1995-12-05", "liberation-2024-03-14", "lefigaro-2024-10-11", "hostile-2024-01-01",
               "000_903b3f1d0023df44")
# Any <script except the site's own files (base.html loads /static/presse.js; the results over time
# load /static/timeline.js and /static/trends.js).
REFLECTED_SCRIPT = re.compile(r"<script(?! src=\"/static/(?:presse|timeline|trends)\.js\" defer></script>)",
                              re.IGNORECASE)


def _count(name: str, status: int) -> None:
    per = COUNTS.setdefault(name, {})
    per[status] = per.get(status, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    for name, per in sorted(COUNTS.items()):
        print(f"\nfuzz {name}: {sum(per.values())} requests, status {dict(sorted(per.items()))}", end="")


# ------------------------------------------------------------------------------ the JSON API (schemathesis)

def no_script_in_body(ctx, response, case):
    """A schemathesis check: the JSON escapes < so no answer can carry a <script tag."""
    assert not REFLECTED_SCRIPT.search(response.text), "a raw <script in the response body"


def api_checks() -> list:
    return [not_a_server_error, openapi_checks.status_code_conformance, openapi_checks.content_type_conformance,
            openapi_checks.response_schema_conformance, no_script_in_body]


@pytest.fixture(scope="module")
def api_schema(app):
    if schemathesis is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis)")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.config.output.sanitization.update(enabled=False)  # "author" looks like a secret to it: show the values
    return schema


# schemathesis' own pytest entry points are not used: its lazy loader for a fixture-built app
# (``schemathesis.pytest.from_fixture``) fails on pytest 9 (AttributeError: 'Function' object has no attribute
# '_nodeid', schemathesis 4.32.5), and the app needs the session's index. Its strategies run under @given instead.
def _fuzz_operation(name: str, strategy, max_examples: int = 100) -> None:
    @given(case=strategy)
    @settings(FUZZ, max_examples=max_examples)
    def run(case):
        response = case.call_and_validate(checks=api_checks())
        _count(name, response.status_code)

    run()


@needs_schemathesis
@pytest.mark.parametrize("path, mode, examples", [
    ("/api/search", "positive", 250),
    ("/api/search", "negative", 250),
    ("/api/articles/{id}", "positive", 60),
    ("/api/articles/{id}", "negative", 60),
    ("/api/stats", "positive", 1),
    ("/api/openapi.json", "positive", 1),
])
def test_api_operation_fuzzed_from_openapi(api_schema, path, mode, examples):
    """Values that match the schema (positive) and that break it (negative) in every parameter."""
    operation = api_schema[path]["GET"]
    _fuzz_operation(f"api {mode} {path}", operation.as_strategy(generation_mode=GenerationMode(mode)), examples)


@needs_schemathesis
def test_api_article_with_real_ids(api_schema):
    """Generated ids hardly ever exist: fuzz the article route with the archive's ids too (a 200 with a body)."""
    operation = api_schema["/api/articles/{id}"]["GET"]
    strategy = st.sampled_from(ARTICLE_IDS).flatmap(lambda i: operation.as_strategy(path_parameters={"id": i}))
    _fuzz_operation("api real ids /api/articles/{id}", strategy, 10)
    assert COUNTS["api real ids /api/articles/{id}"].get(200)


@needs_schemathesis
@pytest.mark.parametrize("path", ["/api/search", "/api/articles/{id}"])
def test_api_boundary_cases(api_schema, path):
    """schemathesis' coverage phase: each parameter at its bounds, missing, duplicated, of the wrong type."""
    operation = api_schema[path]["GET"]
    config = api_schema.config.generation_for(operation=operation)
    n = 0
    for case in api_schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                               generation_config=config):
        response = case.call_and_validate(checks=api_checks())
        _count(f"api boundaries {path}", response.status_code)
        n += 1
    assert n > 5


# ------------------------------------------------------------------------------ the HTML pages (hypothesis)

SEARCH_PARAMS = ("q", "page", "per_page", "source", "author", "section", "year", "date_from", "date_to", "sort",
                 "facets")
HOSTILE = ("<script>alert(1)</script>", "\"><script>alert(1)</script>", "<ScRiPt src=//evil.example>",
           "</textarea><script>x</script>", "<scr<script>ipt>", "«<script>»", "javascript:alert(1)",
           "'\"><img src=x onerror=alert(1)>", "{{7*7}}", "{% raw %}", "../../etc/passwd", "%00", "\\u003cscript")
QUERY_PIECES = ('"', "«", "»", "(", ")", "*", "?", "~", "~2", "~9", "ET", "OU", "SAUF", "AND", "OR", "NOT", "-",
                "titre:", "auteur:", "source:", "date:", "date:[2024 TO *]", "date:[* À 1995]", "date:2024-13",
                "[", "]", "russie", "pétrole", "Pezechkain", "le", "de", "gouvern*", "a*", "*", "?????", "l'État",
                "porte-avions", "\u00a0?", ":", "\x00", "\u200b", "é" * 30)
VALID = {
    "q": ("russie", "pétrole", "\"corridor Nord-Sud\"", "pezeshkian~", "gouvern*", "titre:Iran", "date:2024",
          "xylophone", "le la"),
    "page": ("1", "2", "5", "10000"),
    "per_page": ("1", "10", "100"),
    "source": ("Le Monde", "Libération", "Le Monde,Libération", "Source <i>test</i>"),
    "author": ("Jean Dupont", "Claire Martin", "<b>Auteur</b> \" onmouseover=\"alert(1)"),
    "section": ("politique", "economie", "culture"),
    "year": ("1995", "2024", "2022"),
    "date_from": ("2000-01-01", "2024-01-01"),
    "date_to": ("2024-12-31", "1990-01-01"),
    "sort": ("relevance", "-date", "date"),
    "facets": ("source,year,author", "section", ""),
}
NUMBERS = ("0", "-1", "1", "3", "101", "10001", "999999999", "9999999999", "-0", "+1", "1.5", "1e3", " 2 ", "0x10",
           "１", "١٩٩٥", "²", "NaN", "∞", "00000000000000000001")
DATES = ("2024-13-01", "2024-02-30", "0000-01-01", "9999-12-31", "2024-1-1", "２０２４-０１-０１", " 2024-01-01 ",
         "2024-01-01T00:00", "24-01-01", "2024/01/01", "-2024-01-01")

_printable = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be encoded in a URL
_control = (st.characters(min_codepoint=0, max_codepoint=0x1F)
            | st.sampled_from("\x7f\x85\u2028\u2029\ufeff\u200b\u202e"))
_text = st.text(_printable, max_size=30)
_text_with_controls = st.text(_printable | _control, min_size=1, max_size=30)
_query_language = st.lists(st.sampled_from(QUERY_PIECES) | _text, min_size=1, max_size=12).map(
    lambda xs: "".join(x + (" " if i % 2 else "") for i, x in enumerate(xs)))
_huge = st.sampled_from(("a", "é", "9", "(", "<script>", "pétrole ", "\x01", "*")).flatmap(
    lambda s: st.integers(1, 12_000).map(lambda n: s * max(1, n // len(s))))
_invalid_utf8 = st.binary(min_size=1, max_size=12).filter(lambda b: not _is_utf8(b))


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _value(name: str):
    """A value for parameter ``name``: str (encoded as UTF-8) or bytes (sent as they are, maybe invalid UTF-8)."""
    return st.one_of(
        st.sampled_from(VALID[name]), _text, _text_with_controls, _query_language, st.sampled_from(HOSTILE),
        st.sampled_from(NUMBERS), st.integers().map(str), st.sampled_from(DATES), st.dates().map(str), _huge,
        _invalid_utf8,
    )


def _pair(name: str):
    return _value(name).map(lambda v: (name, v))


def _query_string(pairs) -> str:
    out = []
    for name, value in pairs:
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        out.append(f"{name}={quote_from_bytes(raw, safe='')}")
    return "&".join(out)


# Some pairs for any parameters, repeats included: a name may come back several times.
_any_pairs = st.lists(st.sampled_from(SEARCH_PARAMS).flatmap(_pair), max_size=14)


def _check_page(response, where: str) -> None:
    """What every HTML answer must be, whatever was asked."""
    assert response.status_code in (200, 302, 400, 404), (response.status_code, where)
    if response.status_code == 302:
        location = response.headers["Location"]
        same_site = (location.startswith("http://localhost/")
                     or (location.startswith("/") and not location.startswith("//")))
        assert same_site, (location, where)
        return
    assert response.mimetype == "text/html", (response.mimetype, where)
    html = response.get_data(as_text=True)
    assert "Traceback" not in html, where
    match = REFLECTED_SCRIPT.search(html)
    assert match is None, (where, html[max(0, match.start() - 80):match.start() + 80] if match else "")


def test_search_page_fuzzed_params(client):
    """Any mix of the search parameters, repeated or not, with any values."""
    @given(pairs=_any_pairs)
    @FUZZ
    def run(pairs):
        path = "/recherche?" + _query_string(pairs)
        response = client.get(path)
        _check_page(response, path[:300])
        _count("html /recherche (mixed parameters)", response.status_code)

    run()


@pytest.mark.parametrize("name", SEARCH_PARAMS)
def test_search_page_each_param(client, name):
    """One parameter fuzzed at a time (once, or repeated), the others valid, so that each reaches the search."""
    @given(values=st.lists(_value(name), min_size=1, max_size=3),
           others=st.fixed_dictionaries({}, optional={n: st.sampled_from(VALID[n])
                                                      for n in SEARCH_PARAMS if n != name}))
    @settings(FUZZ, max_examples=80)
    def run(values, others):
        pairs = [*others.items(), *((name, v) for v in values)]
        path = "/recherche?" + _query_string(pairs)
        response = client.get(path)
        _check_page(response, path[:300])
        _count(f"html /recherche {name}=", response.status_code)

    run()


def test_hostile_values_are_never_reflected_as_markup(client):
    """Every parameter carrying markup, with a query that finds articles (so the page shows the filters)."""
    for name in SEARCH_PARAMS:
        for hostile in HOSTILE:
            for pairs in ([(name, hostile)], [("q", "russie"), (name, hostile)], [("year", "2024"), (name, hostile)]):
                path = "/recherche?" + _query_string(pairs)
                response = client.get(path)
                _check_page(response, path)
                _count("html /recherche hostile values", response.status_code)


_article_id = st.one_of(
    st.sampled_from(ARTICLE_IDS), _text.filter(bool), _text_with_controls, _huge, st.sampled_from(HOSTILE),
    st.sampled_from(ARTICLE_IDS).map(lambda i: i + "/"), st.sampled_from((".", "..", "%2e%2e", "a" * 201, "-x", "_x")),
)


def test_article_page_fuzzed(client):
    """/article/<id>?q=…: any id (real, random, huge, hostile, with slashes) and any highlighting query."""
    @given(article_id=_article_id, q=st.none() | _value("q"))
    @FUZZ
    def run(article_id, q):
        path = "/article/" + quote(article_id, safe="")
        if q is not None:
            path += "?" + _query_string([("q", q)])
        response = client.get(path)
        if response.status_code == 308:  # Werkzeug merges "//" (an id with a slash) and redirects, same site
            assert "//" in "/article/" + article_id and response.headers["Location"].startswith("http://localhost/")
        else:
            _check_page(response, path[:300])
            assert response.status_code in (200, 404), path[:300]
            if article_id in ARTICLE_IDS:
                assert response.status_code == 200, path[:300]
        _count("html /article/<id>", response.status_code)

    run()


@pytest.mark.parametrize("route", ["/", "/aide", "/a-propos", "/opensearch.xml"])
def test_other_pages_ignore_any_params(client, route):
    @given(pairs=st.lists(st.tuples(_text_with_controls | st.sampled_from(SEARCH_PARAMS), _value("q")), max_size=6))
    @settings(FUZZ, max_examples=15)
    def run(pairs):
        path = route + "?" + "&".join(
            f"{quote(n, safe='')}={quote_from_bytes(v if isinstance(v, bytes) else v.encode(), safe='')}"
            for n, v in pairs)
        response = client.get(path)
        assert response.status_code == 200, path[:300]
        assert not REFLECTED_SCRIPT.search(response.get_data(as_text=True)), path[:300]
        _count(f"html {route}", response.status_code)

    run()
