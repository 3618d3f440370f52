"""How an ``Archive`` orders what a query matches: the ``Ranking`` it is given (``search.ranking``)
and the rules chosen with ``bench/relevance.py``, each pinned on a small index built here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from indexer.build import update_index
from search import Archive
from search.ranking import FieldWeight, Ranking


def ids(page) -> list[str]:
    return [h.id for h in page.hits]


def build(tmp_path: Path, articles: list[dict]) -> Path:
    """An index of ``articles`` (dicts as in a .jsonl file) under ``tmp_path``."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                                    encoding="utf-8")
    update_index(tmp_path / "index", [corpus])
    return tmp_path / "index"


FILLER = " ".join(["Le conseil a siégé longuement ce jour-là."] * 6)


@pytest.fixture(scope="module")
def near_and_far(tmp_path_factory) -> Path:
    """The same words in every body (equal BM25F scores), close together in the "near" articles,
    far apart in the newer "far" ones: only proximity puts "near" first."""
    bodies = {"near": "La réforme des retraites divise le pays. " + FILLER + " Les enfants suivront.",
              "far": "La réforme des enfants divise le pays. " + FILLER + " Les retraites suivront."}
    return build(tmp_path_factory.mktemp("near"), [
        {"id": f"{kind}{i}", "title": "Chronique", "body": body, "date": f"20{10 + i + (5 if kind == 'far' else 0)}-01-01"}
        for kind, body in bodies.items() for i in range(3)])


def test_the_proximity_boost_is_a_setting_of_the_archive(near_and_far):
    with Archive(near_and_far) as archive:
        assert ids(archive.search("réforme retraites"))[:3] == ["near2", "near1", "near0"]
    for ranking in (Ranking(proximity_boost=0.0), Ranking(proximity_docs=0), Ranking(proximity_window=1)):
        with Archive(near_and_far, ranking=ranking) as archive:
            # No boost (or "des" between the words and a window of 1): equal scores, newest first.
            assert ids(archive.search("réforme retraites"))[:3] == ["far2", "far1", "far0"], ranking


def test_the_proximity_boost_reorders_only_the_best_proximity_docs(near_and_far):
    # Depth 2: the two best by BM25F (the newest "far" articles) are the only ones reordered.
    with Archive(near_and_far, ranking=Ranking(proximity_docs=2)) as archive:
        assert ids(archive.search("réforme retraites"))[:3] == ["far2", "far1", "far0"]
    with Archive(near_and_far, ranking=Ranking(proximity_docs=4)) as archive:
        assert ids(archive.search("réforme retraites"))[:2] == ["near2", "far2"]


@pytest.fixture(scope="module")
def title_and_body(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("fields"), [
        {"id": "titre", "title": "Le hérisson", "body": "Un animal du jardin.", "date": "2020-01-01"},
        {"id": "corps", "title": "Un animal", "body": "Le hérisson du jardin, un hérisson.", "date": "2019-01-01"},
    ])


def test_field_weights_are_settings_of_the_archive(title_and_body):
    with Archive(title_and_body) as archive:
        assert ids(archive.search("hérisson")) == ["titre", "corps"]
        assert ids(archive.search("hérisson date:[2000-01-01 à 2030-12-31]")) == ["titre", "corps"]
    body_first = Ranking(title=FieldWeight(weight=0.5, B=0.5), body=FieldWeight(weight=3.0))
    with Archive(title_and_body, ranking=body_first) as archive:
        assert ids(archive.search("hérisson")) == ["corps", "titre"]
        # Whoosh's own collector (a date range inside the query) scores with the same settings.
        assert ids(archive.search("hérisson date:[2000-01-01 à 2030-12-31]")) == ["corps", "titre"]


def test_bm25_parameters_change_the_scores(title_and_body):
    with Archive(title_and_body) as default, \
            Archive(title_and_body, ranking=dataclasses.replace(Ranking(), body=FieldWeight(K1=2.0))) as other:
        assert default.search("hérisson").hits[1].score != other.search("hérisson").hits[1].score
        assert default.search("hérisson").hits[0].score == other.search("hérisson").hits[0].score  # title only


@pytest.mark.parametrize("bad", [dict(proximity_docs=-1), dict(proximity_window=0), dict(proximity_boost=-0.5),
                                 dict(proximity_boost=float("nan")), dict(proximity_docs=1.5), dict(title=2.5)])
def test_bad_ranking_settings_are_refused(bad):
    with pytest.raises(ValueError):
        Ranking(**bad)


@pytest.mark.parametrize("bad", [dict(weight=-1.0), dict(B=1.5), dict(K1=0.0), dict(K1=float("inf"))])
def test_bad_field_settings_are_refused(bad):
    with pytest.raises(ValueError):
        FieldWeight(**bad)


def test_an_archive_takes_only_a_ranking(title_and_body):
    with pytest.raises(TypeError):
        Archive(title_and_body, ranking={"title": 2.5})
