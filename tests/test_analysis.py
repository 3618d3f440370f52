"""The French analysis chain (indexer.analysis), read as a specification.

``tokens(text)`` is what the stemmed fields (title, lead, body) index; ``exact(text)`` is what the
exact-form fields (phrases, prefixes, fuzzy words) index. Each case states a whole token list.

Tests marked ``xfail(strict=True, reason="BUG: …")`` describe behaviour the chain should have and
does not have yet: when a fix lands they XPASS, fail, and the marker must go.
"""

from __future__ import annotations

import base64
import io
import pickle
import re
import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unidecode import unidecode

import presse.indexer.analysis as analysis
from presse.indexer.analysis import (
    ANALYSIS_VERSION,
    FRENCH_STOP_WORDS,
    MAX_TOKEN_LENGTH,
    TOKEN_RE,
    CachedFilter,
    Lexiconizer,
    fold,
    french_analyzer,
    french_exact_analyzer,
    is_stop_word,
    joined_form,
    normalize_raw,
    tokens,
)
from presse.indexer.lexicon import Lexicon

from conftest import SEED

EXACT = french_exact_analyzer()
STEMMED_UNCACHED = french_analyzer(cached=False)
EXACT_UNCACHED = french_exact_analyzer(cached=False)


def exact(text: str) -> list[str]:
    """The terms of the exact-form fields: elision, lowercase, compound parts, folding; no stems, no stops."""
    return tokens(text, EXACT)


def stream(analyzer, text: str, **kwargs) -> list[tuple[str, int, int, int]]:
    """(text, position, startchar, endchar) of each token."""
    return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True, **kwargs)]


# ============================================================================ worked examples

STEMMED_CASES = [
    # -- elisions: l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu', any case, three apostrophes
    ("L'État", ["etat"]),
    ("l'État", ["etat"]),
    ("L’État", ["etat"]),
    ("Lʼétat", ["etat"]),
    ("L'Œuvre", ["oeuvr"]),
    ("d'abord", ["abord"]),
    ("j'ai mangé", ["mang"]),  # "ai" (avoir) is a stop word
    ("m'appelle", ["appel"]),
    ("n'importe", ["import"]),
    ("s'inscrit", ["inscrit"]),
    ("t'aime", ["aim"]),
    ("c'est", []),
    ("C’est la crise", ["cris"]),
    ("qu'il", []),
    ("QU'IL", []),
    ("QU’ELLE", []),
    ("qu’Israël", ["israel"]),
    ("jusqu'ici", ["ici"]),
    ("jusqu’où", ["ou"]),  # "où" is not a stop word, only "ou" is
    ("JUSQU’AU", []),
    ("lorsqu'elle", []),
    ("lorsqu’Emmanuel", ["emmanuel"]),
    ("puisqu'il", []),
    ("puisqu'aucun", ["aucun"]),
    ("quoiqu'il", []),
    ("quoiqu’énorme", ["enorm"]),
    # -- aujourd'hui is one word, whatever the apostrophe; it is indexed with a plain '
    ("aujourd'hui", ["aujourd'hui"]),
    ("aujourd’hui", ["aujourd'hui"]),
    ("aujourdʼhui", ["aujourd'hui"]),
    # -- hyphenated compounds: the whole (stemmed part by part), then the parts
    ("porte-avions", ["port-avion", "port", "avion"]),
    ("États-Unis", ["etat-unis", "etat", "unis"]),
    ("ETATS-UNIS", ["etat-unis", "etat", "unis"]),
    ("etats-unis", ["etat-unis", "etat", "unis"]),
    ("Moyen-Orient", ["moyen-orient", "moyen", "orient"]),
    ("le corridor Nord-Sud", ["corridor", "nord-sud", "nord", "sud"]),
    ("russo-iranienne", ["russo-iranien", "russo", "iranien"]),
    ("peut-être", ["peut-etre", "peut", "etre"]),
    ("c'est-à-dire", ["est-a-dir", "est", "a", "dir"]),  # parts of a compound are never stopped
    ("Jean-François", ["jean-francois", "jean", "francois"]),
    # -- an elision inside a compound is stripped from its part
    ("main-d'œuvre", ["main-oeuvr", "main", "oeuvr"]),
    ("Saint-Jean-d’Angély", ["saint-jean-angely", "saint", "jean", "angely"]),
    # -- capitals with accents, ligatures
    ("ÉTAT", ["etat"]),
    ("À Paris", ["paris"]),  # "à" is a stop word, capital or not
    ("ÇA", ["ca"]),
    ("ISRAËL", ["israel"]),
    ("Œuvre", ["oeuvr"]),
    ("œuvre", ["oeuvr"]),
    ("main d’œuvre", ["main", "oeuvr"]),
    ("cœur", ["coeur"]),
    ("Æ", ["ae"]),
    ("ﬁnance", ["financ"]),
    ("Crème brûlée", ["crem", "brul"]),
    # -- numbers: kept whole across , and . between digits, and given by parts as well
    ("1,5", ["1,5", "1", "5"]),
    ("2024", ["2024"]),
    ("12.10.2024", ["12.10.2024", "12", "10", "2024"]),
    ("3,6 litres", ["3,6", "3", "6", "litr"]),
    ("1940-1945", ["1940-1945", "1940", "1945"]),
    ("C3PO", ["c3po"]),
    # -- dates, as written in the seed article
    ("12 oct. 2024", ["12", "oct", "2024"]),
    ("11 octobre 2024", ["11", "octobr", "2024"]),
    ("Dernière mise à jour : 12 oct. 2024", ["derni", "mis", "jour", "12", "oct", "2024"]),
    # -- emoji, symbols and quotes are separators, never tokens
    ("🔷 Directeur de Publication", ["directeur", "publiqu"]),
    ("James Keou: 🔷 Directeur", ["jam", "keou", "directeur"]),
    ("10 % des 5 €", ["10", "5"]),
    ("«Bonjour»", ["bonjour"]),
    ("« Bonjour »", ["bonjour"]),
    ("«»", []),
    ("€", []),
    ("%", []),
    # -- nothing to index
    ("", []),
    ("   \n\t  \r\n ", []),
    # -- stop words: the accented form, and a stop word typed without its accents
    ("été", []),
    ("Été", []),
    ("ÉTÉ", []),
    ("ete", []),
    ("l'ETE", []),
    ("avions", []),  # alone, the verb (avoir); see porte-avions above
    ("mais", []),
    ("maïs", ["mai"]),  # the plant is not the conjunction
    ("sur", []),
    ("Sûr", ["sur"]),
    ("ou", []),
    ("où", ["ou"]),
    ("la", []),
    ("là", ["la"]),
    # -- OCR: a word hyphenated at the end of a line before a lowercase letter is read joined and
    #    split (a printer's hyphenation or two words: issue 16.5); soft hyphens and long s vanish;
    #    before anything else the hyphen is a compound's
    ("gou-\nvernement", ["gouvern", "gou", "vern"]),
    ("gou-\r\n  vernement", ["gouvern", "gou", "vern"]),
    ("gou‐\nvernement", ["gouvern", "gou", "vern"]),  # U+2010
    ("négocier-\nnaguère", ["negociernaguer", "negoci", "naguer"]),
    ("ai-\nent", []),  # joined, a stop word: the printer cut "aient"
    ("gou\u00advernement", ["gouvern"]),
    ("ſoleil", ["soleil"]),
    ("Moyen-\nOrient", ["moyen-orient", "moyen", "orient"]),
    ("1940-\n1945", ["1940-1945", "1940", "1945"]),
    ("porte- avions", ["port"]),  # a hyphen followed by a space is no joiner
    # -- other scripts are kept, lowercased, not transliterated
    ("Москва", ["москва"]),
    ("Ελλάδα", ["ελλάδα"]),
    ("中国", ["中国"]),
    # -- proper names: both spellings are indexed as they are written
    ("Pezechkian", ["pezechkian"]),
    ("Pezeshkian", ["pezeshkian"]),
    ("Massoud Pezechkian", ["massoud", "pezechkian"]),
    # -- the underscore is a separator
    ("foo_bar", ["foo", "bar"]),
    ("mot_de_passe", ["mot", "pass"]),
    # -- Snowball needs the accents: this is why the lexicon exists (see below)
    ("capacités", ["capac"]),
    ("capacites", ["capacit"]),
]


