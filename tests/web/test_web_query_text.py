"""What a page does with the text it is given (issue 16): a query with nothing to search is the
empty query; bidirectional controls are never echoed; filters match part of a name."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def body(response) -> str:
    return response.get_data(as_text=True)


def result_ids(html: str) -> list[str]:
    return re.findall(r'<h2 class="hit-title"><a href="/article/([^"?]+)', html)


def title_and_heading(html: str) -> tuple[str, str]:
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    heading = unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)))
    return title, heading


@pytest.mark.parametrize("q", ["%00", "%22", "%22%22", "%C2%AB%C2%BB", "()", "%00%00+%22", "%E2%80%AE"])
def test_a_query_with_nothing_to_search_goes_back_home(client, q):
    # Issue 16 (7): /recherche?q=%00 listed every article under « Résultats pour «  » ».
    r = client.get(f"/recherche?q={q}")
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


def test_a_query_with_nothing_to_search_keeps_its_filters(client):
    r = client.get("/recherche?q=%22&source=Le+Monde")
    assert r.status_code == 200
    html = body(r)
    assert "Tous les articles" in html
    assert sorted(result_ids(html)) == ["lemonde-1995-12-05", "lemonde-2022-01-10"]


def test_control_characters_around_words_are_dropped(client):
    html = body(client.get("/recherche?q=%00gaz%00"))
    assert title_and_heading(html) == ("gaz — Recherche — Presse", "Résultats pour « gaz »")
    assert "\x00" not in html


@pytest.mark.parametrize("control", list(BIDI))
def test_bidi_controls_are_not_echoed(client, control):
    # Issue 16 (7): a right-to-left override (U+202E) in q was echoed raw into the title and the heading.
    html = body(client.get("/recherche", query_string={"q": f"gaz{control} pétrole"}))
    assert not set(BIDI) & set(html)
    assert title_and_heading(html) == ("gaz pétrole — Recherche — Presse", "Résultats pour « gaz pétrole »")


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.sampled_from(BIDI), max_size=4), st.lists(st.sampled_from(BIDI), max_size=4))
def test_bidi_controls_change_nothing(client, before, after):
    html = body(client.get("/recherche", query_string={"q": "".join(before) + "gaz" + "".join(after)}))
    assert not set(BIDI) & set(html)
    assert result_ids(html) == result_ids(body(client.get("/recherche?q=gaz"))) != []


def test_bidi_controls_are_not_echoed_on_an_article_or_an_error(client):
    article = body(client.get("/article/liberation-2024-03-14", query_string={"q": "gaz\u202e"}))
    assert not set(BIDI) & set(article)
    assert "<mark>gaz</mark>" in article
    error = client.get("/recherche", query_string={"q": "\u202egaz", "page": "x"})
    assert error.status_code == 400 and not set(BIDI) & set(body(error))


def test_bidi_controls_are_not_echoed_in_filters(client):
    html = body(client.get("/recherche", query_string={"q": "gaz", "source": "Lib\u202eération"}))
    assert not set(BIDI) & set(html)


# ------------------------------------------------------------------------------------------ filters

def test_a_filter_takes_part_of_a_name_ignoring_case_and_accents(client):
    # Issue 16 (6): filters match as source:… does in a query.
    html = body(client.get("/recherche", query_string={"source": "liberation"}))
    assert result_ids(html) == ["liberation-2024-06-02", "liberation-2024-03-14"]
    html = body(client.get("/recherche", query_string={"q": "grève", "author": "dupont"}))
    assert result_ids(html) == ["lemonde-1995-12-05"]


def test_a_filter_that_matches_nothing_names_the_known_values(client):
    r = client.get("/recherche", query_string={"q": "gaz", "source": "lemonde"})
    assert r.status_code == 400
    text = unescape(re.sub(r"<[^>]+>", "", body(r)))
    assert ("Aucune source ne correspond à « lemonde ». Sources de l'archive : « Le Figaro », « Le Monde », "
            "« Libération », « Ouest-France », « Source <i>test</i> », « Sud Ouest ».") in text
    assert "<i>test</i>" not in body(r)  # escaped


def test_the_api_says_which_values_a_filter_could_take(client):
    r = client.get("/api/search", query_string={"source": "lemonde"})
    assert r.status_code == 400
    assert r.get_json()["error"]["fr"].startswith("Aucune source ne correspond à « lemonde ». Sources de l'archive : ")
    assert client.get("/api/search", query_string={"source": "MONDE"}).get_json()["total"] == 2
