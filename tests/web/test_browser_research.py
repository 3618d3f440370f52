"""The research views in headless Chromium against a live server: concordance, exports, feeds, citations.

Uses the fixtures of ``test_browser`` (Debian's Chromium, skipped without it unless $CI is set) and
saves a screenshot of each view under ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import bibtexparser
import feedparser
import pytest

from chromium import ARTIFACTS

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_concordance_sorted_by_the_word_on_the_right(page):
    page.goto("/concordance?q=russie")
    rows = page.locator("table.kwic tbody tr")
    assert rows.count() == 19
    assert page.locator("table.kwic td.kwic-match mark").all_inner_texts()[:2] == ["Russie", "russes"]
    page.get_by_label("Trier par").select_option("right")  # presse.js submits the form
    page.wait_for_url(re.compile(r"sort=right"))
    rights = page.locator("table.kwic td.kwic-right").all_inner_texts()
    firsts = [r.split()[0].strip(",.").lower() if r.split() else "" for r in rights]
    assert firsts[0] == "" and firsts.index("au-delà") < firsts.index("sont")  # "" (a title's end) first
    shot(page, "concordance.png")
    page.locator("table.kwic td.kwic-match a").first.click()
    page.wait_for_url(re.compile(r"/article/liberation-2024-03-14\?q=russie$"))


def test_results_page_follows_exports_and_cites_the_search(page):
    page.goto("/recherche?q=russie&sort=-date")
    follow = page.get_by_role("link", name="Suivre cette recherche")
    assert follow.is_visible()
    alternate = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert follow.get_attribute("href") == alternate
    feed = feedparser.parse(page.request.get(alternate).body())
    assert not feed.bozo and len(feed.entries) == 3
    shot(page, "results-research-tools.png")

    with page.expect_download() as download:
        page.locator(".research-tools").get_by_role("link", name="CSV").click()
    assert re.fullmatch(r"presse-export-russie-\d{8}\.csv", download.value.suggested_filename)
    text = open(download.value.path(), encoding="utf-8-sig").read()
    ids = [row["id"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert ids == ["000_903b3f1d0023df44", "lefigaro-2024-10-11", "liberation-2024-03-14"]  # newest first

    page.get_by_role("link", name="Citer cette recherche").click()
    page.wait_for_url(re.compile(r"/recherche/citer\?"))
    assert page.locator(".cite-facts").inner_text().count("3\u00a0articles") == 1
    assert "archive.search('russie', sort='-date')" in page.locator("pre.snippet-code").inner_text()
    shot(page, "cite-search.png")
    page.locator(".permalink a").click()
    page.wait_for_url(re.compile(r"/recherche\?"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["russie"], "sort": ["-date"]}


def test_article_page_cites_itself(page):
    page.goto("/article/lemonde-1995-12-05")
    assert page.locator('meta[name="citation_journal_title"]').get_attribute("content") == "Le Monde"
    assert page.locator('meta[name="citation_publication_date"]').get_attribute("content") == "1995/12/05"
    citation = page.locator("section.cite .citation")
    assert citation.inner_text().startswith("Jean Dupont, «\u00a0L'État face à la grève")
    assert citation.locator("cite").inner_text() == "Le Monde"
    with page.expect_download() as download:
        page.locator("section.cite").get_by_role("link", name="BibTeX").click()
    entry = bibtexparser.parse_string(open(download.value.path(), encoding="utf-8").read()).entries[0]
    assert (entry.entry_type, entry.fields_dict["journal"].value, entry.fields_dict["year"].value) == (
        "article", "Le Monde", "1995")
    page.locator("section.cite").scroll_into_view_if_needed()
    shot(page, "article-cite.png")
