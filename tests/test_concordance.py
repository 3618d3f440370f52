"""The concordance (keyword in context): ``Archive.concordance`` and ``Archive.concordance_lines``.

A line's match must be exactly what the search highlights (the results page and the article
page mark it), every highlighted occurrence must have its line, and the orders, pages and bounds
must hold on real French articles (the hand-written archive and 300 OrangeSum articles).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import presse.search.concordance as kwic
from presse.indexer.analysis import TOKEN_RE, fold
from presse.indexer.build import update_index
from presse.search import Archive, QueryError, TooLarge

ORANGESUM = Path(__file__).resolve().parent.parent / "seeds" / "orangesum-demo-2000.jsonl"
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@pytest.fixture(scope="module")
def orangesum(tmp_path_factory) -> Archive:
    """An archive of the first 300 OrangeSum articles of seeds/."""
    corpus = tmp_path_factory.mktemp("orangesum300")
    lines = ORANGESUM.read_text(encoding="utf-8").splitlines()[:300]
    (corpus / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("orangesum300-index")
    update_index(index, [corpus])
    with Archive(index) as archive:
        yield archive


def marked(fragment: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of an HTML fragment (escaped text with <mark>) and the spans of its marks in it."""
    text, spans, pos = [], [], 0
    for m in MARK.finditer(fragment):
        before = html.unescape(fragment[pos:m.start()])
        inside = html.unescape(m.group(1))
        text.append(before)
        start = sum(map(len, text))
        text.append(inside)
        spans.append((start, start + len(inside)))
        pos = m.end()
    text.append(html.unescape(fragment[pos:]))
    return "".join(text), spans


def field_marks(archive: Archive, q: str) -> dict[tuple[str, str], tuple[str, list[tuple[int, int]]]]:
    """(article id, field) → (field text, spans the site marks in it), for every article ``q`` finds:
    titles and leads as the results page marks them, bodies as the article page does. (collapse=False:
    the concordance covers every article, versions of one dispatch included — issue 20.1.)"""
    page = archive.search(q, per_page=100, facets=(), collapse=False)
    shown = page.rewritten or q  # the article page marks the query whose results are shown
    hits = [hit for n in range(1, page.pages + 1)
            for hit in archive.search(q, page=n, per_page=100, facets=(), collapse=False).hits]
    out = {}
    for hit in hits:
        out[hit.id, "title"] = marked(hit.title_html)
        out[hit.id, "lead"] = marked(hit.lead_html)
        view = archive.get(hit.id, q=shown)
        paragraphs = iter(view.paragraphs_html)
        text, spans, offset = view.body, [], 0
        for raw in view.body.split("\n"):
            if raw.strip():
                plain, marks = marked(next(paragraphs))
                assert plain == raw
                spans += [(offset + s, offset + e) for s, e in marks]
            offset += len(raw) + 1
        out[hit.id, "body"] = (text, spans)
    return out


def squash(text: str) -> str:
    return " ".join(text.split())


def assert_lines_are_the_highlights(archive: Archive, q: str, **filters) -> list:
    """Every line's match is a run of marks of the site; every mark is inside a line."""
    marks = field_marks(archive, q) if not filters else None
    lines = list(archive.concordance_lines(q, width=6, **filters))
    assert len(lines) == len({(line.id, line.field, line.offset) for line in lines})
    if marks is None:
        return lines
    covered: dict = {}
    for line in lines:
        text, spans = marks[line.id, line.field]
        starts, ends = {s for s, _ in spans}, {e for _, e in spans}
        assert line.offset in starts, (q, line)
        end = next((e for e in sorted(ends) if e > line.offset and squash(text[line.offset:e]) == line.match), None)
        assert end is not None, (q, line)
        assert all(s >= end or e <= line.offset or (s >= line.offset and e <= end) for s, e in spans)
        covered.setdefault((line.id, line.field), []).append((line.offset, end))
    for (article, field), (text, spans) in marks.items():
        for s, e in spans:
            assert any(a <= s and e <= b for a, b in covered.get((article, field), ())), \
                (q, article, field, text[s:e])
    return lines


@pytest.mark.parametrize("q", ["russie", "grève", "état", '"gilets jaunes"', "gouvern*", "pezeshkian~", "titre:Poutine",
                               "gaz SAUF Poutine", "Pezechkain", "Europe xylophonique", "(iran OU maïs) -Poutine",
                               "œuvres", "oeuvre"])