@pytest.mark.parametrize("text, expected", STEMMED_CASES, ids=[repr(c[0]) for c in STEMMED_CASES])
def test_stemmed_tokens(text, expected):
    assert tokens(text) == expected


def test_there_are_enough_worked_examples():
    assert len(STEMMED_CASES) >= 40


EXACT_CASES = [
    ("L'État", ["etat"]),
    ("j'ai mangé", ["ai", "mange"]),
    ("c'est", ["est"]),
    ("qu’il", ["il"]),
    ("aujourd’hui", ["aujourd'hui"]),
    ("porte-avions", ["porte", "avions"]),  # parts only: phrases find them at consecutive positions
    ("main-d'œuvre", ["main", "oeuvre"]),
    ("États-Unis", ["etats", "unis"]),
    ("ETATS-UNIS", ["etats", "unis"]),
    ("ÉTAT", ["etat"]),
    ("À Paris", ["a", "paris"]),
    ("Œuvre", ["oeuvre"]),
    ("cœur", ["coeur"]),
    ("1,5", ["1", "5"]),
    ("12.10.2024", ["12", "10", "2024"]),
    ("3,6 litres", ["3", "6", "litres"]),
    ("12 oct. 2024", ["12", "oct", "2024"]),
    ("10 % des 5 €", ["10", "des", "5"]),
    ("été", ["ete"]),  # no stop words in the exact fields
    ("maïs", ["mais"]),
    ("capacités", ["capacites"]),
    ("gou-\nvernement", ["gouvernement", "gou", "vernement"]),
    ("Moyen-\nOrient", ["moyen", "orient"]),
    ("porte‑avions", ["porte", "avions"]),  # U+2011
    ("capacite\u0301s", ["capacites"]),  # decomposed accents (NFD)
    ("Москва", ["москва"]),
    ("Pezeshkian", ["pezeshkian"]),
    ("foo_bar", ["foo", "bar"]),
    ("", []),
]


@pytest.mark.parametrize("text, expected", EXACT_CASES, ids=[repr(c[0]) for c in EXACT_CASES])
def test_exact_tokens(text, expected):
    assert exact(text) == expected


@pytest.mark.parametrize("analyzer", [french_analyzer(), EXACT], ids=["stemmed", "exact"])
def test_both_apostrophes_of_aujourdhui_give_the_same_terms(analyzer):
    assert tokens("aujourd'hui", analyzer) == tokens("aujourd’hui", analyzer) == tokens("aujourdʼhui", analyzer)


