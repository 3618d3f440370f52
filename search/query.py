"""The Presse query language, parsed into a small tree and compiled into a Whoosh query.

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
from typing import Iterable, Union

from whoosh import query as wq

from indexer.analysis import (
    TOKEN_RE,
    CachedFilter,
    exact_filters,
    fold,
    key_filters,
    normalize_raw,
    stemming_filters,
)
from indexer.lexicon import Lexicon

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 64
MAX_DEPTH = 16
MAX_EXPANSION = 64  # index terms a prefix/wildcard/fuzzy word may expand to
MAX_SCANNED_TERMS = 20000  # vocabulary entries scanned for one prefix/wildcard expansion
MAX_FUZZY_SCAN = 8000  # vocabulary entries compared by edit distance for one fuzzy word
MAX_FUZZY_TERMS = 16  # closest spellings a fuzzy word searches

# Field boosts of BM25F (tuned with bench/relevance.py).
BOOSTS = {"title": 2.5, "lead": 1.5, "body": 1.0, "title_exact": 2.5, "exact": 1.0}

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
            toks.append(_Tok("phrase", text, int(slop) if slop else 0))
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
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in q)
    return _Parser(_lex(q)).parse()


# ----------------------------------------------------------------------------- compiling

class Analysis:
    """The query-side analysis: the same filters as the index, cached per distinct word."""

    def __init__(self):
        self.stem = CachedFilter(*stemming_filters())
        self.exact = CachedFilter(*exact_filters())
        self.key = CachedFilter(*key_filters())
        for f in (self.stem, self.exact, self.key):
            f.track_fresh = False

    def raw_tokens(self, text: str) -> list[str]:
        return [normalize_raw(m) for m in TOKEN_RE.findall(text)]


@dataclasses.dataclass
class Highlights:
    """What to mark in the text of a hit: stemmed terms and exact (folded) word forms."""

    stems: set[str] = dataclasses.field(default_factory=set)
    exact: set[str] = dataclasses.field(default_factory=set)


class Compiler:
    """Turns a parsed tree into a Whoosh query against one index reader and its lexicon."""

    def __init__(self, reader, lexicon: Lexicon, analysis: Analysis):
        self.reader = reader
        self.lexicon = lexicon
        self.analysis = analysis
        self.highlights = Highlights()
        # Plain positive words, for spelling suggestions: (as typed, exact form, stemmed terms).
        self.words: list[tuple[str, str, frozenset[str]]] = []

    # -- public
    def compile(self, node: Node | None) -> wq.Query | None:
        if node is None:
            return None
        query = self._node(node, positive=True)
        if query is None and node is not None:
            # Only stop words ("le la"): search their exact forms rather than nothing.
            query = self._stopwords_fallback(node)
        return query

    # -- nodes
    def _node(self, node, positive: bool):
        if isinstance(node, Word):
            return self._word(node, positive)
        if isinstance(node, Phrase):
            return self._phrase(node, positive)
        if isinstance(node, Pattern):
            return self._pattern(node, positive)
        if isinstance(node, Fuzzy):
            return self._fuzzy(node, positive)
        if isinstance(node, DateSpan):
            return wq.DateRange("date", node.start, node.end)
        if isinstance(node, And):
            pos, neg = [], []
            for item in node.items:
                if isinstance(item, Not):
                    q = self._node(item.item, positive=not positive)
                    if q is not None:
                        neg.append(q)
                else:
                    q = self._node(item, positive)
                    if q is not None:
                        pos.append(q)
            if not pos and not neg:
                return None
            # And + Not rather than Whoosh's AndNot, whose matcher misses the first match when the
            # excluded term's first document comes before it.
            parts = pos + [wq.Not(q) for q in neg]
            return parts[0] if len(parts) == 1 else wq.And(parts)
        if isinstance(node, Or):
            items = [q for q in (self._node(i, positive) for i in node.items) if q is not None]
            if not items:
                return None
            return items[0] if len(items) == 1 else wq.Or(items)
        if isinstance(node, Not):
            inner = self._node(node.item, not positive)
            return wq.Not(inner) if inner is not None else None
        raise TypeError(node)

    def _fields(self, field: str | None, exact: bool) -> list[str]:
        if field is None:
            return ["title_exact", "exact"] if exact else ["title", "lead", "body"]
        if field == "title":
            return ["title_exact"] if exact else ["title"]
        return [f"{field}_text"]  # author, source: folded word forms

    def _word(self, node: Word, positive: bool):
        clauses = []
        for raw in self.analysis.raw_tokens(node.text):
            if node.field in ("author", "source"):
                parts = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
                if parts:
                    clauses.append(self._terms_or([f"{node.field}_text"], [parts[0]]) if len(parts) == 1
                                   else wq.Phrase(f"{node.field}_text", parts))
                continue
            out, width = self.analysis.stem.analyze(raw)
            if not out:
                continue  # a stop word
            keys = [k for k, *_ in self.analysis.key.analyze(raw)[0]]
            whole_key = keys[0] if keys else out[0][0]
            terms = self.lexicon.terms_for_key(whole_key)
            if positive:
                self.highlights.stems.update(terms)
                if node.field is None and width == 1:
                    exact = self.analysis.exact.analyze(raw)[0]
                    if exact:
                        self.words.append((raw, exact[0][0], frozenset(terms)))
            fields = self._fields(node.field, exact=False)
            q = self._terms_or(fields, sorted(terms))
            if width > 1:  # a compound: the whole, or its parts as a phrase (highlighted as a whole only)
                parts = [t for t, *_ in self.analysis.exact.analyze(raw)[0]]
                q = wq.Or([q] + [wq.Phrase(f, parts, boost=BOOSTS.get(f, 1.0)) for f in self._fields(node.field, True)])
            clauses.append(q)
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _terms_or(self, fields: list[str], terms: list[str]):
        qs = [wq.Term(f, t, boost=BOOSTS.get(f, 1.0)) for f in fields for t in terms]
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _phrase(self, node: Phrase, positive: bool):
        words = []
        for raw in self.analysis.raw_tokens(node.text):
            words.extend(t for t, *_ in self.analysis.exact.analyze(raw)[0])
        if not words:
            return None
        if positive:
            self.highlights.exact.update(words)
        fields = self._fields(node.field, exact=True)
        if len(words) == 1:
            return self._terms_or(fields, words)
        qs = [wq.Phrase(f, words, slop=max(1, node.slop), boost=BOOSTS.get(f, 1.0)) for f in fields]
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _expand(self, field: str, prefix: str, match) -> list[str]:
        """Up to MAX_EXPANSION terms of ``field`` starting with ``prefix`` that ``match``, most frequent first."""
        found = []
        reader = self.reader
        for n, btext in enumerate(reader.expand_prefix(field, prefix)):
            if n >= MAX_SCANNED_TERMS:
                break
            text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            if match(text):
                found.append((reader.doc_frequency(field, text), text))
        found.sort(key=lambda x: (-x[0], x[1]))
        return [t for _, t in found[:MAX_EXPANSION]]

    def _pattern(self, node: Pattern, positive: bool):
        text = fold(node.text.lower())
        prefix = re.match(r"[^*?]*", text).group()
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")
        fields = self._fields(node.field, exact=True)
        qs = []
        for f in fields:
            terms = self._expand(f, prefix, regex.match)
            if positive:
                self.highlights.exact.update(terms)
            qs.extend(wq.Term(f, t, boost=BOOSTS.get(f, 1.0)) for t in terms)
        if not qs:
            return wq.NullQuery
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _fuzzy(self, node: Fuzzy, positive: bool):
        raws = self.analysis.raw_tokens(node.text)
        if not raws:
            return None
        parts = [t for t, *_ in self.analysis.exact.analyze(raws[0])[0]]
        if not parts:
            return None
        word = parts[0]
        maxdist = node.distance if node.distance is not None else fuzzy_distance(word)
        fields = self._fields(node.field, exact=True)
        neighbours = sorted(n for f in fields for n in spelling_neighbours(self.reader, f, word, maxdist))
        terms: set[str] = set()
        for _, _, t in neighbours:
            if len(terms) >= MAX_FUZZY_TERMS:
                break
            terms.add(t)
        terms.add(word)
        if positive:
            self.highlights.exact.update(terms)
        qs = [wq.Term(f, t, boost=BOOSTS.get(f, 1.0)) for f in fields for t in sorted(terms)]
        return qs[0] if len(qs) == 1 else wq.Or(qs)

    def _stopwords_fallback(self, node):
        words = [w for w in _positive_words(node)]
        exact = []
        for w in words:
            for raw in self.analysis.raw_tokens(w):
                exact.extend(t for t, *_ in self.analysis.exact.analyze(raw)[0])
        if not exact:
            return None
        self.highlights.exact.update(exact)
        if len(exact) == 1:
            return self._terms_or(["title_exact", "exact"], exact)
        return wq.Or([wq.Phrase(f, exact) for f in ("title_exact", "exact")])


def fuzzy_distance(word: str) -> int:
    """Edits allowed by ``word~``: none for 1–2 letters, 1 up to 5 letters, 2 beyond."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


def spelling_neighbours(reader, field: str, word: str, maxdist: int) -> list[tuple[int, int, str]]:
    """Terms of ``field`` within ``maxdist`` edits of ``word``, as (distance, -document frequency,
    term), closest and most frequent first.

    Typos rarely hit the first two letters, and scanning the vocabulary from a two-letter prefix
    is much cheaper; when that finds nothing, the scan starts again from the first letter. At most
    MAX_FUZZY_SCAN vocabulary entries are compared per scan.
    """
    from whoosh.support.levenshtein import distance

    found: list[tuple[int, int, str]] = []
    for size in ((2, 1) if len(word) > 4 else (1,)):
        for n, btext in enumerate(reader.expand_prefix(field, word[:size])):
            if n >= MAX_FUZZY_SCAN:
                break
            term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            if term == word or abs(len(term) - len(word)) > maxdist:
                continue
            d = distance(term, word, limit=maxdist)
            if d <= maxdist:
                found.append((d, -reader.doc_frequency(field, term), term))
        if found:
            break
    found.sort()
    return found


def _positive_words(node) -> Iterable[str]:
    if isinstance(node, Word):
        yield node.text
    elif isinstance(node, (And, Or)):
        for item in node.items:
            yield from _positive_words(item)
