"""End-to-end tests in headless Chromium (Debian's /usr/bin/chromium) against a live waitress server.

Skipped when Chromium is missing, unless $CI is set: CI installs Chromium, so there it is a failure.
The ``browser`` and ``page`` fixtures are in this folder's conftest, shared by every browser test.
Deselect while iterating with ``pytest -m "not browser"``.
"""

from __future__ import annotations

import re

import pytest

from chromium import ARTIFACTS

pytestmark = pytest.mark.browser


def test_search_from_the_home_page(page):
    page.goto("/")
    box = page.get_by_label("Mots, expression entre guillemets, auteur…")
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus
    box.fill("Poutine")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/recherche\?q=Poutine$"))
    assert page.locator(".hit").count() == 2
    assert page.locator(".hit mark").first.inner_text() == "Poutine"
    assert re.match(r"2\s+résultats \(", page.locator(".summary").inner_text())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)


def test_click_a_facet_then_remove_it(page):
    page.goto("/recherche?q=russie")
    assert page.locator(".hit").count() == 3
    page.locator("#filtres").get_by_role("link", name=re.compile(r"^Libération")).click()
    page.wait_for_url(re.compile(r"source=Lib"))
    assert page.locator(".hit").count() == 1
    chip = page.get_by_role("link", name="Retirer le filtre Source : Libération")
    assert chip.inner_text().strip() == "× Libération"
    chip.click()
    page.wait_for_url(re.compile(r"/recherche\?q=russie$"))
    assert page.locator(".hit").count() == 3


def test_sort_select_and_date_range(page):
    page.goto("/recherche?q=russie")
    page.get_by_label("Trier par").select_option("date")  # presse.js submits the form at once
    page.wait_for_url(re.compile(r"sort=date"))
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates)
    page.get_by_label("Du").fill("2024-10-01")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"date_from=2024-10-01"))
    assert "sort=date" in page.url and "q=russie" in page.url
    assert page.locator(".hit").count() == 2


def test_paginate(page):
    page.goto("/recherche?q=russie&per_page=1")
    pagination = page.get_by_role("navigation", name="Pages de résultats")
    assert pagination.locator("[aria-current=page]").text_content().strip() == "Page 1"
    first = page.locator(".hit-title").inner_text()
    pagination.get_by_role("link", name="Suivant").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".hit-title").inner_text() != first
    assert pagination.locator("[aria-current=page]").text_content().strip() == "Page 2"
    pagination.get_by_role("link", name="Page 3").click()
    page.wait_for_url(re.compile(r"page=3"))
    assert pagination.get_by_role("link", name="Suivant").count() == 0
    pagination.get_by_role("link", name="Précédent").click()
    page.wait_for_url(re.compile(r"page=2"))


def test_open_an_article_with_highlights(page):
    page.goto("/recherche?q=grève")
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/article/lemonde-1995-12-05\?q="))
    assert page.locator("h1 mark").inner_text() == "grève"
    assert page.locator(".article-body mark").count() >= 1
    assert page.get_by_role("link", name="Lire l'article original").get_attribute("href").startswith("https://")
    page.get_by_role("link", name=re.compile("Retour aux résultats")).click()
    page.wait_for_url(re.compile(r"/recherche\?q=gr"))


def test_follow_the_suggestion(page):
    page.goto("/recherche?q=Pezechkain")
    assert "Aucun article ne contient « Pezechkain »" in page.locator(".suggestion").first.inner_text()
    page.locator(".suggestion").get_by_role("link", name="pezechkian").click()
    page.wait_for_url(re.compile(r"q=pezechkian$"))
    assert page.locator(".hit").count() >= 1
    assert page.locator(".hit mark").first.inner_text().lower() == "pezechkian"


def test_hostile_article_runs_no_script(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/recherche?q=xylophone", "/article/hostile-2024-01-01?q=xylophone", "/recherche?year=2024"):
        page.goto(path)
        page.locator("text=xylophone").or_(page.locator(".hit")).first.hover()
    assert dialogs == []
    assert page.locator("script:not([src])").count() == 0


@pytest.mark.parametrize("path", ["/", "/recherche?q=russie&source=Le+Figaro&date_from=2024-01-01",
                                  "/article/000_903b3f1d0023df44?q=Poutine", "/aide", "/a-propos",
                                  "/recherche?q=Pezechkain", "/recherche?q=date:2024-13"])
def test_no_horizontal_scroll_at_360_px(page, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width} px wide"


def test_keyboard_skip_link_and_visible_focus(page):
    page.goto("/recherche?q=russie")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    assert skip.bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
