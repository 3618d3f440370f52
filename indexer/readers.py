"""Readers: turn files (plain text, JSON, JSON Lines, HTML) into ``Article`` objects.

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

import dataclasses
import errno
import functools
import gzip
import hashlib
import io
import json
import logging
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from unidecode import unidecode

from .article import Article, make_id
from .dates import parse_french_date
from .decoding import bom_encoding, clean_text, decode_bytes, decode_line
from .messages import compression_error_text, json_error_text, os_error_text

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".ndjson", ".jsonl.gz", ".html", ".htm")

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 32 * 1024 * 1024
MAX_BODY_CHARS = 2_000_000
MAX_LEAD_CHARS = 100_000
MAX_FIELD_CHARS = 1_000
MAX_TAGS = 200
MAX_BAD_LINES = 100
LONG_TITLE_CHARS = 250

BINARY = "fichier binaire ou encodage inconnu"
NO_TEXT = "article sans texte"


@dataclasses.dataclass(frozen=True)
class Skip:
    """Something that was not indexed, and why (in French, for the user): a file, a record, or
    the part of a kept article that was cut (``line``: the record's line in a JSON Lines file)."""

    path: str
    reason: str
    line: int | None = None


# --------------------------------------------------------------------------------------------
# Listing files


def _suffix(name: str) -> str | None:
    lower = name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under each of ``paths``.

    Directories are walked recursively in sorted order, hidden files and directories (name
    starting with ".") are skipped, symbolic links are followed but every directory is entered
    once (no loops) and every file is yielded once: when a file is reached through a symbolic
    link and under its own name, its own name is kept. ``root`` is the directory given, or the
    file's parent when a file is given (a file given explicitly is yielded even with an
    unsupported suffix: ``read_file`` then says why it is skipped). What cannot be read is yielded
    too, for ``read_file`` to report it: a broken symbolic link (with a supported suffix or none:
    it may have pointed to a directory) and a directory that cannot be listed. A missing path
    raises ``FileNotFoundError`` before anything is yielded.
    """
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists():
            raise FileNotFoundError(f"chemin introuvable : {path}")
    seen_dirs: set[tuple[int, int]] = set()
    found: list[tuple[Path, Path, tuple[int, int], bool]] = []
    for path in given:
        if path.is_dir():
            found.extend(_walk(path, seen_dirs))
        else:
            key = _file_key(path)
            if key is not None:
                found.append((path, path.parent, key, path.is_symlink()))
    # One path per file: the first one that is not a symbolic link, else the first one.
    chosen: dict[tuple[int, int], int] = {}
    for index, (_, _, key, is_link) in enumerate(found):
        if key not in chosen or (found[chosen[key]][3] and not is_link):
            chosen[key] = index
    for index, (path, root, key, _) in enumerate(found):
        if chosen[key] == index:
            yield path, root


def _file_key(path: Path | os.DirEntry) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _unreadable_key(path: str) -> tuple[int, int]:
    """A key, unlike any file's, for something yielded only to be reported (its path is unique)."""
    return (-1, hash(path))


