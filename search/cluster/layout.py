"""How a Presse article is laid out in a Xapian shard: term prefixes, value slots, routing.

The writer (``writer``) and the searcher (``engine``) both follow this module; change it and
every shard must be rebuilt (bump ``LAYOUT_VERSION``: shards written with another version are
refused with a French message asking for ``presse reindex --cluster``).

Terms (Xapian's convention: an upper-case prefix, then the lower-case, accent-folded term):

- no prefix: the stems of title, lead and body in one field, each occurrence counted
  ``STEM_WDF[field]`` times: Xapian's BM25 then saturates a word once over the three fields, with
  title and lead words weighing more, as Presse's BM25F does;
- ``XT``: title stems (``titre:mot``);
- ``XU`` / ``XE``: folded word forms with positions, of the title / of the lead then the body
  (phrases, ``"…"~N``, prefixes, fuzzy words, the exact-form boost);
- ``XA`` / ``XS``: folded word forms with positions of the author / the source (``auteur:``, ``source:``);
- ``XFS`` ``XFA`` ``XFR`` ``XFY``: the source, author, section and year as whole values (filters);
- ``XK<key>:<term>``: the accent-insensitive lexicon (``indexer.lexicon``): an accent-folded
  key and a term the article was indexed under; ``XD<folded>:<accented>``: how a word is written
  with its accents (suggestions). They live in the articles that hold the words, so the lexicon
  is the cluster's own, shrinks with deletions and is the same on every node;
- ``Q<id>``: the article's id (replace and delete by id); ``XH<state><id>``: the hash of its
  content and file (unchanged articles are skipped); ``XP<file hash><id>``: its file (articles of
  deleted files are deleted), with the file's path in the shard's metadata ``path:<file hash>``.

Values: the day (``date.toordinal()``, 0 when undated) for date ranges and newest-first order; the
same with undated articles last for oldest-first order; the facets as text.
"""

from __future__ import annotations

import hashlib

LAYOUT_VERSION = 1

STEMS = ""
TITLE_STEMS = "XT"
TITLE_FORMS = "XU"
FORMS = "XE"
AUTHOR_FORMS = "XA"
SOURCE_FORMS = "XS"
FACET_TERMS = {"source": "XFS", "author": "XFA", "section": "XFR", "year": "XFY"}
LEXICON = "XK"
DISPLAY = "XD"
ID = "Q"
STATE = "XH"
FILE = "XP"

# Occurrences of a stem in each field count this many times in the combined stem field: title
# and lead words weigh 2.5 times body words (search.ranking.Ranking's field weights).
STEM_WDF = {"title": 5, "lead": 5, "body": 2}

DAY_SLOT = 0  # sortable_serialise(day): date ranges, newest first (undated, day 0, last)
DAY_ASC_SLOT = 1  # sortable_serialise(day or UNDATED_LAST): oldest first, undated last
FACET_SLOTS = {"source": 2, "author": 3, "section": 4, "year": 5}
UNDATED_LAST = 10**8

MAX_TERM_BYTES = 245  # Xapian's limit on a term's length
STATE_CHARS = 32
FILE_HASH_CHARS = 16

META_LAYOUT = "presse:layout"
META_ANALYSIS = "presse:analysis_version"
META_SHARD = "presse:shard"  # "k/n": this shard is number k of a cluster of n
META_CREATED = "presse:created"
META_SOURCES = "presse:sources"  # JSON list of the folders indexed (presse reindex without paths)
META_PATH = "path:"


def fits(term: str) -> bool:
    """True when Xapian accepts ``term`` (at most ``MAX_TERM_BYTES`` bytes in UTF-8)."""
    return len(term.encode("utf-8", "surrogatepass")) <= MAX_TERM_BYTES


def shard_of(article_id: str, shards: int) -> int:
    """The 0-based shard of ``article_id`` among ``shards``: a stable hash of the id, the same on
    every machine and every run."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def state_of(content_hash: str, path: str) -> str:
    """What must be unchanged for an article to be skipped: its content and its file."""
    h = hashlib.blake2b(f"{content_hash}\x00{path}".encode("utf-8", "surrogatepass"), digest_size=STATE_CHARS // 2)
    return h.hexdigest()


def file_hash(path: str) -> str:
    """The short name of a file in ``XP`` terms and ``path:`` metadata."""
    return hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=FILE_HASH_CHARS // 2).hexdigest()


def facet_term(name: str, value: str | int) -> str:
    """The term of facet value ``value``; a value too long for a term keeps its start and a hash."""
    term = FACET_TERMS[name] + str(value)
    if fits(term):
        return term
    digest = hashlib.blake2b(str(value).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    head = term.encode("utf-8", "surrogatepass")[:MAX_TERM_BYTES - 20].decode("utf-8", "ignore")
    return f"{head}…{digest}"
