"""French text analysis for Presse: a tokenizer and small composable Whoosh filters.

Over 400 lines on purpose: every class pickled into an index's schema is defined here (the
index holds this import path), and the filters with the cache that replays them go together.
The word rules they apply (tokens, stop words, folding, compounds) are ``indexer.words``.

The chain, in order (the order matters):

1. ``FrenchTokenizer``: runs of letters and digits, kept together across apostrophes, hyphens and
   digit separators (``l'État``, ``porte-avions``, ``aujourd'hui``, ``1,5``, ``12.10.2024``).
   A word broken across a line by a hyphen before a lowercase letter (``gou-\\nvernement``, common
   in OCR'd papers) keeps the break as ``LINE_BREAK_MARK`` (see ``normalize_raw``): it is read both
   ways, joined and split, by ``CompoundFilter``. Soft hyphens are dropped and the long s ``ſ`` is
   read as ``s``.
2. ``ElisionFilter``: strips ``l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu'``
   (with ``'``, ``’`` or ``ʼ``); ``aujourd'hui`` stays one word.
3. ``LowercaseFilter``.
4. ``FrenchStopFilter``: the Snowball French stop list, matched on the accented form (and, for a
   word typed without accents, on the folded list: ``ete`` is stopped like ``été``). A compound is
   never a stop word, and its parts are not stopped: ``avions`` in ``porte-avions`` is a noun.
5. ``CompoundFilter``: ``porte-avions`` gives the whole compound and its parts (``porte``, ``avions``),
   the parts at consecutive positions so phrases match them; so do numbers (``1,5`` → ``1,5 1 5``).
   A word broken at the end of a line gives both readings: the joined word (``gouvernement``, a
   printer's hyphenation) and the two parts (``négocier-\\nnaguère``: a compound, or two words
   with a dash). Which one the writer meant depends on the archive's vocabulary, not known while
   indexing; the query finds whichever it names, and the highlighter marks that one.
6. ``SnowballFilter``: Snowball French stemming (PyStemmer, the C build) of the *accented* form:
   the algorithm needs the accents (``capacités→capac`` but ``capacites→capacit``).
7. ``FoldFilter``: accent and ligature folding with unidecode (``état→etat``, ``œuvre→oeuvre``),
   Latin script only.

Because stemming happens before folding, an unaccented query word can stem differently from the
accented word in the article. ``lexicon_pairs`` gives, for each indexed word, the pair
(fold-then-stem key, stem-then-fold term); the index keeps these pairs (see ``indexer.lexicon``)
and the query side maps a typed word through its key to the terms really in the index, so
``capacites`` finds what ``capacités`` finds.

``CachedFilter`` runs the filters 2-7 once per *distinct* raw token and replays the result:
unidecode and the stemmer are slow per call, and 96 % of the tokens of a news corpus are repeats.

The filters keep no state but caches bounded by construction (a server analyses whatever it is
sent): ``CachedFilter`` holds at most ``max_entries`` words, the fold table at most one entry per
code point below ``indexer.words.FOLD_CACHED_BELOW``, PyStemmer its own bounded cache. Nothing here collects
words for someone else: the index writer takes the words of the lexicon from its own token
tables (``indexer.inversion``, ``indexer.segments.MemoryPool.take_new_words``).

Whoosh pickles the schema, analyzers included, into every index: the classes here are public API.
Keep them at this import path, keep their attributes plain, and bump ``ANALYSIS_VERSION`` whenever
a change would index a text differently (``indexer.index`` refuses to open an index built with
another version and asks for a reindex).
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh.analysis import Composable, Filter, LowercaseFilter, Token, Tokenizer

from .words import (
    APOSTROPHE_RE,
    APOSTROPHES,
    BREAK_SPLIT_RE,
    ELISION_RE,
    FRENCH_STOP_WORDS,
    HYPHENS,
    LINE_BREAK_HYPHEN_RE,
    LINE_BREAK_MARK,
    MAX_TOKEN_LENGTH,
    TOKEN_RE,
    compound_readings,
    fold,
    is_stop_word,
    joined_form,
    normalize_raw,
    token_width,
)

# The word rules (indexer.words) that callers import from here, with this module's names.
__all__ = [
    "ANALYSIS_VERSION", "APOSTROPHES", "FRENCH_STOP_WORDS", "HYPHENS", "LINE_BREAK_HYPHEN_RE", "LINE_BREAK_MARK",
    "MAX_TOKEN_LENGTH", "TOKEN_RE", "CachedFilter", "CompoundFilter", "ElisionFilter", "FoldFilter", "FrenchStopFilter",
    "FrenchTokenizer", "Lexiconizer", "SnowballFilter", "compound_readings", "exact_filters", "fold",
    "french_analyzer", "french_exact_analyzer", "is_stop_word", "joined_form", "key_filters", "normalize_raw",
    "stemming_filters", "token_width", "tokens", "word_steps",
]

# 2: a line-break hyphen before a lowercase letter gives both readings (joined and split); soft
# hyphens and other invisible characters inside a word are part of it (indexer.normalize)
ANALYSIS_VERSION = 2



class FrenchTokenizer(Tokenizer):
    """Yield raw word tokens: letters and digits, kept whole across apostrophes and hyphens."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in TOKEN_RE.finditer(value):
            raw = match.group()
            t.text = normalize_raw(raw)
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = raw
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t




