"""Presse's search library: one import, one object.

>>> from presse.search import Archive
>>> archive = Archive("path/to/index")                                  # doctest: +SKIP
>>> page = archive.search("pétrole ET gaz SAUF Russie", sort="-date")    # doctest: +SKIP
>>> [(h.title, h.date) for h in page.hits]                              # doctest: +SKIP
"""

from presse.indexer.store import IndexVersionError, PresseIndexError

from .archive import Archive, ArchiveNotFound
from .citation import SearchCitation, web_url
from .concordance import ConcordanceLine, ConcordancePage
from .entities import entity_query
from .export import Record, TooLarge
from .facets import UnknownFilterValue
from .ranking import FieldWeight, Ranking
from .settings import EngineSettings
from .syntax import QueryError
from .timeline import Period, Timeline, Trends
from .types import ArchiveStats, ArticleView, FacetCount, Hit, SearchPage, Version

__all__ = [
    "Archive",
    "ArchiveNotFound",
    "ArchiveStats",
    "ArticleView",
    "ConcordanceLine",
    "ConcordancePage",
    "EngineSettings",
    "FacetCount",
    "FieldWeight",
    "Hit",
    "IndexVersionError",
    "Period",
    "PresseIndexError",
    "QueryError",
    "Ranking",
    "Record",
    "SearchCitation",
    "SearchPage",
    "TooLarge",
    "Timeline",
    "Trends",
    "UnknownFilterValue",
    "Version",
    "entity_query",
    "web_url",
]
