"""Malformed input: an indexing run over over a thousand broken files finishes and accounts for each.

The test writes a corpus of malformed files of every supported format (truncated JSON, wrong types,
HTML without a body, mixed encodings, NUL bytes, empty files, a 50 MB line, deep nesting, impossible
dates…) with valid files mixed in, and knows for each file how many articles it holds and which skips
(by reason) it must cause. ``update_index`` must finish, index exactly the valid articles, report
every other file or record as skipped with that reason, and a second run must change nothing.
A Hypothesis test then writes random bytes under every supported suffix.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.indexer.build import update_index
from presse.indexer.readers import SUPPORTED_SUFFIXES
from presse.indexer.store import open_generation
from presse.search import Archive

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

EMPTY = "fichier vide"
BINARY = "fichier binaire ou encodage inconnu"
NO_TEXT = "article sans texte"
NOT_A_RECORD = "JSON"  # « JSON : un objet ou une liste d'objets est attendu »
TOO_DEEP = "JSON trop profondément imbriqué"
LONG_LINE = "ligne trop longue (plus de 32 Mo)"
GZIP_UNREADABLE = "archive gzip illisible"
DUPLICATE = "identifiant en double"
NO_ARTICLE = "aucun article dans le fichier"
ABANDONED = "fichier abandonné"


def invalid_json(line: int) -> str:
    return f"JSON invalide ligne {line}"


@dataclasses.dataclass
class Expect:
    """What one generated file must give: its articles and its skips (by reason)."""

    articles: int = 0
    skips: Counter = dataclasses.field(default_factory=Counter)
    malformed: bool = True
    undated: bool = False  # its articles have an impossible date: they must be indexed without one
    dated: bool = False  # its articles have a valid date (a control for ``undated``)
    titles: tuple[str, ...] = ()  # exact titles, when the test checks the decoding


class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, Expect] = {}

    def add(self, rel: str, data: bytes, articles: int = 0, skips=(), **kw) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        key = os.path.realpath(path)
        assert key not in self.files
        self.files[key] = Expect(articles, Counter(skips), **kw)

    @property
    def articles(self) -> int:
        return sum(e.articles for e in self.files.values())

    def skip_reasons(self) -> Counter:
        total: Counter = Counter()
        for e in self.files.values():
            total += e.skips
        return total


def _record(n: int, kind: str, **extra) -> dict:
    return {"title": f"Dépêche {kind} numéro {n} : élection à Montréal",
            "body": f"Le scrutin de la {kind} {n} s'est déroulé à Montréal ; l'été fut chaud pour les électeurs.",
            **extra}


def _jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def build_corpus(root: Path) -> Corpus:
    rng = random.Random(1789)
    corpus = Corpus(root)
    seed_lines = [line.encode("utf-8") for line in
                  (SEEDS / "orangesum-demo-2000.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    pool = iter(seed_lines)  # each sample article is used at most once (their ids are unique)

    # 1. Truncated JSON: a sample article cut anywhere (.json), or the last line of a JSON Lines file.
    for n in range(150):
        line = seed_lines[1000 + n]
        corpus.add(f"01-truncated/{n:03d}.json", line[: rng.randint(1, len(line) - 2)], skips=[invalid_json(1)])
    for n in range(100):
        k = 1 + n % 4
        lines = [next(pool) for _ in range(k)]
        cut = seed_lines[1500 + n]
        data = b"\n".join(lines) + b"\n" + cut[: rng.randint(1, len(cut) - 2)]
        corpus.add(f"01-truncated/{n:03d}.jsonl", data, articles=k, skips=[invalid_json(k + 1)])

    # 2. JSON with wrong types: coerced when it makes sense, else skipped with a reason.
    variants = [
        (b'{"title": 123, "body": ["premier paragraphe", "second paragraphe"]}', 1, []),
        (b'{"title": ["a", "b"], "body": 42}', 1, []),
        (b'{"body": [1.5, null, {"name": "x"}], "date": ["2024-01-01"]}', 1, []),
        (b'{"body": {"x": 1}, "title": "objet"}', 0, [NO_TEXT]),
        (b'{"body": null, "title": "rien"}', 0, [NO_TEXT]),
        (b'{"body": true, "lead": false}', 0, [NO_TEXT]),
        (b'42', 0, [NOT_A_RECORD]),
        (b'"une cha\xc3\xaene"', 0, [NOT_A_RECORD]),
        (b'null', 0, [NOT_A_RECORD]),
        (b'[1, "deux", null]', 0, ["élément 1 de la liste", "élément 2 de la liste", "élément 3 de la liste"]),
        (b'[]', 0, [NO_ARTICLE]),
        (b'{"articles": [{"body": "ok"}, 7, {"title": "sans texte"}]}', 1, ["élément 2 de la liste", NO_TEXT]),
        (b'{"id": {"a": 1}, "body": "texte", "tags": 5, "author": false, "url": [1, 2]}', 1, []),
        (b'{"id": true, "body": "texte", "language": 12, "source": {"@type": "Org"}}', 1, []),
    ]
    for n in range(250):
        data, articles, skips = variants[n % len(variants)]
        corpus.add(f"02-types/{n:03d}.json", data, articles=articles, skips=skips)
    for n in range(30):
        data = b'[1]\n"texte"\n{"body": 5}\n{"body": {"a": 1}}\nnull\n'
        corpus.add(f"02-types/{n:03d}.jsonl", data, articles=1, skips=["ligne 1", "ligne 2", NO_TEXT, "ligne 5"])

    # 3. HTML without a body (nothing visible to index).
    pages = [
        b"<html><head><title>Titre seul</title></head></html>",
        b"<html><head><title>T</title><script>var corps = 'invisible';</script></head></html>",
        b"<html>",
        b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Vide</title></head><body></body></html>',
        b"<html><body><nav>menu</nav><footer>pied de page</footer><script>x()</script></body></html>",
    ]
    for n in range(150):
        corpus.add(f"03-html/{n:03d}.{'html' if n % 2 else 'htm'}", pages[n % len(pages)], skips=[NO_TEXT])

    # 4. Mixed encodings: JSON Lines decoded line by line (titles must come out right); text files read.
    for n in range(50):
        records = [_record(n * 10 + k, "mixte", date="12 octobre 2024") for k in range(4)]
        data = b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8" if k % 2 else "cp1252") + b"\n"
                        for k, r in enumerate(records))
        corpus.add(f"04-encodings/{n:03d}.jsonl", data, articles=4, titles=tuple(r["title"] for r in records),
                   dated=True)
    for n in range(50):
        data = (f"Élection numéro {n} à Montréal\n\n".encode()
                + "Deuxième paragraphe en Windows-1252 : œuvre, été, « guillemets ».\n".encode("cp1252"))
        corpus.add(f"04-encodings/{n:03d}-txt.txt", data, articles=1)

    # 5. NUL bytes: binary files are skipped; in JSON Lines, a line with a NUL outside a string is
    # skipped alone (issue 16.4: it used to make the whole file binary) and a NUL inside a string dropped.
    for n in range(30):
        corpus.add(f"05-nul/{n:03d}.txt", b"Titre\n\nUn corps\x00 avec un octet nul.\n", skips=[BINARY])
        corpus.add(f"05-nul/{n:03d}.json", b'{"title": "t", "body": "a\x00b"}', skips=[BINARY])
        corpus.add(f"05-nul/{n:03d}.html", b"<html><body><p>texte\x00</p></body></html>", skips=[BINARY])
        corpus.add(f"05-nul/{n:03d}.jsonl", b'{"body": "x"}\x00\n{"body": "y"}\n', articles=1, skips=[invalid_json(1)])
    for n in range(10):
        first = json.dumps(_record(n, "longue") | {"body": "mot " * 2500}, ensure_ascii=False).encode()
        corpus.add(f"05-nul/late-{n:03d}.jsonl", first + b'\n{"title": "Second", "body": "a\x00b"}\n', articles=2)

    # 6. Empty files of every suffix.
    for n in range(10):
        for suffix in SUPPORTED_SUFFIXES:
            corpus.add(f"06-empty/{n:03d}{suffix}", b"", skips=[EMPTY])

    # 7. One 50 MB single-line file: a JSON Lines record with a huge body.
    with open(root / "07-huge.jsonl", "wb") as f:
        f.write(b'{"title": "Immense", "body": "')
        block = b"tr\xc3\xa8s long " * 100_000  # 1.1 MB
        for _ in range(46):
            f.write(block)
        f.write(b'"}\n')
    corpus.files[os.path.realpath(root / "07-huge.jsonl")] = Expect(skips=Counter([LONG_LINE]))
    assert (root / "07-huge.jsonl").stat().st_size > 50_000_000

    # 8. Deeply nested JSON (skipped), and moderately nested JSON around a valid article (indexed).
    for n in range(20):
        depth = 5000 + n * 5000
        corpus.add(f"08-deep/{n:03d}.json", b"[" * depth + b"]" * depth, skips=[TOO_DEEP])
        corpus.add(f"08-deep/{n:03d}.jsonl", b'{"a":' * depth + b"1" + b"}" * depth + b"\n", skips=[TOO_DEEP + " ligne 1"])
        nested: object = "fond"
        for _ in range(60):
            nested = {"niveau": nested}
        corpus.add(f"08-deep/ok-{n:03d}.json", json.dumps(_record(n, "imbriquée") | {"meta": nested}).encode(),
                   articles=1)

    # 9. Impossible dates: the article is indexed without a date.
    dates = ["31 février 2024", "30 février 2023", "2999-01-01", "12 mars 2999", "1650-05-01", "3 mai 1600",
             "2024-13-45", "31/04/2024", "0000-00-00"]
    for n in range(70):
        corpus.add(f"09-dates/{n:03d}-json.json", json.dumps(_record(n, "datée", date=dates[n % len(dates)]),
                                                       ensure_ascii=False).encode(), articles=1, undated=True)
    for n in range(15):
        text = f"Date : {dates[n % len(dates)]}\nTitre daté {n}\n\nLe corps de l'article.\n"
        corpus.add(f"09-dates/{n:03d}-txt.txt", text.encode(), articles=1, undated=True)
    for n in range(15):
        html = (f'<html><head><meta property="article:published_time" content="2024-02-{30 + n % 2}T10:00:00">'
                f"</head><body><h1>Titre {n}</h1><p>Écrit le 31 février 2024, à Paris.</p></body></html>")
        corpus.add(f"09-dates/{n:03d}-html.html", html.encode(), articles=1, undated=True)

    # 10. JSON Lines that are not JSON Lines: abandoned after 100 bad lines.
    for n in range(3):
        corpus.add(f"10-abandoned/{n}.jsonl", b"{pas du json\n" * 150,
                   skips=[invalid_json(k) for k in range(1, 101)] + [ABANDONED])

    # 11. Gzip: not gzip at all, and a gzip cut in its trailer (the lines read before are kept).
    for n in range(10):
        corpus.add(f"11-gzip/bad-{n}.jsonl.gz", b"pas une archive gzip " * (n + 1), skips=[GZIP_UNREADABLE])
        cut = gzip.compress(_jsonl([_record(n, "compressée"), _record(n + 100, "compressée")]))[:-4]
        corpus.add(f"11-gzip/cut-{n}.jsonl.gz", cut, articles=2,
                   skips=["archive gzip corrompue ou tronquée après la ligne 2"])

    # 12. Duplicate ids: the second file's record is skipped.
    for n in range(5):
        record = _record(n, "doublée", id=f"doublon-{n}")
        corpus.add(f"12-duplicates/a-{n}.jsonl", _jsonl([record]), articles=1, malformed=False)
        corpus.add(f"12-duplicates/b-{n}.jsonl", _jsonl([record | {"body": "Une autre version."}]),
                   skips=[DUPLICATE])

    # 13. Valid files of every format.
    for n in range(30):
        corpus.add(f"13-valid/{n:03d}.jsonl", b"\n".join(next(pool) for _ in range(3)) + b"\n", articles=3,
                   malformed=False, dated=True)
    for n in range(10):
        corpus.add(f"13-valid/{n:03d}.ndjson", b"\n".join(next(pool) for _ in range(2)) + b"\n", articles=2,
                   malformed=False, dated=True)
        corpus.add(f"13-valid/{n:03d}.jsonl.gz", gzip.compress(b"\n".join(next(pool) for _ in range(2)) + b"\n"),
                   articles=2, malformed=False, dated=True)
    for n in range(20):
        corpus.add(f"13-valid/{n:03d}.json", next(pool), articles=1, malformed=False, dated=True)
    for n in range(15):
        text = f"Publié le {1 + n} octobre 2024\nUn article valide numéro {n}\n\nLe corps, accentué : été.\n"
        corpus.add(f"13-valid/{n:03d}-txt.txt", text.encode(), articles=1, malformed=False, dated=True)
    for n in range(15):
        html = (f'<html lang="fr"><head><meta property="article:published_time" content="2024-10-{1 + n:02d}">'
                f"<title>Page {n}</title></head><body><article><h1>Titre valide {n}</h1><p>Un paragraphe.</p>"
                "</article></body></html>")
        corpus.add(f"13-valid/{n:03d}-html.{'html' if n % 2 else 'htm'}", html.encode(), articles=1, malformed=False,
                   dated=True)
    return corpus


def _key(reason: str) -> str:
    return reason.split(" : ")[0]


def _per_file_skips(summary) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for s in summary.skipped:
        out.setdefault(s.path, Counter())[_key(s.reason)] += 1
    return out


def _indexed(root: Path) -> dict[str, list[str]]:
    """file path → ids of its articles in the index."""
    ix, _, _ = open_generation(root)
    try:
        with ix.reader() as reader:
            out: dict[str, list[str]] = {}
            if reader.doc_count_all() == 0:
                return out  # an index without segments has no columns
            ids, paths = reader.column_reader("id"), reader.column_reader("path")
            for d in reader.all_doc_ids():
                path = paths[d].decode() if isinstance(paths[d], bytes) else paths[d]
                out.setdefault(path, []).append(ids[d].decode() if isinstance(ids[d], bytes) else ids[d])
            return out
    finally:
        ix.close()


@pytest.mark.slow
def test_malformed_corpus_is_indexed_or_skipped_file_by_file(tmp_path, capsys):
    started = time.monotonic()
    corpus = build_corpus(tmp_path / "corpus")
    malformed = sum(1 for e in corpus.files.values() if e.malformed)
    assert malformed >= 1000, malformed
    root = tmp_path / "index"

    summary = update_index(root, [tmp_path / "corpus"])  # default procs: > 4 MB, so the multiprocess writer
    assert summary.files == len(corpus.files)
    assert summary.added == corpus.articles
    assert summary.updated == summary.removed == summary.unchanged == 0
    assert summary.skip_reasons() == corpus.skip_reasons()

    # File by file: each is indexed or skipped, with exactly the articles and the reasons expected.
    indexed = _indexed(root)
    skips = _per_file_skips(summary)
    assert set(indexed) | set(skips) == set(corpus.files), "files neither indexed nor skipped"
    for path, expect in corpus.files.items():
        got = (len(indexed.get(path, [])), skips.get(path, Counter()))
        assert got == (expect.articles, expect.skips), (path, got, expect)

    with Archive(root) as archive:
        assert archive.stats().articles == corpus.articles
        for path, expect in corpus.files.items():
            if not (expect.undated or expect.dated or expect.titles):
                continue
            views = [archive.get(i) for i in sorted(indexed[path], key=lambda i: int(i.rsplit("-", 1)[1])
                                                    if expect.titles else 0)]
            if expect.undated:
                assert all(v.date is None for v in views), path
            if expect.dated:
                assert all(v.date is not None for v in views), path
            if expect.titles:
                assert tuple(v.title for v in views) == expect.titles, path
        assert archive.search("Montréal", per_page=1, facets=()).total >= 200

    # A second run reads the same files: nothing new is skipped, nothing changes.
    again = update_index(root, [tmp_path / "corpus"])
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == corpus.articles
    first = Counter((s.path, s.reason, s.line) for s in summary.skipped)
    second = Counter((s.path, s.reason, s.line) for s in again.skipped)
    assert not second - first, f"new skips on the second run: {list((second - first).elements())[:5]}"
    assert _indexed(root) == indexed

    with capsys.disabled():
        print(f"\n[test_malformed] {len(corpus.files)} files ({malformed} malformed, one of "
              f"{(tmp_path / 'corpus' / '07-huge.jsonl').stat().st_size / 1e6:.0f} MB): {summary.added} articles "
              f"indexed, {len(summary.skipped)} skips in {len(summary.skip_reasons())} reasons; second run "
              f"{len(again.skipped)} skips, nothing changed; {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------------------------------------
# Random bytes under every supported suffix


def _stem(suffix: str) -> str:
    return "fuzz-" + suffix.strip(".").replace(".", "-")


json_fragments = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "body", "date", "id", "author", "tags", "lead", "articles", "x"]), children,
        max_size=5),
    max_leaves=12,
)
contents = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=600).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_fragments.map(lambda v: json.dumps(v).encode()),
    st.lists(json_fragments.map(json.dumps), max_size=6).map(lambda ls: "\n".join(ls).encode()),
    st.tuples(st.binary(max_size=200), st.text(max_size=200)).map(lambda t: t[0] + t[1].encode("cp1252", "ignore")),
)


FUZZED = [0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({suffix: contents for suffix in SUPPORTED_SUFFIXES}))
def test_random_bytes_under_every_suffix(files):
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for suffix, data in files.items():
            (corpus / (_stem(suffix) + suffix)).write_bytes(data)
        FUZZED[0] += len(files)
        root = Path(tmp) / "index"
        summary = update_index(root, [corpus], procs=1)
        assert summary.files == len(SUPPORTED_SUFFIXES)
        indexed = _indexed(root)
        skipped = {s.path for s in summary.skipped}
        listed = {os.path.realpath(p) for p in corpus.iterdir()}
        assert set(indexed) | skipped == listed, "a file was neither indexed nor skipped"
        assert summary.added == sum(len(ids) for ids in indexed.values())
        assert summary.updated == summary.removed == summary.unchanged == 0
        again = update_index(root, [corpus], procs=1)
        assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, summary.added)
        assert not {(s.path, s.reason) for s in again.skipped} - {(s.path, s.reason) for s in summary.skipped}
        with Archive(root) as archive:
            assert archive.stats().articles == summary.added
            for ids in indexed.values():
                for article_id in ids:
                    assert archive.get(article_id) is not None


def test_zz_report_fuzzed_files(capsys):
    """Prints how many files the Hypothesis test wrote (it runs after it, in file order)."""
    if FUZZED[0]:
        with capsys.disabled():
            print(f"\n[test_malformed] Hypothesis: {FUZZED[0]} random files under {len(SUPPORTED_SUFFIXES)} suffixes")
