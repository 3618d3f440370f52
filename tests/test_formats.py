"""The posting-block format in a module of its own (``indexer.formats``, issue 17): the read path
imports it without Whoosh's writer, and indexes written before it still open."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from presse.indexer import formats
from presse.indexer.schema import make_schema

REPO = Path(__file__).resolve().parents[1]


def test_the_block_format_imports_no_writer():
    # search.postings and search.scoring read blocks and lengths with these names.
    code = ("import sys\n"
            "from presse.indexer.formats import BLOCK_POSTINGS, NarrowPositions, PackedPositions, PackedValues, stored_lengths\n"
            "print(sorted(m for m in sys.modules if m.startswith(('whoosh.writing', 'whoosh.multiproc'))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("protocol", [2, 5])
@pytest.mark.parametrize("cls, old_module", [(formats.PackedValues, "presse.indexer.segments"),
                                             (formats.NarrowPositions, "presse.indexer.segments"),
                                             (formats.PackedPositions, "presse.indexer.schema")])
def test_classes_pickled_under_their_old_module_still_load(monkeypatch, protocol, cls, old_module):
    if cls is formats.PackedPositions:
        obj = cls(field_boost=2.0)
    else:
        obj = cls(b"\x01\x00\x02\x00" if cls is formats.NarrowPositions else b"\x01\x00\x00\x00\x02\x00\x00\x00",
                  formats.uint_array([4, 4]))
    monkeypatch.setattr(cls, "__module__", old_module)  # as an index written before indexer.formats
    data = pickle.dumps(obj, protocol)
    monkeypatch.undo()
    assert old_module.encode() in data and b"presse.indexer.formats" not in data
    copy = pickle.loads(data)
    assert type(copy) is cls
    if cls is formats.PackedPositions:
        assert copy == obj and copy.decode_positions(copy.encode([3, 70_000])) == [3, 70_000]
    else:
        assert list(copy) == list(obj) == [b"\x01\x00\x00\x00", b"\x02\x00\x00\x00"]


def test_a_schema_pickled_before_the_move_still_loads(monkeypatch):
    monkeypatch.setattr(formats.PackedPositions, "__module__", "presse.indexer.schema")
    data = pickle.dumps(make_schema(), 2)
    monkeypatch.undo()
    assert b"cpresse.indexer.schema\nPackedPositions" in data
    schema = pickle.loads(data)
    assert type(schema["exact"].format) is formats.PackedPositions
    assert schema.names() == make_schema().names()
