"""Wire copies (issue 20.1): versions of one dispatch grouped at index time (indexer.dedup) and
collapsed at query time (search.collapse, ``Archive.search(collapse=…)``).

The articles are real OrangeSum dispatches (tests/data/dedup/): an AFP flash on the death of the
head of AQMI and its updated version published the same day (same title, 40 then 258 words), and
two versions of a dispatch on the Drareni affair.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presse.indexer import dedup
from presse.indexer.build import update_index
from presse.indexer.store import current_generation
from presse.search import Archive, QueryError
from presse.search.whoosh_engine.index import RECHECK_SECONDS

DATA = Path(__file__).resolve().parent / "data"
DEDUP = DATA / "dedup"
FLASH, UPDATE = "orangesum-7156", "orangesum-6569"  # the dispatch and its updated version
KEY = UPDATE  # a group is named by its earliest article; on the same day, by the smallest id
DRARENI = ("orangesum-33183", "orangesum-33187")  # two versions of another dispatch


def _corpus(tmp_path: Path, *names: str) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(DEDUP / name, corpus / name)
    return corpus


def _reindex(index: Path, corpus: Path):
    """``presse index`` the corpus, then wait until an open Archive notices the commit."""
    summary = update_index(index, [corpus])
    time.sleep(RECHECK_SECONDS + 0.1)
    return summary


def _groups(index: Path) -> dict[str, str]:
    return dedup.read_groups(current_generation(index))


@pytest.fixture(scope="module")
def wire_index(tmp_path_factory) -> Path:
    """The hand-written test articles, the seed article and the dispatches."""
    corpus = tmp_path_factory.mktemp("wire-corpus")
    shutil.copy(DATA / "articles.jsonl", corpus / "articles.jsonl")
    for name in ("flash.jsonl", "update.jsonl", "drareni.jsonl"):
        shutil.copy(DEDUP / name, corpus / name)
    index = tmp_path_factory.mktemp("wire-index")
    update_index(index, [corpus])
    return index


@pytest.fixture(scope="module")
def wire(wire_index) -> Archive:
    with Archive(wire_index) as archive:
        yield archive


# ---------------------------------------------------------------------------------- grouping

def test_a_dispatch_and_its_updated_copy_are_one_group(wire_index):
    groups = _groups(wire_index)
    assert groups[FLASH] == groups[UPDATE] == KEY
    assert groups[DRARENI[0]] == groups[DRARENI[1]] == DRARENI[0]
    assert groups[FLASH] != groups[DRARENI[0]]


def test_articles_of_different_news_are_not_grouped(wire_index):
    # The hand-written articles share words and topics (Iran, Russia, pétrole) but no text.
    ids = {json.loads(line)["id"] for line in (DATA / "articles.jsonl").read_text(encoding="utf-8").splitlines()
           if line.strip() and line.lstrip().startswith("{")}
    assert ids and not ids & set(_groups(wire_index))


def test_signature_estimates_the_similarity_of_real_versions():
    flash, update = (json.loads((DEDUP / name).read_text(encoding="utf-8")) for name in ("flash.jsonl", "update.jsonl"))
    (a, size_a), (b, size_b) = (dedup.signature(dedup.article_text(r["title"], r["lead"], r["body"]))
                                for r in (flash, update))
    jaccard = float((a == b).mean())
    contained = float(dedup.containments(np.array([jaccard]), np.array([size_a]), np.array([size_b]))[0])
    assert 0.2 <= jaccard <= 0.4  # the update is about 2.5 times longer: low resemblance…
    assert contained >= 0.8  # …but most of the flash is in it


def test_short_and_empty_texts_are_never_grouped():
    sigs, sizes = dedup.sign(["", "Brève.", "Brève.", "Un mot de plus."])
    assert sizes.tolist() == [0, 0, 0, 0]
    assert dedup.group_keys(["a", "b", "c", "d"], np.zeros(4, dtype=np.int64), sizes, sigs) == ["", "", "", ""]


def test_texts_dated_more_than_a_day_apart_are_not_versions():
    text = " ".join(f"mot{i}" for i in range(300))
    sigs, sizes = dedup.sign([text, text])
    assert dedup.group_keys(["a", "b"], np.array([700000, 700001]), sizes, sigs) == ["a", "a"]
    assert dedup.group_keys(["a", "b"], np.array([700000, 700002]), sizes, sigs) == ["", ""]


# ---------------------------------------------------------------------------------- incremental

def test_incremental_add_change_remove_keeps_groups_right(tmp_path):
    index = tmp_path / "index"
    corpus = _corpus(tmp_path, "flash.jsonl")
    _reindex(index, corpus)
    assert _groups(index) == {}
    shutil.copy(DEDUP / "update.jsonl", corpus / "update.jsonl")  # added
    _reindex(index, corpus)
    assert _groups(index) == {FLASH: KEY, UPDATE: KEY}
    with Archive(index) as archive:
        assert [v.id for v in archive.versions(FLASH)] == [UPDATE]
        record = json.loads((corpus / "update.jsonl").read_text(encoding="utf-8"))
        record["body"] = "Un tout autre texte : la météo du week-end sera clémente sur la moitié nord du pays, " * 3
        record["lead"] = record["title"] = "Beau temps ce week-end"
        (corpus / "update.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")  # changed
        _reindex(index, corpus)
        assert _groups(index) == {}
        assert archive.versions(FLASH) == ()  # the archive notices the change by itself
        shutil.copy(DEDUP / "update.jsonl", corpus / "update.jsonl")
        _reindex(index, corpus)
        assert archive.versions(FLASH)[0].id == UPDATE
        (corpus / "update.jsonl").unlink()  # removed
        _reindex(index, corpus)
        assert _groups(index) == {}
        assert archive.versions(FLASH) == ()
        assert archive.search("Al Qaïda Mali").total == 1


def test_an_index_without_signatures_gets_them_from_its_stored_text(tmp_path):
    """An index written before dedup.npz existed, or a run stopped between the signatures and the
    commit: the next run computes the missing signatures from the articles the index stores."""
    index = tmp_path / "index"
    corpus = _corpus(tmp_path, "flash.jsonl", "update.jsonl")
    _reindex(index, corpus)
    path = current_generation(index) / dedup.DEDUP_FILE
    path.unlink()
    with Archive(index) as archive:
        page = archive.search("Al Qaïda Mali")
        assert (page.total, page.collapsed_total, len(page.hits)) == (2, 2, 2)  # no groups: everything shown
        summary = _reindex(index, corpus)
        assert summary.unchanged == 2 and summary.written == 0
        assert _groups(index) == {FLASH: KEY, UPDATE: KEY}
        assert archive.search("Al Qaïda Mali", page=1).collapsed_total == 1


def test_a_damaged_signature_file_loses_nothing(tmp_path):
    index = tmp_path / "index"
    corpus = _corpus(tmp_path, "flash.jsonl", "update.jsonl")
    update_index(index, [corpus])
    path = current_generation(index) / dedup.DEDUP_FILE
    path.write_bytes(b"PK\x03\x04 pas un fichier numpy")
    with Archive(index) as archive:
        assert archive.search("Al Qaïda Mali").total == 2
        assert archive.versions(FLASH) == ()
    update_index(index, [corpus])  # repaired
    assert _groups(index) == {FLASH: KEY, UPDATE: KEY}


# Texts for the incremental property: a base dispatch, its updates, and unrelated texts.
_BASE = " ".join(f"mot{i}" for i in range(120))
_TEXTS = [_BASE, _BASE + " " + " ".join(f"ajout{i}" for i in range(60)), " ".join(f"autre{i}" for i in range(150)),
          _BASE.replace("mot5 ", "changé "), " ".join(f"mot{i}" for i in range(60, 200)), "trop court"]
_operation = st.tuples(st.sampled_from(["add", "remove"]), st.integers(0, 5), st.integers(0, len(_TEXTS) - 1),
                       st.integers(0, 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_operation, max_size=12))
def test_signatures_updated_step_by_step_group_as_a_rebuild(tmp_path, operations):
    """Whatever the order of additions, changes and removals (and saves in between), the saved
    groups are those of the same articles signed from scratch."""
    folder = tmp_path / "gen"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    live: dict[str, tuple[int, int]] = {}
    for action, article, text, day in operations:
        signatures = dedup.Signatures(folder)
        article_id = f"a{article}"
        if action == "add":
            signatures.add(article_id, f"h{text}-{day}", 738000 + day, _TEXTS[text])
            live[article_id] = (text, day)
        else:
            signatures.remove(article_id)
            live.pop(article_id, None)
        signatures.save()
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    rebuilt = dedup.Signatures(fresh)
    for article_id, (text, day) in sorted(live.items(), reverse=True):
        rebuilt.add(article_id, f"h{text}-{day}", 738000 + day, _TEXTS[text])
    rebuilt.save()
    assert dedup.read_groups(folder) == dedup.read_groups(fresh)


# ---------------------------------------------------------------------------------- search

def test_collapsed_search_shows_one_hit_per_group(wire):
    page = wire.search("Al Qaïda Mali")
    assert (page.total, page.collapsed_total, page.collapse) == (2, 1, True)
    [hit] = page.hits
    assert hit.id == UPDATE  # the best-ranked version (the update matches the words more often)
    assert (hit.group, hit.other_versions) == (KEY, 1)
    assert [(v.id, v.date.isoformat(), v.source) for v in hit.versions] == [
        (FLASH, "2020-06-05", "Orange Actu (actu.orange.fr)")]


def test_expanded_search_lists_every_version(wire):
    page = wire.search("Al Qaïda Mali", collapse=False)
    assert (page.total, page.collapsed_total, page.collapse) == (2, 1, False)
    assert [h.id for h in page.hits] == [UPDATE, FLASH]
    assert all(h.group is None and h.other_versions == 0 and h.versions == () for h in page.hits)


def test_the_representative_is_the_best_ranked_matching_version(wire):
    # "Tessalit" is once in each version: the shorter flash ranks first and shows the group.
    assert [h.id for h in wire.search("Tessalit", collapse=False).hits] == [FLASH, UPDATE]
    [hit] = wire.search("Tessalit").hits
    assert (hit.id, hit.other_versions, [v.id for v in hit.versions]) == (FLASH, 1, [UPDATE])
    # Only the flash has these words: the update does not match, so there is no other version to show.
    [hit] = wire.search('"commandant de plusieurs groupes"').hits
    assert (hit.id, hit.group, hit.other_versions, hit.versions) == (FLASH, KEY, 0, ())


def test_totals_with_and_without_collapse(wire):
    everything = wire.search("", per_page=100, collapse=False)
    grouped = wire.search("", per_page=100)
    assert grouped.total == everything.total  # articles, every version counted
    assert grouped.collapsed_total == everything.collapsed_total == everything.total - 2
    assert len(grouped.hits) == grouped.collapsed_total and len(everything.hits) == everything.total
    assert grouped.facets == everything.facets  # facets count articles either way
    assert wire.timeline("Al Qaïda").total == 2


@pytest.mark.parametrize("sort", ["relevance", "-date", "date"])
@pytest.mark.parametrize("q", ["", "Algérie Drareni", "Mali OU Drareni OU Iran", "journaliste", "date:2020"])
def test_collapsed_pages_are_the_first_version_of_each_group_in_order(wire, q, sort):
    """Collapsing happens before paging: the grouped pages, one article each, are exactly the
    ungrouped order with later versions of a group left out; no page repeats another."""
    full = wire.search(q, sort=sort, per_page=100, collapse=False)
    groups = _groups_of(wire)
    seen, expected = set(), []
    for hit in full.hits:
        key = groups.get(hit.id, hit.id)
        if key not in seen:
            seen.add(key)
            expected.append(hit.id)
    paged = []
    for number in range(1, len(expected) + 2):
        page = wire.search(q, sort=sort, per_page=1, page=number)
        assert page.collapsed_total == len(expected) and page.pages == max(1, len(expected))
        paged += [h.id for h in page.hits]
    assert paged == expected
    assert sum(1 + h.other_versions for h in wire.search(q, sort=sort, per_page=100).hits) == full.total


def _groups_of(archive: Archive) -> dict[str, str]:
    return dedup.read_groups(current_generation(archive.root))


def test_collapse_false_gives_the_results_of_an_index_without_groups(wire_index, tmp_path):
    """collapse=False is today's search: the same pages as the same index with no groups at all."""
    copy = tmp_path / "copy"
    shutil.copytree(wire_index, copy)
    (current_generation(copy) / dedup.DEDUP_FILE).unlink()
    with Archive(wire_index) as grouped, Archive(copy) as plain:
        for q in ("", "Al Qaïda Mali", "Drareni", "pétrole OU Iran", '"Khaled Drareni"', "journal*"):
            for sort in ("relevance", "-date", "date"):
                for page in (1, 2):
                    a = grouped.search(q, sort=sort, per_page=2, page=page, collapse=False)
                    b = plain.search(q, sort=sort, per_page=2, page=page, collapse=False)
                    c = plain.search(q, sort=sort, per_page=2, page=page)  # nothing to collapse
                    assert a.hits == b.hits == c.hits
                    assert (a.total, a.facets, a.pages) == (b.total, b.facets, b.pages) == (c.total, c.facets, c.pages)


