"""Highlighting: mark the words a query matched, in escaped HTML, and pick the best snippets.

A word is marked when the index analysis of it gives a term the query searched (a stem from a
plain word, or an exact word form from a phrase, a prefix or a fuzzy word). A word hyphenated at
the end of a line is indexed joined and split (``indexer.analysis.CompoundFilter``): the whole
word is marked when its joined form matched (``envi-⏎ron`` for ``environ``), a part alone when
that part did (``naguère`` in ``négocier-⏎naguère``). Text is HTML-escaped piece by piece
*before* ``<mark>`` is inserted, so article text can never inject markup.
"""

from __future__ import annotations

import heapq
import html
import re
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from unidecode import unidecode

from presse.indexer.analysis import HYPHENS, LINE_BREAK_HYPHEN_RE, TOKEN_RE, normalize_raw

from .query import Analysis, Highlights

FRAGMENT_CHARS = 110  # about the width of one snippet fragment
MAX_FRAGMENTS = 3
SNIPPET_SCAN_CHARS = 8000  # snippets come from the start of long bodies
MAX_CANDIDATE_PREFIXES = 24  # word starts looked for (see _candidate_prefixes)
NUMPY_FOLD_FROM = 400  # characters from which fold_in_place goes through numpy
_SPACE = re.compile(r"\s+")
# Characters other than letters and digits that a raw token may hold (see TOKEN_RE).
_TOKEN_INSIDE = frozenset(f"'’ʼ{HYPHENS}\u00ad.,") | frozenset(map(chr, range(0x300, 0x370)))
# LINE_BREAK_HYPHEN_RE for the ASCII hyphen alone: a literal start, which the regex engine finds
# several times faster than a class (texts without a typographic hyphen use it).
_ASCII_LINE_BREAK_RE = re.compile(LINE_BREAK_HYPHEN_RE.pattern.replace(f"[{HYPHENS}]", "-", 1))
_TYPOGRAPHIC_HYPHENS = HYPHENS.replace("-", "")


@lru_cache(maxsize=1)
def _accent_variants() -> tuple[dict[str, str], dict[str, str]]:
    """Folded letter → every Latin letter that folds to it; folded pair (oe, ae…) → ligatures."""
    singles: dict[str, set[str]] = {}
    pairs: dict[str, set[str]] = {}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        folded = unidecode(ch).lower()
        if len(folded) == 1 and folded.isalpha():
            singles.setdefault(folded, set()).update({ch.lower(), ch.upper()})
        elif len(folded) == 2 and folded.isalpha():
            pairs.setdefault(folded, set()).update({ch.lower(), ch.upper()})
    return ({k: "".join(sorted(v)) for k, v in singles.items()}, {k: "".join(sorted(v)) for k, v in pairs.items()})


@lru_cache(maxsize=1)
def _fold_table() -> list[str]:
    """``str.translate`` table that lowercases and strips accents one character for one character
    (so offsets do not move): ``É → e``, ``Ç → c``; ligatures (``Œ``, ``Æ``…) become their lowercase
    ligature, which ``_fold_pattern`` accepts for the letter pair.

    A list indexed by code point, not a dict: ``translate`` looks every character up, and a list
    halves the time (every hit's text is folded). Characters past the list are left as they are.
    """
    singles, pairs = _accent_variants()
    table = [chr(cp) for cp in range(0x10000)]
    for cp in range(0x10000):
        low = table[cp].lower()
        if len(low) == 1:
            table[cp] = low
    for folded, variants in singles.items():
        for ch in variants:
            table[ord(ch)] = folded
    for variants in pairs.values():
        for ch in variants:
            if len(ch.lower()) == 1:
                table[ord(ch)] = ch.lower()
    return table


