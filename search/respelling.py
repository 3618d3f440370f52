"""When a query that finds nothing is searched again, and how: the rules both engines follow
(``search.query.plan_query``).

A query that finds nothing is searched again only when it is made of plain words (no operator,
phrase, field or wildcard; an operator typed in lower case is a plain word, one in capitals is
not): first respelled (each unknown word replaced by its likeliest neighbour, ``replace_word``),
else relaxed (the articles with the most of its words).

>>> from presse.search.syntax import parse
>>> q = "gréve cheminots"
>>> may_search_again(q, parse(q)), may_search_again("grève ET cheminots", parse("grève ET cheminots"))
(True, False)
>>> replace_word("la gréve des cheminots", "gréve", "grève")
'la grève des cheminots'
"""

from __future__ import annotations

import re

from .syntax import OPERATORS, And, Word

OPERATOR_RE = re.compile(rf"(?<!\S)(?:{'|'.join(OPERATORS)})(?!\S)")


def plain_words(tree: object) -> bool:
    """True for a parsed query of plain words only (no operator, phrase, field, wildcard)."""
    if isinstance(tree, Word):
        return tree.field is None
    return isinstance(tree, And) and all(isinstance(w, Word) and w.field is None for w in tree.items)


def may_search_again(q: str, tree: object) -> bool:
    """Whether the query ``q`` (parsed: ``tree``), finding nothing, is respelled or relaxed."""
    return plain_words(tree) and not OPERATOR_RE.search(q)


def replace_word(q: str, word: str, replacement: str) -> str:
    """``q`` with its first occurrence of the whole word ``word`` replaced by ``replacement``."""
    return re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", lambda _: replacement, q, count=1)
