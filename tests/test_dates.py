"""French date parsing (indexer.dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presse.indexer.dates import MIN_DATE, max_date, parse_french_date

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-10-12", D(2024, 10, 12)),
        ("2024-10-12T08:30:00+02:00", D(2024, 10, 12)),
        ("2024-10-12T23:30:00Z", D(2024, 10, 12)),
        ("2024-10-12 08:30", D(2024, 10, 12)),
        ("2024/10/12", D(2024, 10, 12)),
        ("12 oct. 2024", D(2024, 10, 12)),
        ("12 oct 2024", D(2024, 10, 12)),
        ("12 OCT. 2024", D(2024, 10, 12)),
        ("11 octobre 2024", D(2024, 10, 11)),
        ("1er janvier 2020", D(2020, 1, 1)),
        ("1ᵉʳ janvier 2020", D(2020, 1, 1)),
        ("01 janvier 2020", D(2020, 1, 1)),
        ("Dernière mise à jour : 12 oct. 2024", D(2024, 10, 12)),
        ("Publié le 11 octobre 2024 à 10h30", D(2024, 10, 11)),
        ("12/10/2024", D(2024, 10, 12)),
        ("12.10.2024", D(2024, 10, 12)),
        ("3/2/2020", D(2020, 2, 3)),
        ("lundi 3 février 2020", D(2020, 2, 3)),
        ("LUNDI 3 FÉVRIER 2020", D(2020, 2, 3)),
        ("lundi 3 fevrier 2020", D(2020, 2, 3)),
        ("22 mai 2012. - Prévu initialement pour samedi dernier", D(2012, 5, 22)),
        ("le 14 juillet 1789", D(1789, 7, 14)),
        ("29 février 2024", D(2024, 2, 29)),
        # The first valid date wins; an impossible one before it is ignored.
        ("du 31 février 2024 au 2 mars 2024", D(2024, 3, 2)),
        ("Publié le 11 octobre 2024, mis à jour le 2024-10-13", D(2024, 10, 11)),
    ],
)
def test_forms(text, expected):
    assert parse_french_date(text) == expected


MONTHS = [
    (1, ["janvier", "janv.", "janv", "jan."]),
    (2, ["février", "fevrier", "févr.", "fevr.", "fév.", "fev"]),
    (3, ["mars"]),
    (4, ["avril", "avr.", "avr"]),
    (5, ["mai"]),
    (6, ["juin"]),
    (7, ["juillet", "juil.", "juil"]),
    (8, ["août", "aout", "AOÛT"]),
    (9, ["septembre", "sept.", "sept", "sep."]),
    (10, ["octobre", "oct.", "Oct"]),
    (11, ["novembre", "nov.", "Nov"]),
    (12, ["décembre", "decembre", "déc.", "dec.", "Déc"]),
]


@pytest.mark.parametrize("month, name", [(m, n) for m, names in MONTHS for n in names])
def test_every_month_name_and_abbreviation(month, name):
    assert parse_french_date(f"5 {name} 2021") == D(2021, month, 5)


@pytest.mark.parametrize(
    "text",
    [
        "31 février 2024",
        "29 février 2023",
        "2024-02-30",
        "2024-13-01",
        "32/01/2024",
        "13/13/2024",
        "12 octobre 1650",
        "1699-12-31",
        "",
        "bonjour",
        "NA",
        "octobre 2024",  # no day
        "2024",
        "12 oct.",  # no year
        "12 mardi 2024",
        "123 octobre 2024",
    ],
)
def test_invalid_or_missing(text):
    assert parse_french_date(text) is None


def test_year_bounds():
    today = dt.date.today()
    assert parse_french_date("1700-01-01") == MIN_DATE
    assert parse_french_date(max_date().isoformat()) == max_date()
    assert parse_french_date(f"{today.year + 2}-01-01") is None
    assert parse_french_date(f"1 janvier {today.year + 2}") is None


def test_not_a_string():
    assert parse_french_date(None) is None  # type: ignore[arg-type]
    assert parse_french_date(20241012) is None  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_and_stays_in_bounds(text):
    value = parse_french_date(text)
    assert value is None or MIN_DATE <= value <= max_date()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-5, 40),
    st.sampled_from([n for _, names in MONTHS for n in names] + ["13", "foo"]),
    st.integers(0, 99999),
    st.text(max_size=20),
)
def test_date_like_text_never_raises(day, month, year, noise):
    value = parse_french_date(f"{noise}{day} {month} {year}{noise}")
    assert value is None or MIN_DATE <= value <= max_date()
