"""A ``search.ranking.Ranking`` as a Whoosh weighting model, for what Whoosh scores itself
(similar articles): BM25 field by field with each field's weight and ``B``, the ranking's ``K1``
and idf. The numpy scoring (``scoring``) reads the ``Ranking`` itself for the rest."""

from __future__ import annotations

import functools

from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

from ..ranking import DEFAULT_FIELD, FIELDS, Ranking

__all__ = ["RankingWeighting", "weighting_of"]


@functools.lru_cache(maxsize=16)
def weighting_of(ranking: Ranking) -> RankingWeighting:
    """``ranking`` as a Whoosh weighting model (one per distinct ranking)."""
    return RankingWeighting(ranking)


class RankingWeighting(BM25F):
    """A ``Ranking`` as a Whoosh weighting model: BM25 field by field, with each field's weight and
    ``B``, the ranking's ``K1`` and idf (``scoring`` reads ``ranking`` for the rest)."""

    def __init__(self, ranking: Ranking):
        super().__init__(B=DEFAULT_FIELD.B, K1=ranking.K1, **{f"{f}_B": ranking.field(f).B for f in FIELDS})
        self.ranking = ranking

    def idf(self, searcher, fieldname, text):
        """The idf of ``text`` in ``fieldname`` (Whoosh asks it through its searcher's cache)."""
        parent = searcher.get_parent()
        return self.ranking.idf_of(parent.doc_count_all(), parent.doc_frequency(fieldname, text))

    def scorer(self, searcher, fieldname, text, qf=1):
        """A scorer of ``text`` in ``fieldname``: BM25 with the field's B, times its weight."""
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        settings = self.ranking.field(fieldname)
        return _WeightedScorer(searcher, fieldname, text, settings.B, self.K1, settings.weight, qf=qf)


class _WeightedScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, weight, qf=1):
        self.field_weight = weight  # before the parent's setup, which calls _score
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)

    def _score(self, weight, length):
        return super()._score(weight, length) * self.field_weight