def _fold_pattern(folded: str) -> str:
    """A regex matching ``folded`` in text folded by ``_fold_table`` (a letter pair also matches
    its ligature: ``oe`` matches ``œ``)."""
    _, pairs = _accent_variants()
    out = []
    i = 0
    while i < len(folded):
        pair = folded[i:i + 2]
        if len(pair) == 2 and pair in pairs:
            ligatures = "".join(sorted({c.lower() for c in pairs[pair] if len(c.lower()) == 1}))
            out.append(f"(?:{re.escape(pair)}|[{re.escape(ligatures)}])")
            i += 2
            continue
        out.append(re.escape(folded[i]))
        i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _fold_codes() -> np.ndarray:
    """``_fold_table`` as code points, for ``fold_in_place``."""
    return np.array([ord(c) for c in _fold_table()], dtype=np.uint32)


def fold_in_place(text: str) -> str:
    """``text`` lowercased and without accents, one character for one (``_fold_table``): offsets
    in the result are offsets in ``text``.

    ``str.translate`` looks each character up in Python's table (about 20 ns a character); from
    ``NUMPY_FOLD_FROM`` characters on, the text goes through numpy as UTF-32 code points (about
    5 ns a character, after a few microseconds to start).
    """
    if len(text) < NUMPY_FOLD_FROM:
        return text.translate(_fold_table())
    table = _fold_codes()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    if int(codes.max()) < len(table):
        folded = table[codes]
    else:  # characters past the table stay as they are
        folded = np.where(codes < len(table), table[np.minimum(codes, len(table) - 1)], codes)
    return folded.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=256)
def _candidates_regex(prefixes: tuple[str, ...]) -> re.Pattern:
    """The ``prefixes`` in folded text, wherever they are: ``candidate_starts`` keeps those at
    the start of a word. (A pattern that checks the start itself, with a lookbehind, cannot be
    scanned for its first letters: 20 ns a character, against 1–6 ns without.)"""
    return re.compile("(?:" + "|".join(_fold_pattern(p) for p in prefixes) + ")")


def candidate_starts(candidates: re.Pattern, folded: str) -> Iterator[int]:
    """Where a word of ``folded`` starts with one of the prefixes of ``candidates`` (see
    ``_candidates_regex``). A match inside a word is skipped. It can hide a word start only by
    running over an apostrophe, a comma or a dot of a prefix (``aujourd'h``), that is inside one
    raw token, where no token starts: the token starts found are those a regex checking the start
    itself finds."""
    for match in candidates.finditer(folded):
        start = match.start()
        if not (start and folded[start - 1].isalnum()):  # what (?<![^\W_]) would check
            yield start


def broken_word_starts(text: str, end: int) -> list[int]:
    """Where the words of ``text[:end]`` hyphenated across a line break start, in order.

    Their joined form (``environ`` in ``envi-⏎ron``) is not in the text for ``_candidates_regex``
    to find: these starts are looked at too. A word broken twice is found once, at its start.
    """
    starts: list[int] = []
    last = 0
    typographic = any(h in text for h in _TYPOGRAPHIC_HYPHENS)
    for m in (LINE_BREAK_HYPHEN_RE if typographic else _ASCII_LINE_BREAK_RE).finditer(text, 0, end):
        hyphen = m.start()
        if hyphen < last:
            continue  # a second break of the word just found
        back = hyphen  # back over what a token may hold, to a place no token runs across
        while back > last and (text[back - 1].isalnum() or text[back - 1] in _TOKEN_INSIDE):
            back -= 1
        for token in TOKEN_RE.finditer(text, back):
            if token.start() > hyphen:
                break
            if token.end() > hyphen:
                starts.append(token.start())
                last = token.end()
                break
    return starts


