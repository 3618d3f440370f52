"""How an ``Archive`` orders what a query matches: the ``Ranking`` it is given (``search.ranking``)
and the rules chosen with ``bench/relevance.py``, each pinned on a small index built here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.indexer.build import update_index
from presse.search import Archive
from presse.search.ranking import FieldWeight, Ranking


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
        {"id": f"{kind}{i}", "title": "Chronique", "body": body,
         "date": f"20{10 + i + (5 if kind == 'far' else 0)}-01-01"}
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


def scores(archive, q: str) -> dict[str, float]:
    return {h.id: h.score for h in archive.search(q).hits}


@pytest.mark.parametrize("ranking", [Ranking(K1=2.0), Ranking(body=FieldWeight(B=0.2)), Ranking(idf="bm25"),
                                     Ranking(saturation="field")])
def test_bm25_parameters_change_the_scores(title_and_body, ranking):
    with Archive(title_and_body) as default, Archive(title_and_body, ranking=ranking) as other:
        assert scores(default, "hérisson") != scores(other, "hérisson")


@pytest.mark.parametrize("bad", [dict(proximity_docs=-1), dict(proximity_window=0), dict(proximity_boost=-0.5),
                                 dict(proximity_boost=float("nan")), dict(proximity_docs=1.5), dict(title=2.5),
                                 dict(K1=0), dict(exact_forms=-1.0), dict(idf="tfidf"), dict(saturation="none")])
def test_bad_ranking_settings_are_refused(bad):
    with pytest.raises(ValueError):
        Ranking(**bad)


@pytest.mark.parametrize("bad", [dict(weight=-1.0), dict(B=1.5), dict(weight=float("inf")), dict(B="0.5")])
def test_bad_field_settings_are_refused(bad):
    with pytest.raises(ValueError):
        FieldWeight(**bad)


def test_an_archive_takes_only_a_ranking(title_and_body):
    with pytest.raises(TypeError):
        Archive(title_and_body, ranking={"title": 2.5})


# ------------------------------------------------------------------ BM25F, word by word

WORDS = ["guerre", "paix", "gaz", "prix", "russie", "nord", "sud", "de", "la"]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """A Whoosh index of 120 random documents (title, lead, body, exact), 10 deleted."""
    import random

    from whoosh import fields
    from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer
    from whoosh.filedb.filestore import FileStorage

    analyzer = SpaceSeparatedTokenizer() | LowercaseFilter()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), title=fields.TEXT(analyzer=analyzer),
                           lead=fields.TEXT(analyzer=analyzer), body=fields.TEXT(analyzer=analyzer),
                           exact=fields.TEXT(analyzer=analyzer))
    ix = FileStorage(str(tmp_path_factory.mktemp("bm25f"))).create().create_index(schema)
    rng = random.Random(3)
    writer = ix.writer()
    for i in range(120):
        body = " ".join(rng.choices(WORDS, k=rng.randint(1, 40)))
        writer.add_document(id=f"d{i}", title=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))),
                            lead=" ".join(rng.choices(WORDS, k=rng.randint(0, 9))), body=body, exact=body)
    writer.commit()
    writer = ix.writer()
    for i in rng.sample(range(120), 10):
        writer.delete_by_term("id", f"d{i}")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        yield searcher
    ix.close()


def reference_bm25f(searcher, terms, ranking: Ranking) -> dict[int, float]:
    """BM25F word by word, one document at a time, from Whoosh's own postings and lengths."""
    reader = searcher.reader()
    words: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for field, text, boost in terms:
        family = "stem" if field in ("title", "lead", "body") else "exact"
        words.setdefault((family, text), []).append((field, boost))
    scores: dict[int, float] = {}
    for (_, text), fields_ in words.items():
        weighted: dict[int, float] = {}
        frequency = max(reader.doc_frequency(f, text) for f, _ in fields_)
        for field, boost in fields_:
            settings = ranking.field(field)
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
            avgfl = searcher.avg_field_length(field) or 1
            while matcher.is_active():
                doc = matcher.id()
                norm = 1 - settings.B + settings.B * reader.doc_field_length(doc, field) / avgfl
                weighted[doc] = weighted.get(doc, 0.0) + settings.weight * boost * matcher.weight() / norm
                matcher.next()
        idf = ranking.idf_of(reader.doc_count_all(), frequency)
        for doc, tf in weighted.items():
            scores[doc] = scores.get(doc, 0.0) + idf * (ranking.K1 + 1) * tf / (tf + ranking.K1)
    return scores


@settings(max_examples=60, deadline=None)
@given(terms=st.lists(st.tuples(st.sampled_from(["title", "lead", "body", "exact"]), st.sampled_from(WORDS),
                                st.sampled_from([1.0, 0.5, 2.0])), min_size=1, max_size=6),
       K1=st.sampled_from([0.8, 1.2, 2.0]), idf=st.sampled_from(["whoosh", "bm25"]))
def test_word_by_word_bm25f_equals_a_plain_computation(small_index, terms, K1, idf):
    from presse.search.whoosh_engine.columns import ReaderColumns
    from presse.search.whoosh_engine.scoring import bm25f_scores
    from presse.search.whoosh_engine.weighting import weighting_of

    ranking = Ranking(K1=K1, idf=idf, lead=FieldWeight(3.0, 0.5))
    reader = small_index.reader()
    columns = ReaderColumns(reader)
    live = columns.live_docs(reader)
    scores = bm25f_scores(small_index, terms, live, weighting_of(ranking), columns.lengths, columns.postings)
    expected = reference_bm25f(small_index, terms, ranking)
    for doc in np.flatnonzero(live).tolist():
        assert scores[doc] == pytest.approx(expected.get(doc, 0.0), rel=1e-9, abs=1e-12)
    assert not scores[~live].any()


