"""Results over time in headless Chromium against a live server: click a bar and see the results
narrowed, select a range (drag, or two clicks), switch to shares, and draw the trends page.
Screenshots go to test-artifacts/ (timeline.png, timeline-range.png, trends.png)."""

from __future__ import annotations

import re

import pytest

from chromium import ARTIFACTS

pytestmark = pytest.mark.browser


def _bar(page, label: str):
    """The link of the histogram's bar whose accessible name starts with ``label``."""
    return page.locator(f'.tl-svg a[aria-label^="{label} :"]')


def test_click_a_bar_and_see_the_results_narrowed(page):
    page.goto("/recherche?q=russie")
    assert page.locator(".hit").count() == 3
    chart = page.locator(".tl-svg")
    assert chart.is_visible() and page.locator(".tl-svg .tl-bar").count() == 8
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)
    _bar(page, "octobre 2024").click()
    page.wait_for_url(re.compile(r"date_from=2024-10-01&date_to=2024-10-31"))
    assert page.locator(".hit").count() == 2
    assert re.match(r"2\s+résultats", page.locator(".summary").inner_text())
    assert page.locator(".timeline-period strong").inner_text() == "octobre 2024"
    assert page.locator(".tl-svg .tl-bar").count() > 10  # now one bar a day
    page.get_by_role("link", name="Retirer la période octobre 2024").click()
    page.wait_for_url(re.compile(r"/recherche\?q=russie$"))
    assert page.locator(".hit").count() == 3


def test_drag_across_bars_narrows_to_the_range(page):
    page.goto("/recherche?q=russie")
    first = _bar(page, "mars 2024").bounding_box()
    last = page.locator('.tl-bar[data-from="2024-06-01"]').bounding_box()
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2, steps=8)
    assert page.locator(".tl-bar.tl-selected").count() == 4  # March to June, shown while dragging
    page.screenshot(path=str(ARTIFACTS / "timeline-range.png"))
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_from=2024-03-01&date_to=2024-06-30"))
    assert page.locator(".hit").count() == 1
    assert page.locator(".timeline-period strong").inner_text() == "du 1er mars 2024 au 30 juin 2024"


def test_two_clicks_select_a_range(page):
    page.goto("/recherche?q=russie")
    page.get_by_role("button", name="Choisir une plage").click()
    _bar(page, "mars 2024").click()
    assert "Début : mars 2024" in page.locator(".timeline-tools [role=status]").inner_text()
    assert page.url.endswith("/recherche?q=russie")  # the first click chose, it did not navigate
    _bar(page, "octobre 2024").click()
    page.wait_for_url(re.compile(r"date_from=2024-03-01&date_to=2024-10-31"))
    assert page.locator(".hit").count() == 3


def test_shares_of_the_period_instead_of_counts(page):
    page.goto("/recherche?q=russie")
    count_bar = page.locator('.tl-bar[data-from="2024-10-01"] rect.tl-count')
    share_bar = page.locator('.tl-bar[data-from="2024-10-01"] rect.tl-share')
    assert count_bar.is_visible() and not share_bar.is_visible()
    page.get_by_label("Part des articles de la période").check()
    assert share_bar.is_visible() and not count_bar.is_visible()
    page.get_by_text("Voir les chiffres en tableau").first.click()
    row = page.locator(".timeline-table tr", has_text="octobre 2024")
    assert row.locator("td").all_inner_texts() == ["2", "2", "100,0\u00a0%"]


def test_the_trends_page_draws(page):
    page.goto("/tendances")
    page.get_by_label("Recherche 1").fill("russie")
    page.get_by_label("Recherche 2").fill("pétrole")
    page.get_by_label("Recherche 3").fill('"porte-avions"')
    page.get_by_label("nombre d'articles").check()
    page.get_by_role("button", name="Comparer").click()
    page.wait_for_url(re.compile(r"/tendances\?q=russie&q=p%C3%A9trole"))
    lines = page.locator(".tr-svg .tr-line path")
    assert lines.count() == 3
    assert all(d.startswith("M") for d in lines.evaluate_all("els => els.map(e => e.getAttribute('d'))"))
    assert page.locator(".tr-svg").bounding_box()["height"] > 150
    page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
    # The PNG download is drawn from the SVG export through a canvas.
    with page.expect_download() as download:
        page.get_by_role("button", name="l'image (PNG)").click()
    path = download.value.path()
    assert download.value.suggested_filename == "tendances.png"
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    # A point leads to the search for that query in that period.
    page.locator('.tr-svg a[aria-label^="« russie », octobre 2024"]').click()
    page.wait_for_url(re.compile(r"/recherche\?q=russie&date_from=2024-10-01&date_to=2024-10-31"))
    assert page.locator(".hit").count() == 2


def test_bars_work_from_the_keyboard(page):
    page.goto("/recherche?q=russie")
    bar = _bar(page, "mars 2024")
    bar.focus()
    assert bar.evaluate("e => e === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"date_from=2024-03-01&date_to=2024-03-31"))
    assert page.locator(".hit").count() == 1


@pytest.mark.parametrize("path", ["/tendances", "/tendances?q=russie&q=p%C3%A9trole&q=gr%C3%A8ve&interval=month",
                                  "/recherche?q=russie&date_from=2024-10-01&date_to=2024-10-31"])
def test_no_horizontal_scroll_at_360_px(page, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width} px wide"
