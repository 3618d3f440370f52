"""One normalisation for stored, indexed and searched text (issue 16, item 7, first point).

A headline pasted from a web page carries soft hyphens, zero-width spaces and joiners and
no-break spaces; the article text does too. ``indexer.normalize.normalize_text`` is applied by the
readers, by the analyzer (to every raw word, so texts of old indexes are covered) and by the query
parser: ``"Johnny Hally\\u00adday"`` finds what ``"Johnny Hallyday"`` finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.indexer.analysis import tokens
from presse.indexer.build import update_index
from presse.indexer.decoding import clean_text
from presse.indexer.normalize import INVISIBLE, SPACES, normalize_text
from presse.indexer.readers import read_file
from presse.search import Archive
from presse.search.syntax import parse

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "orangesum-demo-2000.jsonl"


# ---------------------------------------------------------------------------------------------
# The function


@pytest.mark.parametrize("ch", list(INVISIBLE))
def test_invisible_characters_are_removed(ch):
    assert normalize_text(f"Hally{ch}day") == "Hallyday"


@pytest.mark.parametrize("ch", list(SPACES))
def test_unicode_spaces_become_plain_spaces(ch):
    assert normalize_text(f"Le{ch}Monde") == "Le Monde"


def test_the_listed_characters_are_the_ones_the_issue_names():
    assert set(INVISIBLE) == {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
    assert set(SPACES) == {"\u00a0", "\u202f", "\u205f", "\u3000"} | {chr(c) for c in range(0x2000, 0x200B)}


def test_text_is_composed_and_plain_text_untouched():
    assert normalize_text("e\u0301te\u0301") == "été"
    assert normalize_text("L'État, « déjà » : 1 240 €") == "L'État, « déjà » : 1 240 €"
    text = "pure ASCII text"
    assert normalize_text(text) is text


def test_the_readers_clean_text_with_it():
    assert clean_text("Johnny Hally\u00adday,\u202fle\u00a0chanteur\u200b") == "Johnny Hallyday, le chanteur"


# ---------------------------------------------------------------------------------------------
# The analyzer: a word with invisible characters is the word without them


words = st.text(st.sampled_from("abcdéèàœçXYZ"), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, st.lists(st.sampled_from(list(INVISIBLE)), max_size=2)), min_size=1, max_size=4),
       st.sampled_from([" ", *SPACES]))
def test_the_analyzer_reads_invisible_characters_and_spaces_as_the_article_does(parts, space):
    plain = " ".join(word for word, _ in parts)
    # Invisible characters inside each word (after its first letter), words separated by any space.
    noisy = space.join(word[:1] + "".join(marks) + word[1:] for word, marks in parts)
    assert tokens(noisy) == tokens(plain)
    assert tokens(noisy) == tokens(clean_text(noisy))


def test_words_with_joiners_in_an_old_index_text_are_one_word():
    # Readers before issue 16.7 kept U+200C and U+200D in the text: the analyzer must still read one word.
    assert tokens("Johnny Hally\u200cday et Hally\u200dday") == tokens("Johnny Hallyday et Hallyday")


# ---------------------------------------------------------------------------------------------
# The query parser


@pytest.mark.parametrize("query, same_as", [
    ('"Johnny Hally\u00adday"', '"Johnny Hallyday"'),
    ("Hally\u00adday", "Hallyday"),
    ("Hally\u200bday", "Hallyday"),
    ("Johnny\u00a0Hallyday", "Johnny Hallyday"),
    ("«\u202fJohnny Hallyday\u202f»", "« Johnny Hallyday »"),
    ("date:[2019-01-01\u00a0TO\u00a02019-06-30]", "date:[2019-01-01 TO 2019-06-30]"),
])
def test_the_query_is_normalised_before_it_is_parsed(query, same_as):
    assert parse(query) == parse(same_as)


# ---------------------------------------------------------------------------------------------
# End to end, on the seed archive's Hallyday articles


@pytest.fixture(scope="module")
def hallyday_archive(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("hallyday")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    chosen = [line for line in lines if "Hallyday" in line] + [line for line in lines[:60] if "Hallyday" not in line]
    (corpus / "orangesum.jsonl").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    # A page pasted with its invisible characters, as a text file, with a no-break space in its source.
    (corpus / "colle.txt").write_text(
        "Source : Le\u00a0Parisien\nJohnny Hally\u00adday en tournée\n\n"
        "Johnny Hally\u200dday chante à Bercy ; Hal\u200bly\u2060day y revient.\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("index")
    update_index(index, [corpus], procs=1)
    with Archive(index) as archive:
        yield archive


def _ids(archive, q) -> set[str]:
    return {hit.id for hit in archive.search(q, per_page=100, facets=()).hits}


def test_a_pasted_headline_with_a_soft_hyphen_finds_the_articles_in_quotes(hallyday_archive):
    quoted = _ids(hallyday_archive, '"Johnny Hally\u00adday"')
    assert len(quoted) >= 10 and quoted == _ids(hallyday_archive, '"Johnny Hallyday"')


def test_a_word_with_a_soft_hyphen_finds_the_same_set_as_the_word(hallyday_archive):
    plain = _ids(hallyday_archive, "Hallyday")
    assert len(plain) == 21  # the 20 seed articles naming him, and the pasted page
    for noisy in ("Hally\u00adday", "Hally\u200bday", "Hal\u200dly\u2060day", "\ufeffHallyday"):
        assert _ids(hallyday_archive, noisy) == plain, noisy


def test_the_pasted_article_is_stored_clean(hallyday_archive):
    view = hallyday_archive.get("colle")
    assert view.title == "Johnny Hallyday en tournée"
    assert view.source == "Le Parisien"
    assert "Johnny Hallyday chante à Bercy ; Hallyday y revient." in view.body
    assert _ids(hallyday_archive, 'source:"Le Parisien"') == {"colle"}


def test_every_seed_record_is_stored_without_the_characters():
    found = {}
    for item in read_file(SEED, SEED.parent):
        text = json.dumps([item.title, item.body, item.lead], ensure_ascii=False)
        for ch in INVISIBLE + SPACES:
            if ch in text:
                found[item.id] = ch
    assert found == {}
