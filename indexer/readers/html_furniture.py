"""Page furniture in HTML: the elements around an article that are not its text.

Consent and cookie banners, share buttons, newsletter and subscription boxes, related articles,
comments, ads, breadcrumbs and sidebars, named by a word of an element's class, id or aria-label,
or by an ARIA role. ``html_page`` drops their text unless they hold the ``<h1>``, the ``<main>``
or most of the page's text (``FURNITURE_MAX_SHARE``).
"""

from __future__ import annotations

import functools
import re

from unidecode import unidecode

# Page furniture around an article, named by a word of an element's class or id, or of its
# aria-label: consent and cookie banners, share and social buttons, newsletter and subscription
# boxes, related articles, comments, ads, breadcrumbs and sidebars. Words, not substrings: "ad"
# marks "ad-slot", never "header"; "pub" (publicité, but also pub-date) and "cmp" (consent platform,
# but also the "cmp-text" components holding article paragraphs) are not among them.
_FURNITURE_WORDS = frozenset("""
    cookie cookies consent consentement gdpr rgpd didomi onetrust tarteaucitron axeptio cookiebot
    share shares sharing sharebar partage partager partages social socials sociaux addthis sharethis
    newsletter newsletters subscribe subscription abonnement abonnements
    related relatedposts lireaussi alire voiraussi readalso seealso recommended recommandations
    comment comments commentaire commentaires disqus
    ad ads adsbygoogle advert adverts advertisement advertising publicite publicites sponsor sponsored
    outbrain taboola dfp
    breadcrumb breadcrumbs sidebar
""".split())
# ARIA landmarks equivalent to the elements dropped already (nav, aside, footer, header, form),
# and dialogs (consent and login pop-ups).
_FURNITURE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "search", "dialog",
                              "alertdialog"})
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article", "h1"})
FURNITURE_MAX_SHARE = 0.5  # of the page's visible text: a furniture element holding more is kept
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")


def is_furniture(tag: str, attrs: dict[str, str]) -> bool:
    """True for an element that its class, id, role or aria-label mark as page furniture."""
    if tag in _NEVER_FURNITURE:
        return False
    role = attrs.get("role")
    if role and role.strip().lower() in _FURNITURE_ROLES:
        return True
    return any(_names_furniture(value) for value in (attrs.get("class"), attrs.get("id"), attrs.get("aria-label"))
               if value)


@functools.lru_cache(maxsize=8192)
def _names_furniture(value: str) -> bool:
    """True when a word of a class list, an id or a label is one of ``_FURNITURE_WORDS``."""
    if not value.isascii():
        value = unidecode(value)
    for token in value.split():
        words = _WORD_SPLIT_RE.split(_CAMEL_RE.sub("-", token).lower())  # shareButtons → share, buttons
        if any(w in _FURNITURE_WORDS for w in words) or "".join(words) in _FURNITURE_WORDS:
            return True
    return False

