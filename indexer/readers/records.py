"""JSON records (in ``.json`` and JSON Lines files) made into articles: field aliases, coercion.

Field names are compared case-insensitively, accents ignored (``fields.fold_key``); the first
alias with a usable value wins (``FIELDS``). Values of the wrong type are coerced: numbers become
text, a list of strings is joined (paragraphs with "\\n" for the body), ``{"name": …}`` objects
(schema.org) give their name; anything else is ignored. A date that cannot be read leaves the
article undated. The id is the record's ``id``, else ``fallback_id``.
"""

from __future__ import annotations

import json
from typing import Any

from ..article import Article, make_id
from ..dates import parse_french_date
from ..messages import json_error_text
from .fields import fold_key, make_article
from .source import Skip, Source

FIELDS = {
    "title": ("title", "titre", "headline"),
    "body": ("body", "text", "texte", "content", "contenu", "article"),
    "date": ("date", "published", "published_at", "datepublished", "date_publication"),
    "author": ("author", "auteur", "byline", "authors"),
    "source": ("source", "publication", "journal", "newspaper"),
    "publisher": ("publisher", "editeur"),
    "url": ("url", "link", "lien"),
    "lead": ("lead", "chapeau", "chapo", "summary", "abstract", "heading", "description"),
    "section": ("section", "category", "categorie", "rubrique"),
    "tags": ("tags", "keywords", "keyphrases", "mots_cles"),
    "language": ("language", "lang", "langue"),
}
_JOINERS = {"body": "\n", "lead": "\n", "title": " "}


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(value) if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):  # schema.org {"@type": "Person", "name": "…"}
        for key in ("name", "value", "text", "#text", "@value"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def as_text(value: Any, joiner: str = ", ") -> str | None:
    """``value`` as text (a list joined with ``joiner``), or None when it holds none."""
    if isinstance(value, (list, tuple)):
        parts = [_scalar_text(v) for v in value[:10_000]]
        text = joiner.join(p.strip() for p in parts if p and p.strip())
        return text or None
    text = _scalar_text(value)
    return text if text and text.strip() else None


def as_tags(value: Any) -> list[str]:
    """The tags of ``value`` (a string, or a list of them)."""
    if isinstance(value, (list, tuple)):
        return [t for t in (_scalar_text(v) for v in value[:10_000]) if t]
    text = _scalar_text(value)
    return [text] if text else []


def fold_keys(record: dict) -> dict[str, Any]:
    """``record`` keyed by its folded field names (see ``fields.fold_key``), the first of equal ones kept."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(key, str):
            out.setdefault(fold_key(key), value)
    return out


def record_article(src: Source, record: dict, fallback_id: str, line: int | None) -> Article | Skip:
    """The article of one JSON object (``line``: its line in a JSON Lines file)."""
    fields = fold_keys(record)
    found: dict[str, Any] = {}
    for name, aliases in FIELDS.items():
        for alias in aliases:
            if alias not in fields:
                continue
            value = fields[alias]
            if name == "tags":
                usable = as_tags(value)
            elif name == "date":
                text = as_text(value)
                usable = parse_french_date(text) if text else None
            else:
                usable = as_text(value, _JOINERS.get(name, ", "))
            if usable:
                found[name] = usable
                break
    raw_id = fields.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or not str(raw_id).strip():
        article_id = make_id(fallback_id)
    else:
        article_id = make_id(str(raw_id))
    # FIELDS names make_article's fields.
    return make_article(src, article_id, line=line, title=found.pop("title", None), body=found.pop("body", None),
                        **found)


def json_error(exc: Exception, line: int | None = None) -> str:
    """The French reason for a JSON document (or line) that cannot be parsed."""
    if isinstance(exc, RecursionError):
        where = f" ligne {line}" if line else ""
        return f"JSON trop profondément imbriqué{where}"
    if isinstance(exc, json.JSONDecodeError):
        if line is None:
            return f"JSON invalide ligne {exc.lineno} : {json_error_text(exc)} (colonne {exc.colno})"
        return f"JSON invalide ligne {line} : {json_error_text(exc)} (caractère {exc.pos + 1})"
    where = f" ligne {line}" if line else ""
    return f"JSON invalide{where} : {json_error_text(exc)}"

