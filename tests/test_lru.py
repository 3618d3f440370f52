"""``search.lru.LRU``, the one cache of the search library (pages, posting lists, positions,
filter masks, concordances): bounded by count and by size, least recently used out first."""

from __future__ import annotations

import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.search.lru import LRU

OPERATIONS = st.lists(st.tuples(st.sampled_from(["get", "put", "peek"]), st.integers(0, 6), st.integers(0, 40)),
                      max_size=60)


@settings(max_examples=300, deadline=None)
@given(operations=OPERATIONS, entries=st.none() | st.integers(1, 4), max_size=st.none() | st.integers(1, 60))
def test_the_cache_behaves_as_a_plain_list_in_order_of_use(operations, entries, max_size):
    cache: LRU[int, int] = LRU(entries, max_size=max_size, size=(lambda v: v) if max_size is not None else None)
    model: list[tuple[int, int]] = []  # least recently used first
    for op, key, value in operations:
        found = next((v for k, v in model if k == key), None)
        if op == "get":
            assert cache.get(key) == found
            if found is not None:
                model.remove((key, found))
                model.append((key, found))
        elif op == "peek":
            assert cache.peek(key) == found
        else:
            kept = cache.put(key, value)
            if found is not None:
                assert kept == found  # the first value stays
            else:
                assert kept == value
                if max_size is None or value <= max_size:
                    model.append((key, value))
                    while (entries is not None and len(model) > entries) or \
                            (max_size is not None and sum(v for _, v in model) > max_size):
                        model.pop(0)
        assert cache.keys() == [k for k, _ in model]
        assert cache.total == (sum(v for _, v in model) if max_size is not None else 0)
        assert len(cache) == len(model)


def test_arrays_are_kept_within_their_bytes():
    cache: LRU[str, np.ndarray] = LRU(max_size=3000, size=lambda a: a.nbytes)
    for word in ("de", "la", "le", "et"):
        cache.put(word, np.zeros(100, dtype=np.int64))  # 800 bytes each
    assert cache.keys() == ["la", "le", "et"] and cache.total == 2400
    assert cache.put("pétrole", np.zeros(1000, dtype=np.int64)) is not None  # 8000 bytes: returned, not kept
    assert "pétrole" not in cache and cache.total == 2400
    cache.clear()
    assert len(cache) == 0 and cache.total == 0


def test_threads_share_one_cache_without_losing_count():
    cache: LRU[int, int] = LRU(50, max_size=500, size=lambda v: v)
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        barrier.wait()
        for i in range(2000):
            key = (i * 7 + n) % 120
            if cache.get(key) is None:
                cache.put(key, key % 20)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 50
    assert cache.total == sum(k % 20 for k in cache.keys()) <= 500
