"""JSON files (``.json``): one article object, a list of them, or ``{"articles": [...]}`` (also
``items``, ``documents``), within ``limits.MAX_FILE_BYTES``: bigger collections belong in JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..article import Article
from .records import FIELDS, fold_keys, json_error, record_article
from .source import Skip, Source, read_text

_CONTAINER_KEYS = ("articles", "items", "documents")


def read_json(src: Source) -> Iterator[Article | Skip]:
    """The articles of a JSON file (or why it, or one of its records, is skipped)."""
    text = read_text(src, " ; utilisez plutôt JSON Lines (.jsonl)")
    if isinstance(text, Skip):
        yield text
        return
    try:
        doc = json.loads(text, strict=False)
    except (ValueError, RecursionError) as exc:
        yield src.skip(json_error(exc))
        return
    del text
    if isinstance(doc, dict):
        container = next(
            (doc[k] for k in _CONTAINER_KEYS if isinstance(doc.get(k), list)), None
        )
        if container is not None and not any(k in fold_keys(doc) for k in FIELDS["body"]):
            doc = container
        else:
            yield record_article(src, doc, src.stem, None)
            return
    if not isinstance(doc, list):
        yield src.skip("JSON : un objet ou une liste d'objets est attendu")
        return
    if not doc:
        yield src.skip("aucun article dans le fichier")
        return
    for position, record in enumerate(doc, start=1):
        if isinstance(record, dict):
            yield record_article(src, record, f"{src.stem}-{position}", None)
        else:
            yield src.skip(f"élément {position} de la liste : objet JSON attendu")

