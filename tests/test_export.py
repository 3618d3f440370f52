"""Exports and citations of the Python API: ``Archive.export``/``records``, ``Archive.cite``, ``Archive.cite_search``.

Every export holds exactly the articles ``search`` finds, in its order; RIS and BibTeX are read
back with real parsers (``rispy``, ``bibtexparser``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from hypothesis import given, settings
from hypothesis import strategies as st

import presse.search.export as export
from presse.search import Archive, QueryError, Record, TooLarge
from presse.search.citation import bibtex_entry, french_citation, ris_entry

NBSP = "\u00a0"
CASES = [
    ("", {"sort": "-date"}),
    ("russie", {}),
    ("russie", {"sort": "date"}),
    ("gouvernement OU président OU Poutine", {"sort": "relevance"}),
    ("", {"source": ["Libération", "Le Monde"], "sort": "date"}),
    ("Europe xylophonique", {}),  # relaxed: the articles with the most of the words
    ("Pezechkain", {}),  # respelled
    ("le", {"date_from": "2024-01-01", "date_to": "2024-10-11"}),
    ("zyxorbium", {}),
]


def search_all(archive: Archive, q: str, **kwargs) -> list:
    """Every hit of ``search``, page after page."""
    hits, page = [], 1
    while True:
        result = archive.search(q, page=page, per_page=3, facets=(), **kwargs)
        hits += result.hits
        if page >= result.pages:
            return hits
        page += 1


def parse_csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def spreadsheet_safe(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@pytest.mark.parametrize("q, kwargs", CASES)
def test_csv_rows_are_the_result_set(archive, q, kwargs):
    hits = search_all(archive, q, **kwargs)
    text = "".join(archive.export(q, "csv", **kwargs))
    rows = parse_csv(text)
    assert [r["id"] for r in rows] == [h.id for h in hits]
    assert text[1:].split("\r\n", 1)[0].split(",") == list(export.CSV_COLUMNS)
    for rank, (row, hit) in enumerate(zip(rows, hits), 1):
        view = archive.get(hit.id)
        assert row["rank"] == str(rank)
        assert row["date"] == (hit.date.isoformat() if hit.date else "")
        for name in ("title", "source", "author", "section", "url", "lead", "body"):
            assert row[name] == spreadsheet_safe(getattr(view, name)), name
        assert row["tags"] == ",".join(view.tags)
        assert float(row["score"]) == pytest.approx(hit.score, abs=1e-3)


@pytest.mark.parametrize("q, kwargs", CASES)
def test_json_lines_are_the_result_set(archive, q, kwargs):
    hits = search_all(archive, q, **kwargs)
    text = "".join(archive.export(q, "jsonl", **kwargs))
    assert "<" not in text  # escaped as in the JSON API
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["id"] for r in records] == [h.id for h in hits]
    for record in records:
        view = archive.get(record["id"])
        assert (record["title"], record["body"], record["tags"], record["source"]) == (
            view.title, view.body, list(view.tags), view.source)


@pytest.mark.parametrize("q, kwargs", CASES)
def test_ris_is_read_back_by_rispy(archive, q, kwargs):
    hits = search_all(archive, q, **kwargs)
    entries = rispy.loads("".join(archive.export(q, "ris", **kwargs)))
    assert [e["id"] for e in entries] == [h.id for h in hits]
    for entry, hit in zip(entries, hits):
        assert entry["type_of_reference"] == "NEWS"
        assert entry["title"] == hit.title or "(sans titre)"
        assert entry.get("secondary_title") == hit.source
        assert entry.get("authors") == ([hit.author] if hit.author else None)
        if hit.date:
            assert (entry["year"], entry["date"]) == (str(hit.date.year), hit.date.strftime("%Y/%m/%d"))
        assert all(u.startswith(("http://", "https://")) for u in entry.get("urls", []))


BIBTEX_DECODED = [middlewares.LatexDecodingMiddleware()]


@pytest.mark.parametrize("q, kwargs", CASES)
def test_bibtex_is_read_back_by_bibtexparser(archive, q, kwargs):
    hits = search_all(archive, q, **kwargs)
    library = bibtexparser.parse_string("".join(archive.export(q, "bibtex", **kwargs)),
                                        append_middleware=BIBTEX_DECODED)
    assert library.failed_blocks == []
    assert [e.entry_type for e in library.entries] == ["article"] * len(hits)
    assert len({e.key for e in library.entries}) == len(hits)
    for entry, hit in zip(library.entries, hits):
        fields = entry.fields_dict
        assert fields["title"].value == " ".join(hit.title.split())
        assert fields.get("journal") and fields["journal"].value == hit.source or not hit.source
        if hit.date:
            assert fields["date"].value == hit.date.isoformat()


def test_hostile_text_is_escaped_for_latex_and_read_back(archive):
    text = archive.cite("hostile-2024-01-01", "bibtex")
    entry = bibtexparser.parse_string(text, append_middleware=BIBTEX_DECODED).entries[0]
    assert entry.fields_dict["title"].value == "<script>alert('titre')</script> Un titre \"piégé\""
    assert "url" not in entry.fields_dict  # javascript:alert(1) is no web address
    assert entry.fields_dict["abstract"].value == "Un chapeau avec <img src=x onerror=alert(2)> dedans."


def _record(**fields) -> Record:
    base = dict(rank=1, id="x-1", title="Titre", date=dt.date(2024, 3, 14), source="Le Monde", author=None,
                section=None, url=None, lead=None, body="", tags=(), publisher=None, language="fr", score=0.0)
    return Record(**{**base, **fields})


# Text LaTeX prints as typed (pylatexenc reads "--", "``" and "''" as dashes and quotes, as LaTeX does).
_LATEX_SAFE = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="-`'"), min_size=1,
                      max_size=60).filter(lambda t: t.strip())


@settings(max_examples=200, deadline=None)
@given(title=_LATEX_SAFE, source=_LATEX_SAFE)
def test_any_title_and_source_survive_bibtex(title, source):
    library = bibtexparser.parse_string(bibtex_entry(_record(title=title, source=source), "presse:x-1"),
                                        append_middleware=BIBTEX_DECODED)
    assert library.failed_blocks == []
    fields = library.entries[0].fields_dict
    # pylatexenc reads \textasciicircum (LaTeX's "^" in text) as U+02C6, the modifier letter circumflex.
    decoded = (fields["title"].value.replace("\u02c6", "^"), fields["journal"].value.replace("\u02c6", "^"))
    assert decoded == (" ".join(title.split()).replace("\u02c6", "^"), " ".join(source.split()).replace("\u02c6", "^"))


@settings(max_examples=200, deadline=None)
@given(title=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(str.strip),
       author=st.text(min_size=1, max_size=40).filter(str.strip))
def test_any_title_survives_ris(title, author):
    entry = rispy.loads(ris_entry(_record(title=title, author=author)))[0]
    assert entry["title"] == " ".join(title.split()) and entry["authors"] == [" ".join(author.split())]


def test_a_name_with_a_comma_stays_one_author():
    text = bibtex_entry(_record(author="Texte 6Medias, vidéo BFMTV"), "presse:x-1")
    assert "author = {{Texte 6Medias, vidéo BFMTV}}" in text


def test_csv_cells_are_never_spreadsheet_formulas():
    rows = parse_csv("".join(export.csv_chunks([_record(title="=HYPERLINK(\"http://x\")", lead="+33 1 23",
                                                        body="-5 %", author="@moi", source="Le Monde")])))
    assert (rows[0]["title"], rows[0]["lead"], rows[0]["body"], rows[0]["author"], rows[0]["source"]) == (
        "'=HYPERLINK(\"http://x\")", "'+33 1 23", "'-5 %", "'@moi", "Le Monde")


def test_past_the_bound(archive, monkeypatch):
    monkeypatch.setattr(export, "MAX_ARTICLES", 4)
    with pytest.raises(TooLarge, match="Cette recherche donne 9 articles : un export en contient au plus 4. "
                                       "Affinez la recherche"):
        archive.export("", "csv")
    rows = parse_csv("".join(archive.export("", "csv", limit=4)))
    assert [r["id"] for r in rows] == [h.id for h in archive.search("", per_page=4).hits]
    assert len(parse_csv("".join(archive.export("russie", "csv")))) == 3  # under the bound: no limit needed
    with pytest.raises(QueryError, match="entre 1 et 4"):
        archive.export("", "csv", limit=5)


def test_the_bound_is_fifty_thousand():
    assert export.MAX_ARTICLES == 50_000
    with pytest.raises(TooLarge, match=f"50{NBSP}001 articles : un export en contient au plus 50{NBSP}000"):
        export.check_limit(50_001, None)


@pytest.mark.parametrize("kwargs, message", [
    ({"format": "pdf"}, "Format d'export inconnu « pdf »"),
    ({"sort": "left"}, "Tri inconnu « left »"),
    ({"limit": 0}, "La limite d'export doit être comprise entre 1 et 50"),
    ({"date_from": "hier"}, "Date invalide pour date_from"),
])
def test_bad_parameters_are_french_query_errors(archive, kwargs, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        archive.export("russie", **{"format": "csv", **kwargs})


# ------------------------------------------------------------------------------------------ citations

def test_french_citation_of_an_article(archive):
    assert archive.cite("liberation-2024-03-14", consulted=dt.date(2026, 12, 1)) == (
        f"Claire Martin, «{NBSP}Pétrole et gaz : l'Europe cherche à se passer de la Russie{NBSP}», Libération, "
        f"14 mars 2024, en ligne{NBSP}: https://www.liberation.fr/economie/petrole-gaz (consulté le 1er décembre 2026).")
    assert archive.cite("inconnu") is None
    with pytest.raises(QueryError, match="Format de citation inconnu"):
        archive.cite("liberation-2024-03-14", "mla")


def test_french_citation_without_author_date_or_address():
    assert french_citation(_record(title="", date=None, source=None)) == f"«{NBSP}(sans titre){NBSP}», s.{NBSP}d.."
    assert french_citation(_record(url="javascript:alert(1)"), consulted=dt.date(2026, 1, 1)) == (
        f"«{NBSP}Titre{NBSP}», Le Monde, 14 mars 2024.")


def test_article_citations_in_ris_and_bibtex(archive):
    entry = rispy.loads(archive.cite("lemonde-1995-12-05", "ris"))[0]
    assert (entry["type_of_reference"], entry["secondary_title"], entry["authors"], entry["date"], entry["urls"]) == (
        "NEWS", "Le Monde", ["Jean Dupont"], "1995/12/05", ["https://www.lemonde.fr/archives/1995/12/05/greve"])
    bib = bibtexparser.parse_string(archive.cite("lemonde-1995-12-05", "bibtex"), append_middleware=BIBTEX_DECODED)
    fields = bib.entries[0].fields_dict
    assert bib.entries[0].key == "presse:lemonde-1995-12-05"
    assert (fields["journal"].value, fields["year"].value, fields["author"].value) == ("Le Monde", "1995", "Jean Dupont")


def test_cite_search_reruns_with_the_python_snippet(archive, archive_dir, monkeypatch, capsys):
    citation = archive.cite_search("russie", source=["Libération", "Le Figaro"], date_from="2024-01-01", sort="-date")
    assert citation.total == archive.search("russie", source=["Libération", "Le Figaro"], date_from="2024-01-01").total
    assert citation.parameters == {"source": ["Libération", "Le Figaro"], "date_from": "2024-01-01", "sort": "-date"}
    stats = archive.stats()
    assert citation.fingerprint == f"{stats.generation}/{stats.articles}"
    assert abs((dt.datetime.now(dt.UTC) - citation.searched_at).total_seconds()) < 60
    monkeypatch.setenv("PRESSE_INDEX", str(archive_dir))
    exec(citation.python, {})
    assert capsys.readouterr().out == f"{citation.total}\n"
    exec(dataclasses.replace(citation, articles=citation.articles + 1).python, {})  # the archive changed since
    assert capsys.readouterr().out.startswith("L'archive a changé depuis cette recherche")
    assert f"# 2 résultats le {citation.searched_at.day}" in citation.python


def test_cite_search_keeps_quotes_and_accents_runnable(archive, archive_dir, monkeypatch, capsys):
    q = "\"corridor Nord-Sud\" OU l'État \\ « grève »"
    citation = archive.cite_search(q)
    monkeypatch.setenv("PRESSE_INDEX", str(archive_dir))
    exec(citation.python, {})
    assert capsys.readouterr().out == f"{archive.search(q).total}\n"
