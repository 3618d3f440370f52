"""Listing the files to read, and the stems of the ids made from their paths.

``given_paths`` checks the paths given and ``is_under`` tells what they cover; ``iter_files`` walks
them; ``file_stems`` tells apart files whose paths would make the same id. In a path, accents and
other scripts are folded to ASCII (``Été`` → ``Ete``).
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from unidecode import unidecode

from ..article import make_id

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".ndjson", ".jsonl.gz", ".html", ".htm")


def suffix_of(name: str) -> str | None:
    """The supported suffix ``name`` ends with (case-insensitive, the longest), or None."""
    lower = name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


def given_paths(paths: Iterable[str | os.PathLike]) -> list[str]:
    """The paths given to index, absolute, checked before anything is written: a
    ``FileNotFoundError`` names the first one missing."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, "chemin introuvable", str(p))
        out.append(str(path.resolve()))
    return out


def is_under(path: str, roots: list[str]) -> bool:
    """Whether ``path`` is one of ``roots`` (absolute, as ``given_paths`` makes them) or inside one."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


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
        elif is_file and suffix_of(entry.name):
            key = _file_key(entry)
            if key is not None:
                yield Path(entry.path), root, key, is_link
        elif is_link and not os.path.exists(entry.path) and (suffix_of(entry.name) or "." not in entry.name):
            yield Path(entry.path), root, _unreadable_key(entry.path), True  # broken: read_file reports it


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry] | None:
    """The entries of ``directory`` sorted by name, or ``None`` when it cannot be listed."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return None
    return iter(entries)



def relative_path(path: Path, root: Path) -> str:
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


def id_stem(rel: str, suffix: str | None) -> str:
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
        rel = relative_path(path, root)
        stem = id_stem(rel, suffix_of(path.name))
        entries.append((path, rel, stem, make_id(stem)))
    groups: dict[str, list[tuple[Path, str, str, str]]] = {}
    for entry in entries:
        groups.setdefault(entry[3], []).append(entry)
    taken = set(groups)
    out: dict[Path, str] = {}
    for members in groups.values():
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