# ------------------------------------------------------------------ the rules tuned for issue 21

@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> Path:
    """Two articles alike but for the form of one word (same stem); the one without the typed form
    ("réformes") is newer."""
    return build(tmp_path_factory.mktemp("forms"), [
        {"id": "typed", "title": "Politique", "body": "Le gouvernement défend ses réformes.", "date": "2019-05-01"},
        {"id": "other", "title": "Politique", "body": "Le gouvernement défend sa réforme.", "date": "2020-05-01"},
    ])


@pytest.mark.parametrize("q", ["réformes", "reformes", "RÉFORMES", "gouvernement réformes", "défend reformes"])
def test_an_exact_form_match_outranks_a_stem_only_match_of_the_same_words(forms, q):
    no_proximity = Ranking(proximity_boost=0.0)  # (proximity reads exact forms too)
    with Archive(forms, ranking=no_proximity) as archive:
        assert ids(archive.search(q)) == ["typed", "other"]  # both found (same stem), the typed form first
    with Archive(forms, ranking=dataclasses.replace(no_proximity, exact_forms=0.0)) as stems_only:
        assert ids(stems_only.search(q)) == ["other", "typed"]  # equal scores: newest first
    with Archive(forms) as archive:
        assert ids(archive.search(q)) == ["typed", "other"]


def test_the_other_form_typed_puts_the_other_article_first(forms):
    with Archive(forms) as archive:
        assert ids(archive.search("réforme")) == ["other", "typed"]
        assert ids(archive.search("gouvernement reforme")) == ["other", "typed"]


@pytest.fixture(scope="module")
def rare_and_common(tmp_path_factory) -> Path:
    """"grève" in many articles, "cheminots" in few; "partout" repeats "grève" in every field."""
    others = [{"id": f"o{i}", "title": "Actualité", "body": f"La grève numéro {i} touche le pays.",
               "date": "2015-01-01"} for i in range(8)]
    return build(tmp_path_factory.mktemp("rare"), others + [
        {"id": "partout", "title": "Grève", "lead": "La grève continue.", "body": "Grève, grève et grève.",
         "date": "2020-01-01"},
        {"id": "rare", "title": "Actualité", "body": "Les cheminots manifestent.", "date": "2010-01-01"},
        {"id": "rare2", "title": "Actualité", "body": "Des cheminots manifestent.", "date": "2010-01-02"},
    ])


def test_a_word_counts_once_however_many_fields_repeat_it(rare_and_common):
    # BM25F proper: a word's frequencies over the fields saturate together, so the rare word
    # outweighs the common one said in the title, lead and body.
    with Archive(rare_and_common) as archive:
        assert ids(archive.search("grève OU cheminots"))[:2] == ["rare2", "rare"]
    with Archive(rare_and_common, ranking=Ranking(saturation="field")) as whoosh:
        assert ids(whoosh.search("grève OU cheminots"))[0] == "partout"


@pytest.fixture(scope="module")
def close_pairs(tmp_path_factory) -> Path:
    """The same words in each body (equal BM25F scores): all in a row ("full"), only the first two
    together ("part"), apart ("none"); "none" is the newest, "full" the oldest."""
    bodies = {"full": "La salle de cinéma bondée attend encore le film. " + FILLER + " Le fond du jour.",
              "part": "La salle de cinéma attend encore le film. " + FILLER + " Le fond du jour bondée.",
              "none": "La salle attend encore le film de cinéma. " + FILLER + " Le fond du jour bondée."}
    dates = {"full": "2010-01-01", "part": "2015-01-01", "none": "2020-01-01"}
    return build(tmp_path_factory.mktemp("pairs"), [
        {"id": kind, "title": "Chronique", "body": body, "date": dates[kind]} for kind, body in bodies.items()])


def test_only_articles_with_all_the_words_close_get_the_proximity_boost(close_pairs):
    with Archive(close_pairs) as archive:
        # "part" has one close pair of two: no boost, so the newer "none" comes before it.
        assert ids(archive.search("salle cinema bondee")) == ["full", "none", "part"]
        # A word no article has (relaxed query) is left out of the pairs.
        assert ids(archive.search("salle cinema zxqwv bondee")) == ["full", "none", "part"]
    with Archive(close_pairs, ranking=Ranking(proximity="share")) as shares:  # as before issue 21
        assert ids(shares.search("salle cinema bondee")) == ["full", "part", "none"]
        # There the absent word broke two of the three pairs of "full": no better than "part".
        assert ids(shares.search("salle cinema zxqwv bondee")) == ["part", "full", "none"]


def test_two_words_close_reorder_the_first_page_only(tmp_path):
    # 12 articles of equal scores; the only one with the two words together is the oldest.
    index = build(tmp_path, [
        {"id": f"d{i:02d}", "title": "Chronique",
         "body": ("Le cinéma, la salle. " if i else "La salle de cinéma. ") + FILLER, "date": f"{2000 + i}-01-01"}
        for i in range(12)])
    with Archive(index) as archive:
        assert "d00" not in ids(archive.search("salle cinema", per_page=10))
        assert ids(archive.search("salle cinema", per_page=10)) == [f"d{i:02d}" for i in range(11, 1, -1)]
    with Archive(index, ranking=Ranking(proximity_docs=100)) as deeper:
        assert ids(deeper.search("salle cinema", per_page=1)) == ["d00"]
