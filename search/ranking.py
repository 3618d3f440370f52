"""Ranking settings: how an ``Archive`` orders the articles a query matches.

Relevance is BM25F over the indexed fields (each field with its weight, its length normalisation
``B`` and its term-frequency saturation ``K1``), then the proximity boost of ``search.proximity``
for queries of several plain words. ``Ranking`` holds those knobs; its defaults are the values
tuned with ``bench/relevance.py``. Pass another one to compare settings::

    Archive(path, ranking=Ranking(proximity_boost=0.0))
    Archive(path, ranking=dataclasses.replace(Ranking(), title=FieldWeight(weight=3.0, B=0.5)))

``Ranking.weighting`` is the same BM25F as a Whoosh weighting model, for the queries Whoosh's
own collector scores (date ranges inside a query, ``more_like``), so that both paths agree.
"""

from __future__ import annotations

import dataclasses
import functools
from math import isfinite

from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

__all__ = ["FieldWeight", "Ranking", "RankingWeighting"]


@dataclasses.dataclass(frozen=True)
class FieldWeight:
    """BM25F settings of one field."""

    weight: float = 1.0  # how much a match in this field counts (BM25F field boost)
    B: float = 0.75  # length normalisation: 0 none, 1 full
    K1: float = 1.2  # term-frequency saturation

    def __post_init__(self):
        if not (isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"Poids de champ invalide : {self.weight!r} (un nombre positif ou nul).")
        if not (isfinite(self.B) and 0 <= self.B <= 1):
            raise ValueError(f"B invalide : {self.B!r} (entre 0 et 1).")
        if not (isfinite(self.K1) and self.K1 > 0):
            raise ValueError(f"K1 invalide : {self.K1!r} (un nombre positif).")


SHORT_FIELD_B = 0.5  # titles and leads are short: less length normalisation


@dataclasses.dataclass(frozen=True)
class Ranking:
    """The ranking knobs of an ``Archive`` (the defaults are the tuned values).

    Fields: ``title``, ``lead`` and ``body`` hold stems; ``title_exact`` and ``exact`` the folded,
    unstemmed word forms (phrases, prefixes, fuzzy words). Any other field scores with
    ``FieldWeight()``.
    """

    title: FieldWeight = FieldWeight(weight=2.5, B=SHORT_FIELD_B)
    lead: FieldWeight = FieldWeight(weight=1.5, B=SHORT_FIELD_B)
    body: FieldWeight = FieldWeight()
    title_exact: FieldWeight = FieldWeight(weight=2.5, B=SHORT_FIELD_B)
    exact: FieldWeight = FieldWeight()
    # Proximity (search.proximity): a score is multiplied by 1 + proximity_boost × the share of the
    # query's consecutive word pairs found within proximity_window positions, in order; only the
    # proximity_docs best articles by BM25F are reordered.
    proximity_boost: float = 0.5
    proximity_window: int = 3
    proximity_docs: int = 100

    def __post_init__(self):
        for name in FIELDS:
            if not isinstance(getattr(self, name), FieldWeight):
                raise ValueError(f"Le champ {name} attend un FieldWeight, pas {getattr(self, name)!r}.")
        if not (isfinite(self.proximity_boost) and self.proximity_boost >= 0):
            raise ValueError(f"proximity_boost invalide : {self.proximity_boost!r} (un nombre positif ou nul).")
        for name in ("proximity_window", "proximity_docs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "proximity_window" else 0):
                raise ValueError(f"{name} invalide : {value!r} (un entier positif).")

    def field(self, name: str) -> FieldWeight:
        """The BM25F settings of field ``name``."""
        return getattr(self, name) if name in FIELDS else DEFAULT_FIELD

    @functools.cached_property
    def weighting(self) -> "RankingWeighting":
        """These settings as a Whoosh weighting model."""
        return RankingWeighting(self)


FIELDS = tuple(f.name for f in dataclasses.fields(Ranking) if isinstance(f.default, FieldWeight))
DEFAULT_FIELD = FieldWeight()


class RankingWeighting(BM25F):
    """Whoosh's BM25F with a ``Ranking``'s per-field weight, ``B`` and ``K1``."""

    def __init__(self, ranking: Ranking):
        super().__init__(B=DEFAULT_FIELD.B, K1=DEFAULT_FIELD.K1, **{f"{f}_B": ranking.field(f).B for f in FIELDS})
        self.ranking = ranking

    def parameters(self, field: str) -> FieldWeight:
        """The settings of ``field``."""
        return self.ranking.field(field)

    def scorer(self, searcher, fieldname, text, qf=1):
        """A scorer of ``text`` in ``fieldname``: BM25 with the field's B and K1, times its weight."""
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        settings = self.ranking.field(fieldname)
        return _WeightedScorer(searcher, fieldname, text, settings.B, settings.K1, settings.weight, qf=qf)


class _WeightedScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, weight, qf=1):
        self.field_weight = weight  # before the parent's setup, which calls _score
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)

    def _score(self, weight, length):
        return super()._score(weight, length) * self.field_weight
