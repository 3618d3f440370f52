"""The article a result links to marks what the search matched, even after a respelling (issue 16.5).

``/recherche?q=Pezechkain`` finds nothing as typed and shows the results for « pezechkian »; the
result's link keeps the query as typed (``/article/…?q=Pezechkain``), and the article page marks
the respelled word, as the result's snippet did.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

SEED_ID = "000_903b3f1d0023df44"


def result_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<h2 class="hit-title"><a href="(/article/[^"]+)"', html)]


def marks(html: str) -> set[str]:
    return {unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", html, re.S)}


@pytest.mark.parametrize("q, word", [("Pezechkain", "Pezechkian"), ("pezeshkian~", "Pezechkian"),
                                     ("Turkmenistn", "Turkménistan")])
def test_the_result_link_opens_the_article_with_the_matched_words_marked(client, q, word):
    results = client.get("/recherche", query_string={"q": q})
    html = results.get_data(as_text=True)
    assert results.status_code == 200
    links = result_links(html)
    assert links, html
    seed = next(link for link in links if urlsplit(link).path == f"/article/{SEED_ID}")
    assert parse_qs(urlsplit(seed).query)["q"] == [q]
    assert word in marks(html)  # the snippet marks it…

    article = client.get(seed)
    assert article.status_code == 200
    assert word in marks(article.get_data(as_text=True))  # …and so does the article it links to
