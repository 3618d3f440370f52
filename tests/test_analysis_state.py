"""Analyzers without hidden state (issue 17): their caches are bounded by construction, and they
collect nothing for anyone (the lexicon's words come from the index writer's token tables)."""

from __future__ import annotations

import pickle

from presse.indexer import words
from presse.indexer.analysis import CachedFilter, fold, french_analyzer, stemming_filters, tokens
from presse.indexer.schema import FrenchText, make_schema

# Words of a server's worth of queries: far more distinct words than any cache may hold.
WORDS = [f"capacités{n}" for n in range(3000)]


def test_a_cached_filter_holds_at_most_its_max_entries():
    cached = CachedFilter(*stemming_filters(), max_entries=50)
    for word in WORDS:
        cached.analyze(word)
        assert len(cached._cache) <= 50
    assert cached.analyze("capacités") == ((("capac", 0, 0, 9),), 1)


def test_a_limit_holds_for_filters_already_filled():
    analyzer = french_analyzer()
    tokens(" ".join(WORDS[:500]), analyzer)
    cached = analyzer.items[1]
    assert len(cached._cache) == 500
    cached.limit(100)
    assert len(cached._cache) <= 100
    tokens(" ".join(WORDS), analyzer)
    assert len(cached._cache) <= 100


def test_the_fold_table_is_bounded_whatever_the_text():
    # Every CJK ideograph, as a server could be sent: folded right, none remembered.
    ideographs = "".join(map(chr, range(0x4E00, 0xA000)))
    assert fold("État " + ideographs + " ﬁn\u302a") == "Etat " + ideographs + " fin"
    assert len(words._FOLD_TABLE) <= words.FOLD_CACHED_BELOW
    assert all(code < words.FOLD_CACHED_BELOW for code in words._FOLD_TABLE)


def test_analysing_leaves_nothing_in_the_filters_but_their_caches():
    schema = make_schema()
    text = "Les capacités de l'État et la défense européenne, porte-avions compris."
    before = {name: pickle.dumps(field.analyzer) for name, field in schema.items() if isinstance(field, FrenchText)}
    for name in before:
        tokens(text, schema[name].analyzer)
    for name, pickled in before.items():
        cached = schema[name].cached_filter()
        assert cached._cache  # it did analyse
        assert set(vars(cached)) == {"filters", "_steps", "_elides", "_cache"}
        assert pickle.dumps(schema[name].analyzer) == pickled  # what an index stores did not change
