"""The ``presse`` command: index, reindex, search, stats, serve.

Exit codes: 0 ok; 1 some files or records were skipped (the rest is indexed); 2 usage error
(bad option, missing path, invalid query); 3 the index cannot be used (missing, busy, needs a
reindex, disk full or read-only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
import sys
from pathlib import Path

import click

from indexer.build import Summary, reindex, update_index
from indexer.store import IndexBusy, PresseIndexError, default_index_dir
from search import Archive, QueryError

EXIT_SKIPPED, EXIT_USAGE, EXIT_INDEX = 1, 2, 3
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def index_option(fn):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Dossier de l'index (défaut : $PRESSE_INDEX, sinon ~/.local/share/presse/index).",
    )(fn)


def _index_dir(index_dir: Path | None) -> Path:
    return index_dir if index_dir is not None else default_index_dir()


def _fail(message: str, code: int) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="presse")
def cli():
    """Presse : moteur de recherche plein texte pour archives de presse françaises."""


def _progress(summary: Summary) -> None:
    if sys.stderr.isatty():
        click.echo(
            f"\r  {summary.written} articles écrits, {summary.unchanged} inchangés, {len(summary.skipped)} ignorés"
            f" — {summary.files} fichiers, {summary.docs_per_second:.0f} articles/s   ",
            err=True, nl=False,
        )


def _report(summary: Summary) -> None:
    if sys.stderr.isatty():
        click.echo("", err=True)
    for skip in summary.skipped[:20]:
        where = f"{skip.path}:{skip.line}" if skip.line else skip.path
        click.echo(f"  ignoré : {where} — {skip.reason}", err=True)
    if len(summary.skipped) > 20:
        click.echo(f"  … et {len(summary.skipped) - 20} autres ignorés", err=True)
    if summary.skipped:
        reasons = ", ".join(f"{n} × {r}" for r, n in summary.skip_reasons().most_common())
        click.echo(f"Ignorés par raison : {reasons}", err=True)
    click.echo(summary.line())


def _run_indexing(fn, index_dir: Path, paths, **kwargs) -> None:
    try:
        summary = fn(index_dir, paths, progress=_progress, **kwargs)
    except FileNotFoundError as exc:
        _fail(f"chemin introuvable : {exc.filename}" if exc.filename else str(exc), EXIT_USAGE)
    except IndexBusy as exc:
        _fail(str(exc), EXIT_INDEX)
    except PresseIndexError as exc:
        _fail(str(exc), EXIT_INDEX)
    except OSError as exc:
        _fail(f"{exc.strerror or exc} ({exc.filename or index_dir})", EXIT_INDEX)
    _report(summary)
    if summary.skipped:
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--procs", type=click.IntRange(1, 16), default=None, help="Processus d'écriture (défaut : selon le volume).")
@click.option("--wait", is_flag=True, help="Attendre si un autre processus écrit dans l'index.")
@click.option("--batch-size", type=click.IntRange(1, None), default=None, hidden=True,
              help="Articles au plus par validation (commit) de l'index (défaut : 50 000, moins si leur texte dépasse 40 millions de caractères par processus d'écriture).")
def index(paths, index_dir, procs, wait, batch_size):
    """Indexe des fichiers ou dossiers (seuls les articles nouveaux ou modifiés sont réécrits).

    Exemple : presse index seeds/ --index ./index
    """
    batch = {} if batch_size is None else {"batch_size": batch_size}
    _run_indexing(update_index, _index_dir(index_dir), paths, procs=procs, wait=wait, **batch)


@cli.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--procs", type=click.IntRange(1, 16), default=None, help="Processus d'écriture.")
@click.option("--wait", is_flag=True, help="Attendre si un autre processus écrit dans l'index.")
@click.option("--batch-size", type=click.IntRange(1, None), default=None, hidden=True,
              help="Articles au plus par validation (commit) de l'index (défaut : 50 000, moins si leur texte dépasse 40 millions de caractères par processus d'écriture).")
def reindex_cmd(paths, index_dir, procs, wait, batch_size):
    """Reconstruit l'index de zéro puis le remplace d'un coup (les recherches continuent pendant ce temps).

    Sans chemin, reprend les dossiers d'origine de l'index. Exemple : presse reindex seeds/
    """
    batch = {} if batch_size is None else {"batch_size": batch_size}
    _run_indexing(reindex, _index_dir(index_dir), list(paths) or None, procs=procs, wait=wait, **batch)


def _open_archive(index_dir: Path | None) -> Archive:
    try:
        return Archive(_index_dir(index_dir))
    except PresseIndexError as exc:
        _fail(str(exc), EXIT_INDEX)


def _terminal_html(fragment: str, bold: bool) -> str:
    text = re.sub(r"<mark>(.*?)</mark>", (lambda m: f"\033[1m{m.group(1)}\033[0m") if bold else r"«\1»", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value))


@cli.command("search")
@click.argument("query")
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True, help="Nombre de résultats.")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "-date", "date"]), default="relevance", show_default=True,
              help="Pertinence, plus récents (-date) ou plus anciens (date).")
@click.option("--source", multiple=True, help="Ne garder que cette source (répétable).")
@click.option("--from", "date_from", help="Date de début AAAA-MM-JJ.")
@click.option("--to", "date_to", help="Date de fin AAAA-MM-JJ.")
@click.option("--collapse/--no-collapse", default=True, show_default=True,
              help="Une seule version par dépêche (--no-collapse : chaque article).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (résultats, facettes, suggestion).")
def search_cmd(query, index_dir, limit, page, sort, source, date_from, date_to, collapse, as_json):
    """Cherche dans l'archive.

    Exemple : presse search '"corridor Nord-Sud" OU pezeshkian~' --limit 5
    """
    archive = _open_archive(index_dir)
    try:
        result = archive.search(query, page=page, per_page=limit, sort=sort, source=source,
                                date_from=date_from, date_to=date_to, collapse=collapse)
    except QueryError as exc:
        _fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), default=_json_default, ensure_ascii=False, indent=1))
        return
    bold = sys.stdout.isatty()
    grouped = (f", {result.collapsed_total} après regroupement"
               if result.collapsed_total is not None and result.collapsed_total < result.total else "")
    click.echo(f"{result.total} {'article' if grouped else 'résultat'}{'s' if result.total > 1 else ''}{grouped} "
               f"({result.took_ms:.1f} ms)")
    if result.rewritten:
        click.echo(f"Aucun article ne contient « {query} » : résultats pour « {result.rewritten} ».")
    elif result.relaxed:
        click.echo("Aucun article ne contient tous ces mots : voici ceux qui en contiennent le plus.")
    elif result.suggestion:
        click.echo(f"Essayez avec : {result.suggestion}")
    for n, hit in enumerate(result.hits, start=(page - 1) * limit + 1):
        meta = " · ".join(x for x in (hit.source, hit.author, hit.date.isoformat() if hit.date else None) if x)
        click.echo(f"\n{n}. {_terminal_html(hit.title_html, bold)}  [{hit.id}]")
        if meta:
            click.echo(f"   {meta}")
        click.echo(f"   {_terminal_html(hit.snippet, bold)}")
        if hit.other_versions:
            click.echo(f"   + {hit.other_versions} autre{'s' if hit.other_versions > 1 else ''} version"
                       f"{'s' if hit.other_versions > 1 else ''} de cette dépêche : {', '.join(v.id for v in hit.versions)}")


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
def stats(index_dir, as_json):
    """Affiche le contenu de l'index : articles, sources, période, taille, version d'analyse."""
    archive = _open_archive(index_dir)
    s = archive.stats()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(s), default=_json_default, ensure_ascii=False, indent=1))
        return
    click.echo(f"Index          : {archive.root} ({s.generation})")
    click.echo(f"Articles       : {s.articles}")
    span = f"{s.date_min} → {s.date_max}" if s.date_min else "aucune date"
    click.echo(f"Période        : {span}")
    click.echo(f"Taille         : {s.size_bytes / 1e6:.1f} Mo")
    click.echo(f"Analyse        : version {s.analysis_version} (créé le {s.created})")
    click.echo(f"Sources        : {len(s.sources)}")
    for value, count in s.sources[:15]:
        click.echo(f"  {count:>7}  {value}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (127.0.0.1 : cette machine seulement).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0 : un port libre).")
@index_option
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requêtes traitées en parallèle par processus.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processus serveurs (un par cœur pour les grosses archives : chacun ouvre l'index et garde ses caches).")
@click.option("--get", "get_path", metavar="CHEMIN", default=None,
              help="Affiche une page (ex. /recherche?q=iran) au lieu de lancer le serveur, puis quitte.")
def serve(host, port, index_dir, threads, workers, get_path):
    """Lance le site web de recherche (waitress), sur http://127.0.0.1:8000 par défaut.

    Si l'index manque ou est vide, indexe d'abord l'archive d'exemple (seeds/).
    Exemples : presse serve --index ./index ; presse serve --get '/api/search?q=iran'
    """
    import logging

    from . import create_app
    from .serve import get_page, is_loopback, listening_socket, make_server, needs_sample, run_workers, server_url, socket_url

    root = _index_dir(index_dir)
    if needs_sample(root):
        click.echo(f"L'index {root} est absent ou vide : indexation de l'archive d'exemple ({SEEDS_DIR})…", err=True)
        try:
            summary = update_index(root, [SEEDS_DIR], progress=_progress)
        except PresseIndexError as exc:
            _fail(str(exc), EXIT_INDEX)
        except OSError as exc:
            _fail(f"{exc.strerror or exc} ({exc.filename or root})", EXIT_INDEX)
        click.echo(("\n" if sys.stderr.isatty() else "") + summary.line(), err=True)
    if get_path is not None:
        app = create_app({"PRESSE_INDEX": str(root)})
        response = get_page(app, get_path if get_path.startswith("/") else "/" + get_path)
        sys.stdout.buffer.write(response.get_data())
        sys.stdout.flush()
        sys.exit(0 if response.status_code < 400 else 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not is_loopback(host):
        click.echo(f"Attention : Presse écoute sur {host}, donc accessible depuis d'autres machines du réseau. "
                   "Le site n'a pas d'authentification ; utilisez --host 127.0.0.1 pour le garder local.", err=True)
    if workers > 1:
        try:
            sock = listening_socket(host, port)
        except OSError as exc:
            _fail(f"impossible d'écouter sur {host}:{port} : {exc.strerror or exc}", EXIT_USAGE)
        click.echo(f"Presse écoute sur {socket_url(sock)} (index : {root}, {workers} processus) — Ctrl+C pour arrêter")
        sys.stdout.flush()
        run_workers(lambda: create_app({"PRESSE_INDEX": str(root)}), sock, workers, threads)
        click.echo("Presse arrêté.")
        return
    app = create_app({"PRESSE_INDEX": str(root)})
    archive = app.extensions.get("presse")
    if archive is not None:
        archive.warm_up()  # the first visitor should not pay for loading the columns
    try:
        server = make_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        _fail(f"impossible d'écouter sur {host}:{port} : {exc.strerror or exc}", EXIT_USAGE)
    click.echo(f"Presse écoute sur {server_url(server)} (index : {root}) — Ctrl+C pour arrêter")
    try:
        server.run()  # waitress returns on Ctrl+C
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("Presse arrêté.")


def main():
    """Entry point of the ``presse`` console script."""
    cli(prog_name="presse")


if __name__ == "__main__":
    main()
