"""HTML pages lose their furniture: consent banners, share buttons, newsletter boxes, related
articles, comments, ads (issue 16, item 4, last point).

The pages are written for these tests after the markup of French news sites (a national daily
with a Didomi consent pop-up, "Lire aussi" links and a comment section; a regional site without
<article>, with a OneTrust banner and camelCase classes). The rules and what they were measured
against are described in ``indexer.readers`` (``html_furniture._FURNITURE_WORDS``, ``chrome.CHROME_RES``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from presse.indexer.article import Article
from presse.indexer.readers import read_file

PARAGRAPHS = [
    "Météo-France a placé jeudi quatorze départements du sud de la France en vigilance rouge canicule, "
    "une première depuis la création du dispositif en 2004.",
    "Dans le Gard et l’Hérault, les températures pourraient dépasser 45 °C vendredi après-midi.",
    "Des records attendus vendredi",
    "Les préfectures ont interdit les rassemblements en plein air et avancé la fin des cours dans les écoles.",
    "Partager sur Facebook une photo de son enfant en maillot expose à des poursuites, rappelle la gendarmerie.",
]

NATIONAL = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Canicule : quatorze départements en vigilance rouge – Le Quotidien</title>
<meta property="og:title" content="Canicule : quatorze départements en vigilance rouge">
<meta property="og:site_name" content="Le Quotidien">
<meta property="article:published_time" content="2019-06-27T10:12:00+02:00">
</head><body>
<div id="didomi-host"><div class="didomi-popup-container" role="dialog" aria-label="Vos choix en matière de cookies">
  <p>Nous utilisons des cookies pour mesurer l’audience et vous proposer des publicités personnalisées.</p>
  <button>Accepter tous les cookies</button> <button>Continuer sans accepter</button></div></div>
<header class="site-header"><nav><a href="/">Accueil</a><a href="/planete">Planète</a></nav></header>
<main><article class="article article--content">
  <header class="article__header"><h1 class="article__title">Canicule : quatorze départements en vigilance rouge</h1>
  <p class="meta__author">Par <span class="author">Jeanne Martin</span></p></header>
  <ul class="meta__social share-bar" aria-label="Partager l’article">
    <li><a href="https://www.facebook.com/sharer">Facebook</a></li><li><a href="https://twitter.com/intent">Twitter</a></li>
    <li><a href="mailto:">Envoyer par e-mail</a></li></ul>
  <section class="article__content">
    <p class="article__paragraph">{PARAGRAPHS[0]}</p>
    <p class="article__siblings">Lire aussi <a href="/planete/conseils">Comment se protéger de la chaleur</a></p>
    <p class="article__paragraph">{PARAGRAPHS[1]}</p>
    <div class="dfp-slot ad ad--inread" id="inread_top"><span class="ad__label">Publicité</span></div>
    <h2 class="article__sub-title">{PARAGRAPHS[2]}</h2>
    <p class="article__paragraph">{PARAGRAPHS[3]}</p>
    <div class="inline-newsletter"><p class="title">La Matinale</p>
      <p>Chaque matin, l’essentiel de l’actualité dans votre boîte aux lettres.</p><a href="/newsletters">Je m’inscris</a></div>
    <p class="article__paragraph">{PARAGRAPHS[4]}</p>
  </section>
  <section class="related-articles"><h3>Sur le même sujet</h3><ul>
    <li><a href="/planete/secheresse">Sécheresse : soixante départements en alerte</a></li>
    <li><a href="/planete/records">Les records de chaleur de 2003 menacés</a></li></ul></section>
  <section id="comments" class="comments"><h3>12 commentaires</h3>
    <div class="comment"><p class="comment__author">Jean-Pierre</p><p>Il faisait déjà aussi chaud en 1976, il faut relativiser.</p></div>
    <div class="comment"><p class="comment__author">Sylvie</p><p>Pensez aux personnes âgées de votre immeuble.</p></div></section>
</article></main>
<div class="OUTBRAIN" data-widget-id="AR_1"><p>Ces célébrités qui ont tout quitté pour vivre à la campagne</p></div>
<footer><p>© Le Quotidien</p></footer>
</body></html>"""