def test_the_article_lists_the_versions_of_its_dispatch(wire):
    view = wire.get(UPDATE)
    assert [(v.id, v.title) for v in view.versions] == [(FLASH, wire.get(FLASH).title)]
    assert wire.versions(DRARENI[1])[0].id == DRARENI[0]
    assert wire.versions("pas-un-article") == () and wire.versions("../x") == ()


@pytest.mark.parametrize("value", ["false", 0, None, "oui"])
def test_collapse_must_be_a_boolean(wire, value):
    with pytest.raises(QueryError, match="collapse"):
        wire.search("Mali", collapse=value)


def test_cli_search_collapses_and_expands(wire_index):
    from click.testing import CliRunner

    from presse.web.cli import cli

    grouped = CliRunner().invoke(cli, ["search", "Al Qaïda Mali", "--index", str(wire_index)])
    assert grouped.exit_code == 0, grouped.output
    assert grouped.output.startswith("2\xa0articles, 1 après regroupement (")
    assert f"+ 1\xa0autre version de cette dépêche : {FLASH}" in grouped.output
    every = CliRunner().invoke(cli, ["search", "Al Qaïda Mali", "--index", str(wire_index), "--no-collapse"])
    assert every.exit_code == 0 and every.output.startswith("2\xa0articles, 1 après regroupement (")  # both totals
    assert every.output.count("[orangesum-") == 2 and "autre version" not in every.output


