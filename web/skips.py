"""What ``presse index`` says about the files and records it skipped: a list, a count by reason,
and the full list as CSV (``--skipped-report FICHIER``)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TextIO

from presse.indexer.readers import Skip

from .formatting import number

LISTED = 20  # skips listed one by one unless all are asked for (-v)
CSV_HEADER = ("chemin", "ligne", "raison")

# What makes one reason differ from another of the same kind: where it happened, which id.
_PLACE = (
    (re.compile(r"^ligne \d+ : "), ""),  # "ligne 3 : objet JSON attendu"
    (re.compile(r"\s+(?:après la |à la )?ligne \d+"), ""),  # "JSON invalide ligne 3 : …"
    (re.compile(r"\s*\((?:caractère|colonne) \d+\)"), ""),
    (re.compile(r"^élément \d+ de la liste"), "élément de la liste"),
    (re.compile(r"^(identifiant en double) : .*", re.S), r"\1"),
)


def reason_kind(reason: str) -> str:
    """A skip's reason without where it happened (line, character, element number, which id), to
    count skips by reason; the rest of the reason is kept whole.

    >>> reason_kind("JSON invalide ligne 12 : valeur attendue (caractère 7)")
    'JSON invalide : valeur attendue'
    """
    for pattern, replacement in _PLACE:
        reason = pattern.sub(replacement, reason)
    return reason


def skip_counts(skips: Iterable[Skip]) -> list[tuple[str, int]]:
    """(reason, count) of ``skips`` by ``reason_kind``, most frequent first."""
    return Counter(reason_kind(s.reason) for s in skips).most_common()


def where(skip: Skip) -> str:
    """``path:line`` of a skipped record, or the path of a skipped file."""
    return f"{skip.path}:{skip.line}" if skip.line else skip.path


def report_skips(skips: list[Skip], echo: Callable[[str], None], *, everything: bool = False,
                 csv_path: str | None = None) -> None:
    """Tell what was skipped: each skip (the first ``LISTED`` unless ``everything``), then the count
    by reason; ``csv_path`` is where the full list was written, if it was."""
    if not skips:
        return
    shown = skips if everything else skips[:LISTED]
    for skip in shown:
        echo(f"  ignoré : {where(skip)} — {skip.reason}")
    if len(skips) > len(shown):
        rest = len(skips) - len(shown)
        whole = (f"la liste complète est dans {csv_path}" if csv_path else
                 "la liste complète s'affiche avec -v, ou s'écrit dans un fichier CSV avec --skipped-report FICHIER")
        echo(f"  … et {number(rest)} {'autre' if rest < 2 else 'autres'} : {whole}")
    echo("Ignorés par raison :")
    for reason, count in skip_counts(skips):
        echo(f"  {number(count):>7} × {reason}")


def write_skips_csv(skips: Iterable[Skip], out: TextIO) -> None:
    """Write ``skips`` as CSV: a header ``chemin,ligne,raison``, then one row per skip (line empty
    for a whole file)."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for skip in skips:
        writer.writerow((skip.path, skip.line or "", skip.reason))