def _walk(root: Path, seen_dirs: set) -> Iterator[tuple[Path, Path, tuple[int, int], bool]]:
    # An explicit stack, not recursion: directory trees may be deeper than Python's stack.
    stack: list[Iterator[os.DirEntry]] = []
    key = _file_key(root)
    if key is not None and key not in seen_dirs:
        seen_dirs.add(key)
        entries = _sorted_entries(root)
        if entries is None:
            yield root, root, _unreadable_key(str(root)), False
        else:
            stack.append(entries)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
            is_link = entry.is_symlink()
        except OSError:  # a symbolic link looping on itself: broken too
            is_dir = is_file = False
            is_link = entry.is_symlink()
        if is_dir:
            key = _file_key(entry)
            if key is not None and key not in seen_dirs:
                seen_dirs.add(key)
                entries = _sorted_entries(Path(entry.path))
                if entries is None:
                    yield Path(entry.path), root, _unreadable_key(entry.path), is_link
                else:
                    stack.append(entries)
        elif is_file and _suffix(entry.name):
            key = _file_key(entry)
            if key is not None:
                yield Path(entry.path), root, key, is_link
        elif is_link and not os.path.exists(entry.path) and (_suffix(entry.name) or "." not in entry.name):
            yield Path(entry.path), root, _unreadable_key(entry.path), True  # broken: read_file reports it


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry] | None:
    """The entries of ``directory`` sorted by name, or ``None`` when it cannot be listed."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return None
    return iter(entries)


# --------------------------------------------------------------------------------------------
# Reading one file


@dataclasses.dataclass
class _Source:
    path: Path
    abspath: str
    stem: str  # relative path from root, without the extension, accents folded: for ids
    warnings: list[Skip] = dataclasses.field(default_factory=list)  # about the last article read

    def skip(self, reason: str, line: int | None = None) -> Skip:
        return Skip(self.abspath, reason, line)

    def warn(self, reason: str, line: int | None = None) -> None:
        """Report a loss about an article that is kept (``read_file`` yields it after the article)."""
        self.warnings.append(self.skip(reason, line))


def read_file(path: Path, root: Path, stem: str | None = None) -> Iterator[Article | Skip]:
    """Read one file: yield each article found, or a ``Skip`` saying why something was not read.

    A ``Skip`` right after an article reports a loss in a kept article (a text too long, cut).
    ``stem`` replaces the file's relative path in the ids made from it (see ``file_stems``).
    """
    path, root = Path(path), Path(root)
    suffix = _suffix(path.name)
    src = _Source(path, os.path.realpath(path), stem or _id_stem(_relative_path(path, root), suffix))
    if path.is_symlink() and not path.exists():
        yield Skip(os.path.abspath(path), _broken_link_reason(path))
        return
    if path.is_dir():
        yield src.skip(f"dossier illisible : {_listing_error(path)}")
        return
    if suffix is None:
        yield src.skip("format non pris en charge (extensions acceptées : " + ", ".join(SUPPORTED_SUFFIXES) + ")")
        return
    reader = {
        ".txt": _read_txt,
        ".json": _read_json,
        ".jsonl": _read_jsonl,
        ".ndjson": _read_jsonl,
        ".jsonl.gz": _read_jsonl,
        ".html": _read_html,
        ".htm": _read_html,
    }[suffix]
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


def _relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), else its name."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        try:
            rel = Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
        except ValueError:
            rel = path.name
    if rel in ("", "."):
        rel = path.name
    return rel


def _id_stem(rel: str, suffix: str | None) -> str:
    """The relative path without its extension, accents and other scripts folded to ASCII
    (``Été`` → ``Ete``): what ids made from a file name are made of."""
    stem = rel[: -len(suffix)] if suffix and rel.lower().endswith(suffix) else rel
    stem = stem or rel
    return unidecode(stem) if not stem.isascii() else stem


def file_stems(files: Iterable[tuple[Path, Path]]) -> dict[Path, str]:
    """The stems ``read_file`` must use for the files whose ids would collide, keyed by file.

    ``article 1.txt`` and ``article-1.txt`` both make the id ``article-1``; ``Été.txt`` and
    ``Ete.txt`` both ``Ete``. In such a group, the file whose name is its id as it is (else the
    first by relative path) keeps the plain id, the others get a short hash of their relative
    path appended (of their absolute path if that still collides: the same relative path under
    two directories given). Every file of a group is in the result, the plain one included, so that
    the indexer reads them again whenever the group changes. Files outside groups keep their ids.
    """
    entries = []
    for path, root in files:
        path, root = Path(path), Path(root)
        rel = _relative_path(path, root)
        stem = _id_stem(rel, _suffix(path.name))
        entries.append((path, rel, stem, make_id(stem)))
    groups: dict[str, list[tuple[Path, str, str, str]]] = {}
    for entry in entries:
        groups.setdefault(entry[3], []).append(entry)
    taken = set(groups)
    out: dict[Path, str] = {}
    for base, members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (not _name_is_id(m[1], m[2]), m[1], str(m[0])))
        out[members[0][0]] = members[0][2]
        for path, rel, stem, _ in members[1:]:
            for salt in (rel, os.path.realpath(path)):
                candidate = f"{stem}-{_short_hash(salt)}"
                if make_id(candidate) not in taken:
                    break
            taken.add(make_id(candidate))
            out[path] = candidate
    return out


def _name_is_id(rel: str, stem: str) -> bool:
    """True when the id made of ``stem`` spells the relative path ``rel`` as it is."""
    return rel.startswith(stem) and make_id(stem) == stem.replace("/", "~")


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def _read_bytes(src: _Source, hint: str = "") -> bytes | Skip:
    st = os.stat(src.path)
    if not stat.S_ISREG(st.st_mode):
        return src.skip("pas un fichier ordinaire")
    if st.st_size == 0:
        return src.skip("fichier vide")
    if st.st_size > MAX_FILE_BYTES:
        return src.skip(f"fichier trop volumineux ({st.st_size / 1_048_576:.0f} Mo){hint}")
    with open(src.path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if not data:
        return src.skip("fichier vide")
    if len(data) > MAX_FILE_BYTES:
        return src.skip(f"fichier trop volumineux (plus de {MAX_FILE_BYTES // 1_048_576} Mo){hint}")
    return data


# --------------------------------------------------------------------------------------------
# Field normalisation

_SPACES_RE = re.compile(r"[ \t\n\r\f\v]+")
_HSPACES_RE = re.compile(r"[ \t]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_LINE_EDGES_RE = re.compile(r" *\n *")
_LANG_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")


def _one_line(text: str | None, limit: int = MAX_FIELD_CHARS) -> str:
    """Clean text for a one-line field (title, author…): whitespace collapsed, cut at ``limit``."""
    return _cut_line(text, limit)[0]


def _cut_line(text: str | None, limit: int = MAX_FIELD_CHARS) -> tuple[str, bool]:
    """``_one_line``, and whether text was cut off."""
    if not text:
        return "", False
    text = clean_text(text[: limit * 4])
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = _SPACES_RE.sub(" ", text)
    text = text.strip()
    return text[:limit].strip(), len(text) > limit


def _block(text: str | None, limit: int) -> tuple[str, bool]:
    """Clean multi-line text (body, lead): lines stripped, at most one blank line in a row, cut at
    ``limit`` characters; and whether text was cut off."""
    if not text:
        return "", False
    kept = limit + limit // 10 + 1000
    cut = len(text) > kept
    text = clean_text(text[:kept])
    # Whole-text substitutions (not line by line): this runs on every body of big collections.
    if "\t" in text or "  " in text:
        text = _HSPACES_RE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES_RE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES_RE.sub("\n\n", text)
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rstrip()
        cut = True
    return text, cut


def _thousands(n: int) -> str:
    """``2 000 000``: thousands separated by a no-break space, as in French."""
    return f"{n:,}".replace(",", "\u00a0")


def _shorten(text: str, size: int = 120) -> str:
    if len(text) <= size:
        return text
    cut = text[:size].rsplit(" ", 1)[0] or text[:size]
    return cut.rstrip(" ,;:.-") + "…"


def _language(value: str | None) -> str:
    match = _LANG_RE.match(_one_line(value).lower()) if value else None
    return match.group(1) if match else "fr"


def _tags(values: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for value in values:
        for part in re.split(r"[,;]", value):
            tag = _one_line(part, 200)
            if tag:
                out.setdefault(tag, None)
                if len(out) >= MAX_TAGS:
                    return tuple(out)
    return tuple(out)


def _strip_by(author: str) -> str:
    author = re.sub(r"^(?:par|by)\s+", "", author, flags=re.IGNORECASE)
    return author.strip(" :-–—|,")


def _article(
    src: _Source,
    article_id: str,
    *,
    title: str | None,
    body: str | None,
    line: int | None = None,
    date=None,
    author: str | None = None,
    source: str | None = None,
    publisher: str | None = None,
    url: str | None = None,
    lead: str | None = None,
    section: str | None = None,
    tags: Iterable[str] = (),
    language: str | None = None,
) -> Article | Skip:
    body_text, body_cut = _block(body, MAX_BODY_CHARS)
    lead_text, lead_cut = _block(lead, MAX_LEAD_CHARS)
    if not body_text and not lead_text:
        return src.skip(NO_TEXT, line)
    title_text, title_cut = _cut_line(title)
    cuts = [
        f"{name} de {_thousands(len(raw or ''))} caractères, seuls les {_thousands(limit)} premiers sont indexés"
        for name, raw, limit, cut in (("corps", body, MAX_BODY_CHARS, body_cut), ("chapeau", lead, MAX_LEAD_CHARS, lead_cut),
                                      ("titre", title, MAX_FIELD_CHARS, title_cut))
        if cut
    ]
    if cuts:
        src.warn("article tronqué : " + " ; ".join(cuts), line)
    return Article(
        id=article_id,
        title=title_text,
        body=body_text,
        date=date,
        author=_strip_by(_one_line(author)) or None,
        source=_one_line(source) or None,
        publisher=_one_line(publisher) or None,
        url=_one_line(url) or None,
        lead=lead_text or None,
        section=_one_line(section) or None,
        tags=_tags(tags),
        language=_language(language),
        path=src.abspath,
    ).with_hash()


# --------------------------------------------------------------------------------------------
# Plain text

# Lines of page chrome, in scraped text files and in HTML bodies (compared lowercased, ’ read as ').
_CHROME_LINES = {
    "top of page", "bottom of page", "haut de page", "bas de page", "retour en haut",
    "retour en haut de page", "skip to content", "aller au contenu", "passer au contenu",
    # share buttons, comment and subscription prompts, consent buttons
    "partager", "partager :", "partager cet article", "partager l'article", "partager sur :", "partagez",
    "tweeter", "imprimer", "envoyer par e-mail", "envoyer par email", "commentaires", "réagir",
    "s'abonner", "abonnez-vous", "je m'abonne", "newsletter", "newsletters", "tout accepter", "tout refuser",
    "accepter et fermer", "continuer sans accepter", "gérer les cookies", "paramétrer les cookies",
}
_WIX_AUTHOR_RE = re.compile(r"^photo du r[ée]dacteur\s*:?\s*(.*)$", re.IGNORECASE)
_PLATFORMS = r"(?:facebook|twitter|x|linkedin|whatsapp|messenger|e-?mail|mail|instagram|pinterest|flipboard|bluesky)"
_CHROME_RES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"^vid[ée]o associ[ée]e\s*:",
    r"^\d+\s*min(?:utes?)?\s+(?:de\s+lecture|read)$",
    r"^temps de lecture\s*:?\s*\d+\s*min(?:utes?)?$",
    # "Partager sur Facebook", "Partager : Facebook Twitter" (nothing else on the line)
    rf"^partag(?:er|ez)\s*(?:sur|via|par)?\s*:?\s*{_PLATFORMS}(?:\s*[|/,•·-]?\s*{_PLATFORMS})*\s*$",
    # "À lire aussi : …", "LIRE AUSSI SUR …", "Sur le même sujet" (links to other articles)
    r"^(?:(?:[àa]\s+)?lire\s+(?:aussi|également|egalement)|voir\s+aussi|sur\s+le\s+m[êe]me\s+(?:sujet|th[èe]me))"
    r"\b.{0,300}$",
    r"^\d[\d\s]*\s+commentaires?$",
    r"^(?:[ée]crire|ajouter|poster|publier|laisser)\s+un\s+(?:nouveau\s+)?commentaire\s*(?:[:.!…]|\(.{0,40}\))?$",
    # "Inscrivez-vous à notre newsletter", "Recevez gratuitement notre newsletter"
    r"^(?:inscrivez-vous|abonnez-vous|inscription|recevez|s'inscrire)\b.{0,80}\bnewsletters?\b.{0,80}$",
    # "Nous utilisons des cookies…", "Accepter tous les cookies"
    r"^(?:nous|ce\s+site(?:\s+web)?|notre\s+site|\S+\s+et\s+ses\s+partenaires)\s+(?:utilis|d[ée]pos)\w*\s+des"
    r"\s+cookies\b.{0,400}$",
    r"^(?:accepter|refuser)\s+(?:tous\s+les\s+|les\s+)?cookies$",
))

_KEY_LINE_RE = re.compile(r"^([^\W\d_][\w' -]{0,30}?)\s*:\s*(.*)$")
_DATE_PREFIX_RE = re.compile(
    r"^(publi[ée]e?|mis en ligne|mise? (?:a|à) jour|derni[eè]re mise (?:a|à) jour|modifi[ée]e?|actualis[ée]e?)"
    r"(?:\s+le)?\s*:?\s*(.*)$",
    re.IGNORECASE,
)
_DATE_LINE_RE = re.compile(
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?(?:le\s+)?\d[\w\s.,:/-]*", re.IGNORECASE
)
_BY_RE = re.compile(r"^(?:par|by)\s+(.+)$", re.IGNORECASE)
_BY_END_RE = re.compile(r",?\s+(?:le|publi[ée]|mis à jour)\s.*$|\s+[-–—|]\s.*$", re.IGNORECASE)

_TXT_KEYS = {
    "titre": "title", "title": "title",
    "auteur": "author", "auteurs": "author", "author": "author", "signature": "author",
    "date": "date", "date de publication": "date", "publie le": "date",
    "source": "source", "journal": "source",
    "editeur": "publisher", "publisher": "publisher",
    "url": "url", "lien": "url", "adresse": "url",
    "rubrique": "section", "section": "section", "categorie": "section",
    "mots-cles": "tags", "mots cles": "tags", "tags": "tags", "keywords": "tags",
    "chapeau": "lead", "chapo": "lead",
    "langue": "language", "language": "language",
}


def _fold_key(key: str) -> str:
    key = key.strip().lower()
    if not key.isascii():
        key = key.translate(str.maketrans("éèêëàâîïôûùüç", "eeeeaaiiouuuc"))
    return key


def _is_chrome(line: str) -> bool:
    """True for a line of page chrome (see ``_CHROME_LINES``, ``_CHROME_RES``): not article text."""
    line = line.replace("’", "'")
    return line.lower() in _CHROME_LINES or any(r.match(line) for r in _CHROME_RES)


def _undouble(text: str) -> str:
    """Wix repeats the byline: "X: roleX: role" → "X: role"."""
    half = len(text) // 2
    if len(text) % 2 == 0 and half and text[:half] == text[half:]:
        return text[:half]
    return text


def _header_line(line: str, meta: dict[str, Any]) -> bool:
    """Read ``line`` as a metadata line into ``meta``; False when it is not one."""
    if len(line) > 300:
        return False
    match = _WIX_AUTHOR_RE.match(line)
    if match:
        author = _undouble(match.group(1).strip()).split(":")[0].strip()
        if author:
            meta.setdefault("author", author)
        return True
    match = _DATE_PREFIX_RE.match(line)
    if match:
        value = parse_french_date(match.group(2))
        if value is None:
            return False
        kind = "date" if match.group(1).lower().startswith(("publi", "mis en")) else "updated"
        meta.setdefault(kind, value)
        return True
    match = _KEY_LINE_RE.match(line)
    if match:
        field = _TXT_KEYS.get(_fold_key(match.group(1)))
        if field is None:
            return False
        value = match.group(2).strip()
        if field == "date":
            parsed = parse_french_date(value)
            if parsed is not None:
                meta.setdefault("date", parsed)
        elif field == "tags":
            meta.setdefault("tags", [value])
        elif value:
            meta.setdefault(field, value)
        return True
    match = _BY_RE.match(line)
    if match:
        name = match.group(1)
        short = _BY_END_RE.sub("", name).strip(" ,")
        if short and len(short) <= 80 and len(short.split()) <= 8 and short[0].isupper() and short[-1] not in ".!?…":
            meta.setdefault("author", short)
            when = parse_french_date(name)
            if when is not None:
                meta.setdefault("date", when)
            return True
        return False
    if len(line) <= 40:
        value = parse_french_date(line)
        if value is not None and _DATE_LINE_RE.fullmatch(line):
            meta.setdefault("date", value)
            return True
    return False


def _read_txt(src: _Source) -> Iterator[Article | Skip]:
    data = _read_bytes(src)
    if isinstance(data, Skip):
        yield data
        return
    text = decode_bytes(data)
    if text is None:
        yield src.skip(BINARY)
        return
    yield _parse_txt(src, clean_text(text))


def _parse_txt(src: _Source, text: str) -> Article | Skip:
    lines = text.split("\n")
    meta: dict[str, Any] = {}
    title: str | None = None
    body_lines: list[str] = []
    i = 0
    while i < len(lines):
        line = _SPACES_RE.sub(" ", lines[i]).strip()
        if not line or _is_chrome(line) or _header_line(line, meta):
            i += 1
            continue
        if title is None and "title" not in meta:
            if len(line) > LONG_TITLE_CHARS:
                title = _shorten(line)
                break  # the long line stays in the body
            title = line
            i += 1
            continue
        break
    for raw in lines[i:]:
        line = raw.strip()
        if line and (_is_chrome(line) or _WIX_AUTHOR_RE.match(line)):
            continue
        body_lines.append(raw)
    title = meta.get("title") or title or ""
    return _article(
        src,
        make_id(src.stem),
        title=title,
        body="\n".join(body_lines),
        date=meta.get("date") or meta.get("updated"),
        author=meta.get("author"),
        source=meta.get("source"),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        lead=meta.get("lead"),
        section=meta.get("section"),
        tags=meta.get("tags", ()),
        language=meta.get("language"),
    )


# --------------------------------------------------------------------------------------------
# JSON and JSON Lines

_FIELDS = {
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
_CONTAINER_KEYS = ("articles", "items", "documents")


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


def _as_text(value: Any, joiner: str = ", ") -> str | None:
    if isinstance(value, (list, tuple)):
        parts = [_scalar_text(v) for v in value[:10_000]]
        text = joiner.join(p.strip() for p in parts if p and p.strip())
        return text or None
    text = _scalar_text(value)
    return text if text and text.strip() else None


def _as_tags(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [t for t in (_scalar_text(v) for v in value[:10_000]) if t]
    text = _scalar_text(value)
    return [text] if text else []


def _fold_keys(record: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(key, str):
            out.setdefault(_fold_key(key), value)
    return out


def _record_article(src: _Source, record: dict, fallback_id: str, line: int | None) -> Article | Skip:
    fields = _fold_keys(record)
    found: dict[str, Any] = {}
    for name, aliases in _FIELDS.items():
        for alias in aliases:
            if alias not in fields:
                continue
            value = fields[alias]
            if name == "tags":
                usable = _as_tags(value)
            elif name == "date":
                text = _as_text(value)
                usable = parse_french_date(text) if text else None
            else:
                usable = _as_text(value, _JOINERS.get(name, ", "))
            if usable:
                found[name] = usable
                break
    raw_id = fields.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or not str(raw_id).strip():
        article_id = make_id(fallback_id)
    else:
        article_id = make_id(str(raw_id))
    return _article(
        src,
        article_id,
        line=line,
        title=found.get("title"),
        body=found.get("body"),
        date=found.get("date"),
        author=found.get("author"),
        source=found.get("source"),
        publisher=found.get("publisher"),
        url=found.get("url"),
        lead=found.get("lead"),
        section=found.get("section"),
        tags=found.get("tags", ()),
        language=found.get("language"),
    )


def _json_error(exc: Exception, line: int | None = None) -> str:
    if isinstance(exc, RecursionError):
        where = f" ligne {line}" if line else ""
        return f"JSON trop profondément imbriqué{where}"
    if isinstance(exc, json.JSONDecodeError):
        if line is None:
            return f"JSON invalide ligne {exc.lineno} : {json_error_text(exc)} (colonne {exc.colno})"
        return f"JSON invalide ligne {line} : {json_error_text(exc)} (caractère {exc.pos + 1})"
    where = f" ligne {line}" if line else ""
    return f"JSON invalide{where} : {json_error_text(exc)}"


def _read_json(src: _Source) -> Iterator[Article | Skip]:
    data = _read_bytes(src, " ; utilisez plutôt JSON Lines (.jsonl)")
    if isinstance(data, Skip):
        yield data
        return
    text = decode_bytes(data)
    if text is None:
        yield src.skip(BINARY)
        return
    del data
    try:
        doc = json.loads(text, strict=False)
    except (ValueError, RecursionError) as exc:
        yield src.skip(_json_error(exc))
        return
    del text
    if isinstance(doc, dict):
        container = next(
            (doc[k] for k in _CONTAINER_KEYS if isinstance(doc.get(k), list)), None
        )
        if container is not None and not any(k in _fold_keys(doc) for k in _FIELDS["body"]):
            doc = container
        else:
            yield _record_article(src, doc, src.stem, None)
            return
    if not isinstance(doc, list):
        yield src.skip("JSON : un objet ou une liste d'objets est attendu")
        return
    if not doc:
        yield src.skip("aucun article dans le fichier")
        return
    for position, record in enumerate(doc, start=1):
        if isinstance(record, dict):
            yield _record_article(src, record, f"{src.stem}-{position}", None)
        else:
            yield src.skip(f"élément {position} de la liste : objet JSON attendu")


def _read_jsonl(src: _Source) -> Iterator[Article | Skip]:
    st = os.stat(src.path)
    if not stat.S_ISREG(st.st_mode):
        yield src.skip("pas un fichier ordinaire")
        return
    if st.st_size == 0:
        yield src.skip("fichier vide")
        return
    gz = src.path.name.lower().endswith(".gz")
    with (gzip.open(src.path, "rb") if gz else open(src.path, "rb")) as raw:
        try:
            head = raw.peek(8192)[:8192]
        except (OSError, EOFError, zlib.error) as exc:
            yield src.skip(f"archive gzip illisible : {compression_error_text(exc)}")
            return
        bom = bom_encoding(head)
        if bom and bom[0].startswith(("utf-16", "utf-32")):
            stream: Any = io.TextIOWrapper(raw, encoding=bom[0], errors="replace", newline="")
            raw.read(bom[1])
            yield from _jsonl_lines(src, stream, text_mode=True)
        else:
            yield from _jsonl_lines(src, raw, text_mode=False)


def _jsonl_lines(src: _Source, stream, text_mode: bool) -> Iterator[Article | Skip]:
    """The records of a JSON Lines stream; each bad line is skipped with its number.

    Bad lines before the first article are held back: when the file gives no article and its bad
    lines hold NUL bytes, it is a binary file, reported once (reading stops after 10 such lines or
    1 MB). Otherwise, 100 bad lines without an article abandon the file (it is not JSON Lines).
    """
    newline, nul = ("\n", "\x00") if text_mode else (b"\n", b"\x00")
    lineno = articles = held_bytes = 0
    held: list[Skip] = []
    binary = False
    limit = MAX_LINE_BYTES
    while True:
        try:
            chunk = stream.readline(limit + 1)
            long_line = len(chunk) > limit and not chunk.endswith(newline)
            while chunk and long_line and not chunk.endswith(newline):
                chunk = stream.readline(limit)  # skip the rest of the long line
        except (OSError, EOFError, zlib.error) as exc:
            yield from held
            yield src.skip(f"archive gzip corrompue ou tronquée après la ligne {lineno} : {compression_error_text(exc)}", lineno + 1)
            return
        if not chunk and not long_line:
            break
        lineno += 1
        if long_line:
            item: Article | Skip = src.skip(f"ligne trop longue (plus de {limit // 1_048_576} Mo)", lineno)
        elif not chunk.strip():
            continue
        else:
            item = _jsonl_record(src, chunk if text_mode else decode_line(chunk), lineno)
            if isinstance(item, Skip) and nul in chunk:
                binary = True
                item = src.skip(f"JSON invalide ligne {lineno} : octet nul (ligne binaire ou corrompue)", lineno)
        if isinstance(item, Article):
            articles += 1
            yield from held
            held.clear()
            yield item
        elif articles:
            yield item
        else:
            held.append(item)
            held_bytes += limit if long_line else len(chunk)
            if binary and (len(held) >= 10 or held_bytes >= 1_048_576):
                yield src.skip(BINARY)
                return
            if len(held) >= MAX_BAD_LINES:
                yield from held
                yield src.skip(f"fichier abandonné : {len(held)} lignes invalides sans aucun article")
                return
    if articles == 0 and binary:
        yield src.skip(BINARY)
        return
    yield from held
    if articles == 0 and not held:
        yield src.skip("aucun article dans le fichier")


def _jsonl_record(src: _Source, text: str, lineno: int) -> Article | Skip:
    try:
        record = json.loads(text.strip(), strict=False)
    except (ValueError, RecursionError) as exc:
        return src.skip(_json_error(exc, lineno), lineno)
    if not isinstance(record, dict):
        return src.skip(f"ligne {lineno} : objet JSON attendu", lineno)
    return _record_article(src, record, f"{src.stem}-{lineno}", lineno)


# --------------------------------------------------------------------------------------------
# HTML

_INVISIBLE = {"script", "style", "noscript", "iframe", "svg", "template", "head", "title", "math", "object"}
_CHROME = {"nav", "footer", "aside", "form"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "section", "article", "main", "header", "footer", "nav", "aside", "table",
    "tr", "pre", "figure", "figcaption", "hr", "address", "details", "summary", "caption",
    "form", "fieldset", "center",
}
_CELL = {"td", "th"}
_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_ARTICLE_TYPES = ("article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle", "opinionnewsarticle", "webpage")

# Page furniture around an article, named by a word of an element's class or id, or of its
# aria-label: consent and cookie banners, share and social buttons, newsletter and subscription
# boxes, related articles, comments, ads, breadcrumbs and sidebars. Words, not substrings: "ad"
# marks "ad-slot", never "header"; "pub" (publicité, but also pub-date) and "cmp" (consent platform,
# but also the "cmp-text" components holding article paragraphs) are not among them.
_FURNITURE_WORDS = frozenset("""
    cookie cookies consent consentement gdpr rgpd didomi onetrust tarteaucitron axeptio cookiebot
    share shares sharing sharebar partage partager partages social socials sociaux addthis sharethis
    newsletter newsletters subscribe subscription abonnement abonnements
    related relatedposts lireaussi alire voiraussi readalso seealso recommended recommandations
    comment comments commentaire commentaires disqus
    ad ads adsbygoogle advert adverts advertisement advertising publicite publicites sponsor sponsored
    outbrain taboola dfp
    breadcrumb breadcrumbs sidebar