def test_every_line_is_what_the_search_highlights_and_every_highlight_has_a_line(archive, q):
    assert assert_lines_are_the_highlights(archive, q)


@pytest.mark.parametrize("q", ["gouvernement", '"premier ministre"', "police OU gendarmes", "président ET France",
                               "élect*", "macrn~"])
def test_every_line_is_a_highlight_on_orangesum(orangesum, q):
    assert assert_lines_are_the_highlights(orangesum, q)


WORDS = ["gouvernement", "France", "président", "police", "ministre", "Paris", "élection", "euros", "voiture",
         "Macron", "santé", "école", "grève", "mairie", "football", "enquête"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
       st.sampled_from(["{}", '"{}"', "{}*", "{}~", "titre:{}", "{} OU {}"]))
def test_random_queries_every_line_is_a_highlight(orangesum, words, shape):
    q = " ".join(shape.format(w[:5] if shape == "{}*" else w, words[-1]) for w in words)
    assert_lines_are_the_highlights(orangesum, q)


def test_a_phrase_is_one_occurrence(archive):
    page = archive.concordance('"gilets jaunes"', width=5)
    assert [(line.id, line.field, line.left, line.match, line.right) for line in page.lines] == [
        ("sudouest-2019-11-30", "title", "la rocade bloquée par les", "Gilets jaunes", "")]
    assert (page.articles, page.total, page.has_next) == (1, 1, False)


def test_context_is_width_words_on_each_side(archive):
    lines = [line for line in archive.concordance("grève", width=5).lines if line.field == "body"]
    assert [(line.left, line.match, line.right) for line in lines] == [
        ("des retraites. Les cheminots, en", "grève", "depuis le 24 novembre, réclament")]
    for width in (1, 3, 8, 20):
        for line in archive.concordance_lines("russie", width=width):
            assert len(TOKEN_RE.findall(line.left)) <= width and len(TOKEN_RE.findall(line.right)) <= width
            assert line.left == "" or len(TOKEN_RE.findall(line.left)) == width or line.offset < 200


def test_lines_give_the_article(archive):
    line = archive.concordance("xylophone").lines[0]
    assert (line.id, line.title, line.source, line.url, line.field) == (
        "hostile-2024-01-01", "<script>alert('titre')</script> Un titre \"piégé\"", "Source <i>test</i>",
        "javascript:alert(1)", "body")
    assert str(line.date) == "2024-01-01"
    assert line.left.endswith("Le mot sentinelle est") and line.right == "."  # plain text: escaping is the caller's


def test_date_orders(archive):
    oldest = archive.concordance("russie OU grève", sort="date", per_page=100).lines
    newest = archive.concordance("russie OU grève", sort="-date", per_page=100).lines
    assert [line.date for line in oldest] == sorted(line.date for line in oldest)
    assert [line.date for line in newest] == sorted((line.date for line in newest), reverse=True)
    assert sorted((line.id, line.offset) for line in oldest) == sorted((line.id, line.offset) for line in newest)
    first = [line for line in oldest if line.id == "liberation-2024-03-14"]  # one article: title, lead, body, in order
    assert [line.field for line in first] == ["title", "lead", "body"]


def _first_word(text: str, last: bool = False) -> str:
    words = TOKEN_RE.findall(text)
    return fold(words[-1 if last else 0]).lower() if words else ""


@pytest.mark.parametrize("sort", ["left", "right"])
def test_left_and_right_orders(orangesum, sort):
    lines = orangesum.concordance("gouvernement", sort=sort, per_page=100).lines
    dated = orangesum.concordance("gouvernement", sort="date", per_page=100)
    keys = [_first_word(line.left, last=True) if sort == "left" else _first_word(line.right) for line in lines]
    assert keys == sorted(keys) and len(set(keys)) > 5
    everything = list(orangesum.concordance_lines("gouvernement", sort=sort))
    assert sorted((line.id, line.field, line.offset) for line in everything) == sorted(
        (line.id, line.field, line.offset) for line in orangesum.concordance_lines("gouvernement"))
    assert dated.articles == orangesum.search("gouvernement").total