@settings(max_examples=200, deadline=None)
@given(codes=st.lists(st.integers(0, 4), min_size=1, max_size=80), page=st.integers(1, 6), per_page=st.integers(1, 7))
def test_a_collapsed_page_is_the_first_member_of_each_group_however_far_it_reads(codes, page, per_page):
    """``collapsed`` reads the ranking in growing windows: its pages are those of one full read."""
    from presse.search.collapse import Groups, collapsed

    # Groups of one member are no groups (see Groups): keep only codes that occur twice or more.
    counts = {c: codes.count(c) for c in codes}
    codes = [c if c and counts[c] > 1 else 0 for c in codes]
    groups = Groups(np.asarray(codes, dtype=np.int32), tuple(f"g{i}" for i in range(1, 5)))
    order = list(range(len(codes)))[::-1]  # the search's order: any fixed order will do
    ranked = lambda a, b: [(d, 1.0) for d in order[a:b]]  # noqa: E731
    hidden = len(codes) - groups.collapsed_total(np.ones(len(codes), dtype=bool))
    seen, expected = set(), []
    for d in order:
        if codes[d] and codes[d] in seen:
            continue
        seen.add(codes[d])
        expected.append((d, 1.0))
    start, stop = (page - 1) * per_page, page * per_page
    assert collapsed(ranked, groups, len(codes), hidden, start, stop) == expected[start:stop]