@pytest.mark.parametrize("analyzer", [french_analyzer(), EXACT], ids=["stemmed", "exact"])
def test_etats_unis_is_indexed_alike_however_it_is_written(analyzer):
    assert tokens("États-Unis", analyzer) == tokens("ETATS-UNIS", analyzer) == tokens("etats-unis", analyzer)


def test_compound_parts_take_consecutive_positions_and_the_words_after_move_along():
    # The whole sits at the position of its first part, so "porte avions" and "porte-avions part"
    # are both phrases of this text.
    assert stream(french_analyzer(), "le porte-avions part") == [
        ("port-avion", 1, 3, 15),
        ("port", 1, 3, 8),
        ("avion", 2, 9, 15),
        ("part", 3, 16, 20),
    ]
    assert stream(EXACT, "le porte-avions part") == [
        ("le", 0, 0, 2),
        ("porte", 1, 3, 8),
        ("avions", 2, 9, 15),
        ("part", 3, 16, 20),
    ]


def test_positions_after_an_elision_and_a_number():
    assert stream(french_analyzer(), "l'État a 1,5 milliard") == [
        ("etat", 0, 2, 6),
        ("1,5", 2, 9, 12),
        ("1", 2, 9, 10),
        ("5", 3, 11, 12),
        ("milliard", 4, 13, 21),
    ]


def test_a_word_hyphenated_across_a_line_is_read_joined_and_split():
    # Joined, it spans the whole raw text and takes one position; split, its parts are where they
    # are written, at consecutive positions (the second shares the next word's).
    assert stream(french_analyzer(), "le gou-\nvernement") == [
        ("gouvern", 1, 3, 17), ("gou", 1, 3, 6), ("vern", 2, 8, 17)]
    assert stream(EXACT, "contenant envi-\nron 36 ares") == [
        ("contenant", 0, 0, 9), ("environ", 1, 10, 19), ("envi", 1, 10, 14), ("ron", 2, 16, 19), ("36", 2, 20, 22),
        ("ares", 3, 23, 27)]


def test_stop_words_of_the_snowball_list():
    assert is_stop_word("été") and is_stop_word("ete")
    assert is_stop_word("mais") and not is_stop_word("maïs")
    assert is_stop_word("sur") and not is_stop_word("sûr")
    assert not is_stop_word("avions-") and not is_stop_word("porte-avions")
    assert {"le", "la", "les", "de", "des", "du", "à", "et", "est", "été"} <= FRENCH_STOP_WORDS


# -- very long tokens: OCR garbage, base64, glued URLs


def test_tokens_of_eighty_characters_are_kept_and_longer_ones_dropped():
    assert exact("x" * 80) == ["x" * 80]
    assert exact("x" * 81) == []
    assert tokens("x" * 81) == []
    assert tokens("anticonstitutionnellement" * 4) == []  # 100 characters
    assert exact("avant " + "x" * 200 + " après") == ["avant", "apres"]


def test_the_length_limit_applies_to_the_indexed_term_not_to_the_raw_word():
    # 84 raw characters whose stem has 79: kept in the stemmed fields, dropped from the exact ones.
    word = "a" * 79 + "ement"
    assert tokens(word) == ["a" * 79]
    assert exact(word) == []
    # Folding can lengthen a word past the limit: 50 "œ" are 100 letters once folded.
    assert exact("œ" * 50) == []


def test_a_compound_too_long_as_a_whole_keeps_its_parts():
    first, second = "x" * 50, "z" * 50
    assert exact(f"{first}-{second}") == [first, second]
    assert tokens(f"{first}-{second}") == [first, second]


def test_a_dropped_compound_still_takes_its_positions():
    text = "x" * 81 + "-" + "y" * 81 + " fin"
    assert stream(french_analyzer(), text) == [("fin", 2, 164, 167)]
    assert stream(STEMMED_UNCACHED, text) == [("fin", 2, 164, 167)]


# ------------------------------------------------------------- cleaning the raw token (normalize_raw)


@pytest.mark.parametrize("hyphen", ["\u2010", "\u2011"], ids=["U+2010", "U+2011"])
def test_typographic_hyphens_index_like_the_ascii_hyphen(hyphen):
    assert tokens(f"porte{hyphen}avions") == ["port-avion", "port", "avion"]


def test_a_range_of_years_cut_at_the_end_of_a_line():
    assert tokens("1940-\n1945") == ["1940-1945", "1940", "1945"]
    assert exact("1940-\n1945") == ["1940", "1945"]


@pytest.mark.parametrize(
    "text, expected",
    [("1½ litre", ["1½", "litr"]), ("¼", ["¼"]), ("¾ d'heure", ["¾", "heur"]), ("ẛ", ["s"]), ("© AFP", ["afp"])],
)
def test_fold_of_odd_latin_characters_gives_clean_tokens(text, expected):
    assert [t for t in tokens(text) if t != t.lower() or re.search(r"\s", t)] == []
    assert tokens(text) == expected


def test_decomposed_accents_index_like_composed_ones():
    nfd = "capacite\u0301s"  # what macOS and some PDF extractors produce
    assert tokens(nfd) == tokens("capacités") == ["capac"]
    assert exact(nfd) == ["capacites"]
    assert tokens("l’E\u0301tat") == ["etat"]


