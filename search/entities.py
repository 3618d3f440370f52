"""Named entities of one index commit: facets, filters, names and co-occurrences.

The indexer writes, for each analysed article, its entities (kind, key, name, mentions) in the
``entities`` column and one term per key in the ``person``, ``place`` and ``org`` fields
(``indexer.entities``). Per commit, ``EntityTable`` reads the column once into numpy arrays of
(document, entity) pairs, so that a facet is one ``bincount`` over the pairs of the matching
documents — the multi-valued counterpart of ``search.facets`` — and settles, over the whole
archive:

* which keys are one entity: a person's surname alone (« Macron », ``macron``; or with its particle,
  « de Gaulle ») is the person whose
  fuller name ends with it (« Emmanuel Macron ») when that name is at least twice as frequent as
  any other that fits (otherwise it stays apart: « Le Pen » between Marine and Jean-Marie);
* what an entity is called: the most frequent form of its fullest key, a form in capitals
  (« EMMANUEL MACRON », a headline) only when it has no other.

Accents and case never split an entity: keys are folded (``indexer.entities.entity_key``).
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Mapping

import numpy as np

from presse.indexer.entities import KIND_OF_CODE, KINDS, clean_mention, entity_key, is_analysed, is_short_form

from .types import FacetCount

__all__ = ["EntityRef", "EntityTable", "EntityView", "KINDS", "entity_query", "entity_table"]

ALIAS_DOMINANCE = 2  # a surname goes to the fuller name at least this many times as frequent as the next one


@dataclasses.dataclass(frozen=True)
class EntityRef:
    """An entity as a page links to it: its kind (``person``, ``place``, ``org``) and its name."""

    kind: str
    name: str


@dataclasses.dataclass(frozen=True)
class EntityView:
    """One entity of the archive: how many articles mention it, the other forms it takes, and
    the entities most often found in the same articles (per kind, by number of shared articles)."""

    kind: str
    name: str
    articles: int
    forms: tuple[str, ...]
    related: Mapping[str, tuple[FacetCount, ...]]

    @property
    def query(self) -> str:
        """The query that finds its articles: ``personne:"Emmanuel Macron"``."""
        return entity_query(self.kind, self.name)


QUERY_FIELDS = {"person": "personne", "place": "lieu", "org": "organisation"}


def entity_query(kind: str, name: str) -> str:
    """The query-language filter for an entity: ``personne:"Emmanuel Macron"`` (quotes dropped
    from the name: a name is matched by its key, which has none)."""
    clean = name.replace('"', " ").replace("«", " ").replace("»", " ").strip()
    return f'{QUERY_FIELDS[kind]}:"{clean}"'


class _Kind:
    """The entities of one kind: keys, their groups (one entity each) and (document, group) pairs."""

    def __init__(self, kind: str, docs: list[int], keys: list[int], key_names: list[str],
                 forms: dict[int, Counter], live: np.ndarray):
        self.kind = kind
        self.keys = key_names  # key code → key
        self.code = {k: i for i, k in enumerate(key_names)}
        pair_docs = np.asarray(docs, dtype=np.int64)
        pair_keys = np.asarray(keys, dtype=np.int64)
        alive = live[pair_docs] if len(pair_docs) else np.zeros(0, dtype=bool)
        pair_docs, pair_keys = pair_docs[alive], pair_keys[alive]
        frequency = np.bincount(pair_keys, minlength=len(key_names))
        self.frequency = frequency
        group_of = self._groups(frequency) if kind == "person" else np.arange(len(key_names))
        # Groups are numbered by their main key's code; only used keys name one.
        self.group_of = group_of
        self.members: dict[int, list[int]] = defaultdict(list)
        for key_code, group in enumerate(group_of.tolist()):
            if frequency[key_code]:
                self.members[group].append(key_code)
        self.names = {g: _best_form(forms.get(g, Counter()), key_names[g]) for g in self.members}
        # Group → its rank in name order, for sorting equal counts without a Python key per group.
        self.name_rank = np.zeros(len(key_names), dtype=np.int64)
        for rank, g in enumerate(sorted(self.names, key=lambda g: (self.names[g].casefold(), g))):
            self.name_rank[g] = rank
        self.by_name: dict[str, int] = {}
        for g, name in self.names.items():
            self.by_name.setdefault(entity_key(name), g)
        groups = group_of[pair_keys] if len(pair_keys) else pair_keys
        pairs = np.unique(pair_docs * len(key_names) + groups) if len(pair_docs) else pair_docs
        self.pair_docs = pairs // max(len(key_names), 1)
        self.pair_groups = pairs % max(len(key_names), 1)
        for array in (self.pair_docs, self.pair_groups, self.group_of):
            array.flags.writeable = False
        self.size = len(key_names)

    def _groups(self, frequency: np.ndarray) -> np.ndarray:
        """Key code → the code of the key it is one entity with (itself unless it is a surname
        that a fuller, dominant name ends with)."""
        group_of = np.arange(len(self.keys))
        used = [k for k in range(len(self.keys)) if frequency[k]]
        by_tail: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for k in used:
            words = tuple(self.keys[k].split())
            for n in range(1, len(words)):
                by_tail[words[-n:]].append(k)
        # Fuller keys first: a key that goes into a fuller one is not a target itself.
        for k in sorted((k for k in used if is_short_form(self.keys[k])), key=lambda k: -len(self.keys[k].split())):
            target = self._dominant([c for c in by_tail.get(tuple(self.keys[k].split()), ()) if group_of[c] == c],
                                    group_of)
            if target is not None:
                group_of[k] = target
        return group_of

    def _dominant(self, candidates: list[int], group_of: np.ndarray | None = None) -> int | None:
        """The group of the most frequent of ``candidates`` (key codes) when it has at least
        ``ALIAS_DOMINANCE`` times the articles of the next group; else None."""
        group_of = self.group_of if group_of is None else group_of
        totals: Counter = Counter()
        for c in candidates:
            if self.frequency[c]:
                totals[int(group_of[c])] += int(self.frequency[c])
        ranked = totals.most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[0][1] < ALIAS_DOMINANCE * ranked[1][1]):
            return None
        return ranked[0][0]

    def lookup(self, text: str) -> list[int]:
        """The groups a name typed in a query means: the one of its key (or of a name it is
        the form of); else every entity with a key holding its words in that order."""
        name = clean_mention(text, self.kind) or text
        key = entity_key(name)
        if not key:
            return []
        code = self.code.get(key)
        if code is not None and int(self.group_of[code]) in self.members:
            return [int(self.group_of[code])]
        if key in self.by_name:
            return [self.by_name[key]]
        surname = self._dominant([c for c, k in enumerate(self.keys) if k.endswith(f" {key}")]) \
            if self.kind == "person" else None
        if surname is not None:  # « Macron » where every article has the full name
            return [surname]
        padded = f" {key} "
        return sorted({int(self.group_of[c]) for c, k in enumerate(self.keys)
                       if padded in f" {k} " and int(self.group_of[c]) in self.members})

    def terms(self, groups: list[int]) -> list[str]:
        """The index terms (keys) of ``groups``."""
        return sorted(self.keys[k] for g in groups for k in self.members.get(g, ()))

    def counts(self, docs: np.ndarray, limit: int | None) -> list[tuple[int, int]]:
        """(group, articles among the ``docs`` mask), most frequent first (ties by name)."""
        if not len(self.pair_docs):
            return []
        tally = np.bincount(self.pair_groups[docs[self.pair_docs]], minlength=self.size)
        found = np.flatnonzero(tally)
        order = found[np.lexsort((self.name_rank[found], -tally[found]))][:limit]
        return [(g, int(tally[g])) for g in order.tolist()]

    def docs(self, group: int, size: int) -> np.ndarray:
        """The mask of the live documents that mention ``group``."""
        mask = np.zeros(size, dtype=bool)
        mask[self.pair_docs[self.pair_groups == group]] = True
        return mask


def _best_form(forms: Counter, key: str) -> str:
    """The name of an entity: its most frequent form, capitals-only forms (a headline's) last."""
    if not forms:
        return key
    return max(forms.items(), key=lambda item: (not _shouting(item[0]), item[1], item[0]))[0]


def _shouting(form: str) -> bool:
    """A form in capitals that is not an acronym: ``EMMANUEL MACRON``, ``MARSEILLE``."""
    return form.isupper() and (" " in form or len(form) > 5)


class EntityTable:
    """The entities of one commit (see the module docstring). Thread-safe once built; arrays read-only."""

    def __init__(self, values: list, live: np.ndarray):
        """``values``: document number → its ``entities`` column value (None when absent)."""
        self.size = len(live)
        analysed = np.zeros(len(live), dtype=bool)
        docs: dict[str, list[int]] = {k: [] for k in KINDS}
        keys: dict[str, list[int]] = {k: [] for k in KINDS}
        codes: dict[str, dict[str, int]] = {k: {} for k in KINDS}
        forms: dict[str, dict[int, Counter]] = {k: defaultdict(Counter) for k in KINDS}
        for docnum, value in enumerate(values):
            if not value or not is_analysed(value):
                continue
            analysed[docnum] = True
            if not live[docnum]:
                continue
            for line in value.split("\n")[1:]:
                parts = line.split("\t")
                if len(parts) != 4 or parts[0] not in KIND_OF_CODE:
                    continue
                kind = KIND_OF_CODE[parts[0]]
                table = codes[kind]
                code = table.get(parts[1])
                if code is None:
                    code = table[parts[1]] = len(table)
                docs[kind].append(docnum)
                keys[kind].append(code)
                forms[kind][code][parts[2]] += 1
        self.analysed = int(np.count_nonzero(analysed & live))
        self.kinds = {kind: _Kind(kind, docs[kind], keys[kind], list(codes[kind]), forms[kind], live)
                      for kind in KINDS}

    def counts(self, kind: str, docs: np.ndarray, limit: int | None = 30) -> tuple[FacetCount, ...]:
        """The entities of ``kind`` among the ``docs`` mask, by name, with their article counts."""
        table = self.kinds[kind]
        return tuple(FacetCount(table.names[g], n) for g, n in table.counts(docs, limit))

    def terms(self, kind: str, name: str) -> list[str]:
        """The index terms of the ``kind`` field that the name ``name`` means in a query (empty:
        no such entity)."""
        table = self.kinds[kind]
        return table.terms(table.lookup(name))

    def view(self, kind: str, name: str, related: int = 10) -> EntityView | None:
        """The entity ``name`` of ``kind`` (as named by ``counts``, or any of its forms or keys),
        None when the archive has none."""
        table = self.kinds[kind]
        groups = table.lookup(name)
        if not groups:
            return None
        masks = {g: table.docs(g, self.size) for g in groups}
        group = max(groups, key=lambda g: (int(np.count_nonzero(masks[g])), -g))  # several: the most cited
        docs = masks[group]
        near = {}
        for other, other_table in self.kinds.items():
            found = other_table.counts(docs, related + 1)
            near[other] = tuple(FacetCount(other_table.names[g], n) for g, n in found
                                if not (other == kind and g == group))[:related]
        members = table.members[group]
        forms = sorted({table.keys[k] for k in members} - {entity_key(table.names[group])})
        return EntityView(kind, table.names[group], int(np.count_nonzero(docs)), tuple(forms), near)

    def of_document(self, value: str | None) -> tuple[EntityRef, ...]:
        """The entities of one article (its column value), by kind then order of first mention,
        named as the archive names them."""
        if not value or not is_analysed(value):
            return ()
        out: dict[tuple[str, int], None] = {}
        for line in value.split("\n")[1:]:
            parts = line.split("\t")
            if len(parts) != 4 or parts[0] not in KIND_OF_CODE:
                continue
            kind = KIND_OF_CODE[parts[0]]
            table = self.kinds[kind]
            code = table.code.get(parts[1])
            if code is not None:
                out[(kind, int(table.group_of[code]))] = None
        ordered = sorted(out, key=lambda item: KINDS.index(item[0]))
        return tuple(EntityRef(kind, self.kinds[kind].names[g]) for kind, g in ordered if g in self.kinds[kind].names)


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def entity_table(columns, reader) -> EntityTable:
    """The ``EntityTable`` of a commit, kept as long as ``columns`` (its ``ReaderColumns``) lives."""
    found = _TABLES.get(columns)
    if found is None:
        found = EntityTable(columns.array(reader, "entities"), columns.live_docs(reader))
        with _TABLES_LOCK:
            found = _TABLES.setdefault(columns, found)
    return found