def test_candidate_pairs_of_many_copies_are_merged_as_the_bands_are_read(monkeypatch):
    """Copies of one text share every LSH band: the candidate pairs used to be kept band by band
    until the end, NUM_BANDS times the distinct pairs (4.8 GB for 340,160 articles made of 10
    copies each, bench/compare.py's replicated set). They are merged as they come now."""
    import tracemalloc

    from presse.indexer import minhash

    monkeypatch.setattr(minhash, "PAIRS_MERGE_MIN", 0)  # merge at the ratio however few the pairs
    base = np.random.default_rng(7).integers(0, 65535, size=(500, minhash.NUM_PERM), dtype=np.uint16)
    sigs = np.concatenate([base] * 10)  # 500 texts, 10 copies each
    tracemalloc.start()
    pairs = minhash.candidate_pairs(sigs, np.arange(len(sigs)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    distinct = len(pairs)
    assert distinct == 500 * 45  # each text's 10 copies: 45 pairs, linked within the bucket window
    # Peak memory per distinct pair (8 bytes each): about 390 times before, 35 times now.
    assert peak < 100 * distinct * 8, (peak, distinct)
    # The same pairs as comparing every copy with every other: each one once, i < j.
    assert (pairs[:, 0] < pairs[:, 1]).all() and len({tuple(p) for p in pairs.tolist()}) == distinct
