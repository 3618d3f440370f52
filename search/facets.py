"""Facet filters: which values of a facet a filter keeps, and the French error when none.

(The engine counts facets and applies filters over its column arrays:
``search.whoosh_engine.columns``.)

A source, author or section filter keeps the value it names exactly when the archive has it (what
a facet link sends); otherwise every value whose words contain its words, in order, ignoring case
and accents — the match of ``source:wikinews`` in a query (``filter_values``). A filter that
matches no value raises ``UnknownFilterValue``, which names the closest known values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from presse.indexer.analysis import fold

from .plan import Filters
from .syntax import QueryError

__all__ = ["Filters", "UnknownFilterValue", "contains_words", "filter_values", "suggested_values", "value_words"]

SUGGESTED_VALUES = 8  # known values named when a filter matches none
CLOSE_SCORE = 75  # rapidfuzz WRatio (0-100) from which a known value is a close spelling of a filter
_WORD = re.compile(r"[^\W_]+")
# Facet → (no value matches, the values, the most frequent values) in French.
_FILTER_NAMES = {"source": ("Aucune source", "Sources", "Sources les plus fréquentes"),
                 "author": ("Aucun auteur", "Auteurs", "Auteurs les plus fréquents"),
                 "section": ("Aucune rubrique", "Rubriques", "Rubriques les plus fréquentes")}


class UnknownFilterValue(QueryError):
    """A source, author or section filter that matches no value of the archive; the French message
    names known values (``known``): all of them when few, else the closest, else the most frequent."""

    def __init__(self, facet: str, value: str, known: Sequence[str], how: str = "all"):
        none, plural, most = _FILTER_NAMES.get(facet, ("Aucune valeur", "Valeurs", "Valeurs les plus fréquentes"))
        names = ", ".join(f"« {v} »" for v in known)
        if not known:
            message = f"{none} ne correspond à « {value} » : aucun article de l'archive n'en indique."
        elif how == "close":
            message = f"{none} ne correspond à « {value} ». {plural} proches : {names}."
        elif how == "frequent":
            message = f"{none} ne correspond à « {value} ». {most} : {names}."
        else:
            message = f"{none} ne correspond à « {value} ». {plural} de l'archive : {names}."
        super().__init__(message)
        self.facet, self.value, self.known = facet, value, tuple(known)


def value_words(text: str) -> tuple[str, ...]:
    """The lower-case, accent-folded words of a facet value or filter, as filters compare them.

    >>> value_words("Wikinews (fr.wikinews.org)")
    ('wikinews', 'fr', 'wikinews', 'org')
    """
    return tuple(_WORD.findall(fold(str(text).lower())))


def contains_words(words: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """True when ``wanted`` appears in ``words`` as a run of consecutive words."""
    n = len(wanted)
    if n == 1:
        return wanted[0] in words
    return n > 0 and any(words[i:i + n] == wanted for i in range(len(words) - n + 1))


def filter_values(values: Sequence, wanted: str, words: Sequence[tuple[str, ...]] | None = None) -> list[int]:
    """The positions in ``values`` that the filter ``wanted`` keeps: the value itself when present,
    else every value whose words contain the filter's words in order (case and accents ignored).
    ``words`` are the ``value_words`` of ``values``, when already computed."""
    exact = [i for i, v in enumerate(values) if v == wanted]
    if exact:
        return exact
    wanted_words = value_words(wanted)
    if words is None:
        words = [value_words(v) if v is not None else () for v in values]
    return [i for i, w in enumerate(words) if contains_words(w, wanted_words)]


def suggested_values(values: Sequence[str], wanted: str, frequent: Sequence[str],
                     limit: int = SUGGESTED_VALUES) -> tuple[list[str], str]:
    """Values to name when the filter ``wanted`` matches none of ``values``, and which they are:
    ``"all"`` values (sorted) when there are at most ``limit``, else the ``"close"`` spellings,
    else the ``"frequent"`` ones (``frequent``: the values, most frequent first)."""
    values = sorted({v for v in values if v})
    if len(values) <= limit:
        return values, "all"
    found = process.extract(" ".join(value_words(wanted)), values, scorer=fuzz.WRatio, limit=limit,
                            processor=lambda v: " ".join(value_words(v)), score_cutoff=CLOSE_SCORE)
    if found:
        return [v for v, _, _ in found], "close"
    return list(frequent[:limit]), "frequent"
