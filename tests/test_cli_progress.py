"""What indexing shows while it runs and when it ends: the progress bar, the French summary line,
the skips counted by reason (issue 16, item 6). The command itself is tested in test_cli.py."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from presse.indexer.build import Summary
from presse.indexer.readers import Skip
from presse.web.formatting import decimal, megabytes, seconds
from presse.web.progress import BAR_WIDTH, ProgressBar, summary_line
from presse.web.skips import reason_kind, report_skips, skip_counts, write_skips_csv


class Clock:
    """A clock the test moves."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bar_text(bar: ProgressBar, stream: io.StringIO) -> str:
    """The last drawing of the bar."""
    return stream.getvalue().split("\r")[-1].replace("\x1b[K", "").replace("\xa0", " ")


def test_the_bar_shows_files_bytes_percent_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    bar = ProgressBar(out, [1_000_000, 1_000_000], clock=clock, width=200)
    clock.now += 2
    bar.update(Summary(files=2, chars=0))  # the first file read, the second started
    assert bar_text(bar, out) == (f"[{'█' * 12}{'░' * 12}]  50 % · 1/2 fichiers · 1,0/2,0 Mo · 0,50 Mo/s · "
                                  "reste 2,0 s")
    clock.now += 1
    bar.finish()
    assert bar_text(bar, out) == f"[{'█' * BAR_WIDTH}] 100 % · 2/2 fichiers · 2,0/2,0 Mo · 0,67 Mo/s\n"


def test_the_bar_moves_inside_a_large_file_and_stops_before_its_end():
    clock, out = Clock(), io.StringIO()
    bar = ProgressBar(out, [10_000_000], clock=clock, width=200)
    bar.update(Summary(files=1, chars=0))
    clock.now += 5
    bar.update(Summary(files=1, chars=2_500_000))
    assert bar_text(bar, out).startswith(f"[{'█' * 7}{'░' * 17}]  30 % · 0/1 fichier · 3,0/10,0 Mo · 0,60 Mo/s")
    bar.update(Summary(files=1, chars=50_000_000))  # more text than the estimate allows: not past the file
    assert " 99 % · 0/1 fichier" in bar_text(bar, out)


@given(st.lists(st.integers(0, 10**8), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**7)), max_size=30))
def test_the_bar_never_goes_back(sizes, steps):
    out = io.StringIO()
    bar = ProgressBar(out, sizes, clock=Clock(), width=200)
    files = chars = 0
    shown = []
    for more_files, more_chars in steps:  # what the indexer reports only grows
        files, chars = min(files + more_files, len(sizes)), chars + more_chars
        bar.update(Summary(files=files, chars=chars))
        shown.append(int(bar_text(bar, out).split("]")[1].split("%")[0]))
    bar.finish()
    assert shown == sorted(shown) and all(0 <= n <= 100 for n in shown)
    assert bar_text(bar, out).split("]")[1].startswith(" 100 %")


def test_the_bar_fits_the_terminal():
    out = io.StringIO()
    bar = ProgressBar(out, [5_000_000] * 1000, clock=Clock(), width=40)
    bar.update(Summary(files=500))
    assert len(bar_text(bar, out)) == 39


def test_the_summary_line_is_french():
    summary = Summary(added=2101, updated=1, removed=0, unchanged=12_345, files=1, chars=5_250_000, seconds=5.0,
                      skipped=[Skip("a.jsonl", "fichier vide")])
    assert summary_line(summary).replace("\xa0", " ") == (
        "2 101 ajoutés, 1 mis à jour, 0 supprimé, 12 345 inchangés, 1 ignoré — 1 fichier en 5,0 s "
        "(420 articles/s, 1,05 Mo/s)")


def test_french_numbers():
    assert decimal(1.049, 2) == "1,05"
    assert decimal(1234567.25, 1) == "1\xa0234\xa0567,2"
    assert megabytes(1_050_000) == "1,1\xa0Mo" and megabytes(123_456_789) == "123\xa0Mo"
    assert [seconds(s) for s in (0.42, 42.4, 125, 3725)] == ["0,4\xa0s", "42\xa0s", "2\xa0min\xa005\xa0s",
                                                             "1\xa0h\xa002\xa0min"]


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.integers(0, 4))
def test_decimal_reads_back_as_the_number(value, digits):
    text = decimal(value, digits)
    assert float(text.replace("\xa0", "").replace(",", ".")) == float(f"{value:.{digits}f}")
    assert "." not in text


# ------------------------------------------------------------------------------------------- skips

@given(st.integers(1, 10**7), st.integers(1, 10**6), st.sampled_from([
    "valeur attendue", "texte entre guillemets jamais refermé", "virgule attendue"]))
def test_a_reason_is_counted_without_its_line_and_character(line, char, what):
    assert reason_kind(f"JSON invalide ligne {line} : {what} (caractère {char})") == f"JSON invalide : {what}"


def test_reasons_counted_whole():
    skips = [Skip("a.jsonl", f"JSON invalide ligne {n} : valeur attendue (caractère 1)", n) for n in range(2, 40)]
    skips += [Skip("b.jsonl", "ligne 3 : objet JSON attendu", 3), Skip("c.jsonl", "ligne 9 : objet JSON attendu", 9),
              Skip("d.xyz", "format non pris en charge (extensions acceptées : .txt, .json, .jsonl)"),
              Skip("e.json", "élément 4 de la liste : objet JSON attendu"),
              Skip("f.jsonl", "identifiant en double : a-1 (déjà lu dans /x/a.jsonl)"),
              Skip("g.jsonl.gz", "archive gzip corrompue ou tronquée après la ligne 812 : données compressées corrompues",
                   813)]
    assert skip_counts(skips) == [
        ("JSON invalide : valeur attendue", 38), ("objet JSON attendu", 2),
        ("format non pris en charge (extensions acceptées : .txt, .json, .jsonl)", 1),
        ("élément de la liste : objet JSON attendu", 1), ("identifiant en double", 1),
        ("archive gzip corrompue ou tronquée : données compressées corrompues", 1),
    ]


def test_report_lists_the_first_skips_or_all():
    skips = [Skip("a.jsonl", f"ligne {n} : objet JSON attendu", n) for n in range(1, 26)]
    lines: list[str] = []
    report_skips(skips, lines.append)
    assert lines[:2] == ["  ignoré : a.jsonl:1 — ligne 1 : objet JSON attendu",
                         "  ignoré : a.jsonl:2 — ligne 2 : objet JSON attendu"]
    assert lines[20].startswith("  … et 5 autres : ")
    assert lines[21:] == ["Ignorés par raison :", "       25 × objet JSON attendu"]
    every: list[str] = []
    report_skips(skips, every.append, everything=True)
    assert len([x for x in every if x.startswith("  ignoré : ")]) == 25


def test_the_csv_report_keeps_commas_and_quotes():
    import csv

    out = io.StringIO()
    write_skips_csv([Skip('dossier, "spécial"/a.txt', "format non pris en charge (extensions acceptées : .txt, .json)")],
                    out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["chemin", "ligne", "raison"],
        ['dossier, "spécial"/a.txt', "", "format non pris en charge (extensions acceptées : .txt, .json)"]]
