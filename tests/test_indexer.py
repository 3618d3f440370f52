"""Writing the index: both writer modes, incremental updates, generations, versions, the lexicon."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest
from unidecode import unidecode

from presse.indexer.analysis import TOKEN_RE
from presse.indexer.build import article_fields, reindex, update_index
from presse.indexer.lexicon import PARTS_DIR, Lexicon
from presse.indexer.readers import read_file
from presse.indexer.schema import FrenchText, make_schema
from presse.indexer.store import CURRENT_FILE, IndexBusy, IndexVersionError, RootLock, current_generation
from presse.search import Archive

from conftest import DATA, SEED


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(DATA / "articles.jsonl", d / "articles.jsonl")
    shutil.copy(SEED, d / SEED.name)
    return d


def accented_words(text: str) -> list[str]:
    return sorted({w for w in TOKEN_RE.findall(text) if not w.isascii() and len(w) > 3})


@pytest.mark.parametrize("procs", [1, 2])
def test_both_writer_modes_index_the_same_articles_and_the_same_lexicon(tmp_path, corpus, procs):
    # procs=2 runs Whoosh's multiprocess writer: the lexicon entries then come from the worker
    # processes (lexicon parts), and unaccented queries must still find accented words.
    root = tmp_path / f"ix{procs}"
    summary = update_index(root, [corpus], procs=procs, batch_size=3)
    assert summary.added == 9 and not summary.skipped
    archive = Archive(root)
    assert archive.stats().articles == 9
    seed_text = SEED.read_text(encoding="utf-8")
    for word in accented_words(seed_text)[:60]:
        assert [h.id for h in archive.search(word).hits] == [h.id for h in archive.search(unidecode(word)).hits], word
    assert [h.id for h in archive.search("capacites").hits] == [h.id for h in archive.search("capacités").hits] != []


def test_the_lexicon_parts_are_folded_into_lexicon_json_after_a_run(tmp_path, corpus):
    root = tmp_path / "ix"
    update_index(root, [corpus], procs=2, batch_size=4)
    generation = current_generation(root)
    assert not list((generation / PARTS_DIR).glob("*.jsonl"))
    lexicon = Lexicon.load(generation)
    assert "capac" in lexicon.terms_for_key("capacit")
    assert lexicon.accented("etat") == "état"


@pytest.mark.parametrize("procs", [1, 2])
def test_the_lexicon_holds_the_words_of_titles_leads_and_bodies_only(tmp_path, procs):
    # Author and source names are searchable (exact forms), but the lexicon maps unaccented query
    # words to stems of the text fields: a name seen only as an author has no stem to map to.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [{"id": f"a{i}", "title": f"Les capacités de l'État n°{i}", "body": "Un texte sur la défense. " * 40,
                "author": "Zbigniewa Quuxlérot", "source": "Le Vénitien"} for i in range(300)]
    (corpus / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    root = tmp_path / "ix"
    update_index(root, [corpus], procs=procs, batch_size=120)
    lexicon = Lexicon.load(current_generation(root))
    assert "capac" in lexicon.terms_for_key("capacit") and lexicon.accented("defense") == "défense"
    assert "quuxlerot" not in lexicon.display and "venitien" not in lexicon.display
    archive = Archive(root)
    assert archive.search("auteur:quuxlerot").total == archive.search("source:venitien").total == 300


def test_the_accented_spelling_shown_is_the_first_in_the_archive(tmp_path):
    # Each batch writes a part of the lexicon; parts used to be merged in the order of random names
    # (and a part's words in the order of a set), so the spelling shown for "etat" was a draw.
    spellings = ["état", "étât", "êtat", "ètat", "ëtat", "etât", "étàt", "ẽtat", "ētat", "ėtat"]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("".join(json.dumps({"id": f"a{i}", "title": "Titre", "body": f"Le mot {word}."}) + "\n"
                                            for i, word in enumerate(spellings)), encoding="utf-8")
    update_index(tmp_path / "ix", [corpus], procs=1, batch_size=1)
    assert Lexicon.load(current_generation(tmp_path / "ix")).accented("etat") == "état"


def test_a_writer_gives_the_new_words_of_its_text_fields_from_its_token_table(tmp_path):
    # Issue 17: the writer used to read the lexicon's words back out of a "fresh words" set that
    # the stemming chain's CachedFilter, pickled in the schema, collected on the side.
    from whoosh import index as whoosh_index

    from presse.indexer.segments import MemorySegmentWriter

    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), make_schema())
    writer = MemorySegmentWriter(ix)
    writer.add_document(id="x", title="Défense", title_exact="Défense", body="la défense européenne",
                        exact="la défense européenne", author="Quuxlérot", author_text="Quuxlérot")
    assert sorted(writer.take_new_words()) == ["Défense", "défense", "européenne", "la"]  # no author name
    writer.add_document(id="y", title="Défense", title_exact="Défense", body="la paix", exact="la paix")
    assert writer.take_new_words() == ["paix"]
    assert writer.take_new_words() == []
    assert writer.lexiconizer().pairs("capacités") == [("capacit", "capac")]
    # The analysis filters keep their (bounded) cache and nothing else.
    assert all(set(vars(field.cached_filter())) <= {"filters", "_steps", "_elides", "_cache", "MAX_ENTRIES"}
               for _, field in writer.schema.items() if isinstance(field, FrenchText))
    writer.cancel()


def test_the_cyclic_garbage_collector_is_off_while_writing_and_as_it_was_after(tmp_path, corpus, monkeypatch):
    import gc

    import presse.indexer.build as build

    seen = []
    add = build.Batcher.add
    monkeypatch.setattr(build.Batcher, "add", lambda self, *a, **k: (seen.append(gc.isenabled()), add(self, *a, **k)))
    assert gc.isenabled()
    update_index(tmp_path / "ix", [corpus])
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        update_index(tmp_path / "ix2", [corpus])
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()


def test_runs_in_two_threads_turn_the_collector_back_on_when_the_last_one_ends():
    import gc
    import threading

    from presse.indexer.build import _cyclic_gc_off

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with _cyclic_gc_off():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with _cyclic_gc_off():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after the first ended": False} and gc.isenabled()


def test_each_committed_writer_is_freed(tmp_path, corpus, monkeypatch):
    # Whoosh ties each writer to a reference cycle (an exception kept in a frame): with the cyclic
    # collector off while writing, the batcher collects after each commit, or every batch's
    # tables would stay in memory until the end of the run.
    import weakref

    import presse.indexer.build as build

    inverters, alive = [], []
    open_writer = build.Batcher._open

    def recording(self):
        alive.append(sum(ref() is not None for ref in inverters))  # of the writers before this one
        open_writer(self)
        inverters.append(weakref.ref(self.writer.inverter))

    monkeypatch.setattr(build.Batcher, "_open", recording)
    update_index(tmp_path / "ix", [corpus], procs=1, batch_size=3)
    assert len(inverters) == 3 and alive == [0, 0, 0]


def test_fast_field_indexing_gives_what_whoosh_would(corpus):
    schema = make_schema()
    articles = [a for a in read_file(corpus / "articles.jsonl", corpus)]
    for article in articles:
        doc = article_fields(article)
        for name, field in schema.items():
            if isinstance(field, FrenchText) and doc.get(name):
                value = doc[name]
                fast = sorted(field.index(value))
                # A tuple of texts (lead, body) is indexed as its texts one paragraph apart.
                slow = sorted(super(FrenchText, field).index("\n\n".join(value) if isinstance(value, tuple) else value))
                assert fast == slow, (article.id, name)


def test_rerunning_on_unchanged_files_writes_nothing(tmp_path, corpus):
    root = tmp_path / "ix"
    update_index(root, [corpus])
    again = update_index(root, [corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 9)


def test_a_changed_article_is_rewritten_and_a_vanished_file_removed(tmp_path, corpus):
    root = tmp_path / "ix"
    update_index(root, [corpus])
    lines = (corpus / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["body"] += " Un mot ajouté : zanzibar."
    lines[0] = json.dumps(first, ensure_ascii=False)
    (corpus / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (corpus / SEED.name).unlink()
    summary = update_index(root, [corpus])
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 1, 1, 7)
    archive = Archive(root)
    assert [h.id for h in archive.search("zanzibar").hits] == [first["id"]]
    assert archive.get("000_903b3f1d0023df44") is None


def test_reindex_swaps_in_a_new_generation_and_removes_the_old(tmp_path, corpus):
    root = tmp_path / "ix"
    update_index(root, [corpus])
    old = current_generation(root)
    reindex(root, grace_seconds=0)  # no paths: the ones the index remembers
    new = current_generation(root)
    assert new != old and not old.exists()
    assert (root / CURRENT_FILE).read_text().strip() == new.name
    assert Archive(root).stats().articles == 9


def test_an_index_of_another_analysis_version_asks_for_a_reindex(tmp_path, corpus):
    root = tmp_path / "ix"
    update_index(root, [corpus])
    meta_path = current_generation(root) / "presse.json"
    meta = json.loads(meta_path.read_text())
    meta["analysis_version"] = 0
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="presse reindex"):
        Archive(root)
    with pytest.raises(IndexVersionError):
        update_index(root, [corpus])


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path, corpus):
    root = tmp_path / "ix"
    with RootLock(root).acquire():
        with pytest.raises(IndexBusy, match="écrit déjà"):
            update_index(root, [corpus])
    assert update_index(root, [corpus]).added == 9


def test_the_schema_pickles_with_its_analyzers():
    schema = make_schema()
    again = pickle.loads(pickle.dumps(schema))
    assert again.names() == schema.names()
    assert [t.text for t in again["body"].analyzer("L'État")] == ["etat"]
