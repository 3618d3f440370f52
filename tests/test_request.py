"""One search request (``search.request``, issue 17): its defaults, limits and French messages are
written once, and ``Archive.search``, the web's query string, ``presse search`` and the OpenAPI
document all read them; a page of results has one JSON form, the same from ``/api/search`` and
``presse search --json``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
from pathlib import Path
from urllib.parse import urlencode

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from presse.indexer.build import update_index
from presse.search import Archive, QueryError
from presse.search.request import (
    DEFAULT_FACETS,
    DEFAULT_PER_PAGE,
    FACETS,
    FIELD,
    FIELDS,
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    SearchRequest,
    page_json,
)
from presse.web import create_app
from presse.web.cli import CLI_PER_PAGE, cli
from presse.web.openapi import SEARCH_PARAMETERS, openapi_document
from presse.web.params import ParamError, parse_request, parse_search

REPO = Path(__file__).resolve().parent.parent


def cli_json(*args) -> dict:
    """What ``presse search ARGS… --json`` prints, read back."""
    result = CliRunner(env={"PRESSE_INDEX": None}).invoke(cli, ["search", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_time(data: dict) -> dict:
    """A JSON page without ``took_ms``, the one value that differs between two runs."""
    return {k: v for k, v in data.items() if k != "took_ms"}


@pytest.fixture(scope="module")
def api(archive_dir):
    """A client of the web app over the shared test archive."""
    return create_app({"TESTING": True, "PRESSE_INDEX": str(archive_dir)}).test_client()


# ------------------------------------------------------------------------------------ defaults

def test_a_request_without_arguments_lists_everything_with_the_default_facets():
    request = SearchRequest()
    assert (request.q, request.page, request.per_page, request.sort, request.collapse) == ("", 1, 20, "relevance", True)
    assert request.facets == ("source", "year", "author", "section")  # as /api/search and the README say
    assert not request.has_filters


def test_the_fields_describe_the_request_and_its_defaults():
    assert {f.name for f in FIELDS} == {f.name for f in dataclasses.fields(SearchRequest)}
    for field in FIELDS:
        assert getattr(SearchRequest(), field.name) == field.default, field.name
        assert field.fr and field.en, field.name
    assert (FIELD["page"].maximum, FIELD["per_page"].maximum) == (MAX_PAGE, MAX_PER_PAGE) == (10_000, 100)
    assert FIELD["sort"].choices == SORTS and FIELD["facets"].choices == FACETS


def test_archive_search_takes_the_request_defaults():
    parameters = inspect.signature(Archive.search).parameters
    assert set(parameters) - {"self"} == set(FIELD)
    for field in FIELDS:
        assert parameters[field.name].default == field.default, field.name


def test_one_value_alone_is_a_list_of_one_and_values_are_normalised():
    request = SearchRequest.of("grève", source="Le Monde", year="1995", facets="source",
                               date_from="1995-12-01", date_to=dt.datetime(1995, 12, 31, 18, 30))
    assert request.source == ("Le Monde",) and request.year == (1995,) and request.facets == ("source",)
    assert (request.date_from, request.date_to) == (dt.date(1995, 12, 1), dt.date(1995, 12, 31))
    assert request.has_filters
    assert SearchRequest(facets=None).facets == () and SearchRequest(facets=["year", "year"]).facets == ("year",)


def test_a_request_is_hashable_and_equal_to_the_same_request_written_otherwise():
    assert SearchRequest(source="Le Monde", year=2024) == SearchRequest(source=["Le Monde"], year=["2024"])
    assert len({SearchRequest(year=2024), SearchRequest(year=(2024,))}) == 1


@pytest.mark.parametrize("entry", ["Archive.search", "/api/search", "presse search --json"])
def test_every_entry_point_has_the_same_defaults(entry, archive, archive_dir, api):
    data = {"Archive.search": lambda: page_json(archive.search("russie")),
            "/api/search": lambda: api.get("/api/search?q=russie").get_json(),
            "presse search --json": lambda: cli_json("russie", "--index", archive_dir)}[entry]()
    default = SearchRequest()
    assert (data["page"], data["sort"], data["collapse"]) == (default.page, default.sort, default.collapse)
    assert set(data["facets"]) == set(default.facets) == set(DEFAULT_FACETS)
    # The page size is each entry point's own: a terminal shows fewer results.
    assert data["per_page"] == (CLI_PER_PAGE if entry == "presse search --json" else DEFAULT_PER_PAGE)


def test_an_empty_query_string_is_the_default_request():
    assert parse_request(MultiDict()) == SearchRequest()
    state = parse_search(MultiDict(), default_per_page=10)
    assert (state.page, state.per_page, state.sort, state.collapse) == (1, 10, "relevance", True)


def test_the_command_options_are_the_fields():
    options = {p.name: p for p in cli.commands["search"].params if isinstance(p, click.Option)}
    for name in ("page", "sort", "source", "author", "section", "date_from", "date_to", "collapse"):
        assert options[name].default == FIELD[name].default, name
        assert FIELD[name].fr[:-1] in options[name].help, name
    assert (options["page"].type.min, options["page"].type.max) == (1, MAX_PAGE)
    assert (options["per_page"].type.min, options["per_page"].type.max) == (1, MAX_PER_PAGE)
    assert tuple(options["sort"].type.choices) == SORTS
    assert options["per_page"].opts == ["--limit", "-n"] and options["per_page"].default == CLI_PER_PAGE


def test_the_openapi_parameters_are_the_fields():
    assert [p["name"] for p in SEARCH_PARAMETERS] == [f.name for f in FIELDS]
    by_name = {p["name"]: p for p in SEARCH_PARAMETERS}
    assert by_name["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
    assert by_name["per_page"]["schema"]["default"] == DEFAULT_PER_PAGE
    assert by_name["sort"]["schema"]["enum"] == list(SORTS)
    assert by_name["facets"]["schema"]["items"]["enum"] == list(FACETS)
    assert by_name["year"]["schema"]["items"] == {"type": "integer", "minimum": 0, "maximum": 9999}
    assert all(p["description"].startswith(FIELD[p["name"]].en) for p in SEARCH_PARAMETERS)


# ------------------------------------------------------------------------------------ limits and messages

@pytest.mark.parametrize("field, low, high", [("page", 1, MAX_PAGE), ("per_page", 1, MAX_PER_PAGE)])
def test_limits_are_inclusive(field, low, high):
    assert getattr(SearchRequest(**{field: low}), field) == low
    assert getattr(SearchRequest(**{field: high}), field) == high
    for outside in (low - 1, high + 1):
        with pytest.raises(QueryError):
            SearchRequest(**{field: outside})


@pytest.mark.parametrize("kwargs, message", [
    (dict(q=b"iran"), "La requête doit être du texte, pas des octets (décodez-les d'abord, par exemple en UTF-8)."),
    (dict(collapse="oui"), "Le paramètre collapse doit valoir True ou False."),
    (dict(page="2"), "Le numéro de page doit être un entier."),
    (dict(page=0), "Le numéro de page commence à 1."),
    (dict(page=10_001), "Le numéro de page est trop grand (au plus 10 000)."),
    (dict(per_page=101), "Le nombre de résultats par page doit être compris entre 1 et 100."),
    (dict(sort="pertinence"), "Tri inconnu « pertinence » : choisissez relevance, date ou -date."),
    (dict(facets=["couleur"]),
     "Facette inconnue « couleur » : choisissez parmi source, year, author, section, person, place, org."),
    (dict(source=[dt.date(2024, 1, 1)]),
     "Valeur de paramètre invalide « datetime.date(2024, 1, 1) » : attendu du texte ou un nombre entier."),
    (dict(year="deux mille"), "L'année doit être un nombre."),
    (dict(date_from="12/10/2024"), "Date invalide pour date_from : « 12/10/2024 » (attendu AAAA-MM-JJ)."),
    (dict(date_to="2023-02-29"),
     "Date invalide pour date_to : « 2023-02-29 » : ce jour n'existe pas (février 2023 a 28 jours)."),
    (dict(date_from="2024-06-01", date_to="2024-01-01"), "La date de début est après la date de fin."),
])
def test_each_rule_has_its_french_message(archive, kwargs, message):
    with pytest.raises(QueryError) as made:
        SearchRequest.of(**kwargs)
    assert str(made.value) == message
    with pytest.raises(QueryError) as searched:  # Archive.search says the same
        archive.search(**{"q": "russie", **kwargs})
    assert str(searched.value) == message


@pytest.mark.parametrize("args, message", [
    ({"page": "0"}, "Le paramètre page doit être compris entre 1 et 10000 (reçu 0)."),
    ({"per_page": "beaucoup"}, "Le paramètre per_page doit être un nombre entier (reçu « beaucoup »)."),
    ({"sort": "titre"}, "Tri inconnu « titre » : choisissez relevance, date ou -date."),
    ({"facets": "couleur"},
     "Facette inconnue « couleur » : choisissez parmi source, year, author, section, person, place, org."),
    ({"year": "deux"}, "L'année doit être un nombre de 1 à 4 chiffres (reçu « deux »)."),
    ({"date_to": "2024-13-01"}, "Date invalide pour date_to : « 2024-13-01 » (attendu AAAA-MM-JJ)."),
    ({"date_from": "2024-06-01", "date_to": "2024-01-01"}, "La date de début est après la date de fin."),
    ({"collapse": "peut-être"}, "Le paramètre collapse vaut true ou false (reçu « peut-être »)."),
])
def test_the_web_reads_each_parameter_from_its_text_in_french_and_english(api, args, message):
    r = api.get("/api/search", query_string=args)
    assert r.status_code == 400
    assert r.get_json()["error"]["fr"] == message and r.get_json()["error"]["en"]


# ------------------------------------------------------------------------------------ random input

_NAMES = st.sampled_from([f.name for f in FIELDS])
_LOOSE = st.one_of(st.none(), st.text(max_size=30), st.integers(-5, 20_000), st.booleans(),
                   st.floats(allow_nan=True), st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=3),
                   st.dates())


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(_NAMES, _LOOSE, max_size=6))
def test_any_python_values_make_a_request_or_a_query_error(values):
    try:
        request = SearchRequest.of(**values)
    except QueryError:
        return
    assert request == SearchRequest(**request.search_kwargs())  # checked once, stable when checked again


_TEXT = st.one_of(st.text(max_size=20), st.sampled_from(["", "0", "1", "100", "101", "10001", "-date", "date",
                                                           "2024-01-01", "2024-02-30", "1995", "source,year",
                                                           "true", "non", "Le Monde", "russie", '"gaz', "*"]))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_NAMES, _TEXT), max_size=6))
def test_any_query_string_makes_a_request_or_a_french_error_and_searches_or_says_why(archive, pairs):
    try:
        request = parse_request(MultiDict(pairs), comma_lists=True)
    except ParamError as exc:
        assert exc.fr and exc.en
        return
    try:
        archive.search(**request.search_kwargs())
    except QueryError as exc:  # a query or filter value that cannot be searched: nothing else
        assert str(exc)


# ------------------------------------------------------------------------------------ one JSON form

def test_facets_are_value_count_objects_and_the_page_is_the_documented_schema(archive):
    data = page_json(archive.search("russie OU grève"))
    assert {"value": 2024, "count": 3} in data["facets"]["year"]
    schema = openapi_document()["components"]["schemas"]["SearchResults"]
    assert set(data) == set(schema["properties"]) == set(schema["required"])
    assert json.loads(json.dumps(data)) == data  # plain JSON values: dates as text


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory) -> Path:
    """The articles of seeds/ (the scraped page, OrangeSum, Wikinews), indexed once for this module."""
    index = tmp_path_factory.mktemp("seeds-request-index")
    update_index(index, [REPO / "seeds"])
    return index


@pytest.mark.parametrize("args", [
    {"q": "grève"},
    {"q": '"gilets jaunes"', "sort": "-date", "per_page": 5, "page": 2},
    {"q": "", "source": "wikinews"},
    {"q": "coronavirus", "collapse": "false"},
    {"q": "pezechkain"},
])
def test_the_api_and_the_command_line_print_the_same_json(seeds_index, args):
    client = create_app({"TESTING": True, "PRESSE_INDEX": str(seeds_index)}).test_client()
    api_page = client.get("/api/search?" + urlencode({"per_page": CLI_PER_PAGE, **args})).get_json()
    options = {"per_page": "--limit", "page": "--page", "sort": "--sort", "source": "--source"}
    cli_args = [args["q"], "--index", seeds_index, *(["--no-collapse"] if args.get("collapse") == "false" else [])]
    for name, option in options.items():
        if name in args:
            cli_args += [option, args[name]]
    assert without_time(cli_json(*cli_args)) == without_time(api_page)
    assert api_page["total"] > 0
    with Archive(seeds_index) as archive:  # and both are the Python API's page, as JSON
        python = archive.search(args["q"], per_page=int(args.get("per_page", CLI_PER_PAGE)),
                                page=int(args.get("page", 1)), sort=args.get("sort", "relevance"),
                                source=args.get("source", ()), collapse=args.get("collapse") != "false")
        assert without_time(page_json(python)) == without_time(api_page)
