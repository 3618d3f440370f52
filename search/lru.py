"""One small least-recently-used cache for the search caches (pages, posting lists, positions,
filter masks, sorted concordances): thread-safe, bounded by a number of entries and, optionally,
by a total size (``size(value)``, bytes say)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LRU"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``entries`` values (None: no count limit) and, with ``size``, at most ``max_size``
    in total; the least recently used go first. A value larger than ``max_size`` is not kept.

    >>> cache = LRU(2)
    >>> for key, value in (("a", 1), ("b", 2)):
    ...     _ = cache.put(key, value)
    >>> cache.get("a"), cache.put("c", 3), cache.keys()
    (1, 3, ['a', 'c'])
    """

    def __init__(self, entries: int | None = None, *, max_size: int | None = None,
                 size: Callable[[V], int] | None = None):
        if (max_size is None) != (size is None):
            raise ValueError("max_size and size go together.")
        self.entries = entries
        self.max_size = max_size
        self._size = size
        self.total = 0  # the sizes of the values kept, added up (0 without ``size``)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value of ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            try:
                self._items.move_to_end(key)
            except KeyError:
                return default
            return self._items[key]

    def peek(self, key: K) -> V | None:
        """The value of ``key`` without marking it used, or None."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` unless a value is already there or ``value`` alone is over
        ``max_size``; returns the value kept for ``key`` (``value`` when not kept)."""
        weight = self._size(value) if self._size is not None else 0
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                return found
            if self.max_size is not None and weight > self.max_size:
                return value
            self._items[key] = value
            self.total += weight
            while (self.entries is not None and len(self._items) > self.entries) or \
                    (self.max_size is not None and self.total > self.max_size):
                _, dropped = self._items.popitem(last=False)
                if self._size is not None:
                    self.total -= self._size(dropped)
            return value

    def clear(self) -> None:
        """Drop every value."""
        with self._lock:
            self._items.clear()
            self.total = 0

    def keys(self) -> list[K]:
        """The keys kept, least recently used first."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items
