"""The Presse query language: what users type, parsed into a small tree (``parse``).

Syntax (French and English operators; see the README)::

    pétrole gaz                    both words (AND is the default)
    pétrole ET gaz / AND           both            pétrole OU gaz / OR     either
    pétrole SAUF Russie / NOT      without         -Russie                 without
    (pétrole OU gaz) ET Russie     grouping
    "corridor Nord-Sud"            exact phrase (word forms, accents ignored); «…» works too
    "guerre Ukraine"~3             words at most 3 positions apart
    gouvern*                       prefix          pezeshkian~ / pezeshkian~1   spelling within 1–2 edits
    titre:Iran  title:  auteur:Keou  author:  source:orange
    personne:"Emmanuel Macron"  person:  lieu:Marseille  place:  organisation:ONU  org:   (named entities)
    date:2024  date:2024-10  date:2024-10-12  date:[2024-01-01 TO 2024-06-30]  (TO or À; * for open ends)

Every string is accepted: what cannot be parsed degrades to plain words (an unbalanced quote or
parenthesis; a stray operator — ``ET`` alone, ``a SAUF`` — is the word it spells). ``QueryError``
(French message) is raised only for what has no sensible reading: ``*`` alone, a leading wildcard,
an invalid date, a query too long or too deep, or a ``q`` that is not a string (None is the
empty query). A quoted phrase counts as one term, whatever its length: pasted headlines are
searched whole; only the distance between its words (``~N``) is bounded.
Prefix, wildcard and fuzzy words expand to a bounded number of index terms.

Over 400 lines on purpose: the grammar, its tokenizer and its French messages read best together.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from typing import TypeAlias

from presse.indexer.analysis import TOKEN_RE
from presse.indexer.normalize import normalize_text

from .french import MONTHS

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 64
MAX_DEPTH = 16
MAX_SLOP = 20  # "…"~N: farther than 20 words apart is not proximity (and costs Whoosh dearly)

FIELD_ALIASES = {
    "titre": "title", "title": "title",
    "auteur": "author", "author": "author",
    "source": "source", "journal": "source",
    "date": "date", "annee": "date", "année": "date",
    "personne": "person", "person": "person", "lieu": "place", "place": "place",
    "organisation": "org", "organization": "org", "org": "org",
}
ENTITY_FIELDS = ("person", "place", "org")  # their value is an entity's name, matched whole (search.entities)
OPERATORS = {"ET": "AND", "AND": "AND", "OU": "OR", "OR": "OR", "SAUF": "NOT", "NOT": "NOT"}


class QueryError(ValueError):
    """A query that cannot be searched; ``str(error)`` is a French message saying what is wrong."""


# ----------------------------------------------------------------------------- the tree

@dataclasses.dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None  # None: title + lead + body


@dataclasses.dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None
    slop: int = 0


@dataclasses.dataclass(frozen=True)
class Pattern:  # prefix* or wild?card
    text: str
    field: str | None = None


@dataclasses.dataclass(frozen=True)
class Fuzzy:
    text: str
    field: str | None = None
    distance: int | None = None


@dataclasses.dataclass(frozen=True)
class DateSpan:
    start: dt.datetime | None
    end: dt.datetime | None  # inclusive


@dataclasses.dataclass(frozen=True)
class Entity:  # personne:"Emmanuel Macron": the articles where that entity was found
    kind: str  # person, place, org
    name: str


@dataclasses.dataclass(frozen=True)
class And:
    items: tuple


@dataclasses.dataclass(frozen=True)
class Or:
    items: tuple


@dataclasses.dataclass(frozen=True)
class Not:
    item: object


Node: TypeAlias = Word | Phrase | Pattern | Fuzzy | DateSpan | Entity | And | Or | Not


# ----------------------------------------------------------------------------- lexing

_LEX = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"(?P<ptext>[^"]*)"(?:~(?P<pslop>\d{1,3}))?|«(?P<gtext>[^»]*)»(?:~(?P<gslop>\d{1,3}))?)
  | (?P<field>(?P<fname>[^\W\d_]+):(?=\S))
  | (?P<range>\[(?P<rtext>[^\]]*)\])
  | (?P<word>[^\s()"«»]+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


@dataclasses.dataclass
class _Tok:
    kind: str  # lparen rparen phrase field range word op minus
    text: str = ""  # an operator's meaning (AND, OR, NOT); the text of the others
    slop: int = 0
    typed: str = ""  # an operator as typed, the word it is when it operates on nothing


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(q):
        if q[pos] == "-" and pos + 1 < len(q) and not q[pos + 1].isspace() and q[pos + 1] != "-" \
                and (pos == 0 or q[pos - 1].isspace() or q[pos - 1] == "("):
            toks.append(_Tok("minus"))  # -mot, -"phrase", -(groupe), -titre:mot
            pos += 1
            continue
        m = _LEX.match(q, pos)
        assert m is not None  # "space" or "other" matches any character
        kind = m.lastgroup if m.lastgroup in ("space", "lparen", "rparen", "range", "word", "other") else None
        if m.group("phrase"):
            text = m.group("ptext") if m.group("ptext") is not None else m.group("gtext")
            slop = m.group("pslop") or m.group("gslop")
            toks.append(_Tok("phrase", text, min(int(slop), MAX_SLOP) if slop else 0))
        elif m.group("field"):
            name = m.group("fname").lower()
            if name in FIELD_ALIASES:
                toks.append(_Tok("field", FIELD_ALIASES[name]))
            else:  # "10:30", "ex:" … not a field: keep the text as a word
                end = q.find(" ", m.end())
                end = len(q) if end < 0 else end
                toks.append(_Tok("word", q[m.start():end]))
                pos = end
                continue
        elif kind == "word":
            text = m.group()
            if text in OPERATORS:
                toks.append(_Tok("op", OPERATORS[text], typed=text))
            else:
                toks.append(_Tok("word", text))
        elif kind == "range":
            toks.append(_Tok("range", m.group("rtext")))
        elif kind in ("lparen", "rparen"):
            toks.append(_Tok(kind))
        elif kind == "other":  # a lone quote or guillemet: ignore it (degrade to plain words)
            pass
        pos = m.end()
    return _stray_operators_as_words(toks)


_OPERAND_ENDS = ("word", "phrase", "range", "rparen")


def _stray_operators_as_words(toks: list[_Tok]) -> list[_Tok]:
    """``toks`` with each operator that has nothing to operate on turned into the word typed.

    ``ET``/``OU`` operate between an operand before them and one after; ``SAUF``/``NOT`` on one
    after them. ``ET`` alone, ``a SAUF``, ``(OU)``, ``titre:NOT`` are words, as the README says.
    An operator right after another one (``a ET ET b``) has no operand before it: it is a word.
    """
    out: list[_Tok] = []
    for i, tok in enumerate(toks):
        if tok.kind == "op":
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            prev = out[-1] if out else None
            has_after = nxt is not None and nxt.kind != "rparen"
            has_before = prev is not None and prev.kind in _OPERAND_ENDS
            after_field = prev is not None and prev.kind == "field"
            if after_field or not has_after or (tok.text != "NOT" and not has_before):
                tok = _Tok("word", tok.typed)
        out.append(tok)
    return out


# ----------------------------------------------------------------------------- parsing

class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.clauses = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _peek_is(self, kind: str) -> bool:
        """True when the next token is of ``kind``."""
        tok = self.peek()
        return tok is not None and tok.kind == kind

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        items = []
        while self.peek() is not None:
            node = self.or_expr(0)
            if node is not None:
                items.append(node)
            elif self._peek_is("rparen"):
                self.next()  # unbalanced ")": ignore it
        return _and(items)

    def or_expr(self, depth: int) -> Node | None:
        items = [self.and_expr(depth)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.next()
            items.append(self.and_expr(depth))
        items = [x for x in items if x is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self, depth: int) -> Node | None:
        items = []
        while (tok := self.peek()) is not None:
            if tok.kind == "rparen" or (tok.kind == "op" and tok.text == "OR"):
                break
            if tok.kind == "op" and tok.text == "AND":
                self.next()
                continue
            node = self.unary(depth)
            if node is not None:
                items.append(node)
        return _and(items)

    def unary(self, depth: int) -> Node | None:
        tok = self.peek()
        assert tok is not None  # the callers saw a token left
        if tok.kind == "minus" or (tok.kind == "op" and tok.text == "NOT"):
            self.next()
            if self.peek() is None or self._peek_is("rparen"):
                return None  # a stray operator at the end
            inner = self.unary(depth)
            return Not(inner) if inner is not None else None
        return self.primary(depth)

    def primary(self, depth: int) -> Node | None:
        tok = self.next()
        if tok.kind == "lparen":
            if depth >= MAX_DEPTH:
                raise QueryError(f"Trop de parenthèses imbriquées (au plus {MAX_DEPTH}).")
            node = self.or_expr(depth + 1)
            if self._peek_is("rparen"):
                self.next()
            return node  # a missing ")" is forgiven
        if tok.kind == "rparen":
            return None
        if tok.kind == "field":
            nxt = self.peek()
            if nxt is None:
                return None
            if tok.text == "date":
                self.next()
                return _date_node(nxt)
            if tok.text in ENTITY_FIELDS and nxt.kind in ("word", "phrase"):
                self.next()
                self.count_clause()
                return Entity(tok.text, nxt.text) if TOKEN_RE.search(nxt.text) else None
            if nxt.kind in ("word", "phrase"):
                self.next()
                return self.leaf(nxt, tok.text)
            return None
        if tok.kind == "range":
            return self.leaf(_Tok("word", tok.text), None)
        if tok.kind in ("word", "phrase"):
            return self.leaf(tok, None)
        return None  # a stray operator (e.g. "ET" first): ignored

    def count_clause(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(f"La requête a trop de termes (au plus {MAX_CLAUSES}).")

    def leaf(self, tok: _Tok, field: str | None) -> Node | None:
        self.count_clause()
        if tok.kind == "phrase":  # one term however long: a pasted headline is searched whole
            return Phrase(tok.text, field, tok.slop) if TOKEN_RE.search(tok.text) else None
        text = tok.text
        fuzzy = re.fullmatch(r"(.+?)~([0-2])?", text)
        if fuzzy and TOKEN_RE.search(fuzzy.group(1)):
            word = fuzzy.group(1)
            return Fuzzy(word, field, int(fuzzy.group(2)) if fuzzy.group(2) else None)
        if "*" in text or "?" in text:
            return _pattern_node(text, field)
        return Word(text, field) if TOKEN_RE.search(text) else None


def _and(items: list) -> Node | None:
    items = [x for x in items if x is not None]
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def _pattern_node(text: str, field: str | None) -> Node | None:
    if not TOKEN_RE.search(text) and (text == "?" or text.strip("*?")):
        return None  # "?" or "?!" after a French space: punctuation, not a wildcard
    if not text.strip("*?"):
        raise QueryError(_too_vague(text))
    if text[0] in "*?":
        raise QueryError(f"« {text} » : un joker (* ou ?) ne peut pas commencer un mot ; écrivez par exemple gouvern*.")
    letters = re.split(r"[*?]", text, maxsplit=1)[0]
    if len(letters) < 2:
        raise QueryError(_too_vague(text))
    return Pattern(text, field)


def _too_vague(text: str) -> str:
    return f"« {text} » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_RANGE_SEPARATOR = re.compile(r"\s+(?:TO|À|A)\s+", re.IGNORECASE)


def _parse_date(text: str, end: bool) -> dt.datetime | None:
    """The first (or with ``end``, the last) second of the year, month or day ``text`` names;
    None for ``*`` or nothing (an open end)."""
    text = text.strip()
    if text in ("*", ""):
        return None
    m = _DATE_RE.match(text)
    year = int(m.group(1)) if m else 0
    month = int(m.group(2)) if m and m.group(2) else None
    if not m or year < dt.MINYEAR or (month is not None and not 1 <= month <= 12):
        raise QueryError(f"Date invalide « {text} » : écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (par exemple 2024-10-12).")
    if month is None:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    elif m.group(3) is None:
        first, last = dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    else:
        first = last = day_of(year, month, int(m.group(3)), f"« {text} »")
    return dt.datetime.combine(last, dt.time(23, 59, 59)) if end else dt.datetime.combine(first, dt.time())


def day_of(year: int, month: int, day: int, typed: str) -> dt.date:
    """The date ``year-month-day`` (a month 1–12), or a ``QueryError`` saying in French that the
    day does not exist (``2024-02-30``); ``typed`` names what the user wrote (« 2024-02-30 »)."""
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise QueryError(f"Date invalide {typed} : ce jour n'existe pas ({MONTHS[month - 1]} {year} "
                         f"a {days} jours).")
    return dt.date(year, month, day)


def _date_node(tok: _Tok) -> Node:
    if tok.kind == "range":
        parts = _RANGE_SEPARATOR.split(tok.text.strip(), maxsplit=1)
        if len(parts) != 2:
            raise QueryError(f"Intervalle de dates invalide « [{tok.text}] » : "
                             "écrivez date:[2024-01-01 TO 2024-06-30].")
        start, end = _parse_date(parts[0], end=False), _parse_date(parts[1], end=True)
        if start and end and start > end:
            raise QueryError(f"Intervalle de dates vide : {parts[0]} est après {parts[1]}.")
        return DateSpan(start, end)
    return DateSpan(_parse_date(tok.text, end=False), _parse_date(tok.text, end=True))


def query_text(q: object) -> str:
    """The query ``q`` as text: None is the empty query; a ``QueryError`` (French) for anything
    that is not a string — bytes included: the caller knows their encoding, the parser does not."""
    if q is None:
        return ""
    if not isinstance(q, str):
        raise QueryError(f"La requête doit être du texte, pas {_kind_of(q)}.")
    return q


def _kind_of(value: object) -> str:
    """What ``value`` is, in French words, for an error message."""
    if isinstance(value, (bytes, bytearray)):
        return "des octets (décodez-les d'abord, par exemple en UTF-8)"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return "une liste"
    return "une valeur de type " + type(value).__name__


def parse(q: str) -> Node | None:
    """Parse a query string into a tree (None for a query without any word, or for None); a
    ``QueryError`` for what cannot be searched, a ``q`` that is not a string included."""
    q = query_text(q)
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"La requête est trop longue ({len(q)} caractères, au plus {MAX_QUERY_CHARS}).")
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in normalize_text(q))
    return _Parser(_lex(q)).parse()
