"""Connections to the shard servers (``xapian-tcpsrv``), with bounded timeouts and French errors, and
each searching thread's ``Connection``: the shards that answer, combined into one database."""

from __future__ import annotations

import time

import xapian

from .config import Address, Cluster, ClusterUnavailable, Shard

# A hung shard holds a request about twice this long at most: the operation that times out, then
# the attempt to open it again (which leaves it out). Each network operation is bounded by it.
TIMEOUT_MS = 1000
CONNECT_TIMEOUT_MS = 1000
RECHECK_SECONDS = 0.5  # how often a connection looks for new commits on the shards
RETRY_SECONDS = 0.5  # how often a missing shard that refused the connection is tried again
IDLE_REOPEN_SECONDS = 30.0  # connections unused this long are opened again (servers drop idle ones)
HUNG_RETRY_SECONDS = 5.0  # … and one that let the connection time out (each try costs a request that long)
# Writes wait longer: a commit of a large batch fsyncs on the server.
WRITE_TIMEOUT_MS = 30000

# What Xapian raises when a server cannot be reached, stops answering, or goes away.
NETWORK_ERRORS = (xapian.NetworkError, xapian.NetworkTimeoutError)


class ShardUnavailable(Exception):
    """A shard none of whose servers answers; ``str(error)`` says so in French."""

    def __init__(self, shard: Shard, detail: str):
        super().__init__(f"Le fragment {shard.number} ({shard.address}) ne répond pas : {detail}.")
        self.shard = shard


def reason(exc: Exception) -> str:
    """What went wrong with a server, in French, from a Xapian error."""
    text = exc.get_msg() if isinstance(exc, xapian.Error) else str(exc)
    lowered = text.lower()
    if isinstance(exc, xapian.NetworkTimeoutError) or "timeout" in lowered or "timed out" in lowered:
        return "délai d'attente dépassé"
    if "refused" in lowered:
        return "connexion refusée (serveur arrêté ?)"
    if "resolve" in lowered or ("name" in lowered and "service" in lowered):
        return "nom de machine introuvable"
    if isinstance(exc, xapian.DatabaseLockError) or "lock" in lowered:
        return "un autre processus écrit déjà dans ce fragment (presse index en cours ?)"
    if isinstance(exc, NETWORK_ERRORS):
        return "connexion perdue"
    return text or type(exc).__name__


def open_reader(address: Address, timeout_ms: int = TIMEOUT_MS,
                connect_timeout_ms: int = CONNECT_TIMEOUT_MS) -> xapian.Database:
    """A read-only connection to the server at ``address`` (a Xapian error when it does not answer)."""
    return xapian.remote_open(address.host, address.port, timeout_ms, connect_timeout_ms)


def open_shard(shard: Shard, timeout_ms: int = TIMEOUT_MS) -> tuple[xapian.Database, Address]:
    """A read-only connection to ``shard``: its primary, else the first read copy that answers.

    :raises ShardUnavailable: no server of the shard answers.
    """
    errors = []
    for address in shard.readers:
        try:
            return open_reader(address, timeout_ms), address
        except (*NETWORK_ERRORS, xapian.DatabaseError) as exc:
            errors.append(f"{address} : {reason(exc)}")
    raise ShardUnavailable(shard, " ; ".join(errors))


def open_writer(shard: Shard, timeout_ms: int = WRITE_TIMEOUT_MS) -> xapian.WritableDatabase:
    """A writable connection to ``shard``'s primary (read copies take no writes).

    :raises ShardUnavailable: the primary does not answer, or another writer holds the shard.
    """
    try:
        return xapian.remote_open_writable(shard.address.host, shard.address.port, timeout_ms, CONNECT_TIMEOUT_MS)
    except (*NETWORK_ERRORS, xapian.DatabaseError) as exc:
        raise ShardUnavailable(shard, reason(exc)) from None


class Connection:
    """One thread's connections to the shards, combined into one database, and who is missing."""

    def __init__(self, cluster: Cluster, timeout_ms: int):
        self.cluster = cluster
        self.timeout_ms = timeout_ms
        self.db: xapian.Database | None = None
        self.parts: dict[int, xapian.Database] = {}  # shard number → its connection
        self.missing: tuple[int, ...] = ()
        self.retry_at = 0.0
        self.checked = 0.0
        self.used = 0.0

    def database(self) -> xapian.Database:
        """The combined database, (re)built when shards were missing and it is time to try them again."""
        now = time.monotonic()
        idle, self.used = now - self.used, now
        if self.db is None or (self.missing and now >= self.retry_at) or idle > IDLE_REOPEN_SECONDS:
            self._open()  # idle: the servers close idle connections (xapian-tcpsrv --idle-timeout, 60 s)
        elif now - self.checked > RECHECK_SECONDS:
            self.checked = now
            self.db.reopen()  # new commits; a NetworkError here is handled as a failed search
        return self.db

    def _open(self) -> None:
        self.close()
        db, parts, missing = xapian.Database(), {}, []
        retry = RETRY_SECONDS
        for shard in self.cluster.shards:
            started = time.monotonic()
            try:
                part, _ = open_shard(shard, self.timeout_ms)
            except ShardUnavailable:
                missing.append(shard.number)
                if time.monotonic() - started > self.timeout_ms / 2000:
                    retry = HUNG_RETRY_SECONDS
                continue
            parts[shard.number] = part
            db.add_database(part)
        if not parts:
            raise ClusterUnavailable(f"Aucun fragment de la grappe {self.cluster.name} ne répond : recherche "
                                     "impossible pour l'instant. Vérifiez que les serveurs xapian-tcpsrv tournent.")
        self.db, self.parts, self.missing = db, parts, tuple(missing)
        self.checked = time.monotonic()
        self.retry_at = self.checked + retry

    def reset(self) -> None:
        """Forget the connections (one failed): the next ``database`` opens every shard again."""
        self.close()

    def close(self) -> None:
        for part in self.parts.values():
            try:
                part.close()
            except xapian.Error:
                pass
        self.db, self.parts = None, {}
