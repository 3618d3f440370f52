"""Presse's indexer: reading French press articles, analysing them, writing the Whoosh index."""

from .analysis import ANALYSIS_VERSION, french_analyzer, french_exact_analyzer
from .article import Article
from .schema import SCHEMA_VERSION, make_schema
from .store import IndexBusy, IndexNotFound, IndexVersionError, PresseIndexError, default_index_dir

__all__ = [
    "ANALYSIS_VERSION",
    "Article",
    "IndexBusy",
    "IndexNotFound",
    "IndexVersionError",
    "PresseIndexError",
    "SCHEMA_VERSION",
    "default_index_dir",
    "french_analyzer",
    "french_exact_analyzer",
    "make_schema",
]
