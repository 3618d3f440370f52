"""The Whoosh/numpy storage engine: ``search.engine.Engine`` over a Presse index in Whoosh's format.

The only package of ``search/`` that imports Whoosh (``tests/test_layers.py`` checks it):

- ``index``: the index lifecycle — the open generation, one searcher per thread, refreshes;
- ``postings``: posting lists and positions read from Whoosh's blocks into numpy arrays;
- ``docsets``: the documents a query plan matches, as boolean masks;
- ``scoring``, ``weighting``: BM25F scores over posting arrays, and as a Whoosh weighting model;
- ``proximity``, ``ranker``: the proximity boost, and ranking a plan's matches;
- ``columns``: facet, date and filter columns, field lengths, vocabularies of one commit;
- ``vocabulary``: a field's terms read into ``search.vocabulary.Vocabulary``;
- ``engine``: ``WhooshEngine`` and its per-thread ``WhooshSnapshot``.
"""

from .engine import WhooshEngine, WhooshSnapshot

__all__ = ["WhooshEngine", "WhooshSnapshot"]
