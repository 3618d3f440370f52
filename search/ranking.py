"""Ranking settings: how an ``Archive`` orders the articles a query matches.

Relevance is BM25F over the indexed fields, then the proximity boost of ``search.whoosh_engine.proximity`` for
queries of several plain words. ``Ranking`` holds the knobs; its defaults are the values tuned
with ``bench/relevance.py``. Pass another one to compare settings::

    Archive(path, ranking=Ranking(proximity_boost=0.0))
    Archive(path, ranking=dataclasses.replace(Ranking(), title=FieldWeight(weight=3.0, B=0.5)))

BM25F, as Robertson, Zaragoza and Taylor define it ("Simple BM25 extension to multiple weighted
fields", 2004; SQLite FTS5's ``bm25()`` works this way): for each word, the frequencies in the
fields are weighted, normalised by each field's length, and added up *before* one saturation. An
article does not win by repeating a word in its title, lead and body (each field saturating on its
own, as Whoosh's ``BM25F`` scores, which ``saturation="field"`` keeps for comparison): what counts
is having the query's words, all of them, with the typed forms (``exact_forms``) above the other
forms of their stems.

``search.whoosh_engine.weighting.RankingWeighting`` is a Whoosh weighting model of the same
settings (field by field: Whoosh's collector cannot combine fields), for what Whoosh scores itself
(``Archive.more_like``).
"""

from __future__ import annotations

import dataclasses
from math import isfinite, log

__all__ = ["FieldWeight", "Ranking", "exact_form_terms"]


def _number(name: str, value, low: float, high: float = float("inf"), low_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isfinite(value) \
            or value < low or value > high or (low_open and value == low):
        bounds = f"entre {low:g} et {high:g}" if high != float("inf") else \
            ("un nombre positif" if low_open else "un nombre positif ou nul")
        raise ValueError(f"{name} invalide : {value!r} ({bounds}).")


@dataclasses.dataclass(frozen=True)
class FieldWeight:
    """BM25F settings of one field."""

    weight: float = 1.0  # how much a word found in this field counts
    B: float = 0.75  # length normalisation: 0 none, 1 full

    def __post_init__(self):
        _number("Poids de champ", self.weight, 0)
        _number("B", self.B, 0, 1)


SHORT_FIELD_B = 0.5  # titles and leads are short: less length normalisation
IDF = {
    # Whoosh's: every word counts at least 1, so "selon" in half the articles still weighs 1.7.
    "whoosh": lambda documents, frequency: log(documents / (frequency + 1)) + 1,
    # Lucene's BM25 idf: the words most articles have count for little.
    "bm25": lambda documents, frequency: log(1 + (documents - frequency + 0.5) / (frequency + 0.5)),
}
SATURATIONS = ("word", "field")
PROXIMITY_RULES = ("all", "share")


@dataclasses.dataclass(frozen=True)
class Ranking:
    """The ranking knobs of an ``Archive`` (the defaults are the tuned values).

    Fields: ``title``, ``lead`` and ``body`` hold stems; ``title_exact`` and ``exact`` the folded,
    unstemmed word forms (phrases, prefixes, fuzzy words, and ``exact_forms``). Any other field
    scores with ``FieldWeight()``.
    """

    title: FieldWeight = FieldWeight(weight=2.5, B=SHORT_FIELD_B)
    lead: FieldWeight = FieldWeight(weight=2.5, B=SHORT_FIELD_B)
    body: FieldWeight = FieldWeight()
    title_exact: FieldWeight = FieldWeight(weight=2.5, B=SHORT_FIELD_B)
    exact: FieldWeight = FieldWeight()
    K1: float = 0.8  # term-frequency saturation
    saturation: str = "word"  # "word": BM25F proper; "field": each field saturates (Whoosh's BM25F)
    # The exact forms of a plain query's words also score, as words of their own, in title_exact and
    # exact, at this times those fields' weights (0: the stems alone score).
    exact_forms: float = 2.0
    idf: str = "whoosh"  # see IDF
    # Proximity (search.whoosh_engine.proximity): the score of an article where the query's words follow each
    # other (each within proximity_window positions of the previous one) is multiplied by
    # 1 + proximity_boost; only the proximity_docs best articles by BM25F are reordered for two words,
    # proximity_docs_long for more. proximity="share": the boost scales with the share of the
    # consecutive pairs found close, words no article has included (as Presse ranked before).
    proximity_boost: float = 1.0
    proximity_window: int = 3
    proximity_docs: int = 10
    proximity_docs_long: int = 100
    proximity: str = "all"

    def __post_init__(self):
        for name in FIELDS:
            if not isinstance(getattr(self, name), FieldWeight):
                raise ValueError(f"Le champ {name} attend un FieldWeight, pas {getattr(self, name)!r}.")
        _number("K1", self.K1, 0, low_open=True)
        _number("exact_forms", self.exact_forms, 0)
        _number("proximity_boost", self.proximity_boost, 0)
        if self.idf not in IDF:
            raise ValueError(f"idf invalide : {self.idf!r} (au choix : {', '.join(IDF)}).")
        if self.proximity not in PROXIMITY_RULES:
            raise ValueError(f"proximity invalide : {self.proximity!r} (au choix : {', '.join(PROXIMITY_RULES)}).")
        if self.saturation not in SATURATIONS:
            raise ValueError(f"saturation invalide : {self.saturation!r} (au choix : {', '.join(SATURATIONS)}).")
        for name in ("proximity_window", "proximity_docs", "proximity_docs_long"):
            value, least = getattr(self, name), 1 if name == "proximity_window" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} invalide : {value!r} (un entier positif).")

    def field(self, name: str) -> FieldWeight:
        """The BM25F settings of field ``name``."""
        return getattr(self, name) if name in FIELDS else DEFAULT_FIELD

    def idf_of(self, documents: int, frequency: int) -> float:
        """The idf of a word found in ``frequency`` of the index's ``documents``."""
        return IDF[self.idf](documents, frequency)


FIELDS = tuple(f.name for f in dataclasses.fields(Ranking) if isinstance(f.default, FieldWeight))
DEFAULT_FIELD = FieldWeight()


EXACT_FIELDS = ("title_exact", "exact")


def exact_form_terms(words, weight: float) -> list[tuple[str, str, float]]:
    """Terms scoring the exact (folded, unstemmed) forms of ``words`` in the exact-form fields, at
    ``weight`` times those fields' weights: a document with the very words typed scores above one
    with other forms of their stems only (none when ``weight`` is 0)."""
    if not weight:
        return []
    return [(field, word, weight) for word in dict.fromkeys(words) for field in EXACT_FIELDS]
