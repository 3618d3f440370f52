"""The cluster file: which Xapian shard servers hold the archive, and their read copies.

A small TOML file, one ``[[shard]]`` table per shard, in shard order (an article's shard is
chosen by its position in this list: keep the order, and reindex to a new file to change it)::

    [[shard]]
    address = "10.0.0.11:33301"
    replicas = ["10.0.0.12:33301"]   # optional read copies, tried in order when the shard fails

    [[shard]]
    address = "10.0.0.21:33301"

``load_cluster`` reads and checks it; every mistake is a ``ClusterConfigError`` with a French
message naming the file and what to fix. This module needs no Xapian.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from pathlib import Path

from presse.indexer.messages import os_error_text
from presse.indexer.store import PresseIndexError

__all__ = ["Address", "Cluster", "ClusterConfigError", "ClusterUnavailable", "Shard", "load_cluster", "parse_address"]

MAX_SHARDS = 1024
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # one label of a host name
_HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_EXAMPLE = '[[shard]]\naddress = "10.0.0.11:33301"'


class ClusterConfigError(ValueError):
    """A cluster file that cannot be used; ``str(error)`` says in French what is wrong."""


class ClusterUnavailable(PresseIndexError):
    """No shard of the cluster answers (or not the one an article is on): the archive cannot be
    searched for now; ``str(error)`` says so in French. Defined here, without Xapian, so that the
    web app and the command line can catch it (as the ``PresseIndexError`` it is) without loading Xapian."""


@dataclasses.dataclass(frozen=True)
class Address:
    """Where one Xapian server (``xapian-tcpsrv``) listens."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclasses.dataclass(frozen=True)
class Shard:
    """One shard: its primary server (which takes the writes) and its read copies."""

    number: int  # 1-based, as messages name it
    address: Address
    replicas: tuple[Address, ...] = ()

    @property
    def readers(self) -> tuple[Address, ...]:
        """The servers a search may read this shard from, in the order to try them."""
        return (self.address,) + self.replicas


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The shards of one archive, in routing order, and the file they were read from."""

    shards: tuple[Shard, ...]
    path: Path | None = None

    @property
    def name(self) -> str:
        """How messages name this cluster: its file, else its addresses."""
        return str(self.path) if self.path else ", ".join(str(s.address) for s in self.shards)


def parse_address(text: object, where: str) -> Address:
    """``"host:port"`` (``"[::1]:33301"`` for IPv6) as an ``Address``; a ``ClusterConfigError``
    naming ``where`` (« shard 2 ») when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise ClusterConfigError(f"{where} : l'adresse doit être un texte « machine:port », par exemple "
                                 f"« 10.0.0.11:33301 » (reçu {text!r}).")
    text = text.strip()
    m = re.fullmatch(r"\[(?P<v6>[^\]]+)\]:(?P<port6>\d+)|(?P<host>[^:\s]+):(?P<port>\d+)", text)
    if m is None:
        raise ClusterConfigError(f"{where} : adresse « {text} » invalide : écrivez « machine:port », par exemple "
                                 "« 10.0.0.11:33301 » (entre crochets pour IPv6 : « [::1]:33301 »).")
    host, port = (m.group("v6"), m.group("port6")) if m.group("v6") else (m.group("host"), m.group("port"))
    if not 1 <= int(port) <= 65535:
        raise ClusterConfigError(f"{where} : port {port} invalide dans « {text} » (de 1 à 65535).")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if m.group("v6") or not _HOST_RE.match(host):
            raise ClusterConfigError(f"{where} : nom de machine « {host} » invalide dans « {text} ».") from None
    return Address(host, int(port))


def _shard(number: int, table: object) -> Shard:
    where = f"fragment {number}"
    if not isinstance(table, dict):
        raise ClusterConfigError(f"{where} : chaque fragment est une table [[shard]] avec une adresse.")
    unknown = sorted(set(table) - {"address", "replicas"})
    if unknown:
        raise ClusterConfigError(f"{where} : clé inconnue « {unknown[0]} » (seules address et replicas sont "
                                 "permises).")
    if "address" not in table:
        raise ClusterConfigError(f"{where} : l'adresse manque (address = \"machine:port\").")
    replicas = table.get("replicas", [])
    if not isinstance(replicas, list):
        raise ClusterConfigError(f"{where} : replicas doit être une liste d'adresses, par exemple "
                                 "replicas = [\"10.0.0.12:33301\"].")
    return Shard(number, parse_address(table["address"], where),
                 tuple(parse_address(r, f"{where}, copie {i}") for i, r in enumerate(replicas, 1)))


def parse_cluster(text: str, path: Path | None = None) -> Cluster:
    """The cluster described by the TOML ``text`` (read from ``path``, for messages)."""
    name = f"Fichier de grappe {path}" if path else "Description de grappe"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClusterConfigError(f"{name} illisible : ce n'est pas du TOML valide ({exc}).") from None
    tables = data.get("shard")
    unknown = sorted(set(data) - {"shard"})
    if unknown:
        raise ClusterConfigError(f"{name} : clé inconnue « {unknown[0]} » (seules des tables [[shard]] sont "
                                 f"attendues).")
    if not tables:
        raise ClusterConfigError(f"{name} : aucun fragment. Décrivez au moins un fragment :\n{_EXAMPLE}")
    if not isinstance(tables, list):
        raise ClusterConfigError(f"{name} : écrivez [[shard]] (deux crochets) pour chaque fragment :\n{_EXAMPLE}")
    if len(tables) > MAX_SHARDS:
        raise ClusterConfigError(f"{name} : trop de fragments ({len(tables)}, au plus {MAX_SHARDS}).")
    try:
        shards = tuple(_shard(i, t) for i, t in enumerate(tables, 1))
    except ClusterConfigError as exc:
        raise ClusterConfigError(f"{name}, {exc}") from None
    seen: dict[Address, int] = {}
    for shard in shards:
        for address in shard.readers:
            if address in seen:
                raise ClusterConfigError(f"{name} : l'adresse {address} apparaît deux fois (fragments {seen[address]} "
                                         f"et {shard.number}) ; chaque serveur sert un seul fragment.")
            seen[address] = shard.number
    return Cluster(shards, path)


def load_cluster(path: str | os.PathLike) -> Cluster:
    """Read the cluster file ``path``; a ``ClusterConfigError`` (French) when it is missing,
    unreadable, or describes no usable cluster."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ClusterConfigError(f"Fichier de grappe introuvable : {path}.") from None
    except IsADirectoryError:
        raise ClusterConfigError(f"{path} est un dossier : indiquez le fichier TOML qui décrit la grappe.") from None
    except OSError as exc:
        raise ClusterConfigError(f"Impossible de lire le fichier de grappe {path} : {os_error_text(exc)}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ClusterConfigError(f"Fichier de grappe {path} illisible : il n'est pas en UTF-8.") from None
    return parse_cluster(text, path)