class ElisionFilter(Filter):
    """Strip a French elided article or pronoun: ``l'État→État``, ``qu’il→il``, ``jusqu'ici→ici``."""

    def __call__(self, tokens):
        for t in tokens:
            m = ELISION_RE.match(t.text)
            if m and len(t.text) > m.end():
                t.text = t.text[m.end():]
                if t.chars:
                    t.startchar += m.end()
            yield t


class CompoundFilter(Filter):
    """Give a compound as a whole and by its parts: ``porte-avions`` → ``porte-avions porte avions``.

    The whole keeps the position of the first part; the parts take consecutive positions, and the
    tokens after the compound move along, so ``"corridor Nord-Sud"`` is a three-word phrase.
    Apostrophes inside a word are normalised to ``'`` (``aujourd’hui`` = ``aujourd'hui``).
    With ``whole=False`` only the parts are given (the exact-form field does not need the whole).

    A word broken at a line end (``envi‧‧ron``, see ``normalize_raw``) is read both ways: joined
    (``environ``: the word, in both fields, and a compound's whole and parts when it has hyphens)
    and split at the break (``envi ron``). The joined reading takes the positions and moves the
    tokens after it, so phrases through a word the printer hyphenated keep matching; the split
    reading's parts take consecutive positions from the first one (the part after the break shares
    its position with the next word), so ``"négocier naguère"`` matches ``négocier-\\nnaguère``.
    A broken word whose joined form is a stop word (``ai-\\nent``) is that stop word alone.
    """

    def __init__(self, whole=True):
        self.whole = whole

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.whole == self.whole

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            text = t.text
            if "’" in text or "ʼ" in text:
                text = t.text = APOSTROPHE_RE.sub("'", text)
            if t.positions:
                t.pos += shift
            if not BREAK_SPLIT_RE.search(text):
                yield t
                continue
            if t.stopped:  # only a broken word joins into a stop word (see FrenchStopFilter)
                t.text = joined_form(text)
                yield t
                continue
            start = t.startchar if t.chars else 0
            end = t.endchar if t.chars else len(text)
            # When cleaning or lowercasing changed the length (a soft hyphen, "İ"), character offsets
            # inside the word are unknown: every part gets the span of the whole word.
            exact_offsets = end - start == len(text)
            pos = t.pos if t.positions else 0
            readings, width = compound_readings(text, self.whole)
            for part, rel_pos, rel_start, rel_end in readings:
                t.text = part
                if t.positions:
                    t.pos = pos + rel_pos
                if t.chars:
                    if exact_offsets:
                        t.startchar, t.endchar = start + rel_start, start + rel_end
                    else:
                        t.startchar, t.endchar = start, end
                yield t
            shift += width - 1




class FrenchStopFilter(Filter):
    """Drop French stop words (see ``is_stop_word``) when the stream asks for stops to be removed."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            if is_stop_word(joined_form(t.text)):
                if t.removestops:
                    continue
                t.stopped = True
            yield t


class SnowballFilter(Filter):
    """Snowball French stemming (PyStemmer) of each token; a compound is stemmed part by part."""

    def __init__(self):
        self._stemmer = None

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self._stemmer = None

    def stem(self, word: str) -> str:
        """Stem one lowercase word (or a ``-``-joined compound, part by part)."""
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer("french")
        if "-" in word:
            return "-".join(self._stemmer.stemWord(p) for p in word.split("-"))
        return self._stemmer.stemWord(word)

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = self.stem(t.text)
            yield t


class FoldFilter(Filter):
    """Fold accents and ligatures (see ``fold``); drop tokens left empty or too long."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            if t.text and len(t.text) <= MAX_TOKEN_LENGTH:
                yield t


