"""The rules of French words that the analysis applies, as plain functions of text (no Whoosh):
what a raw token is (``TOKEN_RE``), cleaning it (``normalize_raw``), stop words, accent folding
(``fold``), elisions, and the readings of compounds and of words broken at a line end.

``indexer.analysis`` composes them into the Whoosh analyzers an index stores; the query side
and the highlighter use them directly. Changing what one of them gives for a text changes what
is indexed: bump ``indexer.analysis.ANALYSIS_VERSION``.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

from .normalize import INVISIBLE, normalize_text

# Tokens longer than this are OCR garbage, base64 or URLs glued together: not words anyone searches.
MAX_TOKEN_LENGTH = 80

APOSTROPHES = "'’ʼ"
HYPHENS = "-‐‑"
# Letters and digits, with combining accents inside (a decomposed "é"). Possessive quantifiers
# (``*+``): nothing after them can match what they would give back (combining marks and the
# joiners below are not \w), and keeping no backtracking points tokenises about 15 % faster.
_PIECE = r"[^\W_]++(?:[\u0300-\u036f]++[^\W_]*+)*+"
# A raw token: pieces joined by an apostrophe, a hyphen (possibly followed by a line break: a word
# hyphenated at the end of a printed line), an invisible character (a soft hyphen, a zero-width
# space or joiner: see indexer.normalize), or a dot/comma between digits.
TOKEN_RE = re.compile(
    rf"{_PIECE}(?:(?:[{APOSTROPHES}]|[{HYPHENS}](?:[ \t]*\r?\n[ \t]*)?|[{INVISIBLE}]++|(?<=\d)[.,](?=\d)){_PIECE})*+"
)
# A hyphen at the end of a line inside a raw token, the line break and the indent after it.
LINE_BREAK_HYPHEN_RE = re.compile(rf"[{HYPHENS}][ \t]*\r?\n[ \t]*(.)")
# What ``normalize_raw`` makes of a line-break hyphen before a lowercase letter, one for each
# character it replaces (so offsets in the cleaned token are offsets in the raw one): U+2027
# HYPHENATION POINT, which no raw token holds (TOKEN_RE ends a token at it).
LINE_BREAK_MARK = "\u2027"
ELISION_RE = re.compile(rf"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)[{APOSTROPHES}]", re.IGNORECASE)
APOSTROPHE_RE = re.compile(f"[{APOSTROPHES}]")
# Where a compound splits into parts: hyphens, and dots/commas between digits.
COMPOUND_SPLIT_RE = re.compile(rf"[{HYPHENS}]|(?<=\d)[.,](?=\d)")
# The same, and line breaks: where a word broken at the end of a line splits when read as two.
BREAK_SPLIT_RE = re.compile(rf"[{HYPHENS}]|(?<=\d)[.,](?=\d)|{LINE_BREAK_MARK}+")

# Snowball's French stop list (snowball-website/algorithms/french/stop.txt): the one Lucene's
# FrenchAnalyzer and Elasticsearch's "_french_" use.
FRENCH_STOP_WORDS = frozenset(
    """
    au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes
    moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
    une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes suis es est
    sommes êtes sont serai seras sera serons serez seront serais serait serions seriez seraient étais
    était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse fusses
    fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai
    auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions aviez
    avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez
    eussent
    """.split()
)


def _fold_character(ch: str) -> str:
    """What ``fold`` makes of one character."""
    if ch.isascii():
        return ch
    code = ord(ch)
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF or 0xFB00 <= code <= 0xFB06:
        ascii_ = unidecode(ch)
        # Letters fold to letters (é→e, Œ→OE, ß→ss); ½, ǃ, ŉ… would give spaces or punctuation.
        if not ascii_.isalpha():
            return ch
        return ascii_.lower() if ch.islower() else ascii_
    if unicodedata.category(ch) == "Mn":  # combining accent left by decomposed text
        return ""
    return ch


# Code points below this are remembered by the fold table once folded (Latin, Greek, Cyrillic,
# combining marks, Hebrew, Arabic, Indic scripts…): at most this many entries. Others (CJK…) are
# folded again each time they come: rare in French text, and unbounded in number.
FOLD_CACHED_BELOW = 0x3000


class _FoldTable(dict):
    """Code point → its folded text, for ``str.translate``; filled as characters come, with the
    code points below ``FOLD_CACHED_BELOW`` only."""

    def __missing__(self, code: int) -> str:
        folded = _fold_character(chr(code))
        if code < FOLD_CACHED_BELOW:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Fold accents and ligatures of Latin letters to ASCII: ``état→etat``, ``Œuvre→OEuvre``.

    Other scripts (Greek, Cyrillic, Arabic, CJK…) are kept as they are: unidecode would turn them
    into romanisations with spaces, which are not words anyone types.
    """
    return text if text.isascii() else text.translate(_FOLD_TABLE)


