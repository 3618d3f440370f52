"""Page chrome: the lines of a scraped page that are not article text, in text files and HTML bodies.

Top/bottom-of-page links, share buttons, comment and subscription prompts, cookie consent
buttons, reading times, "Lire aussi : …" links to other articles.
"""

from __future__ import annotations

import re

# Lines of page chrome, in scraped text files and in HTML bodies (compared lowercased, ’ read as ').
CHROME_LINES = {
    "top of page", "bottom of page", "haut de page", "bas de page", "retour en haut",
    "retour en haut de page", "skip to content", "aller au contenu", "passer au contenu",
    # share buttons, comment and subscription prompts, consent buttons
    "partager", "partager :", "partager cet article", "partager l'article", "partager sur :", "partagez",
    "tweeter", "imprimer", "envoyer par e-mail", "envoyer par email", "commentaires", "réagir",
    "s'abonner", "abonnez-vous", "je m'abonne", "newsletter", "newsletters", "tout accepter", "tout refuser",
    "accepter et fermer", "continuer sans accepter", "gérer les cookies", "paramétrer les cookies",
}
_PLATFORMS = r"(?:facebook|twitter|x|linkedin|whatsapp|messenger|e-?mail|mail|instagram|pinterest|flipboard|bluesky)"
CHROME_RES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"^vid[ée]o associ[ée]e\s*:",
    r"^\d+\s*min(?:utes?)?\s+(?:de\s+lecture|read)$",
    r"^temps de lecture\s*:?\s*\d+\s*min(?:utes?)?$",
    # "Partager sur Facebook", "Partager : Facebook Twitter" (nothing else on the line)
    rf"^partag(?:er|ez)\s*(?:sur|via|par)?\s*:?\s*{_PLATFORMS}(?:\s*[|/,•·-]?\s*{_PLATFORMS})*\s*$",
    # "À lire aussi : …", "LIRE AUSSI SUR …", "Sur le même sujet" (links to other articles)
    r"^(?:(?:[àa]\s+)?lire\s+(?:aussi|également|egalement)|voir\s+aussi|sur\s+le\s+m[êe]me\s+(?:sujet|th[èe]me))"
    r"\b.{0,300}$",
    r"^\d[\d\s]*\s+commentaires?$",
    r"^(?:[ée]crire|ajouter|poster|publier|laisser)\s+un\s+(?:nouveau\s+)?commentaire\s*(?:[:.!…]|\(.{0,40}\))?$",
    # "Inscrivez-vous à notre newsletter", "Recevez gratuitement notre newsletter"
    r"^(?:inscrivez-vous|abonnez-vous|inscription|recevez|s'inscrire)\b.{0,80}\bnewsletters?\b.{0,80}$",
    # "Nous utilisons des cookies…", "Accepter tous les cookies"
    r"^(?:nous|ce\s+site(?:\s+web)?|notre\s+site|\S+\s+et\s+ses\s+partenaires)\s+(?:utilis|d[ée]pos)\w*\s+des"
    r"\s+cookies\b.{0,400}$",
    r"^(?:accepter|refuser)\s+(?:tous\s+les\s+|les\s+)?cookies$",
))


def is_chrome(line: str) -> bool:
    """True for a line of page chrome (see ``CHROME_LINES``, ``CHROME_RES``): not article text."""
    line = line.replace("’", "'")
    return line.lower() in CHROME_LINES or any(r.match(line) for r in CHROME_RES)
