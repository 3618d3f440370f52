"""Near-duplicate detection by MinHash over word shingles, LSH and connected components: the
algorithm of ``indexer.dedup`` (which keeps its results per generation), pure numpy.

``sign`` gives each text a signature (``NUM_PERM`` 16-bit values, one-permutation hashing with
densification) and its number of shingles; ``candidate_pairs`` finds the pairs sharing all the
values of one LSH band; ``linked`` keeps those similar enough (``SAME_DAY_THRESHOLD``…);
``group_keys`` names the connected components by their earliest member.
"""

from __future__ import annotations

import numpy as np

SHINGLE_WORDS = 5  # words per shingle
NUM_PERM = 128  # MinHash values per signature
BIN_BITS = 7  # NUM_PERM = 2 ** BIN_BITS
BAND_ROWS = 2  # values per LSH band: candidate pairs share all the values of one band
NUM_BANDS = NUM_PERM // BAND_ROWS
# Two articles are versions of one dispatch when most of the shorter one is in the other: the
# estimated share of its shingles found in the other (containment) reaches SAME_DAY_THRESHOLD for
# articles of the same day, NEXT_DAY_THRESHOLD a day apart (or when one is undated), and the
# estimated Jaccard similarity at least MIN_JACCARD (a short text quoted in a long roundup is not a
# version of it). Never more than MAX_DAYS apart: a text re-run weeks later is another edition.
# Chosen from bench/dedup.py's judged pairs (see bench/RESULTS.md).
SAME_DAY_THRESHOLD = 0.5
NEXT_DAY_THRESHOLD = 0.7
MAX_DAYS = 1
MIN_JACCARD = 0.2
MIN_SHINGLES = 10  # shorter texts are never grouped (a title alone says too little)
BUCKET_WINDOW = 64  # in an LSH bucket, each article is compared with the next BUCKET_WINDOW ones
PAIRS_MERGE_RATIO = 8  # candidate pairs of the bands kept unmerged, at most this times the distinct ones
PAIRS_MERGE_MIN = 1_000_000
SIMILARITY_CHUNK = 65_536  # pairs compared at a time (each reads two signatures: 512 bytes)
_rng = np.random.Generator(np.random.PCG64(20240601))
_SHINGLE_MULT = (_rng.integers(0, 2**63, SHINGLE_WORDS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_CHAR_PRIME = np.uint64(0x100000001B3)  # FNV's 64-bit prime: odd, so invertible modulo 2^64
_EMPTY = np.uint32(1 << 16)  # a bin that no shingle fell in (values are 16-bit)
BATCH_CHARS = 4_000_000  # texts are signed in batches of about this many characters


class _Tables:
    """What signing needs, made on first use: which code points are word characters (as ``\\w``),
    and the powers of ``_CHAR_PRIME`` and of its inverse (the hash of a word is the same wherever
    it starts)."""

    def __init__(self):
        self.word = np.zeros(0x110000, dtype=bool)
        self.word[[c for c in range(0x30000) if chr(c).isalnum() or c == 0x5F]] = True  # none above
        self.powers = np.ones(1, dtype=np.uint64)
        self.inverse = np.ones(1, dtype=np.uint64)

    def grow(self, n: int) -> None:
        if len(self.powers) >= n:
            return
        n = max(n, 2 * len(self.powers))
        self.powers = _power_series(_CHAR_PRIME, n)
        self.inverse = _power_series(np.uint64(pow(int(_CHAR_PRIME), -1, 2**64)), n)


def _power_series(base: np.uint64, n: int) -> np.ndarray:
    """base^0, base^1, … base^(n-1) modulo 2^64."""
    out = np.full(n, base, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=np.uint64)


_tables: _Tables | None = None


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every bit of the result depends on every bit of ``x``."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def article_text(title: str | None, lead: str | None, body: str | None) -> str:
    """The text whose shingles make an article's signature."""
    return "\n".join(part for part in (title, lead, body) if part)


def shingle_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The hashes (uint64) of the ``SHINGLE_WORDS``-word shingles of ``texts``, lower-cased, and
    the text each one comes from (as (hashes, text numbers), in text order). A text of fewer words
    than a shingle has none."""
    global _tables
    if _tables is None:
        _tables = _Tables()
    tables = _tables
    joined = "\x00".join(t.replace("\x00", " ") for t in texts).lower()
    chars = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    n = len(chars)
    tables.grow(n + 1)
    is_word = np.zeros(n + 2, dtype=bool)
    np.take(tables.word, chars, out=is_word[1:-1])
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    separators = np.flatnonzero(chars == 0)
    with np.errstate(over="ignore"):
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.multiply(chars, tables.powers[:n], out=prefix[1:])
        np.cumsum(prefix[1:], out=prefix[1:])
        words = _mix((prefix[ends] - prefix[starts]) * tables.inverse[starts])
        word_text = np.searchsorted(separators, starts)
        k = SHINGLE_WORDS
        m = len(words) - k + 1
        if m <= 0:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        combined = words[:m] * _SHINGLE_MULT[0]
        for j in range(1, k):
            combined += words[j:j + m] * _SHINGLE_MULT[j]
        whole = word_text[:m] == word_text[k - 1:]  # the shingle's words are all in one text
        return _mix(combined[whole]), word_text[:m][whole]


def sign(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(MinHash signatures, shingle counts) of ``texts``: one row of ``NUM_PERM`` uint16 values each.

    One-permutation MinHash: each shingle hash falls in one of ``NUM_PERM`` bins (its top bits)
    and each bin keeps the least of its values; an empty bin borrows the value of the next
    non-empty one, marked with the distance (rotation densification, Shrivastava and Li 2014).
    The share of equal values of two signatures estimates the Jaccard similarity of their
    shingle sets, as with ``NUM_PERM`` hash functions, for one hash per shingle.
    """
    sigs = np.empty((len(texts), NUM_PERM), dtype=np.uint16)
    sizes = np.empty(len(texts), dtype=np.int64)
    start = 0
    while start < len(texts):
        stop, chars = start, 0
        while stop < len(texts) and (stop == start or chars < BATCH_CHARS):
            chars += len(texts[stop])
            stop += 1
        sigs[start:stop], sizes[start:stop] = _sign_batch(texts[start:stop])
        start = stop
    return sigs, sizes


def _sign_batch(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    hashes, text_of = shingle_hashes(texts)
    bins = (hashes >> np.uint64(64 - BIN_BITS)).astype(np.int64)
    values = ((hashes >> np.uint64(64 - BIN_BITS - 16)) & np.uint64(0xFFFF)).astype(np.uint32)
    flat = np.full(len(texts) * NUM_PERM, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, text_of * NUM_PERM + bins, values)
    sigs = flat.reshape(len(texts), NUM_PERM)
    return _densified(sigs), np.bincount(text_of, minlength=len(texts))


def _densified(sigs: np.ndarray) -> np.ndarray:
    """Empty bins filled from the next non-empty bin to the right (circularly), distance mixed in."""
    empty = sigs == _EMPTY
    if not empty.any():
        return sigs.astype(np.uint16)
    width = NUM_PERM
    positions = np.where(np.concatenate((~empty, ~empty), axis=1), np.arange(2 * width), 2 * width)
    nearest = np.minimum.accumulate(positions[:, ::-1], axis=1)[:, ::-1][:, :width]
    found = nearest < 2 * width
    source = np.where(found, nearest % width, 0)
    distance = np.where(found, nearest - np.arange(width), 0).astype(np.uint32)
    borrowed = np.take_along_axis(sigs, source, axis=1)
    with np.errstate(over="ignore"):
        marked = ((borrowed + distance * np.uint32(0x10000)) * np.uint32(0x9E3779B1)) >> np.uint32(16)
    return np.where(empty, marked, sigs).astype(np.uint16)


def signature(text: str) -> tuple[np.ndarray, int]:
    """(MinHash signature, number of shingles) of one text."""
    sigs, sizes = sign([text])
    return sigs[0], int(sizes[0])


# ------------------------------------------------------------------------------------ grouping

def candidate_pairs(sigs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Pairs of rows (i < j, as an (n, 2) int64 array, distinct) that share a whole LSH band.

    ``order`` ranks the rows (ties in a bucket are visited in that order), so that the pairs do
    not depend on the rows' positions: each row is paired with the next ``BUCKET_WINDOW`` rows of
    its bucket, which links a whole bucket of copies without comparing every pair of it.
    """
    n = len(sigs)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.zeros(0, dtype=np.int64)  # the distinct pairs so far, as i * n + j
    pending: list[np.ndarray] = []  # bands' pairs not merged into codes yet
    weights = (np.uint64(1) << (np.arange(BAND_ROWS, dtype=np.uint64) * np.uint64(16)))
    for band in range(NUM_BANDS):
        cols = sigs[:, band * BAND_ROWS:(band + 1) * BAND_ROWS].astype(np.uint64)
        keys = (cols * weights).sum(axis=1, dtype=np.uint64)
        rows = np.lexsort((order, keys))
        sorted_keys = keys[rows]
        for d in range(1, BUCKET_WINDOW + 1):
            same = np.flatnonzero(sorted_keys[:-d] == sorted_keys[d:])
            if len(same) == 0:
                break
            first, second = rows[same].astype(np.int64), rows[same + d].astype(np.int64)
            pending.append(np.minimum(first, second) * n + np.maximum(first, second))
        # Copies of one text share every band: keeping every band's pairs to the end held NUM_BANDS
        # times the distinct pairs (4.8 GB for 340,160 articles made of 10 copies each). Merged
        # once the bands' pairs outnumber the distinct ones by PAIRS_MERGE_RATIO.
        waiting = sum(len(p) for p in pending)
        if waiting > PAIRS_MERGE_RATIO * max(len(codes), PAIRS_MERGE_MIN) or band == NUM_BANDS - 1:
            codes = np.unique(np.concatenate([codes, *pending]))
            pending = []
    if not len(codes):
        return np.zeros((0, 2), dtype=np.int64)
    return np.stack((codes // n, codes % n), axis=1)


def similarities(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The estimated Jaccard similarity of each pair: the share of equal MinHash values."""
    if len(pairs) == 0:
        return np.zeros(0)
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), SIMILARITY_CHUNK):  # two rows of signatures per pair: in chunks
        chunk = pairs[start:start + SIMILARITY_CHUNK]
        out[start:start + len(chunk)] = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
    return out


def containments(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """The estimated share of the smaller set found in the other, from the Jaccard similarity and
    the two sizes: |A∩B| = J·(|A| + |B|) / (1 + J)."""
    both = jaccard * (size_a + size_b) / (1 + jaccard)
    return both / np.maximum(1, np.minimum(size_a, size_b))


def linked(sigs: np.ndarray, sizes: np.ndarray, days: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Which ``pairs`` are versions of one dispatch (see ``SAME_DAY_THRESHOLD``)."""
    jaccard = similarities(sigs, pairs)
    contained = containments(jaccard, sizes[pairs[:, 0]], sizes[pairs[:, 1]])
    day_a, day_b = days[pairs[:, 0]], days[pairs[:, 1]]
    apart = np.where((day_a > 0) & (day_b > 0), np.abs(day_a - day_b), MAX_DAYS)
    threshold = np.where(apart == 0, SAME_DAY_THRESHOLD, NEXT_DAY_THRESHOLD)
    return (jaccard >= MIN_JACCARD) & (contained >= threshold) & (apart <= MAX_DAYS)


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Row → the smallest row of its connected component, over ``edges`` ((m, 2) rows)."""
    parent = np.arange(n)
    changed = True
    # Label propagation with pointer jumping: a few numpy passes, whatever the order of the edges.
    while changed and len(edges):
        a, b = parent[edges[:, 0]], parent[edges[:, 1]]
        low = np.minimum(a, b)
        before = parent.copy()
        np.minimum.at(parent, edges[:, 0], low)
        np.minimum.at(parent, edges[:, 1], low)
        np.minimum.at(parent, a, low)
        np.minimum.at(parent, b, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        changed = not np.array_equal(parent, before)
    return parent


def group_keys(ids: list[str], days: np.ndarray, sizes: np.ndarray, sigs: np.ndarray) -> list[str]:
    """Each article's group key: the id of the earliest member of its group (by date, undated
    last, then id), or "" for an article alone. Depends only on the set of articles, not on
    their order."""
    n = len(ids)
    if n == 0:
        return []
    by_id = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_id] = np.arange(n)
    usable = sizes >= MIN_SHINGLES
    rows = np.flatnonzero(usable)
    pairs = rows[candidate_pairs(sigs[rows], rank[rows])] if len(rows) > 1 else np.zeros((0, 2), dtype=np.int64)
    edges = pairs[linked(sigs, sizes, days, pairs)] if len(pairs) else pairs
    # Components labelled by their earliest member: relabel rows so that the smallest is the earliest.
    earliest = np.lexsort((rank, np.where(days > 0, days, np.iinfo(np.int64).max)))
    position = np.empty(n, dtype=np.int64)
    position[earliest] = np.arange(n)
    label = components(n, position[edges]) if len(edges) else np.arange(n)
    sizes_of = np.bincount(label, minlength=n)
    return [ids[earliest[label[p]]] if sizes_of[label[p]] > 1 else "" for p in position.tolist()]
