"""The query language at parser level: ``search.syntax.parse`` turns a string into a small tree.

Every string parses: what cannot be read degrades to plain words. ``QueryError`` (a French message)
is raised only for what has no sensible reading: ``*`` alone, a leading wildcard, an invalid date,
a query too long or too deep.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.indexer.analysis import TOKEN_RE
from presse.search.syntax import (
    MAX_CLAUSES,
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_SLOP,
    And,
    DateSpan,
    Fuzzy,
    Not,
    Or,
    Pattern,
    Phrase,
    QueryError,
    Word,
    parse,
)

D = dt.datetime


def W(text, field=None):
    return Word(text, field)


# ----------------------------------------------------------------------------- constructs

@pytest.mark.parametrize("q, tree", [
    ("gaz", W("gaz")),
    ("pétrole gaz", And((W("pétrole"), W("gaz")))),
    ("pétrole ET gaz", And((W("pétrole"), W("gaz")))),
    ("pétrole AND gaz", And((W("pétrole"), W("gaz")))),
    ("pétrole OU gaz", Or((W("pétrole"), W("gaz")))),
    ("pétrole OR gaz", Or((W("pétrole"), W("gaz")))),
    ("a OU b OU c", Or((W("a"), W("b"), W("c")))),
    ("pétrole SAUF Russie", And((W("pétrole"), Not(W("Russie"))))),
    ("pétrole NOT Russie", And((W("pétrole"), Not(W("Russie"))))),
    ("pétrole -Russie", And((W("pétrole"), Not(W("Russie"))))),
    ("-Russie", Not(W("Russie"))),
    ("NOT NOT a", Not(Not(W("a")))),
    ("pétrole ET gaz SAUF Russie", And((W("pétrole"), W("gaz"), Not(W("Russie"))))),
])
def test_boolean_operators(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    # AND binds tighter than OR; parentheses group.
    ("a ET b OU c", Or((And((W("a"), W("b"))), W("c")))),
    ("a OU b c", Or((W("a"), And((W("b"), W("c")))))),
    ("(a OU b) ET c", And((Or((W("a"), W("b"))), W("c")))),
    ("(a OU b) c", And((Or((W("a"), W("b"))), W("c")))),
    ("a SAUF (b OU c)", And((W("a"), Not(Or((W("b"), W("c"))))))),
    ("((a))", W("a")),
])
def test_precedence_and_parentheses(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ("a et b", And((W("a"), W("et"), W("b")))),
    ("a ou b", And((W("a"), W("ou"), W("b")))),
    ("a Ou b", And((W("a"), W("Ou"), W("b")))),
    ("a sauf b", And((W("a"), W("sauf"), W("b")))),
    ("a not b", And((W("a"), W("not"), W("b")))),
])
def test_operators_are_uppercase_only(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ('"corridor Nord-Sud"', Phrase("corridor Nord-Sud")),
    ("«corridor Nord-Sud»", Phrase("corridor Nord-Sud")),
    ("« corridor Nord-Sud »", Phrase(" corridor Nord-Sud ")),
    ('"guerre Ukraine"~3', Phrase("guerre Ukraine", slop=3)),
    ("«guerre Ukraine»~2", Phrase("guerre Ukraine", slop=2)),
    ('"a b" c', And((Phrase("a b"), W("c")))),
    ('"a b" OU "c d"', Or((Phrase("a b"), Phrase("c d")))),
    ('SAUF "a b"', Not(Phrase("a b"))),
])
def test_phrases(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ("gouvern*", Pattern("gouvern*")),
    ("gou?ernement", Pattern("gou?ernement")),
    ("ab*c", Pattern("ab*c")),
    ("pezeshkian~", Fuzzy("pezeshkian")),
    ("pezeshkian~1", Fuzzy("pezeshkian", distance=1)),
    ("pezeshkian~2", Fuzzy("pezeshkian", distance=2)),
    ("pezeshkian~3", W("pezeshkian~3")),  # not a fuzzy distance: a plain word
    ("titre:gouvern*", Pattern("gouvern*", "title")),
    ("auteur:dupont~", Fuzzy("dupont", "author")),
])
def test_prefix_wildcard_and_fuzzy(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ("titre:Iran", W("Iran", "title")),
    ("title:Iran", W("Iran", "title")),
    ("TITRE:Iran", W("Iran", "title")),
    ("auteur:Keou", W("Keou", "author")),
    ("author:Keou", W("Keou", "author")),
    ("source:orange", W("orange", "source")),
    ("journal:orange", W("orange", "source")),
    ('titre:"corridor Nord-Sud"', Phrase("corridor Nord-Sud", "title")),
    ("titre:Iran gaz", And((W("Iran", "title"), W("gaz")))),
])
def test_fields(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, span", [
    ("date:2024", (D(2024, 1, 1), D(2024, 12, 31, 23, 59, 59))),
    ("année:2024", (D(2024, 1, 1), D(2024, 12, 31, 23, 59, 59))),
    ("annee:2024", (D(2024, 1, 1), D(2024, 12, 31, 23, 59, 59))),
    ("date:2024-10", (D(2024, 10, 1), D(2024, 10, 31, 23, 59, 59))),
    ("date:2024-02", (D(2024, 2, 1), D(2024, 2, 29, 23, 59, 59))),
    ("date:2023-12", (D(2023, 12, 1), D(2023, 12, 31, 23, 59, 59))),
    ("date:2024-10-12", (D(2024, 10, 12), D(2024, 10, 12, 23, 59, 59))),
    ("date:2024-1-5", (D(2024, 1, 5), D(2024, 1, 5, 23, 59, 59))),
    ('date:"2024-10"', (D(2024, 10, 1), D(2024, 10, 31, 23, 59, 59))),
    ("date:[2024-01-01 TO 2024-06-30]", (D(2024, 1, 1), D(2024, 6, 30, 23, 59, 59))),
    ("date:[2024-01 TO 2024-06]", (D(2024, 1, 1), D(2024, 6, 30, 23, 59, 59))),
    ("date:[2020 À 2021]", (D(2020, 1, 1), D(2021, 12, 31, 23, 59, 59))),
    ("date:[2020 à 2021]", (D(2020, 1, 1), D(2021, 12, 31, 23, 59, 59))),
    ("date:[* TO 2000]", (None, D(2000, 12, 31, 23, 59, 59))),
    ("date:[2020 TO *]", (D(2020, 1, 1), None)),
    ("date:[* TO *]", (None, None)),
])
def test_dates(q, span):
    assert parse(q) == DateSpan(*span)


@pytest.mark.parametrize("q, span", [
    # Issue 16.7: the range separator in any case, like the operators' French and English words.
    ("date:[2019-01-01 to 2019-06-30]", (D(2019, 1, 1), D(2019, 6, 30, 23, 59, 59))),
    ("date:[2019-01-01 To 2019-06-30]", (D(2019, 1, 1), D(2019, 6, 30, 23, 59, 59))),
    ("date:[2019 a 2020]", (D(2019, 1, 1), D(2020, 12, 31, 23, 59, 59))),
    ("date:[2019 A 2020]", (D(2019, 1, 1), D(2020, 12, 31, 23, 59, 59))),
    ("date:[2019-02 à *]", (D(2019, 2, 1), None)),
    ("date:[2024-02-29 to 2024-02-29]", (D(2024, 2, 29), D(2024, 2, 29, 23, 59, 59))),
])
def test_date_ranges_take_to_and_a_in_any_case(q, span):
    assert parse(q) == DateSpan(*span)


def test_dates_combine_with_words():
    assert parse("russie date:2024") == And((W("russie"), DateSpan(D(2024, 1, 1), D(2024, 12, 31, 23, 59, 59))))


@pytest.mark.parametrize("q, tree", [
    ('-"a b"', Not(Phrase("a b"))),
    ("-«a b»", Not(Phrase("a b"))),
    ("-(a OU b)", Not(Or((W("a"), W("b"))))),
    ("-titre:x", Not(W("x", "title"))),
    ("-date:2024", Not(DateSpan(D(2024, 1, 1), D(2024, 12, 31, 23, 59, 59)))),
])
def test_minus_negates_phrases_groups_and_fields(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ('SAUF "a b"', Not(Phrase("a b"))),
    ("NOT (a OU b)", Not(Or((W("a"), W("b"))))),
    ("SAUF titre:x", Not(W("x", "title"))),
    ("-gouvern*", Not(Pattern("gouvern*"))),
    ("-pezeshkian~", Not(Fuzzy("pezeshkian"))),
])
def test_sauf_and_not_negate_anything(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q, tree", [
    ("Téhéran ?", W("Téhéran")),
    ("Qui a gagné ?", And((W("Qui"), W("a"), W("gagné")))),
    ("Vraiment ?!", W("Vraiment")),
])
def test_a_question_mark_alone_is_punctuation(q, tree):
    assert parse(q) == tree


# ----------------------------------------------------------------------------- degradation

@pytest.mark.parametrize("q, tree", [
    # Unbalanced quotes: the quote is dropped.
    ('"a b', And((W("a"), W("b")))),
    ('a "b', And((W("a"), W("b")))),
    ('a b"', And((W("a"), W("b")))),
    ("«a b", And((W("a"), W("b")))),
    ("a b»", And((W("a"), W("b")))),
    # Unbalanced parentheses: forgiven.
    ("(a b", And((W("a"), W("b")))),
    ("a b)", And((W("a"), W("b")))),
    (") a", W("a")),
    ("((a OU b", Or((W("a"), W("b")))),
    # Stray operators (nothing to operate on): the words they spell, as the README says (issue 16.7;
    # they used to be dropped). "et" and "ou" are stop words, so "ET a" still searches a only.
    ("ET a", And((W("ET"), W("a")))),
    ("a ET", And((W("a"), W("ET")))),
    ("OU a", And((W("OU"), W("a")))),
    ("a OU", And((W("a"), W("OU")))),
    ("a SAUF", And((W("a"), W("SAUF")))),
    ("a NOT", And((W("a"), W("NOT")))),
    ("a ET ET b", And((W("a"), W("ET"), W("b")))),
    ("- a", W("a")),
    ("a (SAUF) b", And((W("a"), W("SAUF"), W("b")))),
    # Not a field: kept as a word.
    ("10:30", W("10:30")),
    ("ex:gaz", W("ex:gaz")),
    ("titre:", W("titre:")),
    # A field before something that is not a word: the field is dropped.
    ("titre:(a b)", And((W("a"), W("b")))),
    ("titre:-a", Word("-a", "title")),  # the field keeps its word; the hyphen is not an operator there
    # Square brackets outside date: are words.
    ("[a TO b]", W("a TO b")),
    # Tildes and dashes without a word.
    ("a~5", W("a~5")),
    ("--a", W("--a")),  # a double hyphen is no operator: the word a
])
def test_what_cannot_be_parsed_degrades_to_words(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "-", "(", ")", "()",
                               '"', '""', "«»", "« »", "~", "~~", "(((((", "\x00\x01", "…", "!."])
def test_a_query_without_words_is_none(q):
    assert parse(q) is None


@pytest.mark.parametrize("q, tree", [
    # Issue 16.7: an operator with nothing to operate on is the word it spells (it used to make
    # the query empty, which listed every article).
    ("ET", W("ET")),
    ("NOT", W("NOT")),
    ("OU", W("OU")),
    ("SAUF", W("SAUF")),
    ("AND OR", And((W("AND"), W("OR")))),
    ("OU OU", And((W("OU"), W("OU")))),
    ("(ET)", W("ET")),
    ("titre:NOT", W("NOT", "title")),
    ("auteur:ET", W("ET", "author")),
    ("-ET", Not(W("ET"))),
    ("NOT ET", Not(W("ET"))),
    ("SAUF SAUF", Not(W("SAUF"))),
    # Operators with their operands stay operators.
    ("a ET NOT b", And((W("a"), Not(W("b"))))),
    ("a OU -b", Or((W("a"), Not(W("b"))))),
    ("a ET (b)", And((W("a"), W("b")))),
    ('"a b" OU titre:c', Or((Phrase("a b"), W("c", "title")))),
])
def test_a_stray_operator_is_a_word(q, tree):
    assert parse(q) == tree


def test_control_characters_separate_words():
    assert parse("a\x00b\x1bc") == And((W("a"), W("b"), W("c")))


def test_the_longest_and_deepest_accepted_queries():
    assert parse("x" * MAX_QUERY_CHARS) == W("x" * MAX_QUERY_CHARS)
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == W("a")
    assert parse("a " * MAX_CLAUSES) == And(tuple(W("a") for _ in range(MAX_CLAUSES)))


# ----------------------------------------------------------------------------- errors

WILDCARD_VAGUE = "« {} » est trop vague : mettez au moins deux lettres avant le joker, par exemple gouvern*."
WILDCARD_FIRST = "« {} » : un joker (* ou ?) ne peut pas commencer un mot ; écrivez par exemple gouvern*."
BAD_DATE = "Date invalide « {} » : écrivez AAAA, AAAA-MM ou AAAA-MM-JJ (par exemple 2024-10-12)."


@pytest.mark.parametrize("q, message", [
    ("*", WILDCARD_VAGUE.format("*")),
    ("**", WILDCARD_VAGUE.format("**")),
    ("?????", WILDCARD_VAGUE.format("?????")),
    ("a*", WILDCARD_VAGUE.format("a*")),
    ("é*", WILDCARD_VAGUE.format("é*")),
    ("gaz a*", WILDCARD_VAGUE.format("a*")),
    ("source:*", WILDCARD_VAGUE.format("*")),
    ("*a", WILDCARD_FIRST.format("*a")),
    ("*a*", WILDCARD_FIRST.format("*a*")),
    ("?ouvernement", WILDCARD_FIRST.format("?ouvernement")),
])
def test_wildcard_errors(q, message):
    with pytest.raises(QueryError) as exc:
        parse(q)
    assert str(exc.value) == message


@pytest.mark.parametrize("q, message", [
    ("date:2024-13", BAD_DATE.format("2024-13")),
    ("date:2024-10-12T00", BAD_DATE.format("2024-10-12T00")),
    ("date:hier", BAD_DATE.format("hier")),
    ("date:99999", BAD_DATE.format("99999")),
    ("date:0000", BAD_DATE.format("0000")),
    ("date:12/10/2024", BAD_DATE.format("12/10/2024")),
    ("date:[", BAD_DATE.format("[")),
    ("date:[2024-13 TO 2025]", BAD_DATE.format("2024-13")),
    ("date:[2024 TO]", "Intervalle de dates invalide « [2024 TO] » : écrivez date:[2024-01-01 TO 2024-06-30]."),
    ("date:[2024]", "Intervalle de dates invalide « [2024] » : écrivez date:[2024-01-01 TO 2024-06-30]."),
    ("date:[2024-06-30 TO 2024-01-01]", "Intervalle de dates vide : 2024-06-30 est après 2024-01-01."),
    # Issue 16.7: the format is right, the day does not exist; saying "écrivez AAAA-MM-JJ" misled.
    ("date:2024-02-30", "Date invalide « 2024-02-30 » : ce jour n'existe pas (février 2024 a 29 jours)."),
    ("date:2023-02-29", "Date invalide « 2023-02-29 » : ce jour n'existe pas (février 2023 a 28 jours)."),
    ("date:2024-04-31", "Date invalide « 2024-04-31 » : ce jour n'existe pas (avril 2024 a 30 jours)."),
    ("date:2024-12-32", "Date invalide « 2024-12-32 » : ce jour n'existe pas (décembre 2024 a 31 jours)."),
    ("date:2024-08-00", "Date invalide « 2024-08-00 » : ce jour n'existe pas (août 2024 a 31 jours)."),
    ("date:[2024-01-01 to 2024-06-31]",
     "Date invalide « 2024-06-31 » : ce jour n'existe pas (juin 2024 a 30 jours)."),
])
def test_date_errors(q, message):
    with pytest.raises(QueryError) as exc:
        parse(q)
    assert str(exc.value) == message


@pytest.mark.parametrize("q, bad", [("date:[2024 TO 2024-13]", "2024-13"), ("date:[* TO 2024-00]", "2024-00")])
def test_an_invalid_month_ending_a_range_is_an_error(q, bad):
    with pytest.raises(QueryError) as exc:
        parse(q)
    assert str(exc.value) == BAD_DATE.format(bad)


def test_too_long():
    with pytest.raises(QueryError) as exc:
        parse("x" * (MAX_QUERY_CHARS + 1))
    assert str(exc.value) == "La requête est trop longue (2001 caractères, au plus 2000)."


def test_too_deep():
    with pytest.raises(QueryError) as exc:
        parse("(" * (MAX_DEPTH + 1) + "a")
    assert str(exc.value) == "Trop de parenthèses imbriquées (au plus 16)."


def test_too_many_terms():
    with pytest.raises(QueryError) as exc:
        parse("a " * (MAX_CLAUSES + 1))
    assert str(exc.value) == "La requête a trop de termes (au plus 64)."


def test_errors_are_value_errors():
    assert issubclass(QueryError, ValueError)


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.text(max_size=MAX_QUERY_CHARS),
    # Not strings (issue 16.7: None, bytes raised TypeError, AttributeError): a QueryError too.
    st.none(), st.binary(max_size=300), st.integers(), st.floats(), st.booleans(), st.dates(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=3), st.integers()),
))
def test_any_value_parses_or_raises_query_error(q):
    try:
        tree = parse(q)
    except QueryError as exc:
        assert str(exc)
    else:
        assert tree is None or isinstance(tree, (Word, Phrase, Pattern, Fuzzy, DateSpan, And, Or, Not))


@given(st.lists(st.from_regex(r"[a-zéèàçœ]{2,10}", fullmatch=True), min_size=1, max_size=10))
def test_plain_words_parse_to_words(words):
    tree = parse(" ".join(words))
    expected = [w for w in words]
    if len(expected) == 1:
        assert tree == W(expected[0])
    else:
        assert tree == And(tuple(W(w) for w in expected))


# ----------------------------------------------------------------------------- long phrases

HEADLINE = "Le mois de juillet 2019 a été le mois le plus chaud jamais mesuré dans le monde"  # 17 words


@pytest.mark.parametrize("q, tree", [
    # Issue 16.2: a pasted headline in quotes was refused beyond 16 words.
    (f'"{HEADLINE}"', Phrase(HEADLINE)),
    (f"«{HEADLINE}»", Phrase(HEADLINE)),
    (f'"{HEADLINE}"~2', Phrase(HEADLINE, slop=2)),
    (f'titre:"{HEADLINE}" date:2019',
     And((Phrase(HEADLINE, "title"), DateSpan(D(2019, 1, 1), D(2019, 12, 31, 23, 59, 59))))),
])
def test_a_quoted_headline_is_one_phrase(q, tree):
    assert parse(q) == tree


def test_a_phrase_of_any_length_within_the_size_limit_counts_as_one_term():
    words = ("mot " * 499).strip()  # 499 words, 1,997 characters once quoted
    assert parse(f'"{words}"') == Phrase(words)
    # A phrase is one of the 64 terms, however many words it has.
    query = "a " * (MAX_CLAUSES - 1) + f'"{words[:1800]}"'
    assert len(query) <= MAX_QUERY_CHARS
    assert parse(query) == And((*(W("a") for _ in range(MAX_CLAUSES - 1)), Phrase(words[:1800])))
    with pytest.raises(QueryError):
        parse("a " * MAX_CLAUSES + '"b c"')


def test_proximity_stays_bounded():
    # The bound is on how far apart the words may be, not on how many there are.
    assert parse('"guerre Ukraine"~999') == Phrase("guerre Ukraine", slop=MAX_SLOP)
    assert parse(f'"{HEADLINE}"~500') == Phrase(HEADLINE, slop=MAX_SLOP)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-zéèàçœ'0-9-]{1,12}", fullmatch=True), min_size=17, max_size=120))
def test_quoted_words_parse_to_one_phrase(words):
    text = " ".join(words)
    if len(text) + 2 > MAX_QUERY_CHARS:
        return
    assert parse(f"«{text}»") == (Phrase(text) if TOKEN_RE.search(text) else None)


# ----------------------------------------------------------------------------- what q may be

def test_none_is_the_empty_query():
    # Issue 16.7: search(None) raised TypeError.
    assert parse(None) is None


OCTETS = "La requête doit être du texte, pas des octets (décodez-les d'abord, par exemple en UTF-8)."


@pytest.mark.parametrize("q, message", [
    # Issue 16.7: search(b"iran") raised AttributeError.
    (b"iran", OCTETS),
    (bytearray(b"iran"), OCTETS),
    (42, "La requête doit être du texte, pas un nombre."),
    (1.5, "La requête doit être du texte, pas un nombre."),
    (True, "La requête doit être du texte, pas un booléen."),
    (["iran"], "La requête doit être du texte, pas une liste."),
    (("iran",), "La requête doit être du texte, pas une liste."),
    (object(), "La requête doit être du texte, pas une valeur de type object."),
])
def test_a_query_that_is_not_text_is_a_query_error(q, message):
    with pytest.raises(QueryError) as exc:
        parse(q)
    assert str(exc.value) == message
