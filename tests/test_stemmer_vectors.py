"""French analysis measured against Snowball and Lucene.

* Snowball: Presse's stemmer (PyStemmer, the C build) must give exactly the stems of Snowball's own
  French test vocabulary (voc.txt → output.txt, 21,655 words, Snowball 3.x). The vectors ship in
  tests/data/vectors/snowball-fr-v3 so the test always runs; a second run reads ../shared when present.
* Lucene: the 16 cases of Lucene's TestFrenchAnalyzer. Presse differs from Lucene's FrenchAnalyzer on
  purpose (Snowball stemming instead of FrenchLightStemmer, every accent folded, hyphenated
  compounds indexed whole and by parts): each case either agrees or has its difference stated in
  EXPECTED_DIFFERENCES, so any other change fails. ``pytest -s`` prints the agreement report.

Speed of the stemmers: ``python bench/stemmers.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from presse.indexer.analysis import SnowballFilter, fold, is_stop_word, tokens

from conftest import shared_path

VECTORS = Path(__file__).resolve().parent / "data" / "vectors"
SNOWBALL_V3_WORDS = 21_655


# ======================================================================================= Snowball


def _snowball_dir(source: str) -> Path:
    if source == "shipped":
        return VECTORS / "snowball-fr-v3"
    return shared_path("corpora", "snowball-french", "v3-head")


def _read_pairs(directory: Path) -> list[tuple[str, str]]:
    words = (directory / "voc.txt").read_text(encoding="utf-8").splitlines()
    stems = (directory / "output.txt").read_text(encoding="utf-8").splitlines()
    assert len(words) == len(stems)
    return list(zip(words, stems))


@pytest.mark.parametrize("source", ["shipped", "shared"])
def test_presse_stems_like_snowball_on_its_whole_french_vocabulary(source):
    pairs = _read_pairs(_snowball_dir(source))
    assert len(pairs) == SNOWBALL_V3_WORDS
    stem = SnowballFilter().stem
    disagreements = [(word, expected, stem(word)) for word, expected in pairs if stem(word) != expected]
    print(f"\nSnowball French v3 ({source}): {len(pairs) - len(disagreements):,}/{len(pairs):,} stems identical")
    assert disagreements[:20] == []


def test_shipped_vectors_are_the_shared_ones():
    shared = shared_path("corpora")
    copies = {
        VECTORS / "snowball-fr-v3" / name: shared / "snowball-french" / "v3-head" / name
        for name in ("voc.txt", "output.txt", "COPYING")
    }
    copies[VECTORS / "snowball-fr-v3" / "COPYING.snowball-data"] = shared / "snowball-french" / "COPYING.snowball-data"
    copies[VECTORS / "lucene-french" / "french_analyzer_cases.json"] = (
        shared / "lucene-french-stem" / "french_analyzer_cases.json"
    )
    for ours, theirs in copies.items():
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_snowball_examples_from_the_vocabulary():
    stem = SnowballFilter().stem
    assert [stem(w) for w in ["abaissait", "capacités", "capacites", "ambiguïté", "chevaux", "c'est"]] == [
        "abaiss", "capac", "capacit", "ambigu", "cheval", "est",
    ]
    assert stem("porte-avions") == "port-avion"  # a compound, part by part


# ========================================================================================= Lucene

LUCENE = json.loads((VECTORS / "lucene-french" / "french_analyzer_cases.json").read_text(encoding="utf-8"))
LUCENE_CASES = [(c["input"], c["tokens"]) for c in LUCENE["cases"]]

SNOWBALL_NOT_LIGHT = "Snowball French (Presse) is not Lucene's FrenchLightStemmer"

# input → (Presse's tokens, why they differ from Lucene's). A case not listed must agree exactly.
EXPECTED_DIFFERENCES: dict[str, tuple[list[str], str]] = {
    'mot "entreguillemet"': (
        ["mot", "entreguillemet"],
        f"{SNOWBALL_NOT_LIGHT}: the light stemmer merges doubled consonants (ll → l), Snowball keeps them",
    ),
    "Jean-François": (
        ["jean-francois", "jean", "francois"],
        "a hyphenated compound is indexed whole and by parts (Lucene: parts only); Snowball keeps the "
        "final s of françois, the light stemmer drops it",
    ),
    "lances chismes habitable chiste éléments captifs": (
        ["lanc", "chism", "habit", "chist", "element", "captif"],
        f"{SNOWBALL_NOT_LIGHT}: Snowball removes the suffix -able (habitable → habit)",
    ),
    "finissions souffrirent rugissante": (
        ["fin", "souffr", "rug"],
        f"{SNOWBALL_NOT_LIGHT}: Snowball removes verb endings (-issions, -irent, -issante); the light "
        "stemmer only trims and merges doubled consonants",
    ),
    "C3PO aujourd'hui oeuf ïâöûàä anticonstitutionnellement Java++ ": (
        ["c3po", "aujourd'hui", "oeuf", "iaouaa", "anticonstitutionnel", "jav"],
        "Presse folds every accent (Lucene's light stemmer folds some: ïaöuaä); Snowball keeps the "
        "double n of -nnel and removes the final a of java",
    ),
    "33Bis 1940-1945 1940:1945 (---i+++)*": (
        ["33bis", "1940-1945", "1940", "1945", "1940", "1945", "i"],
        "a hyphenated number is indexed whole and by parts; Snowball never removes an s after i "
        "(33bis), the light stemmer drops a final s",
    ),
    "voir l'embrouille": (
        ["voir", "embrouill"],
        f"{SNOWBALL_NOT_LIGHT}: the light stemmer merges doubled consonants (ll → l), Snowball keeps them",
    ),
}


@pytest.mark.parametrize("text, lucene", LUCENE_CASES, ids=[repr(t) for t, _ in LUCENE_CASES])
def test_presse_against_lucene_french_analyzer(text, lucene):
    presse = tokens(text)
    if text in EXPECTED_DIFFERENCES:
        expected, why = EXPECTED_DIFFERENCES[text]
        assert why
        assert presse == expected
        assert presse != lucene, "Presse now agrees with Lucene here: remove the entry from EXPECTED_DIFFERENCES"
    else:
        assert presse == lucene


def test_every_expected_difference_is_a_lucene_case():
    assert set(EXPECTED_DIFFERENCES) <= {text for text, _ in LUCENE_CASES}


def test_lucene_agreement_report():
    identical = [text for text, lucene in LUCENE_CASES if tokens(text) == lucene]
    documented = [text for text, _ in LUCENE_CASES if text in EXPECTED_DIFFERENCES]
    print(f"\nLucene FrenchAnalyzer cases: {len(identical)}/{len(LUCENE_CASES)} identical, "
          f"{len(documented)} documented differences")
    for text in documented:
        lucene = dict(LUCENE_CASES)[text]
        presse, why = EXPECTED_DIFFERENCES[text]
        print(f"  {text!r}\n    Lucene {lucene}\n    Presse {presse}\n    why: {why}")
    assert len(LUCENE_CASES) == 16
    assert (len(identical), len(documented)) == (9, 7)


def test_lucene_stem_exclusion_case_has_no_presse_counterpart():
    # Lucene can be given words never to stem; Presse has no such set: habitable is stemmed.
    (case,) = LUCENE["with_stem_exclusion_set"]
    assert (case["input"], case["tokens"]) == ("habitable chiste", ["habitable", "chist"])
    assert tokens(case["input"]) == ["habit", "chist"]


# -- stop words: every word Lucene drops as a stop word, Presse drops too

_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'", re.IGNORECASE)


def _words(text: str) -> list[str]:
    """The words of a Lucene case roughly as StandardTokenizer + ElisionFilter + LowerCaseFilter see them."""
    return [_ELISION.sub("", w) for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower())]


def _dropped_by_lucene(text: str, lucene: list[str]) -> list[str]:
    """The words of ``text`` with no token in Lucene's output: align the output, in order, with the
    words whose folded form shares its first three letters; the words left over were stopped."""
    dropped, out = [], list(lucene)
    for word in _words(text):
        if out and fold(word)[:3] == fold(out[0])[:3]:
            out.pop(0)
        else:
            dropped.append(word)
    assert out == [], f"could not align Lucene's tokens {lucene} with {text!r}"
    return dropped


LUCENE_STOPPED = sorted({w for text, lucene in LUCENE_CASES for w in _dropped_by_lucene(text, lucene)})


def test_the_words_lucene_drops_are_its_stop_words():
    assert LUCENE_STOPPED == ["aux", "des", "du", "la", "le", "les", "votre", "à"]


@pytest.mark.parametrize("word", LUCENE_STOPPED)
def test_presse_drops_every_word_lucene_stops(word):
    assert is_stop_word(word)
    assert tokens(word) == tokens(word.upper()) == []


def test_presse_and_lucene_keep_the_same_content_words_of_the_stop_word_case():
    text = "le la chien les aux chat du des à cheval"
    assert tokens(text) == dict(LUCENE_CASES)[text] == ["chien", "chat", "cheval"]
