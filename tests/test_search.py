"""The search library (``search.Archive``), read as its documentation.

Most tests search the session ``archive``: the 8 hand-written articles of tests/data/articles.jsonl
plus the seed article (a scraped blog page about Poutine and Pezechkian in Turkmenistan). Their
dates, newest first::

    000_903b3f1d0023df44    2024-10-12  (the seed; no source, no section)
    lefigaro-2024-10-11     liberation-2024-06-02    liberation-2024-03-14    hostile-2024-01-01
    ouestfrance-2023-07-21  lemonde-2022-01-10       sudouest-2019-11-30      lemonde-1995-12-05

Tests that write an index build their own in ``fresh_index_dir``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from presse.indexer.analysis import ANALYSIS_VERSION, TOKEN_RE, CachedFilter
from presse.indexer.build import reindex, update_index
from presse.search import Archive, ArticleView, FacetCount, Hit, QueryError, SearchPage
from presse.search.highlight import (
    MAX_CANDIDATE_PREFIXES,
    NUMPY_FOLD_FROM,
    _candidate_prefixes,
    _candidates_regex,
    _fold_table,
    candidate_starts,
    fold_in_place,
)

SEED = "000_903b3f1d0023df44"
FIGARO = "lefigaro-2024-10-11"
PORTE_AVIONS = "liberation-2024-06-02"
ENERGIE = "liberation-2024-03-14"
HOSTILE = "hostile-2024-01-01"
MAIS = "ouestfrance-2023-07-21"
OEUVRES = "lemonde-2022-01-10"
ROCADE = "sudouest-2019-11-30"
GREVE = "lemonde-1995-12-05"

NEWEST_FIRST = [SEED, FIGARO, PORTE_AVIONS, ENERGIE, HOSTILE, MAIS, OEUVRES, ROCADE, GREVE]


def ids(page_or_hits) -> list[str]:
    hits = page_or_hits.hits if isinstance(page_or_hits, SearchPage) else page_or_hits
    return [h.id for h in hits]


def by_date(archive, q: str, **kwargs) -> list[str]:
    """The ids matching ``q``, newest first: for tests about *which* articles match, not their rank."""
    return ids(archive.search(q, sort="-date", per_page=100, **kwargs))


# ---------------------------------------------------------------------------------------- words

def test_words_are_anded_by_default(archive):
    assert by_date(archive, "pétrole") == [ENERGIE]
    assert by_date(archive, "russie") == [SEED, FIGARO, ENERGIE]
    assert by_date(archive, "pétrole russie") == [ENERGIE]
    # No article has both: with explicit AND nothing is found; typed plainly, the search falls
    # back to the articles with the most of the words and says so.
    assert by_date(archive, "pétrole ET grève") == []
    assert archive.search("pétrole grève").relaxed


def test_a_word_in_the_title_ranks_above_a_word_in_the_body_only(archive):
    # ENERGIE has "Russie" in its title; FIGARO and the seed only in their lead or body.
    assert ids(archive.search("russie")) == [ENERGIE, FIGARO, SEED]


def test_ties_are_broken_by_date_newest_first(archive):
    # Identical field values score the same: the newest article comes first.
    assert ids(archive.search("source:monde")) == [OEUVRES, GREVE]
    assert ids(archive.search("auteur:dupont")) == [ROCADE, GREVE]
    assert ids(archive.search("author:Martin")) == [PORTE_AVIONS, ENERGIE]


def _write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


def test_title_weight_on_articles_of_the_same_words(tmp_path, fresh_index_dir):
    # Same words, same lengths; the body-only article is even newer. The title still wins.
    _write_jsonl(tmp_path / "corpus" / "a.jsonl", [
        {"id": "titre", "title": "Le hérisson", "body": "Un animal du jardin.", "date": "2020-01-01"},
        {"id": "corps", "title": "Un animal", "body": "Le hérisson du jardin.", "date": "2021-01-01"},
    ])
    update_index(fresh_index_dir, [tmp_path / "corpus"])
    with Archive(fresh_index_dir) as archive:
        assert ids(archive.search("hérisson")) == ["titre", "corps"]
        assert ids(archive.search("jardin")) == ["corps", "titre"]  # a tie: newest first


def _identical_articles(n: int) -> list[dict]:
    """``n`` articles with the same text, one a month from 2010-01-15, written oldest first."""
    return [
        {"id": f"a{i:02d}", "title": "Chronique", "body": "Un texte identique sur la météo.",
         "source": "Le Monde", "date": f"{2010 + i // 12}-{i % 12 + 1:02d}-15"}
        for i in range(n)
    ]


@pytest.fixture
def thirty_ties(tmp_path, fresh_index_dir):
    """An archive of 30 articles that every query scores equally (a29 is the newest)."""
    _write_jsonl(tmp_path / "corpus" / "ties.jsonl", _identical_articles(30))
    update_index(fresh_index_dir, [tmp_path / "corpus"])
    with Archive(fresh_index_dir) as archive:
        yield archive


def test_ties_are_broken_by_date_over_all_matches(thirty_ties):
    assert ids(thirty_ties.search("météo", per_page=3)) == ["a29", "a28", "a27"]


def test_pages_of_tied_hits_do_not_overlap(thirty_ties):
    page1 = ids(thirty_ties.search("météo", per_page=3, page=1))
    page2 = ids(thirty_ties.search("météo", per_page=3, page=2))
    assert set(page1).isdisjoint(page2), (page1, page2)


def test_all_pages_of_tied_hits_cover_every_match_once(thirty_ties):
    seen = []
    for page in range(1, 4):
        seen += ids(thirty_ties.search("météo", per_page=10, page=page, sort="-date"))
    assert seen == [f"a{i:02d}" for i in range(29, -1, -1)]


@pytest.fixture
def near_and_far(tmp_path, fresh_index_dir):
    """Articles with the same words, close together in some, far apart in others; "far" articles
    are the newest, so that only proximity can put the "near" ones first."""
    filler = " ".join(["Le conseil a siégé longuement ce jour-là."] * 6)
    # The same words in each body (so BM25F scores them equally), in different places.
    words = {"near": "La réforme des retraites divise le pays. " + filler + " Les enfants suivront.",
             "far": "La réforme des enfants divise le pays. " + filler + " Les retraites suivront.",
             "order": "Les retraites : la réforme des enfants divise le pays. " + filler + " Suivront."}
    articles = [{"id": f"{kind}{i}", "title": "Chronique", "body": body, "source": "Le Monde",
                 "date": f"20{10 + i + (5 if kind == 'far' else 0)}-01-01"}
                for kind, body in words.items() for i in range(3)]
    _write_jsonl(tmp_path / "corpus" / "near.jsonl", articles)
    update_index(fresh_index_dir, [tmp_path / "corpus"])
    with Archive(fresh_index_dir) as archive:
        yield archive


def test_articles_with_the_words_close_together_rank_first(near_and_far):
    assert ids(near_and_far.search("réforme retraites"))[:3] == ["near2", "near1", "near0"]
    # The same words in the other order are not close "in order": the newest still come first.
    assert ids(near_and_far.search("retraites réforme"))[:3] == ["order2", "order1", "order0"]
    # Accents and stop words in the query change nothing.
    assert ids(near_and_far.search("la reforme des retraites"))[:3] == ["near2", "near1", "near0"]


def test_proximity_keeps_pages_disjoint_and_scores_consistent(near_and_far):
    # collapse=False: "near" and "order" articles of the same day are versions of one text (issue 20.1).
    pages = [ids(near_and_far.search("réforme retraites", per_page=2, page=p, collapse=False)) for p in (1, 2, 3, 4, 5)]
    seen = [d for page in pages for d in page]
    assert sorted(seen) == sorted(f"{k}{i}" for k in ("near", "far", "order") for i in range(3))
    by_relevance = {h.id: h.score for h in near_and_far.search("réforme retraites").hits}
    by_date = {h.id: h.score for h in near_and_far.search("réforme retraites", sort="-date").hits}
    assert by_relevance == by_date
    scores = list(by_relevance.values())
    assert scores == sorted(scores, reverse=True)


def test_only_queries_of_words_get_the_proximity_boost(near_and_far):
    assert ids(near_and_far.search("réforme ET retraites"))[:3] == ["near2", "near1", "near0"]
    # OU, phrases, fields: BM25F alone (equal here), ties newest first.
    assert ids(near_and_far.search("réforme OU retraites"))[:3] == ["far2", "far1", "far0"]
    assert ids(near_and_far.search('réforme "retraites"'))[:3] == ["far2", "far1", "far0"]


# ---------------------------------------------------------------------------------- operators

@pytest.mark.parametrize("q", ["pétrole ET gaz", "pétrole AND gaz", "pétrole gaz"])
def test_and(archive, q):
    assert by_date(archive, q) == [ENERGIE]


@pytest.mark.parametrize("q", ["gaz OU grève", "gaz OR grève"])
def test_or(archive, q):
    assert by_date(archive, q) == [SEED, ENERGIE, GREVE]


@pytest.mark.parametrize("q", ["russie SAUF pétrole", "russie NOT pétrole", "russie -pétrole"])
def test_not(archive, q):
    assert by_date(archive, q) == [SEED, FIGARO]


@pytest.mark.parametrize("q", ["mouvement SAUF Bordeaux", "mouvement NOT bordeaux", "mouvement -bordeaux"])
def test_not_removes_an_article(archive, q):
    assert by_date(archive, "mouvement") == [ROCADE, GREVE]
    assert by_date(archive, q) == [GREVE]


def test_not_alone_lists_every_other_article(archive):
    assert by_date(archive, "-russie") == [PORTE_AVIONS, HOSTILE, MAIS, OEUVRES, ROCADE, GREVE]
    assert by_date(archive, "SAUF russie") == by_date(archive, "NOT russie") == by_date(archive, "-russie")


@pytest.mark.parametrize("q", ["pétrole ET gaz SAUF Russie", "pétrole SAUF Russie", "pétrole -russie"])
def test_not_excludes_the_first_match_too(archive, q):
    assert by_date(archive, "pétrole") == [ENERGIE]  # and its title says "…se passer de la Russie"
    assert by_date(archive, q) == []


def test_sauf_excludes_phrases_groups_and_fields(archive):
    assert by_date(archive, 'russie SAUF "corridor Nord-Sud"') == [FIGARO, ENERGIE]
    assert by_date(archive, "russie SAUF (pétrole OU corridor)") == []
    assert by_date(archive, "russie SAUF titre:pétrole") == [SEED, FIGARO]
    assert by_date(archive, "SAUF date:2024") == [MAIS, OEUVRES, ROCADE, GREVE]


@pytest.mark.parametrize("q, expected", [
    ('russie -"corridor Nord-Sud"', [FIGARO, ENERGIE]),   # got [SEED]
    ("russie -(pétrole OU corridor)", []),                 # got all three
    ("russie -titre:pétrole", [SEED, FIGARO]),             # got all three
    ("-date:2024", [MAIS, OEUVRES, ROCADE, GREVE]),        # got all nine
])
def test_minus_excludes_phrases_groups_and_fields(archive, q, expected):
    assert by_date(archive, q) == expected


def test_a_question_is_searched(archive):
    assert by_date(archive, "Poutine rencontre-t-il Pezeshkian ?") == by_date(archive, "Poutine rencontre-t-il Pezeshkian")


def test_parentheses_group(archive):
    assert by_date(archive, "(gaz OU grève) ET russie") == [SEED, ENERGIE]
    assert by_date(archive, "gaz OU (grève ET russie)") == [SEED, ENERGIE]
    assert by_date(archive, "(mouvement OU marine) SAUF Bordeaux") == [PORTE_AVIONS, GREVE]


def test_lowercase_et_ou_are_words_not_operators(archive):
    assert by_date(archive, "gaz OU grève") == [SEED, ENERGIE, GREVE]
    # gaz, "ou" (a stop word) and grève: no article has both, hence the relaxed fallback.
    assert archive.search("gaz ou grève").relaxed and archive.search("gaz et grève").relaxed
    assert by_date(archive, "gaz ET grève") == []
    # Alone, "et" is searched as a word; so is "ET" alone, a stray operator (issue 16.7: it used
    # to make the query empty, listing every article).
    assert by_date(archive, "et") == [SEED, FIGARO, ENERGIE, HOSTILE, OEUVRES, GREVE]
    assert by_date(archive, "ET") == by_date(archive, "et")


# ------------------------------------------------------------------------------------ phrases

def test_exact_phrase_keeps_word_order(archive):
    assert by_date(archive, '"corridor Nord-Sud"') == [SEED]
    assert by_date(archive, '"corridor Sud-Nord"') == []
    assert by_date(archive, '"porte avions"') == [PORTE_AVIONS]
    assert by_date(archive, '"avions porte"') == []


def test_exact_phrase_ignores_accents_and_case(archive):
    assert by_date(archive, '"ETATS UNIS"') == [SEED]
    assert by_date(archive, '"États Unis"') == [SEED]
    assert by_date(archive, '"Porte Avions"') == [PORTE_AVIONS]
    assert by_date(archive, '"main d\'oeuvre"') == [SEED]


def test_exact_phrase_matches_word_forms_not_stems(archive):
    assert by_date(archive, '"missiles balistiques"') == [SEED, FIGARO]
    assert by_date(archive, '"missile balistique"') == []
    assert by_date(archive, "missile balistique") == [SEED, FIGARO]


def test_guillemets_are_quotes(archive):
    assert by_date(archive, "«corridor Nord-Sud»") == [SEED]
    assert by_date(archive, "« corridor Nord-Sud »") == [SEED]
    assert by_date(archive, "«corridor Sud-Nord»") == []


def test_phrase_proximity(archive):
    # The seed writes "campagne de terreur" (twice).
    assert by_date(archive, '"campagne terreur"') == []
    assert by_date(archive, '"campagne terreur"~3') == [SEED]
    # "guerre en Ukraine": two positions apart.
    assert by_date(archive, '"guerre Ukraine"~1') == []
    assert by_date(archive, '"guerre Ukraine"~2') == [SEED, ENERGIE]
    assert by_date(archive, '«guerre Ukraine»~3') == [SEED, ENERGIE]


# ------------------------------------------------------------------ prefix, fuzzy, fields, dates

def test_prefix(archive):
    assert by_date(archive, "gouvern*") == [GREVE]
    assert by_date(archive, "état*") == by_date(archive, "ETAT*") == [SEED, GREVE]
    assert by_date(archive, "Œuv*") == by_date(archive, "oeuv*") == [SEED, OEUVRES]


def test_fuzzy_finds_both_spellings(archive):
    assert by_date(archive, "pezeshkian") == [FIGARO]
    assert by_date(archive, "Pezechkian") == [SEED]
    assert by_date(archive, "pezeshkian~") == [SEED, FIGARO]
    assert by_date(archive, "pezeshkian~1") == [SEED, FIGARO]
    assert by_date(archive, "pezechkain~") == [SEED, FIGARO]


@pytest.mark.parametrize("field", ["titre", "title", "TITRE", "Titre"])
def test_title_field(archive, field):
    assert by_date(archive, f"{field}:turkménistan") == [SEED]  # FIGARO has it in its lead only
    assert by_date(archive, f"{field}:etat") == [GREVE]
    assert by_date(archive, f"{field}:Pezeshkian") == [FIGARO]
    assert by_date(archive, f'{field}:"Charles-de-Gaulle"') == [PORTE_AVIONS]


@pytest.mark.parametrize("field", ["auteur", "author"])
def test_author_field(archive, field):
    assert by_date(archive, f"{field}:dupont") == [ROCADE, GREVE]
    assert by_date(archive, f"{field}:DUPONT") == [ROCADE, GREVE]
    assert by_date(archive, f"{field}:Keou") == [SEED]
    assert by_date(archive, f'{field}:"Claire Martin"') == [PORTE_AVIONS, ENERGIE]
    assert by_date(archive, f"{field}:Dup*") == [ROCADE, GREVE]


def test_source_field(archive):
    assert by_date(archive, "source:monde") == [OEUVRES, GREVE]
    assert by_date(archive, 'source:"Le Monde"') == [OEUVRES, GREVE]
    assert by_date(archive, "source:liberation") == by_date(archive, "source:Libération") == [PORTE_AVIONS, ENERGIE]
    assert by_date(archive, "journal:figaro") == [FIGARO]
    assert by_date(archive, "source:orange") == []


@pytest.mark.parametrize("q, expected", [
    ("date:2024", [SEED, FIGARO, PORTE_AVIONS, ENERGIE, HOSTILE]),
    ("année:2024", [SEED, FIGARO, PORTE_AVIONS, ENERGIE, HOSTILE]),
    ("date:2024-10", [SEED, FIGARO]),
    ("date:2024-10-12", [SEED]),
    ("date:2024-10-11", [FIGARO]),
    ('date:"2024-06"', [PORTE_AVIONS]),
    ("date:[2024-01-01 TO 2024-06-30]", [PORTE_AVIONS, ENERGIE, HOSTILE]),
    ("date:[2024-01-02 TO 2024-06-01]", [ENERGIE]),
    ("date:[2019 TO 2022]", [OEUVRES, ROCADE]),
    ("date:[2020 À 2023]", [MAIS, OEUVRES]),
    ("date:[* TO 2000]", [GREVE]),
    ("date:[2024-10 TO *]", [SEED, FIGARO]),
    ("date:[* TO *]", NEWEST_FIRST),
    ("date:1990", []),
])
def test_date_field(archive, q, expected):
    assert by_date(archive, q) == expected


def test_fields_combine_with_words_and_operators(archive):
    assert by_date(archive, "russie date:2024-10") == [SEED, FIGARO]
    assert by_date(archive, "source:monde OU auteur:keou") == [SEED, OEUVRES, GREVE]
    assert by_date(archive, "date:2024 SAUF titre:pétrole") == [SEED, FIGARO, PORTE_AVIONS, HOSTILE]


# --------------------------------------------------------------------------- accents and case

@pytest.mark.parametrize("variants, expected", [
    (["etat", "État", "ÉTAT", "état", "Etat"], [SEED, GREVE]),
    (["capacites", "capacités", "CAPACITÉS"], [SEED, ENERGIE]),
    (["oeuvre", "Œuvre", "œuvre", "OEUVRE", "œuvres"], [SEED, OEUVRES]),
    (["turkmenistan", "Turkménistan", "TURKMÉNISTAN"], [SEED, FIGARO]),
    (["maïs", "MAÏS", "Maïs"], [MAIS]),  # not the stop word "mais", though it folds to it
])
def test_accent_and_case_insensitive(archive, variants, expected):
    assert {q: by_date(archive, q) for q in variants} == {q: expected for q in variants}


# ------------------------------------------------------------------- issue 2: the seed article

@pytest.mark.parametrize("q", [
    "alliance russo-iranienne",
    "alliances russes",        # plural: stemmed
    "missile balistique",      # singular
    "etats-unis",
    "ÉTATS-UNIS",
    "Pezechkian",
    "turkmenistan",
    "l'iran",
    "l’Iran",
])
def test_issue_2_the_seed_is_found(archive, q):
    assert SEED in ids(archive.search(q))


def test_main_d_oeuvre_hyphenated_finds_the_seed(archive):
    assert by_date(archive, "main d'œuvre") == [SEED]
    assert by_date(archive, "main-d'œuvre") == [SEED]


# ------------------------------------------------------------------------------------ filters

def test_empty_query_lists_everything_newest_first(archive):
    page = archive.search("")
    assert ids(page) == NEWEST_FIRST
    assert page.total == 9


@pytest.mark.parametrize("kwargs, expected", [
    (dict(source=["Le Monde"]), [OEUVRES, GREVE]),
    (dict(source="Le Monde"), [OEUVRES, GREVE]),
    (dict(source=["Le Monde", "Le Figaro"]), [FIGARO, OEUVRES, GREVE]),
    (dict(source=["le monde"]), [OEUVRES, GREVE]),  # case and accents ignored (issue 16, 6)
    (dict(source="monde"), [OEUVRES, GREVE]),  # a word of the value is enough, as in source:monde
    (dict(source="liberation", section="défense"), [PORTE_AVIONS]),
    (dict(author=["Jean Dupont"]), [ROCADE, GREVE]),
    (dict(author="James Keou"), [SEED]),
    (dict(section="economie"), [ENERGIE, MAIS]),
    (dict(section=["defense", "culture"]), [PORTE_AVIONS, OEUVRES]),
    (dict(year=2024), [SEED, FIGARO, PORTE_AVIONS, ENERGIE, HOSTILE]),
    (dict(year=[2023, 1995]), [MAIS, GREVE]),
    (dict(year=["2019"]), [ROCADE]),
    (dict(date_from="2024-06-01"), [SEED, FIGARO, PORTE_AVIONS]),
    (dict(date_from=dt.date(2024, 6, 1)), [SEED, FIGARO, PORTE_AVIONS]),
    (dict(date_to="2019-11-30"), [ROCADE, GREVE]),  # inclusive
    (dict(date_to=dt.date(2000, 1, 1)), [GREVE]),
    (dict(date_from="2024-10-12", date_to="2024-10-12"), [SEED]),
    (dict(date_from=dt.date(2022, 1, 1), date_to=dt.date(2023, 12, 31)), [MAIS, OEUVRES]),
    (dict(source=["Libération"], year=2024, section="defense"), [PORTE_AVIONS]),
    (dict(source=[], author=(), section=None, year=[], date_from=None, date_to=""), NEWEST_FIRST),
])
def test_filters_with_an_empty_query(archive, kwargs, expected):
    page = archive.search("", **kwargs)
    assert (ids(page), page.total) == (expected, len(expected))


def test_filters_combine_with_a_query(archive):
    assert by_date(archive, "russie", source=["Libération"]) == [ENERGIE]
    assert by_date(archive, "russie", year=2024, date_to="2024-10-11") == [FIGARO, ENERGIE]
    assert by_date(archive, "gaz OU grève", date_to=dt.date(2000, 1, 1)) == [GREVE]
    assert by_date(archive, "mouvement", author="Jean Dupont", section="politique") == [GREVE]
    assert by_date(archive, "pezeshkian~", source="Le Figaro") == [FIGARO]


# ------------------------------------------------------------------------------------- facets

def test_facet_counts_for_a_query(archive):
    page = archive.search("russie OU grève", facets=["source", "year", "author", "section"])
    assert page.total == 4
    assert page.facets == {
        "source": (FacetCount("Le Figaro", 1), FacetCount("Le Monde", 1), FacetCount("Libération", 1)),
        "year": (FacetCount(2024, 3), FacetCount(1995, 1)),  # newest year first
        "author": (FacetCount("Agence France-Presse", 1), FacetCount("Claire Martin", 1),
                   FacetCount("James Keou", 1), FacetCount("Jean Dupont", 1)),
        "section": (FacetCount("economie", 1), FacetCount("international", 1), FacetCount("politique", 1)),
    }


def test_facets_count_all_matches_not_just_the_page(archive):
    page = archive.search("", per_page=1, facets=["source", "year", "author", "section"])
    assert len(page.hits) == 1
    assert page.facets == {
        "source": (FacetCount("Le Monde", 2), FacetCount("Libération", 2), FacetCount("Le Figaro", 1),
                   FacetCount("Ouest-France", 1), FacetCount("Source <i>test</i>", 1), FacetCount("Sud Ouest", 1)),
        "year": (FacetCount(2024, 5), FacetCount(2023, 1), FacetCount(2022, 1), FacetCount(2019, 1),
                 FacetCount(1995, 1)),
        "author": (FacetCount("Claire Martin", 2), FacetCount("Jean Dupont", 2),
                   FacetCount('<b>Auteur</b> " onmouseover="alert(1)', 1), FacetCount("Agence France-Presse", 1),
                   FacetCount("James Keou", 1), FacetCount("Sophie Bernard", 1), FacetCount("Yann Le Goff", 1)),
        "section": (FacetCount("economie", 2), FacetCount("culture", 1), FacetCount("defense", 1),
                    FacetCount("international", 1), FacetCount("politique", 1), FacetCount("societe", 1),
                    FacetCount("tests", 1)),
    }


def test_facets_follow_the_filters(archive):
    page = archive.search("", year=2024, facets=["source"])
    assert page.facets == {"source": (FacetCount("Libération", 2), FacetCount("Le Figaro", 1),
                                      FacetCount("Source <i>test</i>", 1))}


def test_default_facets_and_no_facets(archive):
    # The default is /api/search's, as the README says: section too since issue 17 (one search request).
    assert set(archive.search("gaz").facets) == {"source", "year", "author", "section"}
    assert archive.search("gaz", facets=[]).facets == {}


def test_facet_values(archive):
    assert archive.facet_values("section")[:2] == (FacetCount("economie", 2), FacetCount("culture", 1))
    with pytest.raises(QueryError):
        archive.facet_values("couleur")


# -------------------------------------------------------------------------------------- sorts

def test_sort_orders(archive):
    q = "russie OU grève OU marine"
    # BM25F word by word (issue 21): one article each has "grève" and "marine", three "Russie";
    # ENERGIE's "Russie" in its title, lead and body no longer counts three times.
    assert ids(archive.search(q)) == [GREVE, PORTE_AVIONS, ENERGIE, FIGARO, SEED]
    assert ids(archive.search(q, sort="relevance")) == ids(archive.search(q))
    assert ids(archive.search(q, sort="-date")) == [SEED, FIGARO, PORTE_AVIONS, ENERGIE, GREVE]
    assert ids(archive.search(q, sort="date")) == [GREVE, ENERGIE, PORTE_AVIONS, FIGARO, SEED]


def test_sort_by_date_over_everything(archive):
    assert ids(archive.search("", sort="date")) == NEWEST_FIRST[::-1]
    assert ids(archive.search("", sort="-date")) == NEWEST_FIRST


def test_relevance_scores_decrease(archive):
    scores = [h.score for h in archive.search("russie OU grève OU marine").hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_a_hit_keeps_its_relevance_score_whatever_the_sort(archive):
    relevance = {h.id: h.score for h in archive.search("russie").hits}
    assert {h.id: h.score for h in archive.search("russie", sort="-date").hits} == relevance


# --------------------------------------------------------------------------------- pagination

def test_pages_are_disjoint_and_cover_the_total(archive):
    pages = [archive.search("", per_page=2, page=n) for n in range(1, 6)]
    assert [ids(p) for p in pages] == [NEWEST_FIRST[i:i + 2] for i in range(0, 10, 2)]
    assert {p.total for p in pages} == {9}
    assert {p.pages for p in pages} == {5}


def test_relevance_pages_are_disjoint(archive):
    q = "russie OU grève OU marine"
    everything = ids(archive.search(q))
    page1, page2, page3 = (archive.search(q, per_page=2, page=n) for n in (1, 2, 3))
    assert ids(page1) + ids(page2) + ids(page3) == everything
    assert (page1.total, page2.total, page3.total) == (5, 5, 5)


def test_a_page_past_the_end_is_empty_with_the_right_total(archive):
    page = archive.search("russie", per_page=2, page=3)
    assert (page.hits, page.total, page.page, page.per_page) == ((), 3, 3, 2)
    page = archive.search("", page=10_000, per_page=100)
    assert (page.hits, page.total) == ((), 9)


def test_page_carries_its_parameters(archive):
    page = archive.search("russie", per_page=1, page=2, sort="date")
    assert (page.query, page.page, page.per_page, page.sort, page.total, page.pages) == ("russie", 2, 1, "date", 3, 3)
    assert ids(page) == [FIGARO]
    assert page.took_ms >= 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(page=0), "Le numéro de page commence à 1."),
    (dict(page=-1), "Le numéro de page commence à 1."),
    (dict(page=10_001), "Le numéro de page est trop grand (au plus 10 000)."),
    (dict(page=1.5), "Le numéro de page doit être un entier."),
    (dict(page=True), "Le numéro de page doit être un entier."),
    (dict(per_page=0), "Le nombre de résultats par page doit être compris entre 1 et 100."),
    (dict(per_page=101), "Le nombre de résultats par page doit être compris entre 1 et 100."),
    (dict(sort="pertinence"), "Tri inconnu « pertinence » : choisissez relevance, date ou -date."),
    (dict(facets=["couleur"]), "Facette inconnue « couleur » : choisissez parmi source, year, author, section, person, place, org."),
    (dict(date_from="2024-13-01"), "Date invalide pour date_from : « 2024-13-01 » (attendu AAAA-MM-JJ)."),
    (dict(date_to="hier"), "Date invalide pour date_to : « hier » (attendu AAAA-MM-JJ)."),
    (dict(date_from="12/10/2024"), "Date invalide pour date_from : « 12/10/2024 » (attendu AAAA-MM-JJ)."),
    (dict(date_from="2024-06-01", date_to="2024-01-01"), "La date de début est après la date de fin."),
    (dict(year="deux mille"), "L'année doit être un nombre."),
])
def test_invalid_parameters_raise_query_error_in_french(archive, kwargs, message):
    with pytest.raises(QueryError) as exc:
        archive.search("russie", **kwargs)
    assert str(exc.value) == message


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


# ------------------------------------------------------------------------------- highlighting

MARKUP = re.compile(r"<(?!/?mark>)")


def _fragments(snippet: str) -> list[str]:
    return [f for f in snippet.removeprefix("… ").removesuffix(" …").split(" … ")]


def _plain(fragment: str) -> str:
    return html.unescape(fragment.replace("<mark>", "").replace("</mark>", ""))


def test_snippet_marks_stems_of_the_query(archive):
    hit = archive.search("alliances").hits[0]
    assert hit.id == SEED
    assert "<mark>alliance</mark>" in hit.snippet
    assert "<mark>alliances</mark>" in hit.snippet
    assert hit.title_html == ("Vladimir Poutine et Massoud Pezechkian : une <mark>alliance</mark> discrète au "
                              "Turkménistan face aux crises mondiales")


def test_snippet_marks_the_words_of_a_phrase(archive):
    hit = archive.search('"corridor Nord-Sud"').hits[0]
    assert "<mark>corridor</mark> <mark>Nord</mark>-<mark>Sud</mark>" in hit.snippet


def test_snippet_marks_accented_forms_of_an_unaccented_query(archive):
    hit = archive.search("capacites", source="Libération").hits[0]
    assert hit.snippet == ("Les <mark>capacités</mark> de stockage de gaz naturel liquéfié ont doublé en Europe. "
                           "Le pétrole norvégien et le gaz qatari …")


def test_snippet_marks_prefix_and_fuzzy_matches(archive):
    assert "<mark>gouvernement</mark>" in archive.search("gouvern*").hits[0].snippet
    seed = archive.search("pezeshkian~", source=[], sort="-date").hits[0]
    assert seed.id == SEED and "Massoud <mark>Pezechkian</mark>" in seed.snippet
    figaro = archive.search("pezeshkian~", source="Le Figaro").hits[0]
    assert figaro.title_html == "Massoud <mark>Pezeshkian</mark> reçu par Vladimir Poutine à Achgabat"


def test_excluded_words_are_not_marked(archive):
    hit = archive.search("poutine SAUF alliance").hits[0]
    assert hit.id == FIGARO
    assert hit.title_html == "Massoud Pezeshkian reçu par Vladimir <mark>Poutine</mark> à Achgabat"


@pytest.mark.parametrize("q", ["alliances", "Pezechkian", '"corridor Nord-Sud"', "iran", "russie OU missiles"])
def test_snippets_have_one_to_three_fragments_cut_at_word_boundaries(archive, q):
    body = " ".join(archive.get(SEED).body.split())
    hit = next(h for h in archive.search(q).hits if h.id == SEED)
    fragments = _fragments(hit.snippet)
    assert 1 <= len(fragments) <= 3
    for fragment in fragments:
        text = _plain(fragment)
        start = body.find(text)
        assert start >= 0, text
        end = start + len(text)
        assert start == 0 or body[start - 1] == " ", text
        assert end == len(body) or body[end] == " ", text
    assert hit.snippet.count("<mark>") == hit.snippet.count("</mark>") > 0


def test_a_hit_without_match_in_its_body_shows_its_start(archive):
    hit = archive.search("titre:Pezeshkian").hits[0]
    assert hit.snippet == ("Les deux dirigeants ont évoqué la coopération militaire et le corridor de transport "
                           "Nord-Sud. L&#x27;Iran fournit des drones Shahed à la Russie, selon les services de "
                           "renseignement occidentaux. Téhéran dément toute livraison …")


def test_hit_fields(archive):
    hit = archive.search("pezeshkian", facets=[]).hits[0]
    assert isinstance(hit, Hit)
    assert (hit.id, hit.title, hit.date, hit.source, hit.author, hit.url, hit.section, hit.lead) == (
        FIGARO, "Massoud Pezeshkian reçu par Vladimir Poutine à Achgabat", dt.date(2024, 10, 11), "Le Figaro",
        "Agence France-Presse", "https://www.lefigaro.fr/international/pezeshkian-poutine", "international",
        "Le président iranien et le président russe se sont rencontrés au Turkménistan.",
    )
    assert hit.lead_html == "Le président iranien et le président russe se sont rencontrés au Turkménistan."


@pytest.mark.parametrize("repeat", [1, NUMPY_FOLD_FROM], ids=["translate", "numpy"])
def test_folding_for_highlights_keeps_offsets(repeat):
    text = "ŒUVRE, l'État, Ça, İzmir, \u212aelvin, ﬁn, 😀 fin \udcff" * repeat
    folded = fold_in_place(text)
    assert folded == "œuvre, l'etat, ca, izmir, kelvin, ﬁn, 😀 fin \udcff" * repeat
    assert len(folded) == len(text)


@settings(max_examples=200)
@given(st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF,
                                                      exclude_categories=()))),  # lone surrogates too
       st.integers(1, 2 * NUMPY_FOLD_FROM))
def test_folding_through_numpy_is_the_table(text, repeat):
    assert fold_in_place(text * repeat) == (text * repeat).translate(_fold_table())


def _word_starts(prefixes, text: str) -> set[int]:
    folded = fold_in_place(text)
    return set(candidate_starts(_candidates_regex(tuple(prefixes)), folded)) if prefixes else set()


@settings(max_examples=400, deadline=None)
@given(prefixes=st.sets(st.text(st.sampled_from(list("aeœtn1'.,")), min_size=1, max_size=5), min_size=1, max_size=6),
       text=st.text(st.sampled_from(list("aeœtn1ÉŒ _-'’.,\n")), max_size=60))
def test_highlight_candidates_are_the_token_starts_a_lookbehind_finds(prefixes, text):
    """candidate_starts skips matches inside words: of the starts one regex checking the start
    itself finds (slower to scan), it gives every start of a raw token, and no other start."""
    prefixes = tuple(sorted(prefixes, key=lambda p: (-len(p), p)))
    folded = fold_in_place(text)
    checked = {m.start() for m in re.finditer(r"(?<![^\W_])" + _candidates_regex(prefixes).pattern, folded)}
    found = list(candidate_starts(_candidates_regex(prefixes), folded))
    token_starts = {m.start() for m in TOKEN_RE.finditer(text)}
    assert found == sorted(set(found)) and set(found) <= checked
    assert checked & token_starts <= set(found)


@settings(max_examples=300, deadline=None)
@example(prefixes={"o", "oe"}, words=["Œ"])  # "oe" finds "œ", "o" does not: the extension must stay
@given(prefixes=st.sets(st.text(st.sampled_from(list("aeiouœctn")), min_size=1, max_size=9), max_size=80),
       words=st.lists(st.text(st.sampled_from(list("aeiouœctnÉÈÀŒ")), min_size=1, max_size=12), max_size=30))
def test_highlight_looks_at_every_word_start_its_prefixes_give(prefixes, words):
    """Fewer, shorter prefixes (a prefix query gives hundreds) make a looser filter, never a
    stricter one: every word the full list would have found is still analysed."""
    kept = _candidate_prefixes(prefixes)
    assert len(kept) <= MAX_CANDIDATE_PREFIXES or all(len(p) <= 3 for p in kept)
    text = " ".join(words)
    assert _word_starts(sorted(prefixes, key=lambda p: (-len(p), p)), text) <= _word_starts(kept, text)


def test_a_prefix_query_looks_for_a_few_word_starts():
    forms = {f"inter{suffix}" for suffix in ("", "net", "nat", "ieur", "view", "dit")}
    forms |= {f"attent{a}{b}" for a in "aeiou" for b in "nrstl"}
    assert _candidate_prefixes(forms) == ("attenta", "attente", "attenti", "attento", "attentu", "inter")
    # "etats" stays beside "etat": "ts" is a letter pair a ligature (ƾ) stands for, which "etat" misses.
    assert _candidate_prefixes({"etat", "etats", "oeuvre"}) == ("oeuvre", "etats", "etat")
    assert _candidate_prefixes({"etat", "etatique", "oeuvre"}) == ("oeuvre", "etat")


def _assert_only_mark_tags(*fragments: str) -> None:
    for fragment in fragments:
        assert not MARKUP.search(fragment), fragment
        for tag in ("<script", "<img", "<b>", "<a ", "<i>"):
            assert tag not in fragment


@pytest.mark.parametrize("q", ["xylophone", "alert", "script", "titre", "chapeau", "img", "cliquez", "onerror", ""])
def test_hostile_article_yields_escaped_text_only(archive, q):
    hit = next(h for h in archive.search(q, per_page=100).hits if h.id == HOSTILE)
    _assert_only_mark_tags(hit.snippet, hit.title_html, hit.lead_html)
    article = archive.get(HOSTILE, q)
    _assert_only_mark_tags(article.title_html, article.lead_html, *article.paragraphs_html)


def test_hostile_article_exact_values(archive):
    article = archive.get(HOSTILE, "alert")
    assert article.title_html == "&lt;script&gt;<mark>alert</mark>(&#x27;titre&#x27;)&lt;/script&gt; Un titre &quot;piégé&quot;"
    assert article.lead_html == "Un chapeau avec &lt;img src=x onerror=<mark>alert</mark>(2)&gt; dedans."
    assert article.paragraphs_html == (
        "Ce texte contient une balise &lt;script&gt;<mark>alert</mark>(&#x27;corps&#x27;)&lt;/script&gt; et des "
        "&amp; esperluettes &lt; &gt; ainsi qu&#x27;un lien &lt;a href=&quot;javascript:<mark>alert</mark>(3)&quot;"
        "&gt;cliquez&lt;/a&gt;. Le mot sentinelle est xylophone.",
    )


# -------------------------------------------------------------------------------- suggestions

def test_suggestion_for_a_misspelt_word(archive):
    page = archive.search("Pezechkain")
    # Nothing matches the misspelling: the respelled query's results are shown, and said so.
    assert (page.suggestion, page.rewritten, ids(page)) == ("pezechkian", "pezechkian", [SEED])


def test_suggestion_keeps_the_other_words(archive):
    assert archive.search("Pezechkain Poutine").suggestion == "pezechkian Poutine"


def test_suggestion_keeps_accents_the_archive_wrote(archive):
    page = archive.search("Turkmenistn")
    assert "turkménistan" in page.suggestion
    assert page.rewritten == page.suggestion and page.total == 2


@pytest.mark.parametrize("q", ["Pezechkian", "russie", "turkmenistan", "", "date:2024"])
def test_no_suggestion_when_the_query_finds_something(archive, q):
    assert archive.search(q).suggestion is None


# ------------------------------------------------------------------------------ get, more_like

def test_get_returns_the_whole_article_highlighted(archive):
    article = archive.get(FIGARO, "missile")
    assert isinstance(article, ArticleView)
    assert (article.id, article.title, article.date, article.source, article.author, article.section) == (
        FIGARO, "Massoud Pezeshkian reçu par Vladimir Poutine à Achgabat", dt.date(2024, 10, 11),
        "Le Figaro", "Agence France-Presse", "international")
    assert (article.url, article.tags, article.language, article.publisher) == (
        "https://www.lefigaro.fr/international/pezeshkian-poutine", ("iran", "russie"), "fr", None)
    assert article.lead == "Le président iranien et le président russe se sont rencontrés au Turkménistan."
    assert article.body.startswith("Les deux dirigeants ont évoqué")
    assert article.paragraphs_html == (
        "Les deux dirigeants ont évoqué la coopération militaire et le corridor de transport Nord-Sud. "
        "L&#x27;Iran fournit des drones Shahed à la Russie, selon les services de renseignement occidentaux.",
        "Téhéran dément toute livraison de <mark>missiles</mark> balistiques.",
    )


def test_get_without_a_query_marks_nothing(archive):
    article = archive.get(SEED)
    assert article.title == article.title_html == (
        "Vladimir Poutine et Massoud Pezechkian : une alliance discrète au Turkménistan face aux crises mondiales")
    assert article.date == dt.date(2024, 10, 12) and article.author == "James Keou"
    assert not any("<mark>" in p for p in article.paragraphs_html)
    assert "Le Turkménistan, riche en ressources énergétiques" in article.body


def test_get_marks_the_query_in_paragraphs(archive):
    article = archive.get(SEED, "alliances")
    marked = [p for p in article.paragraphs_html if "<mark>" in p]
    assert marked == [p for p in article.paragraphs_html if "alliance" in p.lower()]
    assert len(marked) == 7
    assert "<mark>alliance</mark> russo-iranienne" in " ".join(marked)


def test_get_with_an_invalid_query_still_returns_the_article(archive):
    assert archive.get(SEED, "*").title_html == archive.get(SEED).title_html


@pytest.mark.parametrize("article_id", ["../etc/passwd", "a b", "", "inconnu-2024", "-x", "x" * 300, None, 42])
def test_get_unknown_or_malformed_id_is_none(archive, article_id):
    assert archive.get(article_id) is None


def test_more_like(archive):
    similar = archive.more_like(SEED)
    assert SEED not in ids(similar)
    assert ids(similar)[0] == FIGARO
    assert all(isinstance(h, Hit) for h in similar)
    assert ids(archive.more_like(FIGARO))[0] == SEED
    assert len(archive.more_like(SEED, limit=1)) == 1


@pytest.mark.parametrize("article_id", ["../etc/passwd", "", "inconnu-2024"])
def test_more_like_an_unknown_article_is_empty(archive, article_id):
    assert archive.more_like(article_id) == []


# -------------------------------------------------------------------------------------- stats

def test_stats(archive):
    stats = archive.stats()
    assert (stats.articles, stats.date_min, stats.date_max, stats.analysis_version) == (
        9, dt.date(1995, 12, 5), dt.date(2024, 10, 12), ANALYSIS_VERSION)
    assert stats.sources == (
        FacetCount("Le Monde", 2), FacetCount("Libération", 2), FacetCount("Le Figaro", 1),
        FacetCount("Ouest-France", 1), FacetCount("Source <i>test</i>", 1), FacetCount("Sud Ouest", 1))
    assert stats.generation.startswith("gen-") and stats.size_bytes > 0 and stats.created


# ---------------------------------------------------------------------------------- reopening

def _article(id_: str, body: str, date: str = "2024-05-01", title: str | None = None) -> dict:
    return {"id": id_, "title": title or f"Article {id_}", "body": body, "date": date, "source": "Test"}


def test_archive_follows_updates_and_reindexes(tmp_path, fresh_index_dir):
    corpus = tmp_path / "corpus"
    _write_jsonl(corpus / "un.jsonl", [_article("un", "Le hérisson traverse la route.")])
    update_index(fresh_index_dir, [corpus])
    archive = Archive(fresh_index_dir)
    assert ids(archive.search("hérisson")) == ["un"]
    assert archive.search("blaireau").total == 0
    generation = archive.stats().generation

    # presse index: a new commit in the same generation.
    _write_jsonl(corpus / "deux.jsonl", [_article("deux", "Le blaireau dort.", "2024-05-02")])
    update_index(fresh_index_dir, [corpus])
    time.sleep(0.6)
    assert ids(archive.search("blaireau")) == ["deux"]
    assert archive.get("deux").body == "Le blaireau dort."
    assert archive.stats().articles == 2
    assert ids(archive.search("")) == ["deux", "un"]

    # presse reindex: a new generation swapped in.
    (corpus / "un.jsonl").unlink()
    _write_jsonl(corpus / "trois.jsonl", [_article("trois", "La loutre nage.", "2024-05-03")])
    reindex(fresh_index_dir, grace_seconds=0)
    time.sleep(0.6)
    assert ids(archive.search("loutre")) == ["trois"]
    assert archive.search("hérisson").total == 0
    assert archive.get("un") is None
    assert ids(archive.search("")) == ["trois", "deux"]
    stats = archive.stats()
    assert (stats.articles, stats.generation != generation) == (2, True)
    archive.close()


def test_a_stale_searcher_does_not_poison_the_cache(tmp_path, fresh_index_dir):
    corpus = tmp_path / "corpus"
    _write_jsonl(corpus / "un.jsonl", [_article("un", "Le hérisson traverse la route.")])
    update_index(fresh_index_dir, [corpus])
    archive = Archive(fresh_index_dir)
    other = ThreadPoolExecutor(1)
    try:
        start = time.monotonic()
        archive.search("hérisson")  # this thread: the archive checks the disk, a searcher opens
        time.sleep(0.3)
        other_opened = time.monotonic()
        other.submit(archive.search, "route").result()  # the other thread opens its own searcher
        _write_jsonl(corpus / "deux.jsonl", [_article("deux", "Le blaireau dort.")])
        update_index(fresh_index_dir, [corpus])
        time.sleep(max(0.0, start + 0.55 - time.monotonic()))
        archive.search("hérisson")  # the archive notices the new commit
        other.submit(archive.search, "blaireau").result()  # the other thread's searcher is still old
        if time.monotonic() - other_opened > 0.45:
            pytest.skip("too slow to set up the race")
        time.sleep(1.1)  # long after every recheck
        assert ids(archive.search("blaireau")) == ["deux"]
    finally:
        other.shutdown()
        archive.close()


# ------------------------------------------------------------------------------ thread safety

def test_concurrent_searches_agree(archive):
    queries = [("russie", {}), ("pezeshkian~", {}), ('"corridor Nord-Sud"', {}), ("", {"per_page": 3, "page": 2}),
               ("date:2024", {"sort": "date"}), ("gaz OU grève", {"facets": ["section"]}), ("etat*", {}),
               ("Pezechkain", {}), ("mouvement -bordeaux", {}), ("", {"source": "Le Monde"})]
    expected = [archive.search(q, **kw) for q, kw in queries]
    expected = [(ids(p), p.total, dict(p.facets), p.suggestion, [h.snippet for h in p.hits]) for p in expected]
    errors = []
    barrier = threading.Barrier(8)

    def worker(n: int):
        barrier.wait()
        for i in range(50):
            k = (n + i) % len(queries)
            q, kw = queries[k]
            try:
                p = archive.search(q, **kw)
                got = (ids(p), p.total, dict(p.facets), p.suggestion, [h.snippet for h in p.hits])
                if got != expected[k]:
                    errors.append((q, kw, got))
            except Exception as exc:  # noqa: BLE001 — collected and reported below
                errors.append((q, kw, repr(exc)))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ------------------------------------------------------------------ any string: a page or an error

FRAGMENTS = [
    "ET", "AND", "OU", "OR", "SAUF", "NOT", "et", "ou", "-", "(", ")", "((", "))", '"', "«", "»", "*", "?", "~",
    "~1", "~2", "~3", "~999", ":", "[", "]", "{", "}", " TO ", " À ", " a ", "titre:", "title:", "auteur:",
    "author:", "source:", "journal:", "date:", "année:", "date:[", "date:[*", "2024", "2024-10", "2024-10-12",
    "2024-13-45", "0000", "99999", " ", "  ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\u200b", "\u00ad",
    "\u2028", "\ufeff", "é", "É", "œ", "Œ", "ſ", "'", "’", "ʼ", "gaz", "pétrole", "Russie", "Pezeshkian",
    "porte-avions", "l'État", "Nord-Sud", "a", "le", "la", "1,5", "12.10.2024", "𝕘𝕒𝕫", "中文", "ü", "ǅ",
    "العربية", "\\", "/", "^", "$", "%", "&", "<script>", "a*", "ab*", "ab?", "*ab", "gouvern*", "x~",
]
structured = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=120).map("".join)
queries = st.one_of(
    st.text(max_size=200),
    structured,
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1900, max_size=3000),
    st.builds(lambda n, w: "(" * n + w + ")" * (n // 2), st.integers(0, 40), st.sampled_from(FRAGMENTS)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(q=queries, page=st.integers(1, 3), sort=st.sampled_from(["relevance", "date", "-date"]))
def test_any_string_gives_a_page_or_a_query_error(archive, q, page, sort):
    try:
        result = archive.search(q, page=page, per_page=5, sort=sort)
    except QueryError as exc:
        assert str(exc)  # a message to show
    else:
        assert isinstance(result, SearchPage)
        assert result.total >= len(result.hits)
        _assert_only_mark_tags(*(h.snippet for h in result.hits), *(h.title_html for h in result.hits))


@pytest.mark.parametrize("q", [
    "*", "a*", "*a*", "?????", "(((((", '"', "ET", "SAUF", "-", "titre:", "date:[",
    "x" * 10_000, "éàü€$#@!%^&*()[]{}<>" * 500, "(" * 200 + "gaz" + ")" * 200, "NOT " * 499 + "gaz",
    "-" * 2000, "\x00" * 100, '"' * 2000, "~" * 50, "date:[* TO", "date:[2024 TO 2023]", "titre:titre:titre:",
    "a-" * 900 + "a", '"' + "le " * 600 + '"', "pezeshkian~2 " * 30,
])
def test_pathological_queries(archive, q):
    try:
        result = archive.search(q)
    except QueryError as exc:
        assert str(exc)
    else:
        assert isinstance(result, SearchPage)


@pytest.mark.parametrize("q, message", [
    ("*", "« * » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."),
    ("a*", "« a* » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."),
    ("*a*", "« *a* » : un joker (* ou ?) ne peut pas commencer un mot ; écrivez par exemple gouvern*."),
    ("?????", "« ????? » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."),
    ("date:[", "Date invalide « [ » : écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (par exemple 2024-10-12)."),
    ("x" * 10_000, "La requête est trop longue (10000 caractères, au plus 2000)."),
    ("(" * 200 + "gaz", "Trop de parenthèses imbriquées (au plus 16)."),
])
def test_pathological_queries_that_are_refused(archive, q, message):
    with pytest.raises(QueryError) as exc:
        archive.search(q)
    assert str(exc.value) == message


@pytest.mark.parametrize("q", ["(((((", '"', "-", "~", "()", '""', "«»"])
def test_queries_without_words_list_everything(archive, q):
    assert ids(archive.search(q)) == NEWEST_FIRST


@pytest.mark.parametrize("q, word", [("ET", "et"), ("NOT", "not"), ("SAUF", "sauf"), ("OU OU", "ou"),
                                     ("(OU)", "ou")])
def test_a_stray_operator_finds_what_its_word_finds(archive, q, word):
    # Issue 16.7: "NOT" or "ET" alone listed every article; the README reads them as words.
    assert by_date(archive, q) == by_date(archive, word) != NEWEST_FIRST


def test_server_threads_keep_their_analysis_caches_bounded(archive_dir, monkeypatch):
    # Whoosh gives each searcher its own copy of the index analysers, and more_like runs them over
    # whole articles: they must neither grow without bound nor collect words for a lexicon.
    import presse.search.whoosh_engine.index  # noqa: F401 (used as search.whoosh_engine.index)
    from presse import search

    monkeypatch.setattr(search.whoosh_engine.index, "SEARCHER_CACHE_ENTRIES", 40)
    with Archive(archive_dir) as fresh:
        for hit in fresh.search("", per_page=100).hits:
            fresh.more_like(hit.id)
        searcher = fresh._engine.snapshot().searcher
        filters = {id(item): item for name in searcher.schema.names()
                   for item in getattr(getattr(searcher.schema[name], "analyzer", None), "items", ())
                   if isinstance(item, CachedFilter)}
        assert filters
        # No word list for a lexicon either: the filters have none since issue 17.
        assert all(len(f._cache) <= 40 and not hasattr(f, "fresh") for f in filters.values())
        assert sum(len(f._cache) for f in filters.values()) > 0  # more_like did use them
        assert len(searcher._idf_cache) <= 40 + 20


def test_a_word_too_long_to_be_indexed_finds_nothing_rather_than_everything(archive):
    assert archive.search("a" * 90).total == 0
    assert archive.search(f"titre:{'b' * 90}").total == 0
    assert archive.search(f"{'c' * 90} russie").total == archive.search("russie").total  # dropped like a stop word


def test_stop_words_alone_keep_their_operator(archive):
    either = archive.search("le OU la")
    assert not either.relaxed and either.total >= max(archive.search("le").total, archive.search("la").total)


# ---------------------------------------------------------------------- stop words only (16.3)

def _exact(archive, word: str) -> set[str]:
    """The articles where the exact word form ``word`` occurs (a one-word phrase)."""
    return set(by_date(archive, f'"{word}"'))


def _newest_first(found: set[str]) -> list[str]:
    return [i for i in NEWEST_FIRST if i in found]


def test_stop_words_alone_search_the_words_with_the_operators_typed(archive):
    # Issue 16.3: "le ET de" was turned into the phrase "le de" (no article), and "le de" fell
    # back to the relaxed OR. The README: such a query searches its words as exact words.
    un, est, en = _exact(archive, "un"), _exact(archive, "est"), _exact(archive, "en")
    assert un & est and un - est and est - un  # the test can tell AND, OR and NOT apart
    for q in ("un ET est", "un AND est", "un est", "Un EST"):
        page = archive.search(q, sort="-date", per_page=100)
        assert ids(page) == _newest_first(un & est) and not page.relaxed, q
    assert by_date(archive, "un OU est") == _newest_first(un | est)
    assert by_date(archive, "un SAUF est") == by_date(archive, "un -est") == _newest_first(un - est)
    assert by_date(archive, "-un") == _newest_first(set(NEWEST_FIRST) - un)
    assert by_date(archive, "(un OU est) ET en") == _newest_first((un | est) & en)
    le_and_de = _newest_first(_exact(archive, "le") & _exact(archive, "de"))
    assert by_date(archive, "le ET de") == by_date(archive, "le de") == le_and_de


def test_stop_words_are_still_ignored_beside_other_words(archive):
    assert by_date(archive, "le gaz") == by_date(archive, "gaz")
    assert by_date(archive, "gaz SAUF le") == by_date(archive, "gaz")


def test_stop_words_alone_are_highlighted(archive):
    hit = archive.search("le ET de", per_page=1).hits[0]
    assert re.search(r"<mark>(le|de)</mark>", hit.snippet, re.IGNORECASE)