REGIONAL = f"""<html><head><meta charset="utf-8"><title>Canicule dans le Gard</title></head><body>
<div id="onetrust-banner-sdk"><div id="onetrust-policy-text">Avec votre accord, nos partenaires et nous utilisons des
 cookies ou technologies similaires.</div><button id="onetrust-accept-btn-handler">Tout accepter</button></div>
<div class="tarteaucitronAlertBig">Ce site utilise des cookies et vous donne le contrôle sur ce que vous souhaitez activer</div>
<div class="breadcrumb"><a href="/">Accueil</a> › <a href="/gard">Gard</a></div>
<div class="article-body">
  <h1>Canicule dans le Gard</h1>
  <div class="sharingButtons"><a>Partager</a><a>Tweeter</a><a>WhatsApp</a></div>
  <p>{PARAGRAPHS[0]}</p>
  <p><strong>À lire aussi :</strong> <a href="/gard/eau">Restrictions d’eau dans tout le département</a></p>
  <p>{PARAGRAPHS[1]}</p>
  <h2>{PARAGRAPHS[2]}</h2>
  <p>{PARAGRAPHS[3]}</p>
  <div class="newsletterBox"><h3>Newsletter Gard</h3><p>Inscrivez-vous à notre newsletter pour recevoir l’actualité de votre ville.</p></div>
  <p>{PARAGRAPHS[4]}</p>
  <div class="c-related"><a>Nîmes : la feria reportée</a></div>
</div>
<div id="disqus_thread"><p>Réagissez à cet article</p></div>
</body></html>"""


def body(tmp_path: Path, html: str, name: str = "page.html") -> Article:
    p = tmp_path / name
    p.write_text(html, encoding="utf-8")
    (a,) = list(read_file(p, tmp_path))
    assert isinstance(a, Article), a
    return a


def test_a_national_daily_page_keeps_the_article_and_nothing_around_it(tmp_path):
    a = body(tmp_path, NATIONAL)
    assert a.body == "\n".join(PARAGRAPHS)
    assert a.title == "Canicule : quatorze départements en vigilance rouge"
    assert a.author == "Jeanne Martin" and a.date == dt.date(2019, 6, 27) and a.source == "Le Quotidien"


def test_a_regional_page_without_article_element_keeps_the_article_only(tmp_path):
    assert body(tmp_path, REGIONAL).body == "\n".join(PARAGRAPHS)


@pytest.mark.parametrize("furniture", [
    '<div class="cookie-banner"><p>Ce site utilise des cookies.</p></div>',
    '<div id="cmpbox" role="alertdialog"><p>Votre vie privée nous importe.</p></div>',
    '<div class="social-share"><p>Partagez cet article avec vos proches</p></div>',
    '<div aria-label="Partager"><p>Copier le lien</p></div>',
    '<div class="newsletter-signup"><p>La lettre du matin, chaque jour à 7 heures</p></div>',
    '<div class="relatedPosts"><p>Les autres articles du dossier</p></div>',
    '<p class="lire-aussi">Notre dossier spécial sur la chaleur</p>',
    '<div class="commentaires"><p>Très bon article, merci.</p></div>',
    '<div class="adsbygoogle"><p>Offre spéciale forfait mobile</p></div>',
    '<div class="taboola-feed"><p>Ces stars méconnaissables</p></div>',
    '<div role="navigation"><p>Rubriques de la rédaction</p></div>',
])
def test_each_kind_of_furniture_is_dropped(tmp_path, furniture):
    page = f"<html><body><article><h1>Titre</h1><p>{PARAGRAPHS[0]}</p>{furniture}<p>{PARAGRAPHS[1]}</p></article></body></html>"
    assert body(tmp_path, page).body == "\n".join(PARAGRAPHS[:2])


@pytest.mark.parametrize("line", [
    "Partager sur Facebook", "Partager : Facebook Twitter", "Lire aussi : la sécheresse s’étend",
    "LIRE AUSSI SUR LE QUOTIDIEN", "Sur le même sujet", "12 commentaires", "Écrire un commentaire",
    "Inscrivez-vous à notre newsletter", "Nous utilisons des cookies pour mesurer l’audience.",
    "Accepter tous les cookies", "S’abonner",
])
def test_chrome_lines_are_dropped_from_html_and_text_pages(tmp_path, line):
    page = f"<html><body><article><h1>Titre</h1><p>{PARAGRAPHS[0]}</p><p>{line}</p><p>{PARAGRAPHS[1]}</p></article></body></html>"
    assert body(tmp_path, page).body == "\n".join(PARAGRAPHS[:2])
    text = tmp_path / "page.txt"
    text.write_text(f"Titre\n\n{PARAGRAPHS[0]}\n{line}\n{PARAGRAPHS[1]}\n", encoding="utf-8")
    (a,) = list(read_file(text, tmp_path))
    assert a.body == "\n".join(PARAGRAPHS[:2])


