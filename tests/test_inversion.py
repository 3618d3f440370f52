"""The inverter gives, in bulk, the postings FrenchText.index gives a word at a time: the same
terms, frequencies and positions, for every French field of real articles and of random texts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whoosh.system import pack_uint

from indexer.inversion import BULK_FROM_TOKENS, Inverter
from indexer.schema import FrenchText, make_schema

from conftest import seed_documents

SCHEMA = make_schema()
FRENCH_FIELDS = [name for name, field in SCHEMA.items() if isinstance(field, FrenchText)]


def by_field_index(field, value) -> list[tuple]:
    """(term bytes, frequency, weight, value bytes) of each term, as FrenchText.index gives them."""
    return sorted(field.index(value))


def by_inverter(inverter: Inverter, field, value) -> list[tuple] | None:
    """The same items, made from what the inverter gives (None when it leaves the text to field.index)."""
    inverted = inverter.invert(field, value)
    if inverted is None:
        return None
    names = list(inverter.vocabulary(field))
    assert inverted.length == int(inverted.freqs.sum())
    items, at = [], 0
    for term, freq in zip(inverted.terms.tolist(), inverted.freqs.tolist()):
        if inverted.positions is not None:
            positions = inverted.positions[at:at + freq]
            assert np.all(np.diff(positions) > 0), "positions ascend within a term"
            encoded = field.format.encode(positions.tolist())
        else:
            encoded = pack_uint(freq)  # what formats.Frequency stores
        at += freq
        items.append((names[term], freq, freq * field.format.field_boost, encoded))
    return sorted(items)


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    """The seed page and 300 OrangeSum articles the project ships, as the writer gets them."""
    return seed_documents(300)


def test_real_articles_give_the_postings_of_field_index(documents):
    inverter = Inverter()
    bulk = 0
    for doc in documents:
        inverter.start_document()
        for name in FRENCH_FIELDS:
            if doc.get(name):
                field = SCHEMA[name]
                ours = by_inverter(inverter, field, doc[name])
                if ours is not None:
                    bulk += 1
                    assert ours == by_field_index(field, doc[name]), (doc["id"], name)
    assert bulk > len(documents)  # bodies and exact texts at least went through the inverter


def test_a_tuple_of_texts_is_indexed_like_its_texts_one_paragraph_apart():
    lead = "Le porte-avions Charles-de-Gaulle appareille de Toulon, selon l'état-major. " * 3
    body = "Jusqu'à présent, aujourd'hui comme hier, l'Œuvre du 1,5 % reste à l'étude. " * 3
    field = SCHEMA["exact"]
    inverter = Inverter()
    inverter.start_document()
    assert by_inverter(inverter, field, (lead, body)) == by_field_index(field, f"{lead}\n\n{body}")


def test_a_short_text_is_left_to_field_index():
    inverter = Inverter()
    inverter.start_document()
    assert inverter.invert(SCHEMA["title"], "Le gouvernement recule") is None
    assert inverter.invert(SCHEMA["body"], " ".join(["grève"] * BULK_FROM_TOKENS)) is not None


def test_fields_of_other_kinds_are_left_to_field_index():
    inverter = Inverter()
    assert inverter.invert(SCHEMA["id"], "lemonde-1995-12-05") is None
    assert inverter.vocabulary(SCHEMA["year"]) is None


def test_the_fields_of_one_analysis_chain_share_a_vocabulary():
    inverter = Inverter()
    assert inverter.vocabulary(SCHEMA["title"]) is inverter.vocabulary(SCHEMA["body"])
    assert inverter.vocabulary(SCHEMA["exact"]) is inverter.vocabulary(SCHEMA["title_exact"])
    assert inverter.vocabulary(SCHEMA["exact"]) is not inverter.vocabulary(SCHEMA["body"])


def test_a_text_made_only_of_stop_words_has_no_stemmed_postings():
    inverter = Inverter()
    inverter.start_document()
    text = " ".join(["le", "de", "la", "et", "des"] * 10)
    inverted = inverter.invert(SCHEMA["body"], text)
    assert inverted is not None and inverted.length == 0 and len(inverted.terms) == 0
    assert by_inverter(inverter, SCHEMA["exact"], text) == by_field_index(SCHEMA["exact"], text)


_words = st.sampled_from(["État", "l'État", "d’Orsay", "aujourd'hui", "porte-avions", "Œuvre", "1,5", "12.10.2024",
                          "gou-\nvernement", "Moyen-\nOrient", "le", "été", "capacités", "Pezeshkian", "ÉTAT", "x" * 90,
                          "jusqu'ici", "qu’il", "main-d'œuvre", "İstanbul", "naïveté", "ſ", "2024", "-", "’"])
_texts = st.lists(st.one_of(_words, st.text(max_size=12)), min_size=0, max_size=80).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_texts, min_size=1, max_size=4))
def test_random_texts_give_the_postings_of_field_index(texts):
    # One inverter across texts, as in a segment: tokens seen in one text are reused in the next.
    inverter = Inverter()
    for text in texts:
        inverter.start_document()
        for name in ("body", "exact"):
            field = SCHEMA[name]
            ours = by_inverter(inverter, field, text)
            if ours is not None:
                assert ours == by_field_index(field, text), name