class CachedFilter(Filter):
    """Run ``filters`` once per distinct raw token and replay the result for every occurrence.

    The filters must map one token to tokens that depend on its text only (true of every filter
    here); positions and character offsets are replayed relative to the raw token. At most
    ``max_entries`` words are cached (``MAX_ENTRIES`` by default; ``limit`` lowers it): when the
    cache is full it starts again, empty. Only the filters are pickled: an unpickled copy (each
    Whoosh searcher makes its own) starts with an empty cache of the default size.
    """

    MAX_ENTRIES = 400_000

    def __init__(self, *filters, max_entries: int | None = None):
        self.filters = tuple(filters)
        self._steps = word_steps(self.filters)
        self._elides = bool(self.filters) and type(self.filters[0]) is ElisionFilter
        self._cache = {}
        if max_entries is not None:
            self.limit(max_entries)

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.filters == self.filters

    def __getstate__(self):
        return {"filters": self.filters}

    def __setstate__(self, state):
        # Indexes pickle {"filters": …} only (older ones may hold more: it is not read).
        self.filters = state["filters"]
        self._steps = word_steps(self.filters)
        self._elides = bool(self.filters) and type(self.filters[0]) is ElisionFilter
        self._cache = {}

    def limit(self, max_entries: int) -> CachedFilter:
        """Keep at most ``max_entries`` cached words from now on; return this filter."""
        self.MAX_ENTRIES = max_entries
        if len(self._cache) > max_entries:
            self._cache.clear()
        return self

    # The name the query side uses for ``limit``.
    bound = limit

    def analyze(self, raw: str) -> tuple[tuple[tuple[str, int, int, int], ...], int]:
        """Return ((text, relative position, start, end), …) for one raw token, and its width.

        ``raw`` may be uncleaned (see ``normalize_raw``); offsets are relative to the cleaned token.
        """
        hit = self._cache.get(raw)
        if hit is not None:
            return hit
        clean = normalize_raw(raw)
        if self._steps is not None:
            # A plain word, or one elided word (l'État): no compound, one token.
            elided = ELISION_RE.match(clean) if self._elides else None
            start = elided.end() if elided and len(clean) > elided.end() else 0
            word = clean[start:] if start else clean
            if word.isalnum() and "ʼ" not in word:
                if len(self._cache) >= self.MAX_ENTRIES:
                    self._cache.clear()
                hit = self._cache[raw] = (self._word(word, start, len(clean)), 1)
                return hit
        t = Token(positions=True, chars=True, removestops=True)
        t.text, t.pos, t.startchar, t.endchar, t.boost, t.stopped = clean, 0, 0, len(clean), 1.0, False
        stream = iter((t,))
        for f in self.filters:
            stream = f(stream)
        out = tuple((tok.text, tok.pos, tok.startchar, tok.endchar) for tok in stream)
        # A compound whose parts were all dropped still occupies its positions.
        width = token_width(clean)
        if len(self._cache) >= self.MAX_ENTRIES:
            self._cache.clear()
        self._cache[raw] = hit = (out, width)
        return hit

    def _word(self, word: str, start: int, end: int) -> tuple[tuple[str, int, int, int], ...]:
        """``analyze`` of a word of letters and digits only (at ``start:end`` of the raw token,
        after its elision), through ``word_steps``."""
        for step in self._steps:
            word = step(word)
            if word is None:
                return ()
        return ((word, 0, start, end),)

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            if not t.removestops:
                # Stop words kept and flagged (Whoosh's highlighter asks for that): run the chain itself.
                if t.positions:
                    t.pos += shift
                width = token_width(t.text)
                stream = iter((t,))
                for f in self.filters:
                    stream = f(stream)
                yield from stream
                shift += width - 1
                continue
            out, width = self.analyze(t.text)
            if t.positions:
                pos = t.pos + shift
            if t.chars and out:
                start, end = t.startchar, t.endchar
                # Cleaning may have changed the word's length (see CompoundFilter): whole span then.
                exact_offsets = end - start == len(t.text)
                elided = out[0][2]
            for text, rel_pos, rel_start, rel_end in out:
                t.text = text
                if t.positions:
                    t.pos = pos + rel_pos
                if t.chars:
                    if exact_offsets:
                        t.startchar, t.endchar = start + rel_start, start + rel_end
                    else:
                        t.startchar, t.endchar = start + elided, end
                yield t
            shift += width - 1


def _keep_unless_stop_word(word: str) -> str | None:
    return None if is_stop_word(word) else word


def _fold_unless_too_long(word: str) -> str | None:
    folded = fold(word)
    return folded if folded and len(folded) <= MAX_TOKEN_LENGTH else None