@pytest.mark.parametrize("sentence", [
    "Partager sur Facebook une photo de son enfant expose à des poursuites.",
    "Laisser un commentaire désobligeant sur Twitter lui a coûté son poste.",
    "Les cookies de Noël sont prêts : la boulangerie en a vendu trois cents.",
    "Le partage de l’eau divise les agriculteurs du Gard.",
])
def test_sentences_about_sharing_comments_or_cookies_stay(tmp_path, sentence):
    page = f"<html><body><article><h1>Titre</h1><p>{sentence}</p><p>{PARAGRAPHS[1]}</p></article></body></html>"
    assert body(tmp_path, page).body == f"{sentence}\n{PARAGRAPHS[1]}"


def _long_text(n: int = 6) -> str:
    return "".join(f"<p>{p}</p>" for p in (PARAGRAPHS * n))


def test_an_element_named_share_holding_the_whole_text_is_the_article(tmp_path):
    # France Culture wraps the article in <div class="share-zone">: more than half the page's text.
    page = f'<html><body><nav>Menu</nav><div class="share-zone"><h1>Titre</h1>{_long_text()}</div></body></html>'
    assert body(tmp_path, page).body == "\n".join(PARAGRAPHS * 6)


def test_a_live_report_in_a_comments_element_is_kept(tmp_path):
    # sports.fr puts a live match report in <div class="live-match-comments">.
    page = (f'<html><body><h1>Lorient - Lyon</h1><div class="score">1 - 0</div>'
            f'<div class="live-match-comments">{_long_text()}</div></body></html>')
    assert "\n".join(PARAGRAPHS * 6) in body(tmp_path, page).body


def test_a_furniture_element_left_open_loses_nothing(tmp_path):
    page = f'<html><body><article><h1>Titre</h1><p>{PARAGRAPHS[0]}</p><div class="share"><div><p>{PARAGRAPHS[1]}</p></article>'
    assert body(tmp_path, page).body == "\n".join(PARAGRAPHS[:2])


def test_a_furniture_element_holding_the_title_is_not_furniture(tmp_path):
    page = f'<html><body><div class="social-wrapper"><h1>Titre</h1><p>{PARAGRAPHS[0]}</p></div>{_long_text(1)}</body></html>'
    a = body(tmp_path, page)
    assert a.title == "Titre" and a.body.startswith(PARAGRAPHS[0])


def test_an_open_paragraph_of_furniture_ends_at_the_next_block(tmp_path):
    page = f'<html><body><article><h1>T</h1><p class="lire-aussi">Notre dossier<p>{PARAGRAPHS[0]}<p>{PARAGRAPHS[1]}</article></body></html>'
    assert body(tmp_path, page).body == "\n".join(PARAGRAPHS[:2])


def test_words_not_substrings_and_the_article_element_is_never_furniture(tmp_path):
    # WordPress puts the post's categories and tags on <article>; "header", "pub-date", "cmp-text" are no furniture.
    page = (f'<html><body><article class="post category-social-media tag-newsletter"><h1>T</h1>'
            f'<div class="entry-header"><time class="pub-date" datetime="2019-06-27">27 juin 2019</time></div>'
            f'<div class="cmp-text"><p>{PARAGRAPHS[0]}</p></div><div class="cmp-text"><p>{PARAGRAPHS[1]}</p></div>'
            f'</article></body></html>')
    a = body(tmp_path, page)
    assert a.body == "27 juin 2019\n" + "\n".join(PARAGRAPHS[:2])
    assert a.date == dt.date(2019, 6, 27)


def test_a_comment_s_author_and_date_are_not_the_article_s(tmp_path):
    page = (f'<html><body><article><h1>T</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>'
            f'<div class="comments"><p class="author">Jean-Pierre</p><time datetime="2021-01-05">5 janvier 2021</time>'
            f'<p>Bravo.</p></div></article></body></html>')
    a = body(tmp_path, page)
    assert (a.author, a.date) == (None, None)
