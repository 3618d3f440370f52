"""Byte decoding and text cleaning for the readers.

Decoding strategy (``decode_bytes``), in order:

1. a byte-order mark decides: UTF-8 (BOM), UTF-32 LE/BE, UTF-16 LE/BE;
2. otherwise a NUL byte means a binary file (``None``);
3. strict UTF-8;
4. a charset declared by the file itself (HTML ``<meta charset>``), when it is a known codec;
5. line by line (``decode_line``): UTF-8, else strict Windows-1252 (has « œ », « € », typographic
   quotes; a few bytes are undefined in it), else Latin-1 (never fails). A file written in UTF-8
   with one line pasted from a Windows-1252 file keeps its UTF-8 lines right.

Decoded text with more than 30 % control characters is treated as binary (``None``).

``clean_text`` is applied to every string a reader keeps: line endings become ``\\n``, NUL and
other C0/C1 control characters are removed (``\\n`` and ``\\t`` are kept), as are lone UTF-16
surrogates (from JSON ``"\\ud800"`` escapes); then ``indexer.normalize.normalize_text`` removes
invisible characters (soft hyphens, zero-width spaces and joiners, stray BOMs), turns Unicode
spaces into plain spaces and composes to NFC.
"""

from __future__ import annotations

import codecs
import re

from .normalize import INVISIBLE, SPACES, compose, normalize_text

BINARY_CONTROL_RATIO = 0.30

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters that are not whitespace we keep: C0 (except \t \n \r \f \v), DEL, C1.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

# Removed from kept text: C0 except \t and \n (\r handled before), DEL, C1 controls, lone
# surrogates (invisible characters are normalize_text's).
_DROP_CHARS = "".join(
    [chr(c) for c in range(0x00, 0x20) if c not in (0x09, 0x0A)]
    + [chr(c) for c in range(0x7F, 0xA0)]
)
_DROP_TABLE = {ord(c): None for c in _DROP_CHARS}
_DROP_RE = re.compile("[" + re.escape(_DROP_CHARS) + "\ud800-\udfff]")
# Anything clean_text or normalize_text changes but composition: one scan finds whether there is any.
_TO_CLEAN_RE = re.compile("[" + re.escape(_DROP_CHARS) + "\ud800-\udfff" + INVISIBLE + SPACES + "]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_NEWLINES_RE = re.compile("\r\n?|[\u2028\u2029\x85\x0b\x0c]")


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The codec named by ``data``'s byte-order mark and the mark's length, or ``None``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def looks_binary(text: str) -> bool:
    """True when more than 30 % of ``text`` are control characters."""
    if not text:
        return False
    controls = len(_CONTROL_RE.findall(text))
    return controls > BINARY_CONTROL_RATIO * len(text)


def decode_bytes(data: bytes, declared: str | None = None) -> str | None:
    """Decode the content of a text file, or return ``None`` for a binary file.

    ``declared`` is an encoding the file announces about itself (an HTML ``<meta charset>``);
    it is only used when the bytes are not valid UTF-8.
    """
    bom = bom_encoding(data)
    if bom:
        encoding, size = bom
        text = data[size:].decode(encoding, errors="replace")
    elif b"\x00" in data:
        return None
    else:
        text = _decode_without_bom(data, declared)
    if looks_binary(text):
        return None
    return text


def decode_line(data: bytes) -> str:
    """Decode one line (never fails): UTF-8, else Windows-1252, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_without_bom(data: bytes, declared: str | None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except (LookupError, ValueError):
            codec = None
        # A page declaring UTF-8 (or UTF-16 without a BOM) that is not: fall through to cp1252.
        if codec and not codec.startswith(("utf-8", "utf-16", "utf-32")):
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                pass
    return "".join(map(decode_line, data.splitlines(keepends=True)))


def clean_text(text: str) -> str:
    """Normalise line endings, drop control characters, then ``normalize_text`` (invisible
    characters, Unicode spaces, NFC)."""
    if "\r" in text or "\u2028" in text or "\u2029" in text or "\x85" in text or "\x0b" in text or "\x0c" in text:
        text = _NEWLINES_RE.sub("\n", text)
    if not _TO_CLEAN_RE.search(text):  # the common case: one scan, then composition only
        return compose(text)
    if _DROP_RE.search(text):
        text = text.translate(_DROP_TABLE)
        if _SURROGATE_RE.search(text):
            text = _SURROGATE_RE.sub("", text)
    return normalize_text(text)
