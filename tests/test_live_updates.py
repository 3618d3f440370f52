"""An ``Archive`` kept open while ``presse index`` commits: what a running server sees.

A served archive must answer, after every commit, exactly what a freshly opened ``Archive`` answers:
the same totals, facets, statistics and pages, with no article counted twice, while small
segments are merged, articles are replaced and deleted, and several threads search at once (each
thread keeps its own searcher). Whoosh's ``Searcher.refresh()`` used to bring back the segments a
commit had merged away: every article counted twice in a running server.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from presse.indexer.build import update_index
from presse.indexer.store import current_generation
from presse.search import Archive

from conftest import REPO

SEEDS = REPO / "seeds" / "orangesum-demo-2000.jsonl"
QUERIES = ["", "iran", "gouvernement", "président ET France", '"premier ministre"', "police OU gendarmes",
           "zyxorbium"]
FACETS = ["source", "year", "author", "section"]
THREADS = 4


def seed_records(start: int, stop: int) -> list[dict]:
    lines = SEEDS.read_text(encoding="utf-8").splitlines()[start:stop]
    return [json.loads(line) for line in lines]


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def segment_sizes(root: Path) -> list[int]:
    ix = whoosh_index.open_dir(str(current_generation(root)))
    try:
        return sorted(seg.doc_count_all() for seg in ix._segments())
    finally:
        ix.close()


def answers(archive: Archive) -> dict:
    """Everything a served page depends on, in a comparable form."""
    out = {"stats": archive.stats().articles}
    for q in QUERIES:
        page = archive.search(q, per_page=50, facets=FACETS)
        ids = [hit.id for hit in page.hits]
        assert len(ids) == len(set(ids)), f"an article listed twice for {q!r}"
        out[q] = (page.total, ids, {name: tuple(page.facets[name]) for name in FACETS})
    out["by_date"] = [hit.id for hit in archive.search("france", sort="-date", per_page=30).hits]
    return out


@pytest.fixture
def live_setup(tmp_path, monkeypatch):
    monkeypatch.setattr("presse.search.whoosh_engine.index.RECHECK_SECONDS", 0.0)  # see each commit at once
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "base.jsonl", seed_records(0, 150))
    root = tmp_path / "index"
    update_index(root, [corpus], procs=1, batch_size=50)  # three segments of 50 articles
    return corpus, root


def test_a_running_archive_answers_like_a_fresh_one_after_every_commit(live_setup):
    corpus, root = live_setup
    live = Archive(root)
    pool = ThreadPoolExecutor(max_workers=THREADS)
    spare = seed_records(150, 200)
    merged = replaced = deleted = 0

    def check(step: str) -> None:
        fresh = Archive(root)
        try:
            expected = answers(fresh)
        finally:
            fresh.close()
        # Several rounds per thread, so that each thread's own searcher meets the new commit.
        for result in pool.map(lambda _: answers(live), range(THREADS * 2)):
            assert result == expected, step

    try:
        check("before any update")
        for step in range(14):
            before = len(segment_sizes(root))
            if step % 5 == 3:  # an article changes: replaced by id
                record = dict(spare[0], body=spare[0]["body"] + f" Mise à jour {step} : zyxorbium.")
                write_jsonl(corpus / "u000.jsonl", [record])
                replaced += 1
            elif step % 5 == 4:  # a file disappears: its article is deleted
                (corpus / f"u{step - 3:03d}.jsonl").unlink()
                deleted += 1
            else:
                write_jsonl(corpus / f"u{step:03d}.jsonl", [spare[step + 1]])
            summary = update_index(root, [corpus], procs=1)
            assert summary.written + summary.removed >= 1
            merged += len(segment_sizes(root)) < before
            check(f"after update {step}")
            if step % 5 == 3:
                view = live.get(spare[0]["id"])
                assert view is not None and f"Mise à jour {step}" in view.body
        assert merged >= 1 and replaced >= 2 and deleted >= 2  # the test saw what it is about
    finally:
        pool.shutdown()
        live.close()


def test_the_first_update_of_a_fresh_index_does_not_rewrite_it(live_setup):
    corpus, root = live_setup
    sizes = segment_sizes(root)
    write_jsonl(corpus / "one.jsonl", seed_records(150, 151))
    update_index(root, [corpus], procs=1)
    assert segment_sizes(root) == sorted(sizes + [1])
