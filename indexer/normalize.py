"""The one text normalisation shared by what is stored, what is indexed and what is searched.

Text pasted from web pages carries characters that look like nothing or like a space: soft
hyphens (U+00AD, 267 OrangeSum articles have one, ``Hally\\u00adday``), zero-width spaces and
joiners, word joiners and stray byte-order marks, no-break and typographic spaces. An article and
a query must read them the same way, or a headline pasted in quotes finds nothing. So:

* the invisible characters are removed: ``Hally\\u00adday`` is ``Hallyday``;
* the Unicode spaces become a plain space: ``Le\\u00a0Monde`` is ``Le Monde`` (one facet value);
* the text is composed (NFC): a decomposed ``é`` is ``é``.

``normalize_text`` is applied by the readers to every string they keep
(``indexer.decoding.clean_text``), by the analyzer to every raw word (``indexer.analysis.normalize_raw``:
texts of old indexes and of any other path are covered) and by the query parser to the query
(``search.syntax.parse``). ``INVISIBLE`` is the set of characters the tokenizer reads as part of
the word around them.
"""

from __future__ import annotations

import re
import unicodedata

# Soft hyphen, zero-width space, zero-width non-joiner, zero-width joiner, word joiner, BOM.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# No-break space, en quad … hair space, narrow no-break space, medium mathematical space,
# ideographic space.
SPACES = "\u00a0" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"

_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]+")
_SPACES_RE = re.compile(f"[{SPACES}]")
_EITHER_RE = re.compile(f"[{INVISIBLE}{SPACES}]")


def normalize_text(text: str) -> str:
    """Remove invisible characters, turn Unicode spaces into plain spaces, compose to NFC.

    >>> normalize_text("Johnny Hally\\u00adday,\\u00a0chanteur")
    'Johnny Hallyday, chanteur'
    """
    if text.isascii():
        return text
    if _EITHER_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
        text = _SPACES_RE.sub(" ", text)
    return compose(text)


def compose(text: str) -> str:
    """``text`` composed to NFC (``normalize_text`` without its character rules, for a caller that
    knows ``text`` has none of those characters)."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text
