"""The Whoosh schema of a Presse index: stored fields for display, analysed fields for search."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import french_analyzer, french_exact_analyzer

# Bump when fields change in a way an existing index cannot serve (checked with ANALYSIS_VERSION).
SCHEMA_VERSION = 1

# The stemmed fields searched by plain words, and the exact-form fields for phrases, prefixes and
# fuzzy words. "exact" holds the lead and the body; the title has its own.
STEMMED_FIELDS = ("title", "lead", "body")
EXACT_FIELDS = ("title_exact", "exact")
FACET_FIELDS = ("source", "author", "section", "year")
UNDATED_LAST = 99_999_999


def make_schema() -> Schema:
    """The schema every Presse index is built with."""
    stemmed = french_analyzer()
    exact = french_exact_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        # Plain words are matched on stems: frequencies are enough (phrase=False stores no positions).
        title=TEXT(analyzer=stemmed, stored=True, phrase=False),
        lead=TEXT(analyzer=stemmed, stored=True, phrase=False),
        body=TEXT(analyzer=stemmed, stored=True, phrase=False),
        # Folded, unstemmed word forms with positions: "exact phrase", prefix*, fuzzy~.
        title_exact=TEXT(analyzer=exact, phrase=True),
        exact=TEXT(analyzer=exact, phrase=True),
        author_text=TEXT(analyzer=exact, phrase=True),
        source_text=TEXT(analyzer=exact, phrase=True),
        # Exact values for filters and facets, read from columns.
        source=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        section=ID(stored=True, sortable=True),
        year=NUMERIC(int, stored=True, sortable=True),
        date=DATETIME(stored=True),
        # Days since 0001-01-01, for sorting by date with undated articles last either way:
        # "day" is 0 when undated (newest first, tie-breaks), "day_asc" is UNDATED_LAST (oldest first).
        day=NUMERIC(int, bits=32, sortable=True),
        day_asc=NUMERIC(int, bits=32, sortable=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        publisher=STORED(),
        url=STORED(),
        language=ID(stored=True),
        # Bookkeeping for incremental indexing.
        path=ID(stored=True, sortable=True),
        hash=ID(stored=True, sortable=True),
    )
