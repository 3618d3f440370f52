"""The inverter gives, in bulk, the postings FrenchText.index gives a word at a time: the same
terms, frequencies and positions, for every French field of real articles and of random texts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.system import pack_uint

from presse.indexer.inversion import Inverter, TokenBatch
from presse.indexer.schema import FrenchText, PackedPositions, make_schema

from conftest import seed_documents

SCHEMA = make_schema()
FRENCH_FIELDS = [name for name, field in SCHEMA.items() if isinstance(field, FrenchText)]


def by_field_index(field, value) -> list[tuple]:
    """(term bytes, frequency, weight, value bytes) of each term, as FrenchText.index gives them."""
    return sorted(field.index(value))


def by_batch(inverter: Inverter, field, values: list) -> list[list[tuple]] | None:
    """The same items for each of ``values`` (one document each), from one TokenBatch of them
    all; None when the inverter leaves the field to field.index."""
    table = inverter.table(field)
    if table is None:
        return None
    batch = TokenBatch(table, isinstance(field.format, PackedPositions), field.format.field_boost)
    for docnum, value in enumerate(values):
        inverter.start_document()
        rows = inverter.rows(field, value)
        assert batch.add(docnum, rows) == sum(freq for _, freq, _, _ in field.index(value))
    postings = batch.postings()
    assert len(batch) == 0, "the batch forgets what it inverted"
    names = list(table.vocabulary)
    items = [[] for _ in values]
    at = 0
    for term, doc, freq, weight in zip(*(a.tolist() for a in postings[:4])):
        if postings.positions is not None:
            positions = postings.positions[at:at + freq]
            assert np.all(np.diff(positions) > 0), "positions ascend within a posting"
            encoded = field.format.encode(positions.tolist())
        else:
            encoded = pack_uint(freq)  # what formats.Frequency stores
        at += freq
        items[doc].append((names[term], freq, weight, encoded))
    assert list(postings.docs) == sorted(postings.docs), "documents ascend"
    return [sorted(doc_items) for doc_items in items]


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    """The seed page and 300 OrangeSum articles the project ships, as the writer gets them."""
    return seed_documents(300)


def test_real_articles_give_the_postings_of_field_index(documents):
    inverter = Inverter()
    for name in FRENCH_FIELDS:
        field = SCHEMA[name]
        values = [doc[name] for doc in documents if doc.get(name)]
        assert by_batch(inverter, field, values) == [by_field_index(field, value) for value in values], name


def test_a_tuple_of_texts_is_indexed_like_its_texts_one_paragraph_apart():
    lead = "Le porte-avions Charles-de-Gaulle appareille de Toulon, selon l'état-major."
    body = "Jusqu'à présent, aujourd'hui comme hier, l'Œuvre du 1,5 % reste à l'étude."
    field = SCHEMA["exact"]
    assert by_batch(Inverter(), field, [(lead, body)]) == [by_field_index(field, f"{lead}\n\n{body}")]


def test_fields_of_other_kinds_are_left_to_field_index():
    inverter = Inverter()
    assert inverter.rows(SCHEMA["id"], "lemonde-1995-12-05") is None
    assert inverter.vocabulary(SCHEMA["year"]) is None


def test_the_fields_of_one_analysis_chain_share_a_vocabulary():
    inverter = Inverter()
    assert inverter.vocabulary(SCHEMA["title"]) is inverter.vocabulary(SCHEMA["body"])
    assert inverter.vocabulary(SCHEMA["exact"]) is inverter.vocabulary(SCHEMA["title_exact"])
    assert inverter.vocabulary(SCHEMA["exact"]) is not inverter.vocabulary(SCHEMA["body"])


def test_empty_texts_and_texts_of_stop_words_only():
    stops = " ".join(["le", "de", "la", "et", "des"] * 10)
    values = ["", stops, "Grève", "", stops + " grève"]
    for name in ("body", "exact"):
        field = SCHEMA[name]
        assert by_batch(Inverter(), field, values) == [by_field_index(field, value) for value in values], name


_words = st.sampled_from(["État", "l'État", "d’Orsay", "aujourd'hui", "porte-avions", "Œuvre", "1,5", "12.10.2024",
                          "gou-\nvernement", "Moyen-\nOrient", "le", "été", "capacités", "Pezeshkian", "ÉTAT", "x" * 90,
                          "jusqu'ici", "qu’il", "main-d'œuvre", "İstanbul", "naïveté", "ſ", "2024", "-", "’"])
_texts = st.lists(st.one_of(_words, st.text(max_size=12)), min_size=0, max_size=80).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_texts, min_size=1, max_size=5))
def test_random_texts_give_the_postings_of_field_index(texts):
    # One inverter and one batch for all the texts, as in a segment.
    for name in ("body", "exact"):
        field = SCHEMA[name]
        assert by_batch(Inverter(), field, texts) == [by_field_index(field, text) for text in texts], name
