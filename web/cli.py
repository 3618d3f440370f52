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
import os
import re
import sys
from pathlib import Path

import click

from indexer import entities as named
from indexer.build import reindex, update_index
from indexer.messages import os_error_text
from indexer.store import PresseIndexError, current_generation, default_index_dir, read_meta
from search import Archive, QueryError
from search.request import DEFAULT_FACETS, ENTITY_FACETS, FIELD, SearchRequest, page_json

from . import click_french
from .formatting import NBSP, decimal, french_date, megabytes, number, plural
from .progress import bar_for, summary_line
from .skips import report_skips, write_skips_csv

click_french.install()  # before the commands below are declared: their help options take click's texts

EXIT_SKIPPED, EXIT_USAGE, EXIT_INDEX = 1, 2, 3
CLI_PER_PAGE = 10  # a terminal shows fewer results per page than the API (search.request.DEFAULT_PER_PAGE)
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


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


def _fail(message: str, code: int) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, subcommand_metavar="COMMANDE [ARGUMENTS]…")
@click.version_option(package_name="presse")
def cli():
    """Presse : moteur de recherche plein texte pour archives de presse françaises."""


def _indexing(fn, index_dir: Path, paths, sources, *, skipped_report: Path | None, verbose: bool, **kwargs):
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


def _run_indexing(fn, index_dir: Path, paths, **kwargs):
    """``fn(index_dir, paths, **kwargs)``, its errors turned into French messages and exit codes."""
    try:
        return fn(index_dir, paths, **kwargs)
    except FileNotFoundError as exc:
        _fail(f"chemin introuvable : {exc.filename}" if exc.filename else str(exc), EXIT_USAGE)
    except named.EntitiesUnavailable as exc:
        _fail(str(exc), EXIT_USAGE)
    except PresseIndexError as exc:  # IndexBusy included
        _fail(str(exc), EXIT_INDEX)
    except OSError as exc:
        _fail(f"{os_error_text(exc)} ({exc.filename or index_dir})", EXIT_INDEX)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="CHEMIN…")
@index_option
@writing_options
@entities_option
def index(paths, index_dir, procs, wait, batch_size, skipped_report, verbose, entities):
    """Indexe des fichiers ou dossiers (seuls les articles nouveaux ou modifiés sont réécrits).

    Exemples : presse index seeds/ --index ./index ; presse index seeds/ --entites
    """
    batch = {} if batch_size is None else {"batch_size": batch_size}
    _indexing(update_index, _index_dir(index_dir), paths, paths, procs=procs, wait=wait,
              skipped_report=skipped_report, verbose=verbose, entities=entities, **batch)


@cli.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[CHEMIN…]")
@index_option
@writing_options
@entities_option
def reindex_cmd(paths, index_dir, procs, wait, batch_size, skipped_report, verbose, entities):
    """Reconstruit l'index de zéro puis le remplace d'un coup (les recherches continuent pendant ce temps).

    Sans chemin, reprend les dossiers d'origine de l'index. Exemple : presse reindex seeds/
    """
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
        where = f"il n'y a pas d'index dans {root}" if generation is None else "cet index ne dit pas de quels dossiers il vient"
        _fail(f"Indiquez les dossiers à indexer ({where}) : presse reindex CHEMIN… --index {root}", EXIT_USAGE)
    return sources


def _open_archive(index_dir: Path | None) -> Archive:
    try:
        return Archive(_index_dir(index_dir))
    except PresseIndexError as exc:
        _fail(str(exc), EXIT_INDEX)


