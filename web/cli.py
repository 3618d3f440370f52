"""The ``presse`` command: index, reindex, search, stats, serve; each on a local index (``--index``)
or a cluster of Xapian shards (``--cluster``, ``web.cli_cluster``).

Exit codes: 0 ok; 1 some files or records were skipped (the rest is indexed); 2 usage error
(bad option, missing path, invalid query, bad cluster file); 3 the index cannot be used (missing,
busy, needs a reindex, disk full or read-only; no shard of the cluster answers).

A little over 400 lines: the five commands and their shared options stay together; ``presse
search``'s argument parsing and terminal output are in ``web.cli_search``, the cluster's choices in
``web.cli_cluster``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from presse.indexer import entities as named
from presse.indexer.build import reindex, update_index
from presse.indexer.messages import os_error_text
from presse.indexer.store import PresseIndexError, current_generation, default_index_dir, read_meta
from presse.search import Archive, QueryError
from presse.search.request import DEFAULT_FACETS, ENTITY_FACETS, SearchRequest, page_json

from . import click_french
from .cli_cluster import (
    ClusterConfigError,
    chosen_cluster,
    cluster_option,
    indexing_function,
    stats_lines,
    unusable_options,
)
from .cli_search import QueryCommand, json_default, print_entities, request_option, terminal_html
from .formatting import NBSP, decimal, french_date, megabytes, number, plural
from .progress import bar_for, summary_line
from .skips import report_skips, write_skips_csv

click_french.install()  # before the commands below are declared: their help options take click's texts

EXIT_SKIPPED, EXIT_USAGE, EXIT_INDEX = 1, 2, 3
CLI_PER_PAGE = 10  # a terminal shows fewer results per page than the API (search.request.DEFAULT_PER_PAGE)
# The sample archive, shipped as the presse.seeds package (the repository's seeds/, or package data of the wheel).
SEEDS_DIR = Path(str(importlib.resources.files("presse.seeds"))).resolve()


def entities_option(fn):
    return click.option(
        "--entites/--sans-entites", "entities", default=None,
        help="Extraire (ou non) les personnes, lieux et organisations (spaCy, extension « entites ») ; "
             "le choix est enregistré dans l'index pour les fois suivantes (défaut : celui de l'index, "
             "sinon non). Sur un index existant, --entites analyse les articles qui ne l'ont pas été.",
    )(fn)


def index_option(fn):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DOSSIER",
        help="Dossier de l'index (défaut : $PRESSE_INDEX, sinon ~/.local/share/presse/index).",
    )(fn)


def writing_options(fn):
    """The options of ``index`` and ``reindex``."""
    for option in reversed((
        click.option("--procs", type=click.IntRange(1, 16), default=None, metavar="N",
                     help="Processus d'écriture (défaut : selon le volume)."),
        click.option("--wait", is_flag=True, help="Attendre si un autre processus écrit dans l'index."),
        click.option("--skipped-report", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     default=None, metavar="FICHIER",
                     help="Écrit la liste de tout ce qui a été ignoré dans ce fichier CSV (chemin, ligne, raison)."),
        click.option("--verbose", "-v", is_flag=True, help="Liste tout ce qui a été ignoré (sinon, les 20 premiers)."),
        click.option("--batch-size", type=click.IntRange(1, None), default=None, hidden=True,
                     help="Articles au plus par validation (commit) de l'index (défaut : 50 000, moins si leur texte "
                          "dépasse 40 millions de caractères par processus d'écriture)."),
    )):
        fn = option(fn)
    return fn


def _index_dir(index_dir: Path | None) -> Path:
    return index_dir if index_dir is not None else default_index_dir()


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, subcommand_metavar="COMMANDE [ARGUMENTS]…")
@click.version_option(package_name="presse")
def cli():
    """Presse : moteur de recherche plein texte pour archives de presse françaises."""


def _indexing(fn, index_dir: Path | str, paths, sources, *, skipped_report: Path | None, verbose: bool, **kwargs):
    """Run ``fn`` (``update_index`` or ``reindex``) with a progress bar on a terminal, then report."""
    report = None
    if skipped_report is not None:
        try:  # opened first: a report that cannot be written must not wait for the end of a long run
            report = open(skipped_report, "w", encoding="utf-8", newline="")
        except OSError as exc:
            _fail(f"impossible d'écrire la liste des ignorés {skipped_report} : {os_error_text(exc)}", EXIT_USAGE)
    bar = bar_for(sources, sys.stderr)
    try:
        summary = _run_indexing(fn, index_dir, paths, progress=bar.update if bar else None, **kwargs)
    except BaseException:
        if report is not None:
            report.close()
            skipped_report.unlink(missing_ok=True)
        raise
    if bar is not None:
        bar.finish()
    report_skips(summary.skipped, lambda line: click.echo(line, err=True), everything=verbose,
                 csv_path=str(skipped_report) if skipped_report else None)
    if report is not None:
        with report:
            write_skips_csv(summary.skipped, report)
    click.echo(summary_line(summary))
    if summary.skipped:
        sys.exit(EXIT_SKIPPED)


def _run_indexing(fn, index_dir: Path | str, paths, **kwargs):
    """``fn(index_dir, paths, **kwargs)``, its errors turned into French messages and exit codes."""
    try:
        return fn(index_dir, paths, **kwargs)
    except FileNotFoundError as exc:
        _fail(f"chemin introuvable : {exc.filename}" if exc.filename else str(exc), EXIT_USAGE)
    except (named.EntitiesUnavailable, ClusterConfigError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except PresseIndexError as exc:  # IndexBusy and a shard that does not answer included
        _fail(str(exc), EXIT_INDEX)
    except OSError as exc:
        _fail(f"{os_error_text(exc)} ({exc.filename or index_dir})", EXIT_INDEX)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="CHEMIN…")
@index_option
@cluster_option
@writing_options
@entities_option
def index(paths, index_dir, cluster_file, procs, wait, batch_size, skipped_report, verbose, entities):
    """Indexe des fichiers ou dossiers (seuls les articles nouveaux ou modifiés sont réécrits).

    Exemples : presse index seeds/ --index ./index ; presse index seeds/ --entites ;
    presse index seeds/ --cluster grappe.toml
    """
    batch = {} if batch_size is None else {"batch_size": batch_size}
    grappe = chosen_cluster(cluster_file, index_dir)
    if grappe is not None:
        _cluster_indexing(grappe, False, paths, paths, procs, wait, entities, skipped_report, verbose, batch)
        return
    _indexing(update_index, _index_dir(index_dir), paths, paths, procs=procs, wait=wait,
              skipped_report=skipped_report, verbose=verbose, entities=entities, **batch)


@cli.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[CHEMIN…]")
@index_option
@cluster_option
@writing_options
@entities_option
def reindex_cmd(paths, index_dir, cluster_file, procs, wait, batch_size, skipped_report, verbose, entities):
    """Reconstruit l'index de zéro puis le remplace d'un coup (les recherches continuent pendant ce temps).

    Sans chemin, reprend les dossiers d'origine de l'index. Exemple : presse reindex seeds/. Sur une
    grappe (--cluster), réécrit chaque article à sa place (après un changement d'analyse, ou vers une
    nouvelle grappe : voir docs/cluster.md).
    """
    grappe = chosen_cluster(cluster_file, index_dir)
    if grappe is not None:
        batch = {} if batch_size is None else {"batch_size": batch_size}
        _cluster_indexing(grappe, True, paths, list(paths) or _cluster_sources(grappe), procs, wait, entities,
                          skipped_report, verbose, batch)
        return
    root = _index_dir(index_dir)
    sources = list(paths) or _original_sources(root)
    batch = {} if batch_size is None else {"batch_size": batch_size}
    _indexing(reindex, root, list(paths) or None, sources, procs=procs, wait=wait,
              skipped_report=skipped_report, verbose=verbose, entities=entities, **batch)


def _original_sources(root: Path) -> list[str]:
    """The folders the index at ``root`` was built from; a usage error when it does not say."""
    try:
        generation = current_generation(root)
    except PresseIndexError as exc:
        _fail(str(exc), EXIT_INDEX)
    sources = read_meta(generation).get("sources") if generation is not None else None
    if not sources:
        where = (f"il n'y a pas d'index dans {root}" if generation is None
                 else "cet index ne dit pas de quels dossiers il vient")
        _fail(f"Indiquez les dossiers à indexer ({where}) : presse reindex CHEMIN… --index {root}", EXIT_USAGE)
    return sources


def _cluster_indexing(grappe: str, rewrite: bool, paths, sources, procs, wait, entities, skipped_report, verbose,
                      batch: dict) -> None:
    """``presse index`` (``rewrite``: ``reindex``) on the cluster of ``grappe``."""
    unusable = unusable_options(procs, wait, entities)
    if unusable:
        _fail(unusable, EXIT_USAGE)
    _indexing(indexing_function(rewrite), grappe, paths, sources, skipped_report=skipped_report, verbose=verbose,
              **batch)


def _cluster_sources(grappe: str) -> list[str]:
    """The folders the cluster was indexed from (for the progress bar of ``presse reindex --cluster``)."""
    from presse.search.cluster import sources

    try:
        return sources(grappe)
    except ClusterConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except PresseIndexError as exc:  # its first shard does not answer, or does not say
        _fail(str(exc), EXIT_INDEX)


def _open_archive(index_dir: Path | None, cluster_file: Path | None = None) -> Archive:
    """The archive a command searches: the cluster chosen (``--cluster``, ``$PRESSE_CLUSTER``), else the local index."""
    grappe = chosen_cluster(cluster_file, index_dir)
    try:
        if grappe is not None:
            from presse.search.cluster import open_archive

            return open_archive(grappe)  # type: ignore[return-value]  # the search API of Archive
        return Archive(_index_dir(index_dir))
    except ClusterConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except PresseIndexError as exc:
        _fail(str(exc), EXIT_INDEX)


@cli.command("search", cls=QueryCommand)
@click.argument("query", metavar="REQUÊTE")
@index_option
@cluster_option
@request_option("per_page", "--limit", "-n", default=CLI_PER_PAGE)
@request_option("page", "--page")
@request_option("sort", "--sort")
@request_option("source", "--source", metavar="SOURCE")
@request_option("author", "--author", metavar="AUTEUR")
@request_option("section", "--section", metavar="RUBRIQUE")
@request_option("date_from", "--from")
@request_option("date_to", "--to")
@request_option("collapse", "--collapse/--no-collapse")
@click.option("--json", "as_json", is_flag=True,
              help="Sortie JSON, celle de /api/search (résultats, facettes, suggestion).")
@click.option("--entites", "with_entities", is_flag=True,
              help="Afficher aussi les personnes, lieux et organisations les plus cités dans les résultats.")
def search_cmd(query, index_dir, cluster_file, per_page, page, sort, source, author, section, date_from, date_to,
               collapse, as_json, with_entities):
    """Cherche dans l'archive ; une requête peut commencer par « - » (presse search -Russie pétrole).

    Exemple : presse search '"corridor Nord-Sud" OU pezeshkian~' --limit 5
    """
    if with_entities and chosen_cluster(cluster_file, index_dir):
        _fail("--entites ne s'applique pas à une grappe (--cluster) : ses articles n'ont pas d'entités nommées.",
              EXIT_USAGE)
    archive = _open_archive(index_dir, cluster_file)
    try:
        request = SearchRequest(q=query, page=page, per_page=per_page, sort=sort, source=source, author=author,
                                section=section, date_from=date_from, date_to=date_to, collapse=collapse,
                                facets=DEFAULT_FACETS + (ENTITY_FACETS if with_entities else ()))
        result = archive.search(**request.search_kwargs())
    except QueryError as exc:
        _fail(str(exc), EXIT_USAGE)
    except PresseIndexError as exc:  # no shard of the cluster answers
        _fail(str(exc), EXIT_INDEX)
    if as_json:
        click.echo(json.dumps(page_json(result), ensure_ascii=False, indent=1))
        return
    marks = sys.stdout.isatty()
    grouped = (f", {number(result.collapsed_total)} après regroupement"
               if result.collapsed_total is not None and result.collapsed_total < result.total else "")
    counted = plural(result.total, "article") if grouped else plural(result.total, "résultat")
    click.echo(f"{counted}{grouped} ({decimal(result.took_ms)}{NBSP}ms)")
    if result.notice:
        click.echo(f"Attention : {result.notice}.")
    if result.rewritten:
        click.echo(f"Aucun article ne contient « {query} » : résultats pour « {result.rewritten} ».")
    elif result.relaxed:
        click.echo("Aucun article ne contient tous ces mots : voici ceux qui en contiennent le plus.")
    elif result.suggestion:
        click.echo(f"Essayez avec : {result.suggestion}")
    for n, hit in enumerate(result.hits, start=(page - 1) * per_page + 1):
        meta = " · ".join(x for x in (hit.source, hit.author, french_date(hit.date) if hit.date else None) if x)
        click.echo(f"\n{n}. {terminal_html(hit.title_html, marks)}  [{hit.id}]")
        if meta:
            click.echo(f"   {meta}")
        click.echo(f"   {terminal_html(hit.snippet, marks)}")
        if hit.other_versions:
            others = plural(hit.other_versions, "autre version", "autres versions")
            click.echo(f"   + {others} de cette dépêche : {', '.join(v.id for v in hit.versions)}")
    if with_entities:
        print_entities(archive, result.facets)


@cli.command()
@index_option
@cluster_option
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
def stats(index_dir, cluster_file, as_json):
    """Affiche le contenu de l'index : articles, sources, période, taille, version d'analyse."""
    archive = _open_archive(index_dir, cluster_file)
    try:
        s = archive.stats()
    except PresseIndexError as exc:  # no shard of the cluster answers
        _fail(str(exc), EXIT_INDEX)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(s), default=json_default, ensure_ascii=False, indent=1))
        return
    if s.shard_articles:
        click.echo("\n".join(stats_lines(chosen_cluster(cluster_file, index_dir) or "", s)))
        return
    click.echo(f"Index          : {archive.root} ({s.generation})")
    click.echo(f"Articles       : {number(s.articles)}")
    span = f"du {french_date(s.date_min)} au {french_date(s.date_max)}" if s.date_min else "aucune date"
    click.echo(f"Période        : {span}")
    click.echo(f"Taille         : {megabytes(s.size_bytes)}")
    click.echo(f"Analyse        : version {s.analysis_version} (créé le {_french_time(s.created)})")
    click.echo(f"Sources        : {number(len(s.sources))}")
    for value, count in s.sources[:15]:
        click.echo(f"  {number(count):>7}  {value}")


def _french_time(iso: str | None) -> str:
    """``2024-10-12T08:05:00+00:00`` → ``12 octobre 2024 à 08:05 (UTC)``; the text itself when not ISO."""
    try:
        moment = dt.datetime.fromisoformat(iso or "")
    except ValueError:
        return iso or "date inconnue"
    zone = " (UTC)" if moment.utcoffset() == dt.timedelta(0) else ""
    return f"{french_date(moment.date())} à {moment:%H:%M}{zone}"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESSE",
              help="Adresse d'écoute (127.0.0.1 : cette machine seulement).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, metavar="PORT",
              help="Port (0 : un port libre).")
@index_option
@cluster_option
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, metavar="N",
              help="Requêtes traitées en parallèle par processus.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, metavar="N",
              help="Processus serveurs (un par cœur pour les grosses archives : "
                   "chacun ouvre l'index et garde ses caches).")
@click.option("--get", "get_path", metavar="CHEMIN", default=None,
              help="Affiche une page (ex. /recherche?q=iran) au lieu de lancer le serveur, puis quitte.")
def serve(host, port, index_dir, cluster_file, threads, workers, get_path):
    """Lance le site web de recherche (waitress), sur http://127.0.0.1:8000 par défaut.

    Si l'index manque ou est vide, indexe d'abord l'archive d'exemple (seeds/) ; avec --cluster,
    sert la grappe telle qu'elle est.
    Exemples : presse serve --index ./index ; presse serve --get '/api/search?q=iran' ;
    presse serve --cluster grappe.toml
    """
    import logging

    from . import create_app
    from .serve import (
        get_page,
        is_loopback,
        listening_socket,
        make_server,
        needs_sample,
        run_workers,
        server_url,
        socket_url,
    )

    root = _index_dir(index_dir)
    grappe = chosen_cluster(cluster_file, index_dir)
    config = {"PRESSE_INDEX": str(root), "PRESSE_CLUSTER": grappe}
    served = f"grappe : {grappe}" if grappe else f"index : {root}"
    if grappe is None and needs_sample(root):
        click.echo(f"L'index {root} est absent ou vide : indexation de l'archive d'exemple ({SEEDS_DIR})…", err=True)
        bar = bar_for([SEEDS_DIR], sys.stderr)
        summary = _run_indexing(update_index, root, [SEEDS_DIR], progress=bar.update if bar else None)
        if bar is not None:
            bar.finish()
        click.echo(summary_line(summary), err=True)
    if get_path is not None:
        app = create_app(config)
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
            _fail(f"impossible d'écouter sur {host}:{port} : {os_error_text(exc)}", EXIT_USAGE)
        click.echo(f"Presse écoute sur {socket_url(sock)} ({served}, {workers} processus) — Ctrl+C pour arrêter")
        sys.stdout.flush()
        run_workers(lambda: create_app(config), sock, workers, threads)
        click.echo("Presse arrêté.")
        return
    app = create_app(config)
    archive = app.extensions.get("presse")
    if archive is not None:
        try:
            archive.warm_up()  # the first visitor should not pay for loading the columns
        except PresseIndexError as exc:  # no shard answers yet: pages say so (503) until they do
            click.echo(f"Attention : {exc}", err=True)
    elif grappe is not None:
        click.echo(f"Attention : {app.extensions['presse_opener'].error}", err=True)
    try:
        server = make_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        _fail(f"impossible d'écouter sur {host}:{port} : {os_error_text(exc)}", EXIT_USAGE)
    click.echo(f"Presse écoute sur {server_url(server)} ({served}) — Ctrl+C pour arrêter")
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