@pytest.mark.parametrize("sort", ["date", "-date", "left", "right"])
def test_pages_cover_every_line_once(orangesum, sort):
    whole = [(line.id, line.field, line.offset) for line in orangesum.concordance_lines("police", sort=sort)]
    seen, page = [], 1
    while True:
        result = orangesum.concordance("police", sort=sort, page=page, per_page=7)
        seen += [(line.id, line.field, line.offset) for line in result.lines]
        assert result.first == (page - 1) * 7 + 1
        if not result.has_next:
            break
        page += 1
    assert seen == whole and len(whole) > 14
    assert result.total == len(whole)  # known once the last page is read
    past = orangesum.concordance("police", sort=sort, page=page + 3, per_page=7)
    assert past.lines == () and not past.has_next and past.total == len(whole)


def test_filters_are_those_of_the_search(orangesum):
    source = orangesum.search("gouvernement", facets=["source"]).facets["source"][0].value
    result = orangesum.concordance("gouvernement", source=source, date_from="2000-01-01", per_page=100)
    assert result.articles == orangesum.search("gouvernement", source=source, date_from="2000-01-01").total
    assert result.lines and {line.source for line in result.lines} == {source}


def test_nothing_to_mark_gives_no_line(archive):
    assert archive.concordance("").articles == 9
    for q in ("", "source:Libération", "date:2024", "zyxorbium"):
        result = archive.concordance(q)
        assert result.lines == () and result.total == 0 and not result.has_next


@pytest.mark.parametrize("kwargs, message", [
    ({"width": 0}, "Le contexte doit compter de 1 à 30 mots"),
    ({"width": 31}, "Le contexte doit compter de 1 à 30 mots"),
    ({"sort": "relevance"}, "Tri inconnu « relevance »"),
    ({"page": 0}, "Le numéro de page commence à 1."),
    ({"per_page": 501}, "Le nombre de lignes par page doit être compris entre 1 et 500."),
    ({"page": 2001, "per_page": 50}, "La concordance s'arrête à 100\u00a0000 lignes"),
    ({"date_from": "2024-13-01"}, "Date invalide pour date_from"),
])
def test_bad_parameters_are_french_query_errors(archive, kwargs, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        archive.concordance("russie", **kwargs)


def test_a_query_error_is_french(archive):
    with pytest.raises(QueryError, match="Date invalide « 2024-13 »"):
        archive.concordance("date:2024-13")


def test_past_the_bound(orangesum, monkeypatch):
    monkeypatch.setattr(kwic, "MAX_LINES", 10)
    with pytest.raises(TooLarge, match=r"plus de 10 occurrences : un export en contient au plus 10\. Affinez"):
        orangesum.concordance_lines("gouvernement")
    first = list(orangesum.concordance_lines("gouvernement", limit=10))
    page = orangesum.concordance("gouvernement", per_page=10)
    assert [(line.id, line.offset) for line in first] == [(line.id, line.offset) for line in page.lines]
    with pytest.raises(QueryError, match="entre 1 et 10"):
        orangesum.concordance_lines("gouvernement", limit=11)
    ordered = orangesum.concordance("gouvernement", sort="right", per_page=100)
    assert ordered.truncated and ordered.total == 10 and len(ordered.lines) == 10
    dated = orangesum.concordance("gouvernement", page=2, per_page=5)
    assert dated.truncated and not dated.has_next


def test_sorted_pages_follow_new_articles(tmp_path, monkeypatch):
    """The left/right orders are kept for the next pages, but not past a commit that changes the archive."""
    monkeypatch.setattr("presse.search.whoosh_engine.index.RECHECK_SECONDS", 0.0)  # see each commit at once
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    records = [json.loads(line) for line in ORANGESUM.read_text(encoding="utf-8").splitlines()[:30]]
    (corpus / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                    encoding="utf-8")
    update_index(index, [corpus])
    with Archive(index) as archive:
        before = archive.concordance("gouvernement", sort="right", per_page=100).total
        assert archive.concordance("gouvernement", sort="right", per_page=100).total == before
        extra = {"id": "ajout-1", "title": "Un ajout", "date": "2024-05-01", "source": "Test",
                 "body": "Le gouvernement zyxorbium a parlé. " * 3}
        (corpus / "b.jsonl").write_text(json.dumps(extra, ensure_ascii=False) + "\n", encoding="utf-8")
        update_index(index, [corpus])
        after = archive.concordance("gouvernement", sort="right", per_page=100)
        assert after.total == before + 3
        assert [line.right for line in after.lines if line.id == "ajout-1"] == [
            "zyxorbium a parlé. Le gouvernement zyxorbium a parlé."] * 2 + ["zyxorbium a parlé."]