def _terminal_html(fragment: str, marks: bool) -> str:
    """An HTML snippet as terminal text: the matched words (``<mark>``) in bold colour when
    ``marks``, plain otherwise; other tags dropped, entities decoded."""
    colour = None if os.environ.get("NO_COLOR") else "red"  # https://no-color.org
    text = re.sub(r"<mark>(.*?)</mark>",
                  (lambda m: click.style(m.group(1), fg=colour, bold=True)) if marks else r"\1", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class QueryCommand(click.Command):
    """A command whose argument may start with "-": ``presse search -Russie`` excludes a word.

    A word starting with a single "-" that is not one of the command's options is read as the
    query (options after it still count), as if it had been written after ``--``.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {name: not (option.is_flag or option.count)
                       for option in self.get_params(ctx) if isinstance(option, click.Option)
                       for name in (*option.opts, *option.secondary_opts)}
        return super().parse_args(ctx, _query_words_last(args, takes_value))


def _query_words_last(args: list[str], takes_value: dict[str, bool]) -> list[str]:
    """``args`` with the positional words after a ``--`` when one of them starts with "-".

    >>> _query_words_last(["-Russie", "--limit", "5"], {"--limit": True})
    ['--limit', '5', '--', '-Russie']
    """
    options: list[str] = []
    words: list[str] = []
    position = 0
    while position < len(args):
        arg = args[position]
        if arg == "--":
            words.extend(args[position + 1:])
            break
        if arg.startswith("--") or arg in takes_value:
            options.append(arg)
            if takes_value.get(arg) and position + 1 < len(args):  # its value, whatever it looks like
                options.append(args[position + 1])
                position += 1
        elif arg[:2] in takes_value and takes_value[arg[:2]] and arg[2:].isdigit():  # -n5
            options.append(arg)
        else:
            words.append(arg)
        position += 1
    if not any(word.startswith("-") and word != "-" for word in words):
        return args
    return [*options, "--", *words]


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def request_option(name: str, *decls: str, **overrides):
    """The option of ``presse search`` for the request field ``name``: its type, limits, default and
    French help come from ``search.request.FIELDS``; ``overrides`` are the command's own choices."""
    field = FIELD[name]
    kwargs: dict = {"help": field.fr, "default": field.default}
    if field.kind == "integer":
        kwargs.update(type=click.IntRange(field.minimum, field.maximum), show_default=True, metavar="N")
    elif field.kind == "choice":
        kwargs.update(type=click.Choice(list(field.choices)), show_default=True)
    elif field.kind == "list":
        kwargs.update(multiple=True, help=f"{field.fr[:-1]} ; répétable.")
    elif field.kind == "date":
        kwargs.update(metavar="AAAA-MM-JJ")
    elif field.kind == "flag":
        kwargs.update(show_default=True)
    return click.option(*decls, name, **{**kwargs, **overrides})


@cli.command("search", cls=QueryCommand)
@click.argument("query", metavar="REQUÊTE")
@index_option
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
def search_cmd(query, index_dir, per_page, page, sort, source, author, section, date_from, date_to, collapse, as_json,
               with_entities):
    """Cherche dans l'archive ; une requête peut commencer par « - » (presse search -Russie pétrole).

    Exemple : presse search '"corridor Nord-Sud" OU pezeshkian~' --limit 5
    """
    archive = _open_archive(index_dir)
    try:
        request = SearchRequest(q=query, page=page, per_page=per_page, sort=sort, source=source, author=author,
                                section=section, date_from=date_from, date_to=date_to, collapse=collapse,
                                facets=DEFAULT_FACETS + (ENTITY_FACETS if with_entities else ()))
        result = archive.search(**request.search_kwargs())
    except QueryError as exc:
        _fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(page_json(result), ensure_ascii=False, indent=1))
        return
    marks = sys.stdout.isatty()
    grouped = (f", {number(result.collapsed_total)} après regroupement"
               if result.collapsed_total is not None and result.collapsed_total < result.total else "")
    counted = plural(result.total, "article") if grouped else plural(result.total, "résultat")
    click.echo(f"{counted}{grouped} ({decimal(result.took_ms)}{NBSP}ms)")
    if result.rewritten:
        click.echo(f"Aucun article ne contient « {query} » : résultats pour « {result.rewritten} ».")
    elif result.relaxed:
        click.echo("Aucun article ne contient tous ces mots : voici ceux qui en contiennent le plus.")
    elif result.suggestion:
        click.echo(f"Essayez avec : {result.suggestion}")
    for n, hit in enumerate(result.hits, start=(page - 1) * per_page + 1):
        meta = " · ".join(x for x in (hit.source, hit.author, french_date(hit.date) if hit.date else None) if x)
        click.echo(f"\n{n}. {_terminal_html(hit.title_html, marks)}  [{hit.id}]")
        if meta:
            click.echo(f"   {meta}")
        click.echo(f"   {_terminal_html(hit.snippet, marks)}")
        if hit.other_versions:
            others = plural(hit.other_versions, "autre version", "autres versions")
            click.echo(f"   + {others} de cette dépêche : {', '.join(v.id for v in hit.versions)}")
    if with_entities:
        _print_entities(archive, result.facets)


ENTITY_HEADINGS = {"person": "Personnes", "place": "Lieux", "org": "Organisations"}


def _print_entities(archive: Archive, facets: dict) -> None:
    """The entity facets of a search, or how to get them when the index has none."""
    if not archive.entities_analysed():
        click.echo(f"\nAucune entité nommée dans cet index. {named.INSTALL_HINT}"
                   if not named.available() else
                   "\nAucune entité nommée dans cet index : lancez presse index --entites DOSSIER pour les extraire.")
        return
    for kind in ENTITY_FACETS:
        values = facets.get(kind, ())
        shown = ", ".join(f"{v.value} ({v.count})" for v in values[:10]) or "aucune"
        click.echo(f"\n{ENTITY_HEADINGS[kind]} : {shown}")


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
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESSE", help="Adresse d'écoute (127.0.0.1 : cette machine seulement).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, metavar="PORT",
              help="Port (0 : un port libre).")
@index_option
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, metavar="N",
              help="Requêtes traitées en parallèle par processus.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, metavar="N",
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
        bar = bar_for([SEEDS_DIR], sys.stderr)
        summary = _run_indexing(update_index, root, [SEEDS_DIR], progress=bar.update if bar else None)
        if bar is not None:
            bar.finish()
        click.echo(summary_line(summary), err=True)
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
            _fail(f"impossible d'écouter sur {host}:{port} : {os_error_text(exc)}", EXIT_USAGE)
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
        _fail(f"impossible d'écouter sur {host}:{port} : {os_error_text(exc)}", EXIT_USAGE)
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
