"""Queries as journalists type them, on real OrangeSum articles (seeds/orangesum-demo-2000.jsonl):
pasted headlines and paragraphs in quotes (issue 16.2), queries made only of stop words (16.3).

The index holds the file's first 600 articles and every article whose title has 17 words or more.
What should match is computed from the articles' text with the index's own exact-form analyzer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presse.indexer.analysis import TOKEN_RE, french_exact_analyzer, tokens
from presse.indexer.build import update_index
from presse.search import Archive

ORANGESUM = Path(__file__).resolve().parent.parent / "seeds" / "orangesum-demo-2000.jsonl"
LONG_TITLE_WORDS = 17


def _records() -> list[dict]:
    rows = [json.loads(line) for line in ORANGESUM.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = rows[:600] + [r for r in rows[600:] if len(TOKEN_RE.findall(r["title"])) >= LONG_TITLE_WORDS]
    return chosen


RECORDS = _records()
LONG_TITLES = [(r["id"], r["title"]) for r in RECORDS if len(TOKEN_RE.findall(r["title"])) >= LONG_TITLE_WORDS]


@pytest.fixture(scope="module")
def orangesum(tmp_path_factory) -> Archive:
    corpus = tmp_path_factory.mktemp("orangesum")
    with open(corpus / "orangesum.jsonl", "w", encoding="utf-8") as f:
        for record in RECORDS:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    index = tmp_path_factory.mktemp("orangesum-index")
    update_index(index, [corpus])
    with Archive(index) as archive:
        yield archive


def _quoted(text: str) -> str:
    """``text`` in quotes as a user pastes it: "…", or «…» when the text has quotes of its own."""
    return f"«{text}»" if '"' in text else f'"{text}"'


# --------------------------------------------------------------------------- pasted headlines

def test_there_are_long_titles_to_paste():
    assert len(LONG_TITLES) >= 60
    assert max(len(TOKEN_RE.findall(title)) for _, title in LONG_TITLES) >= 25


@pytest.mark.parametrize("article_id, title", LONG_TITLES, ids=[i for i, _ in LONG_TITLES])
def test_a_pasted_headline_in_quotes_finds_its_article_first(orangesum, article_id, title):
    # Issue 16.2: « Expression entre guillemets trop longue (au plus 16 mots) » for all of these.
    page = orangesum.search(_quoted(title))
    assert page.hits and page.hits[0].id == article_id
    assert "<mark>" in page.hits[0].title_html


def test_the_issue_s_headline(orangesum):
    page = orangesum.search('"Le mois de juillet 2019 a été le mois le plus chaud jamais mesuré dans le monde"')
    assert [h.id for h in page.hits] == ["orangesum-14354"]


def test_a_pasted_paragraph_in_quotes_finds_its_article(orangesum):
    # A whole paragraph, as long as the size limit allows: quotes inside are no words, drop them.
    record = next(r for r in RECORDS if len(r["body"]) > 2500)
    passage = record["body"][:1900].rsplit(" ", 1)[0].replace('"', " ")
    assert len(TOKEN_RE.findall(passage)) > 250
    page = orangesum.search(f'"{passage}"')
    assert [h.id for h in page.hits] == [record["id"]]
    # Its words in another order are no phrase.
    words = passage.split()
    assert orangesum.search('"' + " ".join(words[1:] + words[:1]) + '"').total == 0


def test_a_headline_with_a_word_left_out_needs_proximity(orangesum):
    shorter = "Le mois de juillet 2019 a été le mois le plus chaud mesuré dans le monde"  # no "jamais"
    assert orangesum.search(f'"{shorter}"').total == 0
    assert [h.id for h in orangesum.search(f'"{shorter}"~2').hits] == ["orangesum-14354"]


# -------------------------------------------------------------------------- stop words only

def _with_words(*words: str) -> dict[str, bool]:
    """Article id → whether its title, lead or body has each of ``words`` (exact forms), as a set."""
    analyzer = french_exact_analyzer()
    found = {}
    for r in RECORDS:
        text = "\n".join(str(r.get(k) or "") for k in ("title", "lead", "body"))
        found[r["id"]] = set(tokens(text, analyzer)) & set(words)
    return found


def test_stop_words_alone_are_searched_as_words_with_their_operators(orangesum):
    # Issue 16.3: "le ET de" found nothing (read as the phrase "le de"); "le de" fell back to the
    # relaxed OR. They find the articles with both words.
    has = _with_words("le", "de", "la", "du")
    both = sum({"le", "de"} <= words for words in has.values())
    either = sum(bool({"le", "la"} & words) for words in has.values())
    le_not_du = sum("le" in words and "du" not in words for words in has.values())
    assert 0 < le_not_du and both < len(RECORDS)
    for q in ("le ET de", "le de", "le AND de"):
        page = orangesum.search(q)
        assert (page.total, page.relaxed) == (both, False), q
    assert orangesum.search("le OU la").total == either
    assert orangesum.search("le SAUF du").total == orangesum.search("le -du").total == le_not_du