""".split())
# ARIA landmarks equivalent to the elements dropped already (nav, aside, footer, header, form),
# and dialogs (consent and login pop-ups).
_FURNITURE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "search", "dialog", "alertdialog"})
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article", "h1"})
FURNITURE_MAX_SHARE = 0.5  # of the page's visible text: a furniture element holding more is kept
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")


def _is_furniture(tag: str, attrs: dict[str, str]) -> bool:
    """True for an element that its class, id, role or aria-label mark as page furniture."""
    if tag in _NEVER_FURNITURE:
        return False
    role = attrs.get("role")
    if role and role.strip().lower() in _FURNITURE_ROLES:
        return True
    return any(_names_furniture(value) for value in (attrs.get("class"), attrs.get("id"), attrs.get("aria-label"))
               if value)


@functools.lru_cache(maxsize=8192)
def _names_furniture(value: str) -> bool:
    """True when a word of a class list, an id or a label is one of ``_FURNITURE_WORDS``."""
    if not value.isascii():
        value = unidecode(value)
    for token in value.split():
        words = _WORD_SPLIT_RE.split(_CAMEL_RE.sub("-", token).lower())  # shareButtons → share, buttons
        if any(w in _FURNITURE_WORDS for w in words) or "".join(words) in _FURNITURE_WORDS:
            return True
    return False


@dataclasses.dataclass
class _Region:
    """A furniture element being parsed: its tag, how many elements of that tag are open in it."""

    tag: str
    number: int
    depth: int = 1
    keep: bool = False  # it holds the page's <main> or an <h1>: not furniture after all
    chars: int = 0  # of visible text


class _Furniture(str):
    """Text emitted inside a furniture element: dropped from the body once the element has closed."""

    __slots__ = ("region",)


class _Capture:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.depth = 1
        self.pieces: list[str] = []

    def text(self) -> str:
        return _SPACES_RE.sub(" ", "".join(self.pieces)).strip()


class _PageParser(HTMLParser):
    """One pass over a page: metadata, candidate titles/leads/dates and the text of each region."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, int] = {}
        self.metas: dict[str, str] = {}
        self.meta_tags: list[str] = []
        self.canonical: str | None = None
        self.lang: str | None = None
        self.itemprop_date: str | None = None
        self.time_value: str | None = None
        self.doc: list[str] = []
        self.main: list[str] = []
        self.articles: list[list[str]] = []
        self.captures: dict[str, _Capture] = {}
        self.results: dict[str, str] = {}
        self.ld_json: list[str] = []
        self.after_h1 = False  # the title h1 just closed and no text has been seen since
        self.first_p: int | None = None  # index in self.doc where the first paragraph starts
        self.suppress = 0  # title h1 / lead h2 text kept out of the body
        self.furniture: _Region | None = None  # the furniture element the parser is in (outermost)
        self.regions = 0
        self.closed: list[_Region] = []  # furniture regions that closed
        self.dropped: set[int] = set()  # those whose text leaves the body (see close_all)

    # -- helpers
    def _n(self, *tags: str) -> int:
        return sum(self.counts.get(t, 0) for t in tags)

    def _hidden(self) -> bool:
        return self._n(*_INVISIBLE) > 0

    def _meta_ok(self) -> bool:
        return not self._hidden() and self._n(*_CHROME) == 0

    def _visible(self) -> bool:
        return self._meta_ok() and self._n("header") == 0

    def _emit(self, text: str) -> None:
        region = self.furniture
        if region is not None:
            text = _Furniture(text)
            text.region = region.number
            region.chars += len(text)
        self.doc.append(text)
        if self.counts.get("main"):
            self.main.append(text)
        if self.counts.get("article") and self.articles:
            self.articles[-1].append(text)

    def _start_capture(self, name: str, tag: str) -> None:
        if name not in self.captures and name not in self.results:
            self.captures[name] = _Capture(tag)
            if name in ("h1", "lead"):
                self.suppress += 1

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            self._meta(a)
            return
        if tag == "link":
            if "canonical" in a.get("rel", "").lower().split() and a.get("href") and not self.canonical:
                self.canonical = a["href"]
            return
        if tag == "html" and a.get("lang") and not self.lang:
            self.lang = a["lang"]
        if tag == "body":
            self.counts["head"] = 0
        prop = a.get("itemprop", "").lower()
        if prop == "datepublished" and not self.itemprop_date:
            self.itemprop_date = a.get("content") or a.get("datetime") or None
        if tag in _VOID:
            if tag in _BLOCK:
                self._boundary()
            return
        for capture in self.captures.values():
            if capture.tag == tag:
                capture.depth += 1
        region = self.furniture
        if region is not None and region.tag == "p" and tag in _BLOCK:
            self._end_furniture()  # a block element closes an open <p>, as browsers do
            region = None
        if tag in _BLOCK:
            self._boundary()
        if region is None:
            if _is_furniture(tag, a):
                self.regions += 1
                self.furniture = _Region(tag, self.regions)
        elif tag == region.tag:
            region.depth += 1
        elif tag in ("main", "h1"):
            region.keep = True  # not furniture around the article: the article itself
        if tag in _CELL:
            self._data(" ")
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag == "article" and self.counts["article"] == 1:
            self.articles.append([])
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            self._start_capture(f"ld{len(self.ld_json)}", "script")
        elif tag == "title":
            self._start_capture("title", "title")
        if not self._meta_ok():
            return
        if tag == "h1":
            self._start_capture("h1", "h1")
        elif self.furniture is not None:
            return  # a comment's date or author is not the article's
        elif tag == "h2" and self.after_h1 and self._visible():
            if "description" not in self.metas and "og:description" not in self.metas:
                self._start_capture("lead", "h2")
        elif tag == "time" and self.time_value is None:
            if a.get("datetime"):
                self.time_value = a["datetime"]
            else:
                self._start_capture("time", "time")
        elif tag == "p" and self.first_p is None and self._visible():
            self.first_p = len(self.doc)
        classes = a.get("class", "").lower()
        if "author" not in self.results and "author" not in self.captures and (
            "author" in a.get("rel", "").lower().split()
            or prop == "author"
            or "byline" in classes
            or "author" in classes
        ):
            self._start_capture("author", tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag in ("svg", "script", "iframe"):
            if tag in _VOID:
                self.handle_starttag(tag, attrs)
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            if tag == "br":
                self._boundary()
            return
        if self.counts.get(tag):
            self.counts[tag] -= 1
        region = self.furniture
        if region is not None and region.tag == tag:
            region.depth -= 1
            if region.depth <= 0:
                self._end_furniture()
        for name, capture in list(self.captures.items()):
            if capture.tag == tag:
                capture.depth -= 1
                if capture.depth <= 0:
                    self._finish(name, capture)
        if tag in _BLOCK:
            self._boundary()

    def _end_furniture(self) -> None:
        region, self.furniture = self.furniture, None
        if region is not None and not region.keep:
            self.closed.append(region)

    def text(self, pieces: list[str]) -> str:
        """The text of a region of the page (``doc``, ``main``, an ``article``) without its furniture."""
        if self.dropped:
            pieces = [p for p in pieces if type(p) is str or p.region not in self.dropped]
        return _region_text(pieces)

    def _finish(self, name: str, capture: _Capture) -> None:
        del self.captures[name]
        if name in ("h1", "lead"):
            self.suppress = max(0, self.suppress - 1)
        if name.startswith("ld"):
            self.ld_json.append("".join(capture.pieces))
            return
        text = capture.text()
        if name == "author" and not (0 < len(text) <= 120):
            return  # an empty avatar link or a whole bio: try the next candidate
        if text:
            self.results[name] = text
        if name == "h1":
            self.after_h1 = True
        elif name == "lead":
            self.after_h1 = False

    def _boundary(self) -> None:
        for capture in self.captures.values():
            capture.pieces.append(" ")
        if self._visible():
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        self._data(data)

    def _data(self, data: str) -> None:
        hidden = self._hidden()
        for name, capture in self.captures.items():
            if name.startswith("ld") or name == "title" or not hidden:
                capture.pieces.append(data)
        if hidden or not self._visible():
            return
        if self.after_h1 and data.strip() and "lead" not in self.captures:
            self.after_h1 = False
        if self.suppress:
            return
        if not self.counts.get("pre"):
            data = _SPACES_RE.sub(" ", data)
        self._emit(data)

    def _meta(self, a: dict[str, str]) -> None:
        if "charset" in a:
            return
        key = (a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv") or "").lower().strip()
        value = a.get("content", "").strip()
        if not key or not value:
            return
        if key == "datepublished" and not self.itemprop_date:
            self.itemprop_date = value
        if key == "article:tag":
            self.meta_tags.append(value)
        self.metas.setdefault(key, value)

    def close_all(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a broken tail must not lose what was parsed
            pass
        for name, capture in list(self.captures.items()):
            self._finish(name, capture)
        # An element holding most of the page's text is the article, whatever its class says (a
        # "share-zone" around the whole text, the "comments" of a live report). One left open at the
        # end of the page (unbalanced markup) is kept too: never lose text to a guess.
        total = sum(map(len, self.doc))
        self.dropped = {r.number for r in self.closed if r.chars < FURNITURE_MAX_SHARE * total}


def _region_text(pieces: list[str]) -> str:
    text = clean_text("".join(pieces))
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and not _is_chrome(line))


def _ld_article(sources: list[str]) -> dict:
    """The first schema.org article-like object in the page's JSON-LD blocks."""
    for raw in sources:
        if len(raw) > 1_000_000:
            continue
        try:
            doc = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        queue = [doc]
        for _ in range(200):
            if not queue:
                break
            item = queue.pop(0)
            if isinstance(item, list):
                queue.extend(item[:50])
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = [k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]
                if any(k in _ARTICLE_TYPES for k in kinds) and ("headline" in item or "datePublished" in item):
                    return item
                if isinstance(item.get("@graph"), list):
                    queue.extend(item["@graph"][:50])
    return {}


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return None


def _read_html(src: _Source) -> Iterator[Article | Skip]:
    data = _read_bytes(src)
    if isinstance(data, Skip):
        yield data
        return
    declared = _CHARSET_RE.search(data[:4096])
    text = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    if text is None:
        yield src.skip(BINARY)
        return
    del data
    yield _parse_html(src, text)


def _parse_html(src: _Source, text: str) -> Article | Skip:
    parser = _PageParser()
    try:
        parser.feed(text)
    except Exception:  # noqa: BLE001 - html.parser can choke on odd markup: keep what was read
        logger.debug("HTML mal formé : %s", src.abspath, exc_info=True)
    parser.close_all()
    metas, results = parser.metas, parser.results
    ld = _ld_article(parser.ld_json)

    articles = [t for t in (parser.text(p) for p in parser.articles) if t]
    body = max(articles, key=len) if articles else (parser.text(parser.main) or parser.text(parser.doc))

    ld_author = ld.get("author")
    ld_publisher = ld.get("publisher")
    meta_author = _first(metas.get("author"), metas.get("article:author"), metas.get("byl"))
    if meta_author and meta_author.startswith(("http://", "https://")):
        meta_author = None
    author = meta_author or _as_text(ld_author) or results.get("author")

    date = None
    for candidate in (
        metas.get("article:published_time"),
        parser.itemprop_date,
        _first(ld.get("datePublished")),
        parser.time_value,
        results.get("time"),
        metas.get("date"),
        metas.get("dc.date"),
        metas.get("dc.date.issued"),
        metas.get("dcterms.date"),
        metas.get("dcterms.created"),
        metas.get("pubdate"),
        metas.get("publish-date"),
        metas.get("og:published_time"),
    ):
        if candidate:
            date = parse_french_date(candidate)
            if date:
                break
    if date is None and parser.first_p is not None:
        paragraph = "".join(parser.doc[parser.first_p : parser.first_p + 200]).split("\n", 1)[0]
        date = parse_french_date(paragraph.strip()[:100])

    tags = list(parser.meta_tags)
    keywords = _first(metas.get("keywords"), metas.get("news_keywords"))
    if keywords:
        tags.append(keywords)
    tags.extend(_as_tags(ld.get("keywords")))

    return _article(
        src,
        make_id(src.stem),
        title=_first(metas.get("og:title"), _as_text(ld.get("headline")), results.get("h1"), results.get("title")),
        body=body,
        date=date,
        author=author,
        source=_first(metas.get("og:site_name")),
        publisher=_as_text(ld_publisher),
        url=_first(metas.get("og:url"), parser.canonical, ld.get("url")),
        lead=_first(metas.get("description"), metas.get("og:description"), ld.get("description"), results.get("lead")),
        section=_first(metas.get("article:section"), _as_text(ld.get("articleSection"))),
        tags=tags,
        language=_first(parser.lang, metas.get("content-language"), metas.get("og:locale"), metas.get("language")),
    )