def test_normalize_raw_cleans_one_raw_token():
    # Cut before a lowercase letter: the break is marked, one mark a character (offsets stay put).
    assert normalize_raw("gou-\nvernement") == "gou\u2027\u2027vernement"
    assert normalize_raw("gou-\r\n  vernement") == "gou" + "\u2027" * 5 + "vernement"
    assert joined_form(normalize_raw("gou-\r\n  vernement")) == "gouvernement"
    assert normalize_raw("Moyen-\nOrient") == "Moyen-Orient"  # before anything else: a compound's hyphen
    assert normalize_raw("1940-\n1945") == "1940-1945"
    assert normalize_raw("porte‐avi\u00adons") == "porte-avions"
    assert normalize_raw("ſoleil") == "soleil"
    assert normalize_raw("capacite\u0301s") == "capacités"  # NFC
    assert normalize_raw("porte-avions") == "porte-avions"


# -- character offsets: when cleaning or lowercasing changed the word's length (a line-break
#    hyphen before a capital, a soft hyphen, "İ" lowercased to "i" + U+0307), where each part lies
#    in the raw text is unknown, so every part gets the span of the whole word (after its elision).
#    A line-break hyphen before a lowercase letter keeps the length (normalize_raw marks it).


@pytest.mark.parametrize("analyzer", [EXACT, EXACT_UNCACHED], ids=["cached", "composed"])
def test_offsets_of_compound_parts_after_a_line_break_hyphen(analyzer):
    text = "gou-\nvernement-avions"
    assert [(t, s, e) for t, _, s, e in stream(analyzer, text)] == [
        ("gouvernement", 0, 14), ("gou", 0, 3), ("avions", 15, 21), ("vernement", 5, 14)]
    assert stream(analyzer, "l'gou-\nvernement-avions fin") == [
        ("gouvernement", 0, 2, 16),
        ("gou", 0, 2, 5),
        ("avions", 1, 17, 23),
        ("vernement", 1, 7, 16),
        ("fin", 2, 24, 27),
    ]


@pytest.mark.parametrize("analyzer", [french_analyzer(), STEMMED_UNCACHED], ids=["cached", "composed"])
def test_offsets_of_a_stemmed_compound_cut_at_the_end_of_a_line(analyzer):
    assert stream(analyzer, "le Moyen-\nOrient") == [
        ("moyen-orient", 1, 3, 16),
        ("moyen", 1, 3, 16),
        ("orient", 2, 3, 16),
    ]


def test_cached_and_uncached_offsets_agree_after_a_soft_hyphen():
    text = "porte-avi\u00adons sont"
    assert stream(EXACT, text) == stream(EXACT_UNCACHED, text) == [
        ("porte", 0, 0, 13),
        ("avions", 1, 0, 13),
        ("sont", 2, 14, 18),
    ]


@pytest.mark.parametrize("analyzer", [EXACT, EXACT_UNCACHED], ids=["cached", "composed"])
def test_offsets_after_a_capital_dotted_i(analyzer):
    # Lowercasing "İ" gives two characters: the parts are not placed one character too far.
    assert [(t, s, e) for t, _, s, e in stream(analyzer, "İstanbul-Ankara")] == [("istanbul", 0, 15), ("ankara", 0, 15)]


@pytest.mark.parametrize("analyzer", [EXACT, EXACT_UNCACHED], ids=["cached", "composed"])
def test_offsets_of_compound_parts_stay_exact_when_the_length_did_not_change(analyzer):
    assert stream(analyzer, "Istanbul-Ankara") == [("istanbul", 0, 0, 8), ("ankara", 1, 9, 15)]
    # An elided part starts after its elision.
    assert stream(analyzer, "la main-d'œuvre") == [("la", 0, 0, 2), ("main", 1, 3, 7), ("oeuvre", 2, 10, 15)]


def test_a_long_s_with_a_combining_accent_is_cleaned_once_and_for_all():
    assert normalize_raw("ſ\u0301") == "ś"
    assert stream(EXACT, "ſ\u0301 x") == stream(EXACT_UNCACHED, "ſ\u0301 x") == [("s", 0, 0, 2), ("x", 1, 3, 4)]


_LENGTHS_CANCEL_OUT = pytest.mark.xfail(
    strict=True,
    reason="BUG: CompoundFilter decides that offsets are exact by comparing lengths: a line-break hyphen (one "
    "character less) and 'İ' (one more once lowercased) cancel out, and the composed chain places 'i' at 2-4 "
    "('\\n' + 'İ') instead of giving the whole span",
)


@pytest.mark.parametrize(
    "analyzer", [EXACT, pytest.param(EXACT_UNCACHED, marks=_LENGTHS_CANCEL_OUT)], ids=["cached", "composed"]
)
def test_offsets_after_a_line_break_hyphen_and_a_capital_dotted_i(analyzer):
    assert stream(analyzer, "0-\nİ") == [("0", 0, 0, 4), ("i", 1, 0, 4)]


@pytest.mark.xfail(strict=True, reason="BUG: in CachedFilter the whole span starts where the first analysed token "
                   "starts; when the first part was dropped (too long) or lost an elision of its own, that is "
                   "inside the word, while the composed chain starts it after the word's elision")
