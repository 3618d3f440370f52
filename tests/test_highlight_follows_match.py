"""Highlighting follows what the search matched (issue 16, item 5).

- ``Archive.get(id, q)`` marks what ``search(q)`` matched: the respelled query's words when the
  search showed the respelling's results, a fuzzy word's spellings, a relaxed query's words.
- A word hyphenated at the end of a line (OCR'd papers) is indexed joined and split: the joined
  word (``envi-⏎ron`` → ``environ``) and the two parts (``négocier-⏎naguère`` → ``négocier``,
  ``naguère``) are found, and the highlighter marks whichever matched, on both lines of the article.

Most tests search a small archive built here: the seed article (Poutine and Pezechkian, a word
the search respells ``pezeshkian`` into, as on the shipped seeds/) and three OCR-like articles
modelled on HIPE ones. One test reads the real HIPE articles when ../shared holds them.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.indexer.analysis import fold
from presse.indexer.build import update_index
from presse.search import Archive
from presse.search.highlight import Highlighter, broken_word_starts
from presse.search.query import Analysis, Highlights

from conftest import SEED, shared_path

SEED_ID = "000_903b3f1d0023df44"
MOULIN = "ocr-moulin"
TRAITE = "ocr-traite"
GOUVERNEMENT = "ocr-gouvernement"

OCR_ARTICLES = [
    {"id": MOULIN, "title": "Vente d'un moulin", "date": "1867-07-21", "source": "L'Indépendance",
     "body": "c) d'un jardin, situé au\nvillage de Livange, contenant envi-\nron 36 ares, entre Linden et la\n"
             "commune de Roeser."},
    {"id": TRAITE, "title": "Le traité de commerce", "date": "1938-12-27", "source": "Gazette",
     "body": "instruments de ratification et que la\nFrance aurait négligé de négocier-\nnaguère la convention qui "
             "devait, selon\nles traités de 1935, remplacer l'ancien accord."},
    {"id": GOUVERNEMENT, "title": "Nouvelles du jour", "date": "1901-03-02", "source": "Gazette",
     "body": "Le gou-\nvernement français a décidé hier de surseoir."},
]

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@pytest.fixture(scope="module")
def ocr_archive(tmp_path_factory) -> Archive:
    """The seed article and the OCR-like articles."""
    corpus = tmp_path_factory.mktemp("ocr-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "ocr.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in OCR_ARTICLES),
                                      encoding="utf-8")
    index = tmp_path_factory.mktemp("ocr-index")
    update_index(index, [corpus])
    with Archive(index) as archive:
        yield archive


def ids(page) -> list[str]:
    return [h.id for h in page.hits]


def marked(*fragments: str) -> list[str]:
    """The marked words of HTML fragments, in order."""
    return [m for f in fragments for m in MARK.findall(f)]


def article_marks(archive: Archive, article_id: str, q: str) -> list[str]:
    view = archive.get(article_id, q=q)
    return marked(view.title_html, view.lead_html or "", *view.paragraphs_html)


# ------------------------------------------------------------------ 5a: get follows the respelling


def test_readme_example_get_marks_the_respelled_word(ocr_archive):
    # README: archive.get(…, q="pezeshkian"). The archive writes "Pezechkian": search shows the
    # respelling's results, and the article they link to marks the respelled word.
    page = ocr_archive.search("pezeshkian")
    assert (page.rewritten, ids(page)) == ("pezechkian", [SEED_ID])
    view = ocr_archive.get(SEED_ID, q="pezeshkian")
    assert "<mark>Pezechkian</mark>" in view.title_html
    assert set(article_marks(ocr_archive, SEED_ID, "pezeshkian")) == {"Pezechkian"}
    assert len(article_marks(ocr_archive, SEED_ID, "pezeshkian")) == len(article_marks(ocr_archive, SEED_ID,
                                                                                         "pezechkian"))


def test_get_marks_the_respelling_beside_the_words_spelt_right(archive):
    page = archive.search("Pezechkain Poutine")
    assert page.rewritten == "pezechkian Poutine"
    assert set(article_marks(archive, page.hits[0].id, "Pezechkain Poutine")) == {"Pezechkian", "Poutine"}


def test_get_marks_the_spellings_of_a_fuzzy_word(ocr_archive):
    assert set(article_marks(ocr_archive, SEED_ID, "pezeshkian~")) == {"Pezechkian"}


@pytest.mark.parametrize("q", ["Pezechkain", "Pezechkain Poutine", "pezeshkian~", "pezeshkian", "Turkmenistn",
                               "poutine xyzzyq", '"corridor Nord-Sud"', "russie SAUF pezeshkian", "alliances"])
def test_get_marks_every_word_the_search_snippet_marks(archive, q):
    # Whatever search made of the query (respelled, relaxed, as typed), the article a hit links to
    # marks the words its snippet marks.
    page = archive.search(q, per_page=100)
    assert page.hits, q
    for hit in page.hits:
        in_snippet = {w.lower() for w in marked(hit.snippet, hit.title_html, hit.lead_html or "")}
        assert in_snippet, (q, hit.id)
        assert in_snippet <= {w.lower() for w in article_marks(archive, hit.id, q)}, (q, hit.id)


def test_get_with_a_query_finding_nothing_marks_nothing(ocr_archive):
    assert article_marks(ocr_archive, SEED_ID, "zzzzqqq") == []
    assert article_marks(ocr_archive, SEED_ID, "") == []
    assert article_marks(ocr_archive, SEED_ID, '"') == []


# ------------------------------------------------------------- 5b: words broken at the end of a line


def test_a_word_joined_across_a_line_is_found_and_marked_on_both_lines(ocr_archive):
    page = ocr_archive.search("environ")
    assert ids(page) == [MOULIN]
    assert "<mark>envi- ron</mark> 36 ares" in page.hits[0].snippet
    paragraphs = ocr_archive.get(MOULIN, q="environ").paragraphs_html
    assert paragraphs[1] == "village de Livange, contenant <mark>envi-</mark>"
    assert paragraphs[2] == "<mark>ron</mark> 36 ares, entre Linden et la"


@pytest.mark.parametrize("q", ["enviro*", "environ~", '"contenant environ 36 ares"'])
def test_a_joined_word_is_found_and_marked_by_prefix_fuzzy_word_and_phrase(ocr_archive, q):
    assert ids(ocr_archive.search(q)) == [MOULIN]
    assert "envi-" in article_marks(ocr_archive, MOULIN, q)


@pytest.mark.parametrize("q, first, second", [("négocier", True, False), ("naguère", False, True),
                                               ("naguere", False, True), ('"de négocier naguère"', True, True)])
def test_the_words_of_two_split_at_a_line_end_are_found_and_marked_alone(ocr_archive, q, first, second):
    # "négocier-⏎naguère" is two words (a dash at the line end), not "négociernaguère": each finds
    # the article, and only the word that matched is marked.
    assert ids(ocr_archive.search(q)) == [TRAITE]
    lines = ocr_archive.get(TRAITE, q=q).paragraphs_html[1:3]
    assert lines[0].endswith("<mark>négocier</mark>-" if first else " négocier-"), lines
    assert lines[1].startswith("<mark>naguère</mark> la" if second else "naguère la"), lines


def test_a_phrase_through_a_word_the_printer_hyphenated_still_matches(ocr_archive):
    assert ids(ocr_archive.search('"le gouvernement français a décidé"')) == [GOUVERNEMENT]
    assert article_marks(ocr_archive, GOUVERNEMENT, "gouvernement") == ["gou-", "vernement"]


# -------------------------------------------------------------------------- the highlighter alone

BREAKS = ["-\n", "-\r\n  ", "\u2010\n", "- \n\t"]
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçôœ", min_size=2, max_size=10)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=words, after=words, brk=st.sampled_from(BREAKS))
def test_the_highlighter_marks_the_joined_word_or_the_part_that_matched(before, after, brk):
    analysis = Analysis()
    text = f"« {before}{brk}{after} »"
    start = 2
    whole = (start, start + len(before) + len(brk) + len(after))
    first = (start, start + len(before))
    second = (whole[1] - len(after), whole[1])

    def spans(*exact: str) -> list[tuple[int, int]]:
        return Highlighter(Highlights(exact={fold(w) for w in exact}), analysis).spans(text)

    assert spans(before + after) == [whole]
    assert spans(before) == [first] + ([second] if fold(after) == fold(before) else [])
    assert spans(after) == ([first] if fold(after) == fold(before) else []) + [second]
    first_line, second_line = text.split("\n")
    assert Highlighter(Highlights(exact={fold(before + after)}), analysis).mark_lines(text) == (
        f"« <mark>{first_line[2:]}</mark>", f"<mark>{second_line[:-2]}</mark> »")


def test_broken_word_starts_finds_each_broken_word_once_at_its_start():
    text = "l'envi-\nron, porte-avi-\nons-\nx et a.b-\nc ; Moyen-\nOrient"
    starts = broken_word_starts(text, len(text))
    assert [text[s:s + 6] for s in starts] == ["l'envi", "porte-", "b-\nc ;", "Moyen-"]


# ---------------------------------------------------------------------------- the real HIPE articles

HIPE_IDS = {"hipe-luxwort-1867-07-21-a-i0016", "hipe-GDL-1938-12-27-a-i0044"}


@pytest.fixture(scope="module")
def hipe_archive(tmp_path_factory) -> Archive:
    source = shared_path("corpora", "hipe-fr-press", "hipe-fr-press.jsonl")
    corpus = tmp_path_factory.mktemp("hipe-corpus")
    with open(source, encoding="utf-8") as f, open(corpus / "hipe.jsonl", "w", encoding="utf-8") as out:
        for line in f:
            if json.loads(line)["id"] in HIPE_IDS:
                out.write(line)
    index = tmp_path_factory.mktemp("hipe-index")
    update_index(index, [corpus])
    with Archive(index) as archive:
        yield archive


def test_hipe_environ_across_a_line_is_found_and_marked(hipe_archive):
    page = hipe_archive.search("environ")
    assert ids(page) == ["hipe-luxwort-1867-07-21-a-i0016"]
    assert "<mark>envi- ron</mark>" in page.hits[0].snippet
    assert article_marks(hipe_archive, "hipe-luxwort-1867-07-21-a-i0016", "environ") == ["envi-", "ron"]


@pytest.mark.parametrize("q", ["négocier", "naguère"])
def test_hipe_negocier_naguere_are_two_words(hipe_archive, q):
    assert ids(hipe_archive.search(q)) == ["hipe-GDL-1938-12-27-a-i0044"]
    assert article_marks(hipe_archive, "hipe-GDL-1938-12-27-a-i0044", q) == [q]
