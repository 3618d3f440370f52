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
    date:2024  date:2024-10  date:2024-10-12  date:[2024-01-01 TO 2024-06-30]  (TO or À; * for open ends)

Every string is accepted: what cannot be parsed degrades to plain words (an unbalanced quote or
parenthesis, a stray operator). ``QueryError`` (French message) is raised only for what has no
sensible reading: ``*`` alone, a leading wildcard, an invalid date, a query too long or too deep.
Prefix, wildcard and fuzzy words expand to a bounded number of index terms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Union

from indexer.analysis import TOKEN_RE
from indexer.normalize import normalize_text

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 64
MAX_DEPTH = 16
MAX_SLOP = 20  # "…"~N: farther than 20 words apart is not proximity (and costs Whoosh dearly)
MAX_PHRASE_WORDS = 16

FIELD_ALIASES = {
    "titre": "title", "title": "title",
    "auteur": "author", "author": "author",
    "source": "source", "journal": "source",
    "date": "date", "annee": "date", "année": "date",
}
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
class And:
    items: tuple


@dataclasses.dataclass(frozen=True)
class Or:
    items: tuple


@dataclasses.dataclass(frozen=True)
class Not:
    item: object


Node = Union[Word, Phrase, Pattern, Fuzzy, DateSpan, And, Or, Not]


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
    text: str = ""
    slop: int = 0


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
                toks.append(_Tok("op", OPERATORS[text]))
            else:
                toks.append(_Tok("word", text))
        elif kind == "range":
            toks.append(_Tok("range", m.group("rtext")))
        elif kind in ("lparen", "rparen"):
            toks.append(_Tok(kind))
        elif kind == "other":  # a lone quote or guillemet: ignore it (degrade to plain words)
            pass
        pos = m.end()
    return toks


# ----------------------------------------------------------------------------- parsing

class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.clauses = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

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
            elif self.peek() is not None and self.peek().kind == "rparen":
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
        if tok.kind == "minus" or (tok.kind == "op" and tok.text == "NOT"):
            self.next()
            if self.peek() is None or self.peek().kind == "rparen":
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
            if self.peek() is not None and self.peek().kind == "rparen":
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
            if nxt.kind in ("word", "phrase"):
                self.next()
                return self.leaf(nxt, tok.text)
            return None
        if tok.kind == "range":
            return self.leaf(_Tok("word", tok.text), None)
        if tok.kind in ("word", "phrase"):
            return self.leaf(tok, None)
        return None  # a stray operator (e.g. "ET" first): ignored

    def leaf(self, tok: _Tok, field: str | None) -> Node | None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(f"La requête a trop de termes (au plus {MAX_CLAUSES}).")
        if tok.kind == "phrase":
            if len(TOKEN_RE.findall(tok.text)) > MAX_PHRASE_WORDS:
                raise QueryError(f"Expression entre guillemets trop longue (au plus {MAX_PHRASE_WORDS} mots).")
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
        raise QueryError(f"« {text} » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*.")
    if text[0] in "*?":
        raise QueryError(f"« {text} » : un joker (* ou ?) ne peut pas commencer un mot ; écrivez par exemple gouvern*.")
    letters = re.match(r"[^*?]*", text).group()
    if len(letters) < 2:
        raise QueryError(f"« {text} » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*.")
    return Pattern(text, field)


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _parse_date(text: str, end: bool) -> dt.datetime | None:
    text = text.strip()
    if text in ("*", ""):
        return None
    m = _DATE_RE.match(text)
    try:
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is not None and not 1 <= int(month) <= 12:
            raise ValueError
        if month is None:
            d = dt.datetime(year, 12, 31, 23, 59, 59) if end else dt.datetime(year, 1, 1)
        elif day is None:
            month = int(month)
            if end:
                nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
                d = dt.datetime.combine(nxt - dt.timedelta(days=1), dt.time(23, 59, 59))
            else:
                d = dt.datetime(year, month, 1)
        else:
            d = dt.datetime(year, int(month), int(day))
            if end:
                d = d.replace(hour=23, minute=59, second=59)
    except ValueError:
        raise QueryError(f"Date invalide « {text} » : écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (par exemple 2024-10-12).") from None
    return d


def _date_node(tok: _Tok) -> Node:
    if tok.kind == "range":
        parts = re.split(r"\s+(?:TO|À|A|à|a)\s+", tok.text.strip(), maxsplit=1)
        if len(parts) != 2:
            raise QueryError(f"Intervalle de dates invalide « [{tok.text}] » : écrivez date:[2024-01-01 TO 2024-06-30].")
        start, end = _parse_date(parts[0], end=False), _parse_date(parts[1], end=True)
        if start and end and start > end:
            raise QueryError(f"Intervalle de dates vide : {parts[0]} est après {parts[1]}.")
        return DateSpan(start, end)
    return DateSpan(_parse_date(tok.text, end=False), _parse_date(tok.text, end=True))


def parse(q: str) -> Node | None:
    """Parse a query string into a tree (None for a query without any word)."""
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"La requête est trop longue ({len(q)} caractères, au plus {MAX_QUERY_CHARS}).")
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in normalize_text(q))
    return _Parser(_lex(q)).parse()
