"""JSON Lines files (``.jsonl``, ``.ndjson``, ``.jsonl.gz``): one object per line, streamed.

A bad line is skipped with its line number, the others are read (a line with a NUL byte too).
Each line is decoded on its own (UTF-8, else Windows-1252, else Latin-1), so files mixing
encodings are read. After ``limits.MAX_BAD_LINES`` bad lines without a single article the file is
abandoned (it is not JSON Lines); a file whose bad lines hold NUL bytes and that gives no article
is binary.
"""

from __future__ import annotations

import io
import json
import os
import zlib
from collections.abc import Iterator
from typing import Any

from ..article import Article
from ..decoding import bom_encoding, decode_line
from ..messages import compression_error_text
from . import limits
from .records import json_error, record_article
from .source import BINARY, Skip, Source, open_binary, regular_file_skip


def read_jsonl(src: Source) -> Iterator[Article | Skip]:
    """The articles of a JSON Lines file, each bad line reported by a ``Skip`` (see the module docstring)."""
    refused = regular_file_skip(src, os.stat(src.path))
    if refused is not None:
        yield refused
        return
    with open_binary(src.path, gz=src.path.name.lower().endswith(".gz")) as raw:
        try:
            head = raw.peek(8192)[:8192]
        except (OSError, EOFError, zlib.error) as exc:
            yield src.skip(f"archive gzip illisible : {compression_error_text(exc)}")
            return
        bom = bom_encoding(head)
        if bom and bom[0].startswith(("utf-16", "utf-32")):
            stream: Any = io.TextIOWrapper(raw, encoding=bom[0], errors="replace", newline="")
            raw.read(bom[1])
            yield from _jsonl_lines(src, stream, text_mode=True)
        else:
            yield from _jsonl_lines(src, raw, text_mode=False)


def _jsonl_lines(src: Source, stream, text_mode: bool) -> Iterator[Article | Skip]:
    """The records of a JSON Lines stream; each bad line is skipped with its number.

    Bad lines before the first article are held back: when the file gives no article and its bad
    lines hold NUL bytes, it is a binary file, reported once (reading stops after 10 such lines or
    1 MB). Otherwise, ``limits.MAX_BAD_LINES`` bad lines without an article abandon the file (it is not JSON Lines).
    """
    newline, nul = ("\n", "\x00") if text_mode else (b"\n", b"\x00")
    lineno = articles = held_bytes = 0
    held: list[Skip] = []
    binary = False
    limit = limits.MAX_LINE_BYTES
    while True:
        try:
            chunk = stream.readline(limit + 1)
            long_line = len(chunk) > limit and not chunk.endswith(newline)
            while chunk and long_line and not chunk.endswith(newline):
                chunk = stream.readline(limit)  # skip the rest of the long line
        except (OSError, EOFError, zlib.error) as exc:
            yield from held
            yield src.skip(f"archive gzip corrompue ou tronquée après la ligne {lineno} : "
                           f"{compression_error_text(exc)}", lineno + 1)
            return
        if not chunk and not long_line:
            break
        lineno += 1
        if long_line:
            item: Article | Skip = src.skip(f"ligne trop longue (plus de {limit // 1_048_576} Mo)", lineno)
        elif not chunk.strip():
            continue
        else:
            item = _jsonl_record(src, chunk if text_mode else decode_line(chunk), lineno)
            if isinstance(item, Skip) and nul in chunk:
                binary = True
                item = src.skip(f"JSON invalide ligne {lineno} : octet nul (ligne binaire ou corrompue)", lineno)
        if isinstance(item, Article):
            articles += 1
            yield from held
            held.clear()
            yield item
        elif articles:
            yield item
        else:
            held.append(item)
            held_bytes += limit if long_line else len(chunk)
            if binary and (len(held) >= 10 or held_bytes >= 1_048_576):
                yield src.skip(BINARY)
                return
            if len(held) >= limits.MAX_BAD_LINES:
                yield from held
                yield src.skip(f"fichier abandonné : {len(held)} lignes invalides sans aucun article")
                return
    if articles == 0 and binary:
        yield src.skip(BINARY)
        return
    yield from held
    if articles == 0 and not held:
        yield src.skip("aucun article dans le fichier")


def _jsonl_record(src: Source, text: str, lineno: int) -> Article | Skip:
    try:
        record = json.loads(text.strip(), strict=False)
    except (ValueError, RecursionError) as exc:
        return src.skip(json_error(exc, lineno), lineno)
    if not isinstance(record, dict):
        return src.skip(f"ligne {lineno} : objet JSON attendu", lineno)
    return record_article(src, record, f"{src.stem}-{lineno}", lineno)