_FOLDED_STOP_WORDS = frozenset(fold(w) for w in FRENCH_STOP_WORDS)


def is_stop_word(word: str) -> bool:
    """True for a lowercase French stop word, accented (``été``) or typed without accents (``ete``).

    An accented word that only folds to a stop word is kept: ``maïs`` is not ``mais``, ``sûr`` is
    not ``sur``.
    """
    return word in FRENCH_STOP_WORDS or (word.isascii() and word in _FOLDED_STOP_WORDS)


def _mark_line_break(m: re.Match) -> str:
    # "gou-\nvernement" (a word cut by the printer) or "négocier-\nnaguère" (two words): marked, for
    # CompoundFilter to read both ways. "Moyen-\nOrient", "1940-\n1945" keep their hyphen.
    nxt = m.group(1)
    return LINE_BREAK_MARK * (len(m.group()) - 1) + nxt if nxt.islower() else "-" + nxt


def normalize_raw(raw: str) -> str:
    """Clean one raw token: ``normalize_text`` (drop soft hyphens and other invisible characters,
    NFC-compose accents); mark a hyphen at a line break before a lowercase letter (and the break)
    with ``LINE_BREAK_MARK``, keep it as ``-`` before anything else; read typographic hyphens as
    ``-`` and the long s ``ſ`` as ``s``."""
    if raw.isascii():
        return LINE_BREAK_HYPHEN_RE.sub(_mark_line_break, raw) if "\n" in raw else raw
    if "ſ" in raw:
        raw = raw.replace("ſ", "s")
    raw = normalize_text(raw)
    if "\n" in raw:
        raw = LINE_BREAK_HYPHEN_RE.sub(_mark_line_break, raw)
    if "‐" in raw or "‑" in raw:
        raw = raw.replace("‐", "-").replace("‑", "-")
    return raw


def strip_elision(word: str) -> str:
    """``word`` without a leading French elision (``l'``, ``qu'``…), unless nothing would be left."""
    m = ELISION_RE.match(word)
    return word[m.end():] if m and len(word) > m.end() else word


def joined_form(text: str) -> str:
    """``text`` with its line-break marks (see ``normalize_raw``) taken out: the word joined."""
    return text.replace(LINE_BREAK_MARK, "") if LINE_BREAK_MARK in text else text


def token_width(text: str) -> int:
    """The positions a cleaned token takes: one per part of a compound, counted on the joined
    form of a word broken at a line end (see ``CompoundFilter``)."""
    return len(COMPOUND_SPLIT_RE.split(joined_form(text)))


def _parts(text: str, split: re.Pattern, offset: int = 0) -> list[tuple[str, int, int]]:
    """The parts of ``text`` between the separators ``split`` finds, each without its elision
    (main-d'œuvre: the part is œuvre) and joined across line breaks: (part, start, end), offsets
    in ``text`` plus ``offset``."""
    out = []
    start = 0
    for piece in split.split(text):
        start = text.index(piece, start)
        end = start + len(piece)
        joined = joined_form(piece)
        part = strip_elision(joined)
        # An elision holds no line break: the part is the end of the piece, marks taken out.
        out.append((part, offset + start + len(joined) - len(part), offset + end))
        start = end
    return out


def compound_readings(text: str, whole: bool) -> tuple[list[tuple[str, int, int, int]], int]:
    """What ``CompoundFilter`` gives for one lowercased token with a separator: (term, relative
    position, start, end), offsets in ``text``, in order of position; and its width."""
    joined = joined_form(text)
    parts = _parts(text, COMPOUND_SPLIT_RE)
    width = len(parts)
    out = []
    if whole or (width == 1 and joined != text):  # a broken word without hyphen is a word, in both fields
        out.append((joined, 0, 0, len(text)))
    if width > 1:
        out.extend((part, i, start, end) for i, (part, start, end) in enumerate(parts))
    if joined != text:
        # Each part broken at a line end split there too, its pieces from its position on; past the
        # joined reading's width they share the last position (the next word's).
        for i, (_, start, end) in enumerate(parts):
            if LINE_BREAK_MARK in text[start:end]:
                pieces = _parts(text[start:end], BREAK_SPLIT_RE, start)
                out.extend((piece, min(i + j, width), s, e) for j, (piece, s, e) in enumerate(pieces))
        out.sort(key=lambda x: x[1])
    return out, width