@pytest.mark.parametrize(
    "text, expected",
    [
        ("x" * 81 + "-a\u00adb", [("ab", 1, 0, 85)]),
        ("j'j'0-\n0", [("0", 0, 2, 8), ("0", 1, 2, 8)]),
        ("j'j'0-e\u0301", [("0", 0, 2, 8), ("e", 1, 2, 8)]),  # NFC shortened the word
    ],
    ids=["first part too long", "second elision", "second elision, decomposed"],
)
def test_cached_whole_word_span_starts_after_the_elision(text, expected):
    assert stream(EXACT_UNCACHED, text) == expected
    assert stream(EXACT, text) == expected


def test_cached_analyzer_marks_stop_words_like_the_composed_chain():
    def flags(analyzer):
        return [(t.text, t.stopped) for t in analyzer("le chat", removestops=False)]

    assert flags(french_analyzer()) == flags(STEMMED_UNCACHED) == [("le", True), ("chat", False)]
    assert stream(french_analyzer(), "c'est-à-dire le chat", removestops=False) == [
        ("est-a-dir", 0, 2, 12),  # a compound and its parts are never stopped
        ("est", 0, 2, 5),
        ("a", 1, 6, 7),
        ("dir", 2, 8, 12),
        ("le", 3, 13, 15),
        ("chat", 4, 16, 20),
    ]


# ============================================================================= properties

FRENCH_BITS = [
    "l'", "L’", "d’", "qu'", "QU’", "jusqu’", "lorsqu'", "aujourd'hui", "aujourd’hui", "État", "ÉTATS",
    "états", "porte", "avions", "Unis", "le", "la", "été", "ete", "maïs", "mais", "capacités", "œuvre",
    "Œ", "Æ", "ß", "é", "à", "ç", "-", "‐", "‑", "'", "’", "ʼ", " ", "  ", "\n", "\r\n", "\t", "-\n",
    "- \n  ", "\u00ad", "ſ", "_", ".", ",", "0", "1", "5", "12", "2024", "1,5", "12.10.2024", "🔷", "€",
    "%", "«", "»", "Москва", "中国", "x" * 79, "İ", "Pezechkian", "Orient", "main-d'", "½", "ẛ", "e\u0301",
    "\u0301", "‐\n",
]
french_text = st.lists(st.sampled_from(FRENCH_BITS) | st.text(max_size=3), max_size=30).map("".join)
any_text = st.one_of(st.text(), french_text)

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(text=any_text, removestops=st.booleans())
def test_cached_and_composed_chains_give_the_same_terms_at_the_same_positions(text, removestops):
    # And the same stop-word flags (the highlighter asks for removestops=False).
    for cached, composed in ((french_analyzer(), STEMMED_UNCACHED), (french_exact_analyzer(), EXACT_UNCACHED)):
        got = [(t.text, t.pos, t.stopped) for t in cached(text, positions=True, removestops=removestops)]
        assert got == [(t.text, t.pos, t.stopped) for t in composed(text, positions=True, removestops=removestops)]


_ELISION = re.compile(r"(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ]")


def _without_known_offset_bugs(text: str) -> str:
    """Keep out the inputs of the two offset bugs above (known bugs), so the property guards the rest."""

    def token(m: re.Match) -> str:
        raw = m.group()
        clean = normalize_raw(raw)
        if len(clean) == len(raw):
            return raw
        word = clean.lower()
        first = re.split(r"[-.,]", word[e.end():] if (e := _ELISION.match(word)) else word)[0]
        if len(word) != len(clean) or _ELISION.match(first) or len(fold(first)) > MAX_TOKEN_LENGTH:
            # test_offsets_after_a_line_break_hyphen_and_a_capital_dotted_i,
            # test_cached_whole_word_span_starts_after_the_elision: no shortening cleanup to do.
            return unicodedata.normalize("NFC", re.sub(r"[-‐‑][ \t]*\r?\n|\u00ad", " ", raw))
        return raw

    return TOKEN_RE.sub(token, text)


@PROPERTY
@given(text=any_text.map(_without_known_offset_bugs), removestops=st.booleans())
def test_cached_and_composed_chains_give_identical_streams(text, removestops):
    # Character offsets too: soft hyphens, line-break hyphens and "İ" included.
    for cached, composed in ((french_analyzer(), STEMMED_UNCACHED), (french_exact_analyzer(), EXACT_UNCACHED)):
        assert stream(cached, text, removestops=removestops) == stream(composed, text, removestops=removestops)


@PROPERTY
@given(text=any_text)
def test_every_token_is_a_short_lowercase_word_without_whitespace(text):
    for analyzer in (french_analyzer(), EXACT):
        for t in analyzer(text, positions=True, chars=True):
            assert t.text
            assert len(t.text) <= MAX_TOKEN_LENGTH
            assert not re.search(r"\s", t.text), t.text
            assert t.text == t.text.lower()
            assert 0 <= t.startchar < t.endchar <= len(text)


@PROPERTY
@given(text=any_text)
def test_a_terms_positions_never_go_back(text):
    # A term's positions are stored in the order the stream gives them, and phrases search them as
    # sorted: the parts of a word broken at a line end may share a position, never move one back.
    for analyzer in (french_analyzer(), EXACT):
        last: dict[str, int] = {}
        for t in analyzer(text, positions=True):
            assert t.pos >= last.get(t.text, 0), (text, t.text)
            last[t.text] = t.pos


_lowercase_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêàâçôûœ", min_size=1, max_size=12)


