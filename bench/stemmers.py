"""Speed and agreement of French Snowball stemmers on Snowball's own vocabulary.

    python bench/stemmers.py [VOC_DIR]      # default: tests/data/vectors/snowball-fr-v3

Measures, on the 21,655 words of voc.txt, each stemmer that can be imported here:

* ``pystemmer``: PyStemmer, the C build of Snowball (what ``indexer.analysis.SnowballFilter`` uses),
  word by word and with ``stemWords`` (one call for the whole list);
* ``presse``: ``indexer.analysis.SnowballFilter().stem`` (PyStemmer plus a compound check);
* ``snowballstemmer``: the PyPI package; it silently uses PyStemmer when PyStemmer is installed,
  so for the pure-Python figure run this script in a virtualenv without PyStemmer;
* ``whoosh``: Whoosh's bundled pure-Python port (``whoosh.lang.snowball.french``).

and how many of their stems agree with output.txt. Stdlib only; prints one line per stemmer.
"""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def load(voc_dir: Path) -> tuple[list[str], list[str]]:
    words = (voc_dir / "voc.txt").read_text(encoding="utf-8").splitlines()
    stems = (voc_dir / "output.txt").read_text(encoding="utf-8").splitlines()
    assert len(words) == len(stems), (len(words), len(stems))
    return words, stems


def stemmers() -> dict[str, object]:
    """name → a function list[str] → list[str], for each stemmer importable here."""
    found: dict[str, object] = {}
    try:
        import Stemmer

        s = Stemmer.Stemmer("french")
        s.maxCacheSize = 0  # measure stemming, not PyStemmer's own cache
        found["pystemmer (stemWord loop)"] = lambda ws: [s.stemWord(w) for w in ws]
        found["pystemmer (stemWords)"] = s.stemWords
    except ImportError:
        pass
    try:
        from presse.indexer.analysis import SnowballFilter

        f = SnowballFilter()
        found["presse SnowballFilter.stem"] = lambda ws: [f.stem(w) for w in ws]
    except ImportError:
        pass
    try:
        import snowballstemmer

        sb = snowballstemmer.stemmer("french")
        impl = "PyStemmer inside" if type(sb).__module__.startswith("Stemmer") else "pure Python"
        found[f"snowballstemmer {version('snowballstemmer')} ({impl})"] = sb.stemWords
    except ImportError:
        pass
    try:
        from whoosh.lang.snowball.french import FrenchStemmer

        ws_ = FrenchStemmer()
        found["whoosh.lang.snowball.french"] = lambda ws: [ws_.stem(w) for w in ws]
    except ImportError:
        pass
    return found


def bench(fn, words: list[str], repeat: int = 3) -> tuple[float, list[str]]:
    """Best of ``repeat`` wall times (seconds) for stemming ``words``, and the stems."""
    best, out = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = list(fn(words))
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str]) -> int:
    voc_dir = Path(argv[1]) if len(argv) > 1 else REPO / "tests" / "data" / "vectors" / "snowball-fr-v3"
    words, expected = load(voc_dir)
    print(f"{len(words):,} words from {voc_dir}  (Python {sys.version.split()[0]})")
    for name, fn in stemmers().items():
        seconds, got = bench(fn, words)
        agree = sum(g == e for g, e in zip(got, expected))
        rate = len(words) / seconds
        print(f"{name:45s} {seconds * 1000:9.1f} ms  {seconds / len(words) * 1e6:7.2f} µs/word"
              f"  {rate:12,.0f} words/s  agree {agree:,}/{len(words):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