def _candidate_prefixes(prefixes: set[str]) -> tuple[str, ...]:
    """The word starts to look for, longest first: ``prefixes`` without those that extend
    another, shortened (not below 3 letters) until there are at most ``MAX_CANDIDATE_PREFIXES``.

    A looser filter finds more words to analyse, each once per query; a prefix or fuzzy query
    gives hundreds of word forms, and compiling a regex of hundreds of alternatives can cost more
    than the rest of the search.
    """
    _, pairs = _accent_variants()

    def shortened(prefix: str, length: int) -> str:
        if prefix[length - 1:length + 1] in pairs:  # "œ" is one character for a pair: keep it whole
            length -= 1
        return prefix[:length]

    kept = {p for p in prefixes if p}
    length = max(map(len, kept), default=0)
    while len(kept) > MAX_CANDIDATE_PREFIXES and length > 3:
        length -= 1
        kept = {shortened(p, length) if len(p) > length else p for p in kept}
    out: list[str] = []
    for prefix in sorted(kept):  # the extensions of a prefix sort right after it
        # An extension is covered by its prefix, unless it goes on with a letter pair that a
        # ligature stands for: "oe" finds "œ", which "o" does not.
        if out and prefix.startswith(out[-1]) and prefix[len(out[-1]) - 1:len(out[-1]) + 1] not in pairs:
            continue
        out.append(prefix)
    return tuple(sorted(out, key=lambda p: (-len(p), p)))


def _stem_prefix(term: str) -> str:
    """What every word indexed as ``term`` starts with, once folded: Snowball rewrites at most the
    last two letters of a stem (``chevaux → cheval``); a compound is found by its first part."""
    term = term.split("-")[0]
    return term if len(term) <= 3 else term[: max(3, len(term) - 2)]


class Highlighter:
    """Finds and marks the words of one query; caches its verdict per distinct raw word."""

    def __init__(self, highlights: Highlights, analysis: Analysis):
        self.stems = highlights.stems
        self.exact = highlights.exact
        self.analysis = analysis
        self._verdicts: dict[str, tuple[tuple[int, int], ...]] = {}
        # A cheap regex finds the word starts that may match; only those words are analysed.
        prefixes = _candidate_prefixes({_stem_prefix(t) for t in self.stems} | set(self.exact))
        self._candidates = _candidates_regex(prefixes) if prefixes else None

    @property
    def empty(self) -> bool:
        return not self.stems and not self.exact

    def _verdict(self, raw: str) -> tuple[tuple[int, int], ...]:
        """Spans (relative to the raw word) to mark in ``raw``; () when nothing matches."""
        clean = normalize_raw(raw)
        spans: list[tuple[int, int]] = []
        if self.stems:
            stemmed = self.analysis.stem.analyze(raw)[0]
            spans.extend((start, end) for text, _, start, end in stemmed if text in self.stems)
        if self.exact:
            exact = self.analysis.exact.analyze(raw)[0]
            spans.extend((start, end) for text, _, start, end in exact if text in self.exact)
        if not spans:
            return ()
        if len(clean) != len(raw):
            return ((spans[0][0] if spans[0][0] < len(raw) else 0, len(raw)),)  # offsets moved: mark the word
        spans.sort()
        merged = [spans[0]]
        for s, e in spans[1:]:
            if s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return tuple(merged)

    def spans(self, text: str, limit: int | None = None) -> list[tuple[int, int]]:
        """Character spans of ``text`` (or of its first ``limit`` characters) to mark."""
        if self._candidates is None or not text:
            return []
        verdicts = self._verdicts
        out: list[tuple[int, int]] = []
        end = len(text) if limit is None else min(limit, len(text))
        last = 0
        starts = candidate_starts(self._candidates, fold_in_place(text[:end]))
        broken = broken_word_starts(text, end)
        for start in heapq.merge(starts, broken) if broken else starts:
            if start < last:
                continue  # inside a word already looked at
            m = TOKEN_RE.match(text, start)
            if m is None:
                continue
            last = m.end()
            raw = m.group()
            v = verdicts.get(raw)
            if v is None:
                v = verdicts[raw] = self._verdict(raw)
            if v:
                out.extend((start + s, start + e) for s, e in v)
        return out

    def mark(self, text: str) -> str:
        """``text`` as escaped HTML with every match in ``<mark>``."""
        return render(text, self.spans(text))

    def mark_lines(self, text: str) -> tuple[str, ...]:
        """Each line of ``text`` that is not blank, as ``mark`` gives it; the matches are found in
        the whole text, so a word hyphenated across two lines is marked on both."""
        spans = self.spans(text)
        out = []
        start = first = 0  # spans[first:] end after the line's start (spans are in order)
        for line in text.split("\n"):
            end = start + len(line)
            while first < len(spans) and spans[first][1] <= start:
                first += 1
            if line.strip():
                stop = first
                while stop < len(spans) and spans[stop][0] < end:
                    stop += 1
                out.append(render(text, spans[first:stop], start, end))
            start = end + 1
        return tuple(out)

    def snippet(self, text: str) -> str:
        """The best 2–3 fragments of ``text`` around its matches, as escaped HTML; the start when none match."""
        spans = self.spans(text, SNIPPET_SCAN_CHARS)
        if not spans:
            return render(_cut(text, 0, 2 * FRAGMENT_CHARS), [])
        return snippet_html(text, spans)


