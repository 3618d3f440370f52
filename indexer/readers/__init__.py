"""Readers: turn files (plain text, JSON, JSON Lines, HTML) into ``Article`` objects.

One module per format (``text``, ``jsonfile``, ``jsonl``, ``html`` with ``html_page`` and
``html_furniture``), over what they share: ``source`` (the file being read, ``Skip``, reading
bytes), ``limits`` (every limit below), ``fields`` (cleaning fields, making the ``Article``),
``records`` (JSON records), ``chrome`` (page chrome lines); ``listing`` lists the files and the
stems of their ids. This module dispatches a file to its reader.

``iter_files(paths)`` lists the files to read, ``read_file(path, root)`` reads one file and yields
``Article`` objects (``content_hash`` set, ``path`` absolute) or ``Skip`` records explaining, in
French, what could not be read. ``read_file`` never raises because of a file's content.

Formats
-------
* ``.txt`` — a scraped page or a plain article. Page chrome is dropped (``top of page``,
  ``bottom of page``, Wix ``Photo du rédacteur: …`` bylines, which give the author, reading
  times, and ``Vidéo associée : …`` lines, which name a related video, not the article). Metadata
  lines before and right after the title are read and removed: ``Par Jean Dupont``,
  ``Auteur : …``, ``Date : …``, ``Publié le …``, ``Mis à jour le …``,
  ``Dernière mise à jour : …``, a line holding only a date, ``Source : …``, ``Éditeur : …``,
  ``Rubrique : …``, ``Mots-clés : a, b``, ``URL : …``, ``Chapeau : …``, ``Langue : …``,
  ``Titre : …``. The first other line is the title (a line over 250 characters is kept in the body
  and the title is its shortened start); the rest is the body, at most one blank line between
  paragraphs, section headings kept as their own lines.
* ``.json`` — one article object, a list of them, or ``{"articles": [...]}`` (also ``items``,
  ``documents``). Limited to 64 MB: bigger collections belong in JSON Lines.
* ``.jsonl`` / ``.ndjson`` / ``.jsonl.gz`` — one object per line, streamed line by line (a bad
  line is skipped with its line number, the others are read; a line with a NUL byte too). Each
  line is decoded on its own (UTF-8, else Windows-1252, else Latin-1), so files mixing encodings
  are read. After 100 bad lines without a single article the file is abandoned (it is not JSON
  Lines); a file whose bad lines hold NUL bytes and that gives no article is binary.
* ``.html`` / ``.htm`` — parsed with the standard library. Title: ``og:title``, JSON-LD
  ``headline``, first ``<h1>``, ``<title>``. Date: ``article:published_time``, ``datePublished``
  (meta, microdata, JSON-LD), first ``<time>``, ``date`` / ``DC.date`` metas, else a date in the
  first 100 characters of the first paragraph (a dateline such as ``22 mai 2012. - …``). Author:
  ``author`` / ``article:author`` metas, JSON-LD, else an element with ``rel=author``,
  ``itemprop=author`` or a class containing ``byline`` / ``author``. Source: ``og:site_name``.
  URL: ``og:url``, ``<link rel=canonical>``. Lead: ``description`` / ``og:description`` metas,
  JSON-LD, else an ``<h2>`` coming right after the ``<h1>`` (removed from the body). Body: the
  longest ``<article>``, else ``<main>``, else the whole document, without ``script, style, nav,
  header, footer, aside, form, noscript, iframe, svg, template``, without the title ``<h1>``;
  one line per block element. Page furniture is dropped too: elements whose class, id, role or
  aria-label name a consent or cookie banner, share buttons, a newsletter or subscription box,
  related articles, comments, ads, a breadcrumb or a sidebar (unless they hold the ``<h1>``, the
  ``<main>`` or most of the page's text), and chrome lines ("Partager sur Facebook", "Lire
  aussi : …", "Inscrivez-vous à notre newsletter", "Nous utilisons des cookies…"), as in text
  files. Dates are the written date: time zones are ignored.

JSON field names (case-insensitive, accents ignored; the first alias with a usable value wins)
------------------------------------------------------------------------------------------------
==========  ====================================================================
id          ``id`` (string or integer)
title       ``title``, ``titre``, ``headline``
body        ``body``, ``text``, ``texte``, ``content``, ``contenu``, ``article``
date        ``date``, ``published``, ``published_at``, ``datePublished``, ``date_publication``
author      ``author``, ``auteur``, ``byline``, ``authors`` (a list is joined with ", ")
source      ``source``, ``publication``, ``journal``, ``newspaper``
publisher   ``publisher``, ``editeur``
url         ``url``, ``link``, ``lien``
lead        ``lead``, ``chapeau``, ``chapo``, ``summary``, ``abstract``, ``heading``, ``description``
section     ``section``, ``category``, ``categorie``, ``rubrique``
tags        ``tags``, ``keywords``, ``keyphrases``, ``mots_cles`` (list or "a, b; c" string)
language    ``language``, ``lang``, ``langue`` (primary subtag kept: "fr-FR" → "fr")
==========  ====================================================================

Values of the wrong type are coerced: numbers become text, a list of strings is joined
(paragraphs with "\\n" for the body), ``{"name": …}`` objects (schema.org) give their name;
anything else is ignored. A date that cannot be read leaves the article undated.

Ids: ``.txt``, ``.html`` and single-object ``.json`` files: ``make_id(<path relative to root,
without extension>)``; records: ``make_id(record id)``, else
``make_id("<relative path without extension>-<line number or 1-based position>")``. In a path,
accents and other scripts are folded to ASCII (``Été`` → ``Ete``); files whose paths would make
the same id are told apart by ``file_stems``.

Rules and limits
----------------
* An article needs a non-empty body or lead, else it is skipped ("article sans texte"); the
  title may be empty for JSON/HTML records that have none.
* Text, HTML and JSON files over 64 MB are skipped, as are JSON Lines lines over 32 MB.
* A body longer than 2,000,000 characters is truncated (the article is kept, and a ``Skip`` right
  after it says what was cut), as is a lead over 100,000 characters and a title over 1,000; other
  fields are cut at 1,000 characters, at most 200 tags.
* All kept text is cleaned (``decoding.clean_text``): ``\\n`` line endings, no control characters,
  then ``normalize.normalize_text``: no soft hyphens, zero-width spaces or joiners, plain spaces
  for the Unicode ones, NFC.
* What cannot be read is reported, never passed over: a broken symbolic link, a directory that
  cannot be listed, a file that cannot be opened.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from ..article import Article
from ..messages import os_error_text
from .html import read_html
from .jsonfile import read_json
from .jsonl import read_jsonl
from .limits import (
    LONG_TITLE_CHARS,
    MAX_BAD_LINES,
    MAX_BODY_CHARS,
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_LEAD_CHARS,
    MAX_LINE_BYTES,
    MAX_TAGS,
)
from .listing import (
    SUPPORTED_SUFFIXES,
    file_stems,
    given_paths,
    id_stem,
    is_under,
    iter_files,
    relative_path,
    suffix_of,
)
from .source import BINARY, NO_TEXT, Skip, Source
from .text import read_txt

__all__ = [
    "BINARY",
    "LONG_TITLE_CHARS",
    "MAX_BAD_LINES",
    "MAX_BODY_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_LEAD_CHARS",
    "MAX_LINE_BYTES",
    "MAX_TAGS",
    "NO_TEXT",
    "SUPPORTED_SUFFIXES",
    "Skip",
    "file_stems",
    "given_paths",
    "is_under",
    "iter_files",
    "read_file",
]

logger = logging.getLogger(__name__)

# The reader of each supported suffix (``listing.SUPPORTED_SUFFIXES``).
_READERS = {
    ".txt": read_txt,
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".jsonl.gz": read_jsonl,
    ".html": read_html,
    ".htm": read_html,
}
assert set(_READERS) == set(SUPPORTED_SUFFIXES)


def read_file(path: Path, root: Path, stem: str | None = None) -> Iterator[Article | Skip]:
    """Read one file: yield each article found, or a ``Skip`` saying why something was not read.

    A ``Skip`` right after an article reports a loss in a kept article (a text too long, cut).
    ``stem`` replaces the file's relative path in the ids made from it (see ``file_stems``).
    """
    path, root = Path(path), Path(root)
    suffix = suffix_of(path.name)
    src = Source(path, os.path.realpath(path), stem or id_stem(relative_path(path, root), suffix))
    if path.is_symlink() and not path.exists():
        yield Skip(os.path.abspath(path), _broken_link_reason(path))
        return
    if path.is_dir():
        yield src.skip(f"dossier illisible : {_listing_error(path)}")
        return
    if suffix is None:
        yield src.skip("format non pris en charge (extensions acceptées : " + ", ".join(SUPPORTED_SUFFIXES) + ")")
        return
    reader = _READERS[suffix]
    try:
        for item in reader(src):
            yield item
            if src.warnings:
                yield from src.warnings
                src.warnings.clear()
    except OSError as exc:
        yield src.skip(f"lecture impossible : {os_error_text(exc)}")
    except Exception as exc:  # a bug must not stop a whole indexing run
        logger.exception("erreur inattendue en lisant %s", src.abspath)
        yield src.skip(f"erreur inattendue : {type(exc).__name__}")


def _broken_link_reason(link: Path) -> str:
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"lien symbolique cassé : il forme une boucle ({link} → {os.readlink(link)})"
    return f"lien symbolique cassé : sa cible {os.readlink(link)} est introuvable"


def _listing_error(directory: Path) -> str:
    try:
        with os.scandir(directory):
            return "contenu inaccessible"
    except OSError as exc:
        return os_error_text(exc)