def word_steps(filters: tuple[Filter, ...]) -> tuple[Callable[[str], str | None], ...] | None:
    """What ``filters`` do to one word made of letters and digits only — no apostrophe (``ʼ`` is
    a letter), hyphen or separator, so neither ``ElisionFilter`` nor ``CompoundFilter`` changes
    it — as a function per filter giving the new word, or None when the word is dropped. None
    when a filter is not one of this module's (``CachedFilter`` then runs the token stream).

    ``CachedFilter`` analyses such words, most of a text's, through these functions: the same
    calls the filters make, without a Token or a generator per filter (a test compares the two).
    """
    steps = []
    for f in filters:
        kind = type(f)
        if kind is ElisionFilter or kind is CompoundFilter:
            continue
        if kind is LowercaseFilter:
            steps.append(str.lower)
        elif kind is FrenchStopFilter:
            steps.append(_keep_unless_stop_word)
        elif kind is SnowballFilter:
            steps.append(f.stem)
        elif kind is FoldFilter:
            steps.append(_fold_unless_too_long)
        else:
            return None
    return tuple(steps)


def stemming_filters() -> tuple[Filter, ...]:
    """The filters of the stemmed chain, in order (see the module docstring)."""
    return (ElisionFilter(), LowercaseFilter(), FrenchStopFilter(), CompoundFilter(), SnowballFilter(), FoldFilter())


def exact_filters() -> tuple[Filter, ...]:
    """The filters of the exact-form chain: elision, lowercase, parts, folding; no stop words, no stems."""
    return (ElisionFilter(), LowercaseFilter(), CompoundFilter(whole=False), FoldFilter())


def key_filters() -> tuple[Filter, ...]:
    """The stemmed chain with folding *before* stemming: gives the lexicon key of each term."""
    return (ElisionFilter(), LowercaseFilter(), FrenchStopFilter(), CompoundFilter(), FoldFilter(), SnowballFilter())


def _analyzer(filters: tuple[Filter, ...], cached: bool) -> Composable:
    if cached:
        return FrenchTokenizer() | CachedFilter(*filters)
    chain = FrenchTokenizer()
    for f in filters:
        chain = chain | f
    return chain


def french_analyzer(cached: bool = True) -> Composable:
    """The analyzer of the stemmed fields (title, lead, body); ``cached=False`` composes the filters."""
    return _analyzer(stemming_filters(), cached)


def french_exact_analyzer(cached: bool = True) -> Composable:
    """The analyzer of the exact-form fields, for phrases, prefixes and fuzzy matching."""
    return _analyzer(exact_filters(), cached)


def tokens(text: str, analyzer: Composable | None = None, **kwargs) -> list[str]:
    """The terms ``analyzer`` (default: the stemmed French analyzer) makes of ``text``. For tests and the CLI."""
    analyzer = analyzer or _DEFAULT_ANALYZER
    return [t.text for t in analyzer(text, **kwargs)]


class Lexiconizer:
    """Compute the lexicon pairs of raw tokens: (fold-then-stem key, indexed term) and display forms.

    ``pairs(raw)`` is cached per distinct raw token, like the analyzers.
    """

    def __init__(self, terms: CachedFilter | None = None):
        # ``terms`` may be the index's own stemming cache: its entries are reused, not recomputed.
        self._terms = terms if terms is not None else CachedFilter(*stemming_filters())
        self._keys = CachedFilter(*key_filters())
        self._surfaces = CachedFilter(ElisionFilter(), LowercaseFilter(), FrenchStopFilter(), CompoundFilter())

    def pairs(self, raw: str) -> list[tuple[str, str]]:
        """(key, term) for each term ``raw`` is indexed as; the two chains keep the same tokens in order."""
        raw = normalize_raw(raw)
        terms, _ = self._terms.analyze(raw)
        keys, _ = self._keys.analyze(raw)
        if len(terms) != len(keys):  # a token dropped by length limits in one chain only
            return []
        return [(k[0], t[0]) for k, t in zip(keys, terms)]

    def display_forms(self, raw: str) -> list[tuple[str, str]]:
        """(folded, accented) for each non-ASCII lowercase word of ``raw``: how to show a suggestion."""
        surfaces, _ = self._surfaces.analyze(normalize_raw(raw))
        return [(fold(s[0]), s[0]) for s in surfaces if not s[0].isascii()]

    def query_keys(self, word: str) -> list[str]:
        """The lexicon keys of a query word (each analysed term of it, folded then stemmed)."""
        keys, _ = self._keys.analyze(normalize_raw(word))
        return [k[0] for k in keys]


_DEFAULT_ANALYZER = french_analyzer()
