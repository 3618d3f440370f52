"""French texts for the errors Python reports in English: system errors (by errno), JSON decoding
errors, gzip and zlib errors.

Whatever a user reads is French. Python's own texts ("No such file or directory", "Expecting
value", "Not a gzipped file") reach messages through ``exc.strerror``, ``exc.msg`` or ``str(exc)``:
every place that builds a message from such an exception goes through one of these functions.
"""

from __future__ import annotations

import errno
import gzip
import json
import socket
import zlib

# errno → what went wrong, in French (lower case: it follows a colon).
_OS_ERRORS: dict[int, str] = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts sur le système",
    errno.EIO: "erreur d'entrée-sortie (disque ou support défectueux ?)",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques (une boucle ?)",
    errno.EEXIST: "existe déjà",
    errno.ENOTEMPTY: "le dossier n'est pas vide",
    errno.EBUSY: "ressource occupée",
    errno.ETXTBSY: "fichier occupé",
    errno.ENOMEM: "mémoire insuffisante",
    errno.EXDEV: "déplacement impossible d'un disque à un autre",
    errno.EINVAL: "argument invalide",
    errno.EFBIG: "fichier trop gros",
    errno.ENXIO: "périphérique introuvable",
    errno.ENODEV: "périphérique introuvable",
    errno.EAGAIN: "ressource momentanément indisponible",
    errno.EINTR: "opération interrompue",
    errno.EPIPE: "la sortie a été fermée",
    errno.EADDRINUSE: "adresse déjà utilisée : un autre programme écoute sur ce port",
    errno.EADDRNOTAVAIL: "cette adresse n'appartient pas à cette machine",
    errno.EAFNOSUPPORT: "famille d'adresses non prise en charge",
    errno.ECONNREFUSED: "connexion refusée",
    errno.ECONNRESET: "connexion interrompue par l'autre côté",
    errno.ETIMEDOUT: "délai d'attente dépassé",
    errno.ENETUNREACH: "réseau inaccessible",
    errno.EHOSTUNREACH: "machine inaccessible",
}

# Prefixes of json.JSONDecodeError.msg → French.
_JSON_ERRORS: tuple[tuple[str, str], ...] = (
    ("Expecting value", "valeur attendue"),
    ("Expecting property name enclosed in double quotes", "nom de champ entre guillemets droits (\") attendu"),
    ("Expecting ':' delimiter", "deux-points (:) attendu"),
    ("Expecting ',' delimiter", "virgule attendue"),
    ("Unterminated string starting at", "texte entre guillemets jamais refermé"),
    ("Invalid control character", "caractère de contrôle interdit dans un texte"),
    ("Invalid \\uXXXX escape", "séquence \\uXXXX invalide"),
    ("Invalid \\escape", "barre oblique inverse (\\) suivie d'un caractère invalide"),
    ("Extra data", "contenu en trop après l'objet JSON"),
    ("Illegal trailing comma before end of object", "virgule en trop avant la fin de l'objet"),
    ("Illegal trailing comma before end of array", "virgule en trop avant la fin de la liste"),
)

# Prefixes of gzip.BadGzipFile messages → French.
_GZIP_ERRORS: tuple[tuple[str, str], ...] = (
    ("Not a gzipped file", "ce n'est pas un fichier gzip"),
    ("Unknown compression method", "méthode de compression inconnue"),
    ("CRC check failed", "somme de contrôle (CRC) incorrecte : données corrompues"),
    ("Incorrect length of data produced", "longueur des données incorrecte : données corrompues"),
)


def os_error_text(exc: OSError) -> str:
    """What a system error means, in French, without the path: ``fichier ou dossier introuvable``.

    >>> os_error_text(FileNotFoundError(2, "No such file or directory", "x.txt"))
    'fichier ou dossier introuvable'
    """
    if isinstance(exc, socket.gaierror):
        return "nom de machine inconnu ou introuvable"
    if isinstance(exc, gzip.BadGzipFile):
        return compression_error_text(exc)
    known = _OS_ERRORS.get(exc.errno) if isinstance(exc.errno, int) else None
    if known:
        return known
    code = errno.errorcode.get(exc.errno) if isinstance(exc.errno, int) else None
    return f"erreur du système ({code})" if code else "erreur du système"


def json_error_text(exc: BaseException) -> str:
    """What is wrong in a JSON text, in French, without the position (``valeur attendue``)."""
    if isinstance(exc, RecursionError):
        return "objets trop profondément imbriqués"
    if isinstance(exc, json.JSONDecodeError):
        return _by_prefix(exc.msg, _JSON_ERRORS, "texte JSON mal formé")
    if "integer string conversion" in str(exc):
        return "nombre trop long"
    return "texte JSON mal formé"


def compression_error_text(exc: BaseException) -> str:
    """What is wrong in a gzip file, in French (``ce n'est pas un fichier gzip``)."""
    if isinstance(exc, EOFError):
        return "archive tronquée (elle s'arrête avant sa fin)"
    if isinstance(exc, zlib.error):
        return "données compressées corrompues"
    if isinstance(exc, gzip.BadGzipFile):
        return _by_prefix(str(exc), _GZIP_ERRORS, "archive gzip mal formée")
    if isinstance(exc, OSError):
        return os_error_text(exc)
    return "archive gzip illisible"


def _by_prefix(text: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    for english, french in table:
        if text.startswith(english):
            return french
    return default