def render(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escape ``text[start:end]`` and wrap the ``spans`` inside it in ``<mark>``."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for s, e in spans:
        if e <= pos or s >= end:
            continue
        s, e = max(s, pos), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def snippet_html(text: str, spans: list[tuple[int, int]]) -> str:
    """Choose up to MAX_FRAGMENTS windows with the most distinct matched words; render them in order."""
    words = [text[s:e].lower() for s, e in spans]
    candidates = []
    for i, (s, _) in enumerate(spans):
        lo = max(0, s - FRAGMENT_CHARS // 3)
        hi = lo + FRAGMENT_CHARS
        inside = {words[j] for j in range(i, len(spans)) if spans[j][1] <= hi}
        inside |= {words[j] for j in range(0, i) if spans[j][0] >= lo}
        count = sum(1 for a, b in spans if a >= lo and b <= hi)
        candidates.append((len(inside), count, -s, lo, hi))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    covered: set[str] = set()
    for _, _, _, lo, hi in candidates:
        if len(chosen) == MAX_FRAGMENTS:
            break
        if any(lo < c_hi and hi > c_lo for c_lo, c_hi in chosen):
            continue
        new = {words[j] for j, (a, b) in enumerate(spans) if a >= lo and b <= hi}
        if chosen and not (new - covered) and len(chosen) >= 2:
            continue
        chosen.append((lo, hi))
        covered |= new
    chosen.sort()
    pieces = []
    for lo, hi in chosen:
        a, b = _word_bounds(text, lo, hi)
        piece = render(text, spans, a, b)
        pieces.append(_SPACE.sub(" ", piece).strip())
    first_lo, last_hi = _word_bounds(text, *chosen[0])[0], _word_bounds(text, *chosen[-1])[1]
    joined = " … ".join(pieces)
    if first_lo > 0:
        joined = "… " + joined
    if last_hi < len(text):
        joined += " …"
    return joined


def _word_bounds(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Move ``lo`` forward and ``hi`` back to word boundaries (never splitting a word)."""
    hi = min(hi, len(text))
    if lo > 0 and not text[lo - 1].isspace():
        nxt = _SPACE.search(text, lo, hi)
        lo = nxt.end() if nxt else lo
    if hi < len(text) and not text[hi].isspace():
        cut = text.rfind(" ", lo, hi)
        cut2 = text.rfind("\n", lo, hi)
        cut = max(cut, cut2)
        hi = cut if cut > lo else hi
    return lo, hi


def _cut(text: str, lo: int, width: int) -> str:
    a, b = _word_bounds(text, lo, lo + width)
    piece = _SPACE.sub(" ", text[a:b]).strip()
    return piece + (" …" if b < len(text) else "")