@PROPERTY
@given(before=_lowercase_word, after=_lowercase_word, brk=st.sampled_from(["-\n", "-\r\n  ", "\u2010\n", "- \n\t"]))
def test_a_word_broken_at_a_line_end_is_indexed_joined_and_split(before, after, brk):
    # Joined (a printer's hyphenation: gou-⏎vernement) and split (two words: négocier-⏎naguère),
    # each part where it is written; the next word follows the joined word.
    text = f"{before}{brk}{after} fin"
    cut = len(before) + len(brk)
    assert stream(EXACT, text) == [
        (fold(before + after), 0, 0, cut + len(after)),
        (fold(before), 0, 0, len(before)),
        (fold(after), 1, cut, cut + len(after)),
        ("fin", 1, cut + len(after) + 1, cut + len(after) + 4),
    ]


@PROPERTY
@given(text=any_text)
def test_the_tokenizer_never_raises(text):
    list(analysis.FrenchTokenizer()(text, positions=True, chars=True, keeporiginal=True))
    tokens(text)
    exact(text)


@PROPERTY
@given(text=st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_fold_examples():
    assert fold("État, œuvre, Æ, ß, ﬁ") == "Etat, oeuvre, AE, ss, fi"
    assert fold("Москва 中国") == "Москва 中国"
    assert fold("e\u0301te\u0301") == "ete"  # combining accents are dropped
    # A Latin character becomes its transliteration only when that is made of letters, in its case.
    assert fold("ẛ Œ Œuvre ſ") == "s OE OEuvre s"
    assert fold("½ ¼ © ´ ŉ \u00ad") == "½ ¼ © ´ ŉ \u00ad"
    assert fold("25°C 10 £") == "25degC 10 PS"


# -- folding before analysis versus the exact-form analyzer
#
# exact(fold(text)) == exact(text) is NOT true of every text: fold() is a per-character
# transliteration meant for tokens, which the chain has NFC-composed first. Applied to raw text it
#   - turns a few symbols into letters: ° → "deg", £ → "PS", § → "SS", × → "x", ¶ → "P" (symbols
#     whose transliteration is not made of letters, ©, ½, ´, soft hyphens, C1 controls, are kept);
#   - drops combining accents, which NFC composes with a letter of another script ("α" + U+0301
#     is "ά" in the chain, "α" once folded) and which the tokenizer takes for separators anywhere
#     but after a letter or a digit ("0'" + U+0300 + "0" is two tokens, "0'0" once folded);
#   - makes elisions of accented letters: "Ç'a" folds to "C'a", and c' is elided;
#   - folds a few uppercase Latin letters whose lowercase lies outside its Latin range (Ɓ → "b",
#     but the ɓ the exact chain sees is kept).
# The honest property: it holds for text whose non-ASCII characters are Latin letters — composed,
# or decomposed with the combining accents right after a Latin letter or a digit, and with the
# elided word before an apostrophe written in ASCII — Latin-range characters fold() keeps as they
# are, typographic apostrophes and hyphens, and characters of other scripts (U+0370 and above).

_LATIN_RANGES = [*range(0x80, 0x250), *range(0x1E00, 0x1F00), *range(0xFB00, 0xFB07)]
_LATIN_LETTERS = "".join(
    chr(c)
    for c in _LATIN_RANGES
    if chr(c).isalpha() and fold(chr(c)).isalpha() and fold(chr(c).lower()) == fold(chr(c)).lower()
)
_LATIN_KEPT = "".join(chr(c) for c in _LATIN_RANGES if fold(chr(c)) == chr(c))  # «, ½, ©, soft hyphen…
_OTHER_SAFE = " \n\t’ʼ‐‑ſ🔷€"
_COMBINING_ACCENTS = "".join(map(chr, range(0x300, 0x370)))
_ELIDED_WORD = re.compile(r"[^\W\d_]+(?=['’ʼ])")
# Combining accents other than right after a Latin letter or a digit: after a letter of another
# script NFC may compose them, elsewhere the tokenizer takes them for separators.
_STRAY_ACCENTS = re.compile(rf"(?<![A-Za-z0-9{_LATIN_LETTERS}])[\u0300-\u036f]+")


def _safe_for_folding(text: str) -> bool:
    return all(
        ord(c) < 0x80 or c in _LATIN_LETTERS or c in _LATIN_KEPT or c in _OTHER_SAFE or c in _COMBINING_ACCENTS
        or (ord(c) >= 0x370 and unicodedata.category(c) != "Mn")
        for c in text
    )


def _ascii_elisions_and_no_stray_accents(text: str) -> str:
    text = _STRAY_ACCENTS.sub("", text)
    return _ELIDED_WORD.sub(lambda m: fold(m.group()), text)


_latin_text = st.text(
    alphabet=st.sampled_from(_LATIN_LETTERS)
    | st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    | st.sampled_from(_LATIN_KEPT)
    | st.sampled_from(_OTHER_SAFE)
    | st.sampled_from(_COMBINING_ACCENTS)
    | st.characters(min_codepoint=0x370, exclude_categories=("Mn", "Me", "Cs"))
)


@PROPERTY
@given(text=st.one_of(_latin_text, french_text.filter(_safe_for_folding)).map(_ascii_elisions_and_no_stray_accents))
def test_folding_latin_text_before_analysis_changes_nothing_in_the_exact_fields(text):
    assert exact(fold(text)) == exact(text)


@pytest.mark.parametrize(
    "text, raw, folded_first",
    [
        ("25°C", ["25", "c"], ["25degc"]),
        ("10 £", ["10"], ["10", "ps"]),
        ("2×3", ["2", "3"], ["2x3"]),
        ("α\u0301", ["ά"], ["α"]),  # decomposed accent on a Greek letter
        ("0'\u03000", ["0", "0"], ["0'0"]),  # a stray combining accent
        ("Ç'a été", ["c'a", "ete"], ["a", "ete"]),  # ç' is not in the elision list (nor Lucene's)
        ("Ɓ", ["ɓ"], ["b"]),
    ],
)
def test_folding_raw_text_is_not_the_same_as_folding_tokens(text, raw, folded_first):
    assert exact(text) == raw
    assert exact(fold(text)) == folded_first


@pytest.mark.parametrize(
    "text, expected",
    [
        ("© AFP", ["afp"]),
        ("1½ litre", ["1½", "litre"]),
        ("l´État", ["l", "etat"]),  # an acute accent typed for an apostrophe
        ("a\x85b", ["a", "b"]),  # a C1 control character between two words
        ("0'\u00ad0", ["0", "0"]),  # a soft hyphen where it joins nothing
        ("e\u0301te\u0301", ["ete"]),  # decomposed accents on Latin letters
        ("q\u0301", ["q"]),  # one with no composed form
    ],
)
def test_folding_raw_text_changes_nothing_for_kept_symbols_and_decomposed_latin(text, expected):
    assert exact(text) == exact(fold(text)) == expected


def test_the_stemmed_chain_stems_before_folding():
    # Snowball needs the accents, so a word and its folded spelling may stem apart.
    assert tokens("capacités") == ["capac"]
    assert tokens(fold("capacités")) == ["capacit"]


# ======================================================================================= pickling

ANALYZER_CLASSES = [
    "FrenchTokenizer",
    "ElisionFilter",
    "FrenchStopFilter",
    "CompoundFilter",
    "SnowballFilter",
    "FoldFilter",
    "CachedFilter",
]


def _field_signature(field) -> tuple:
    """What a Whoosh field is made of. Whoosh's own ``FieldType.__eq__`` compares column objects by
    identity (they have no ``__eq__``), so ``make_schema() == make_schema()`` is False even unpickled;
    compare the column's class and attributes instead."""
    column = field.column_type
    attrs = {k: v for k, v in vars(field).items() if k not in ("column_type", "_struct")}
    return (
        type(field),
        attrs,
        getattr(field, "analyzer", None),
        (type(column), vars(column)) if column is not None else None,
    )


def test_schema_round_trips_through_pickle():
    from presse.indexer.schema import make_schema

    schema = make_schema()
    tokens("l'État des capacités")  # fill the analyzers' caches first
    copy = pickle.loads(pickle.dumps(schema))
    assert copy.names() == schema.names()
    for name in schema.names():
        assert _field_signature(copy[name]) == _field_signature(schema[name]), name
    for name in ("title", "body", "exact", "title_exact"):
        assert copy[name].analyzer == schema[name].analyzer
        assert tokens("L'État", copy[name].analyzer) == ["etat"]


def test_cached_filter_pickles_without_its_cache():
    analyzer = french_analyzer()
    tokens("capacités gouvernementales et porte-avions", analyzer)
    cached = analyzer.items[1]
    assert isinstance(cached, CachedFilter) and cached._cache
    data = pickle.dumps(analyzer)
    assert b"capac" not in data and b"gouvern" not in data
    copy = pickle.loads(data)
    assert copy.items[1]._cache == {}
    assert copy == analyzer
    assert tokens("capacités", copy) == ["capac"]


def test_snowball_filter_pickles_without_its_stemmer():
    f = analysis.SnowballFilter()
    assert f.stem("capacités") == "capac"
    copy = pickle.loads(pickle.dumps(f))
    assert copy._stemmer is None and copy.stem("capacités") == "capac"


@pytest.mark.parametrize("name", ANALYZER_CLASSES)
def test_analyzer_classes_live_in_indexer_analysis(name):
    cls = getattr(analysis, name)
    assert (cls.__module__, cls.__qualname__) == ("presse.indexer.analysis", name)


def test_the_pickled_schema_names_the_analysis_classes_by_their_public_path():
    from presse.indexer.schema import make_schema

    found = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            found.add((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(pickle.dumps(make_schema()))).load()
    assert {(m, n) for m, n in found if m == "presse.indexer.analysis"} == {("presse.indexer.analysis", n) for n in ANALYZER_CLASSES}
    assert all(not m.startswith("presse.indexer.") or m.count(".") == 1 for m, _ in found)  # public modules only


# (french_analyzer(), french_exact_analyzer()) pickled with protocol 2 at ANALYSIS_VERSION 1, as
# an index written today stores them. If this stops loading, existing indexes stop opening:
# keep the classes and their attributes, or bump ANALYSIS_VERSION and regenerate this blob.
# Version 2 (line-break hyphens read both ways) changed no class nor attribute: the same bytes.
GOLDEN_ANALYZERS_V1 = """
gAJjd2hvb3NoLmFuYWx5c2lzLmFuYWx5emVycwpDb21wb3NpdGVBbmFseXplcgpxACmBcQF9cQJYBQAAAGl0ZW1zcQNdcQQo
Y2luZGV4ZXIuYW5hbHlzaXMKRnJlbmNoVG9rZW5pemVyCnEFKYFxBmNpbmRleGVyLmFuYWx5c2lzCkNhY2hlZEZpbHRlcgpx
BymBcQh9cQlYBwAAAGZpbHRlcnNxCihjaW5kZXhlci5hbmFseXNpcwpFbGlzaW9uRmlsdGVyCnELKYFxDGN3aG9vc2guYW5h
bHlzaXMuZmlsdGVycwpMb3dlcmNhc2VGaWx0ZXIKcQ0pgXEOY2luZGV4ZXIuYW5hbHlzaXMKRnJlbmNoU3RvcEZpbHRlcgpx
DymBcRBjaW5kZXhlci5hbmFseXNpcwpDb21wb3VuZEZpbHRlcgpxESmBcRJ9cRNYBQAAAHdob2xlcRSIc2JjaW5kZXhlci5h
bmFseXNpcwpTbm93YmFsbEZpbHRlcgpxFSmBcRZ9cRdiY2luZGV4ZXIuYW5hbHlzaXMKRm9sZEZpbHRlcgpxGCmBcRl0cRpz
YmVzYmgAKYFxG31xHGgDXXEdKGgFKYFxHmgHKYFxH31xIGgKKGgLKYFxIWgNKYFxImgRKYFxI31xJGgUiXNiaBgpgXEldHEm
c2Jlc2KGcScu
"""


@pytest.mark.skipif(ANALYSIS_VERSION not in (1, 2), reason="the golden pickle is of a version 1 or 2 index")
def test_analyzers_pickled_by_an_existing_index_still_load_and_analyse_alike():
    stemmed, exact_form = pickle.loads(base64.b64decode(GOLDEN_ANALYZERS_V1))
    assert stemmed == french_analyzer() and exact_form == french_exact_analyzer()
    text = "L'État et les États-Unis : capacités, porte-avions, 1,5 %"
    assert tokens(text, stemmed) == tokens(text)
    assert tokens(text, exact_form) == exact(text)


# ======================================================================================== lexicon


def _seed_words() -> list[str]:
    return sorted(set(TOKEN_RE.findall(SEED.read_text(encoding="utf-8"))))


def test_lexicon_keys_depend_only_on_the_folded_word():
    lx = Lexiconizer()
    words = _seed_words()
    assert len(words) > 400
    # The one exception is by design (see is_stop_word): an accented word whose folded form is a
    # stop word is not a stop word, so it has a key, while its folded spelling is stopped.
    exceptions = {w for w in words if lx.query_keys(unidecode(w)) == [] and lx.query_keys(w) != []}
    assert exceptions == {"là", "jusqu’où", "sommés"}
    for w in exceptions:
        (folded,) = exact(w)
        assert is_stop_word(folded) and tokens(w) != [] and tokens(unidecode(w)) == []
    for w in words:
        if w not in exceptions:
            assert lx.query_keys(w) == lx.query_keys(unidecode(w)), w


def test_lexicon_maps_a_word_typed_without_accents_to_the_accented_term():
    lexicon = Lexicon()
    lexicon.add_words(normalize_raw(raw) for raw in TOKEN_RE.findall(SEED.read_text(encoding="utf-8")))
    (key,) = Lexiconizer().query_keys("capacites")
    assert key == "capacit" == Lexiconizer().query_keys("capacités")[0]
    assert tokens("capacités") == ["capac"]
    assert lexicon.stems["capacit"] == {"capac"}
    assert lexicon.terms_for_key(key) == {"capac", "capacit"}
    assert lexicon.accented("capacites") == "capacités"


def test_lexicon_pairs_of_a_compound():
    assert Lexiconizer().pairs("États-Unis") == [("etat-unis", "etat-unis"), ("etat", "etat"), ("unis", "unis")]
    assert Lexiconizer().pairs("capacités") == [("capacit", "capac")]


@pytest.fixture(scope="module")
def seed_archive(tmp_path_factory):
    from presse.indexer.build import update_index
    from presse.search import Archive

    seed_dir = tmp_path_factory.mktemp("seed")
    shutil.copy(SEED, seed_dir / SEED.name)
    root = tmp_path_factory.mktemp("seed-index")
    update_index(root, [seed_dir])
    with Archive(root) as archive:
        yield archive


def test_searching_a_word_with_or_without_its_accents_finds_the_same_articles(seed_archive):
    from presse.search import QueryError

    def ids(q):
        return [h.id for h in seed_archive.search(q).hits]

    compared = 0
    for word in _seed_words():
        try:
            accented, folded = ids(word), ids(unidecode(word))
        except QueryError:
            continue
        assert accented == folded, word
        compared += 1
    assert compared > 400
    assert ids("capacités") == ids("capacites") != []
    assert ids("Téhéran") == ids("teheran") != []


def test_the_lexicon_answers_as_if_it_held_every_pair_of_every_word():
    # entries() leaves out ASCII words and pairs whose key is the term: terms_for_key must not change.
    raws = set(TOKEN_RE.findall(SEED.read_text(encoding="utf-8"))) | {"capacités", "capacites", "État", "etat",
                                                                      "Pezeshkian", "œuvres", "porte-avions"}
    lexicon = Lexicon()
    lexicon.add_words(raws)
    lx = Lexiconizer()
    full: dict[str, set[str]] = {}
    for raw in raws:
        for key, term in lx.pairs(raw):
            full.setdefault(key, set()).add(term)
    assert full and all(lexicon.terms_for_key(key) == terms | {key} for key, terms in full.items())
    assert lexicon.terms_for_key("capacit") == {"capacit", "capac"}
    assert all(key != term for key, terms in lexicon.stems.items() for term in terms)
