"""The arguments and terminal output of ``presse search``: a query that may start with "-", options
generated from the one search request (``search.request.FIELDS``), matched words in colour, the
named entities of the results."""

from __future__ import annotations

import datetime as dt
import html
import os
import re

import click

from presse.indexer import entities as named
from presse.search.request import ENTITY_FACETS, FIELD

__all__ = ["QueryCommand", "json_default", "print_entities", "request_option", "terminal_html"]


def terminal_html(fragment: str, marks: bool) -> str:
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
        return super().parse_args(ctx, query_words_last(args, takes_value))


def query_words_last(args: list[str], takes_value: dict[str, bool]) -> list[str]:
    """``args`` with the positional words after a ``--`` when one of them starts with "-".

    >>> query_words_last(["-Russie", "--limit", "5"], {"--limit": True})
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


def json_default(value):
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


ENTITY_HEADINGS = {"person": "Personnes", "place": "Lieux", "org": "Organisations"}


def print_entities(archive, facets: dict) -> None:
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
