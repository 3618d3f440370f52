"""The research views of ``search.Archive`` on a cluster: exports and citations work; timelines,
concordances and named entities are not on the cluster yet and say so in French.

``ClusterViews`` is a mixin of ``engine.ClusterArchive``: it uses its ``search``, ``get``,
``stats`` and ``_run``/``_window``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

import xapian

from ..archive import Archive
from ..export import Record, check_format, check_limit, write
from ..request import FILTERS, SearchRequest
from ..syntax import QueryError

CHUNK = 100
T = TypeVar("T")  # results fetched at a time for an export


class NotOnCluster(QueryError):
    """A view the cluster does not offer yet; ``str(error)`` says so in French."""

    def __init__(self, what: str):
        super().__init__(f"{what} ne sont pas encore disponibles sur une archive en grappe (Xapian) : "
                         "utilisez la recherche, l'article, l'export ou la citation.")


class _Searching(Protocol):
    """What ``ClusterViews`` needs of the archive it is mixed into (``engine.ClusterArchive``)."""

    def _run(self, work: Callable[[xapian.Database], T]) -> tuple[T, tuple[int, ...]]: ...

    def _window(self, db: xapian.Database, request: SearchRequest, start: int, count: int) -> tuple: ...

    def stats(self): ...

    def records(self, q: str = "", *, sort: str = "relevance", limit: int | None = None,
                **filters) -> Iterator[Record]: ...


class ClusterViews:
    """Exports, citations and the views a cluster does not offer (see the module docstring)."""

    # The citation of an article and of a search need only get, search and stats: the local rules.
    cite = Archive.cite
    cite_search = Archive.cite_search

    def records(self: _Searching, q: str = "", *, sort: str = "relevance", limit: int | None = None,
                **filters) -> Iterator[Record]:
        """The articles ``search`` finds, all of them in ``sort`` order (``export.Record``), or the
        first ``limit``; as ``search.Archive.records``.

        :raises TooLarge: more than ``export.MAX_ARTICLES`` articles and no ``limit`` (French message).
        """
        from .engine import _fields

        unknown = sorted(set(filters) - {*FILTERS, "date_from", "date_to"})
        if unknown:
            raise QueryError(f"Paramètre inconnu « {unknown[0]} ».")
        request = SearchRequest.of(q, sort=sort, **filters)
        total = self._run(lambda db: self._window(db, request, 0, 0)[2].get_matches_estimated())[0]
        count = check_limit(total, limit)

        def chunks() -> Iterator[Record]:
            for start in range(0, count, CHUNK):
                def read(db, start=start):
                    return [(_fields(m.document), m.weight)
                            for m in self._window(db, request, start, min(CHUNK, count - start))[2]]
                window = self._run(read)[0]
                for rank, (fields, score) in enumerate(window, start + 1):
                    yield Record.from_fields(fields, rank, score)

        return chunks()

    def export(self: _Searching, q: str = "", format: str = "csv", *, sort: str = "relevance", limit: int | None = None,
               **filters):
        """The articles ``search`` finds as text chunks of ``format`` (see ``search.Archive.export``)."""
        check_format(format)
        return write(format, self.records(q, sort=sort, limit=limit, **filters))

    def versions(self, article_id: str) -> tuple:
        """Other versions of a dispatch: the cluster does not group wire copies (always empty)."""
        return ()

    def entity(self, kind: str, name: str, related: int = 10):
        """Named entities are not in the cluster: None (no article has it), whatever ``kind``."""
        return None

    def article_entities(self, article_id: str) -> tuple:
        """Named entities are not in the cluster: empty."""
        return ()

    def entities_analysed(self) -> int:
        """Named entities are not in the cluster: 0 articles analysed."""
        return 0

    def warm_up(self: _Searching) -> None:
        """Open the connections to the shards now."""
        self.stats()

    def timeline(self, *args, **kwargs):
        """Not on the cluster yet: ``NotOnCluster``."""
        raise NotOnCluster("Les courbes dans le temps")

    def trends(self, *args, **kwargs):
        """Not on the cluster yet: ``NotOnCluster``."""
        raise NotOnCluster("Les courbes dans le temps")

    def concordance(self, *args, **kwargs):
        """Not on the cluster yet: ``NotOnCluster``."""
        raise NotOnCluster("Les concordances")

    def concordance_lines(self, *args, **kwargs):
        """Not on the cluster yet: ``NotOnCluster``."""
        raise NotOnCluster("Les concordances")

