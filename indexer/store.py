"""Where a Presse index lives on disk, and how it is opened, locked and swapped.

An index root holds generations; ``CURRENT`` names the one that serves::

    index/
      CURRENT            "gen-20241012T101500-4242"   (replaced atomically)
      .lock              held (flock) by the process that writes
      gen-…/             Whoosh files + presse.json (versions, sources) + lexicon.json + files.json

``presse index`` updates the current generation in place (Whoosh commits are atomic); ``presse
reindex`` builds a new generation beside it, then replaces ``CURRENT`` in one rename, so readers
never see a half-built index.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import time
from pathlib import Path

from whoosh import index as whoosh_index

from .analysis import ANALYSIS_VERSION
from .files import atomic_write
from .mapped import MappedFileStorage
from .schema import SCHEMA_VERSION, make_schema

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
META_FILE = "presse.json"
GENERATION_PREFIX = "gen-"


class PresseIndexError(Exception):
    """Base class of the errors about an index; the message is French and says what to do."""


class IndexNotFound(PresseIndexError):
    """There is no Presse index at that path."""


class IndexVersionError(PresseIndexError):
    """The index was built by an incompatible version of the analysis: a reindex is needed."""


class IndexBusy(PresseIndexError):
    """Another process is writing this index."""


def default_index_dir() -> Path:
    """``$PRESSE_INDEX``, else the per-user data directory (``$XDG_DATA_HOME/presse/index``)."""
    env = os.environ.get("PRESSE_INDEX")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "presse" / "index"


def current_generation(root: str | os.PathLike) -> Path | None:
    """The directory of the generation that serves, or None when the root has none."""
    root = Path(root)
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name.startswith(GENERATION_PREFIX) or "/" in name or "\\" in name:
        raise IndexNotFound(f"Le fichier {root / CURRENT_FILE} est illisible : index endommagé ?")
    return root / name


def read_meta(generation: Path) -> dict:
    """The ``presse.json`` of a generation ({} when missing)."""
    try:
        return json.loads((generation / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError):
        return {"corrupt": True}


def write_meta(generation: Path, meta: dict) -> None:
    """Write ``presse.json`` atomically."""
    atomic_write(generation / META_FILE, json.dumps(meta, ensure_ascii=False, indent=1))


def reindex_hint(root: str | os.PathLike) -> str:
    """The French sentence telling how to rebuild the index at ``root``."""
    return (f"Il faut le reconstruire : presse reindex --index {root} (relit les dossiers d'où il a été construit ; "
            f"ou presse reindex CHEMIN… --index {root})")


def check_version(generation: Path) -> dict:
    """Return the meta of ``generation``, or raise ``IndexVersionError`` if it needs a reindex."""
    meta = read_meta(generation)
    built = meta.get("analysis_version")
    schema = meta.get("schema_version")
    if built != ANALYSIS_VERSION or schema != SCHEMA_VERSION:
        raise IndexVersionError(
            f"Cet index a été construit avec la version d'analyse {built!r} (schéma {schema!r}) ; "
            f"cette version de Presse utilise la version {ANALYSIS_VERSION} (schéma {SCHEMA_VERSION}). "
            + reindex_hint(generation.parent)
        )
    return meta


def open_generation(root: str | os.PathLike):
    """Open the serving generation of ``root`` for reading: (whoosh Index, generation dir, meta)."""
    root = Path(root)
    generation = current_generation(root)
    if generation is None or not generation.is_dir():
        raise IndexNotFound(
            f"Aucun index Presse dans {root}. Créez-le : presse index DOSSIER --index {root}"
        )
    meta = check_version(generation)
    try:
        ix = MappedFileStorage(str(generation)).open_index()
        if set(ix.schema.names()) != set(make_schema().names()):
            raise IndexVersionError(
                f"Les champs de l'index {generation} ne sont pas ceux de cette version de Presse. "
                + reindex_hint(root)
            )
    except whoosh_index.EmptyIndexError as exc:
        raise IndexNotFound(f"L'index {generation} est vide ou incomplet : relancez presse index.") from exc
    except (AttributeError, ImportError, ModuleNotFoundError) as exc:
        # The pickled schema names analyzer classes that no longer exist.
        raise IndexVersionError(
            "Cet index a été construit par une version incompatible de Presse (ses classes d'analyse "
            "n'existent plus). "
            + reindex_hint(root)
        ) from exc
    return ix, generation, meta


def new_generation(root: Path, sources: list[str]) -> Path:
    """Create an empty generation directory with a fresh Whoosh index (not yet current)."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    generation = root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
    generation.mkdir()
    try:
        whoosh_index.create_in(str(generation), make_schema())
        write_meta(generation, {
            "analysis_version": ANALYSIS_VERSION,
            "schema_version": SCHEMA_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "sources": sources,
        })
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def make_current(root: Path, generation: Path) -> None:
    """Atomically make ``generation`` the one that serves."""
    atomic_write(root / CURRENT_FILE, generation.name + "\n")


def remove_old_generations(root: Path, keep: Path, grace_seconds: float = 0.0) -> list[Path]:
    """Delete every generation but ``keep`` (after ``grace_seconds``, so in-flight queries end)."""
    old = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX) and p != keep]
    if old and grace_seconds:
        time.sleep(grace_seconds)
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return old


class RootLock:
    """An exclusive lock on an index root, released by the kernel if the process dies."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._fd: int | None = None

    def acquire(self, wait: bool = False) -> RootLock:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                who = f" (processus {holder})" if holder else ""
                raise IndexBusy(
                    f"Un autre processus{who} écrit déjà dans l'index {self.root}. "
                    "Attendez qu'il ait fini, ou relancez avec --wait pour attendre."
                ) from exc
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""


def directory_size(path: Path) -> int:
    """Total size in bytes of the files under ``path``."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total
