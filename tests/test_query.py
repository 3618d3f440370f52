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

from search.syntax import (
    MAX_CLAUSES,
    MAX_DEPTH,
    MAX_QUERY_CHARS,
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
    # Stray operators: ignored.
    ("ET a", W("a")),
    ("a ET", W("a")),
    ("OU a", W("a")),
    ("a OU", W("a")),
    ("a SAUF", W("a")),
    ("a NOT", W("a")),
    ("a ET ET b", And((W("a"), W("b")))),
    ("- a", W("a")),
    ("a (SAUF) b", And((W("a"), W("b")))),
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


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "ET", "OU", "SAUF", "NOT", "AND OR", "-", "(", ")", "()",
                               '"', '""', "«»", "« »", "~", "~~", "(((((", "\x00\x01", "…", "!."])
def test_a_query_without_words_is_none(q):
    assert parse(q) is None


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
    ("date:2024-02-30", BAD_DATE.format("2024-02-30")),
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
@given(st.text(max_size=MAX_QUERY_CHARS))
def test_any_string_parses_or_raises_query_error(q):
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
