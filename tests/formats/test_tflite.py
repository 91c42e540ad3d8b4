"""TFLite: schema facts and the TFLITE_METADATA (M001) buffer.

Neither tensorflow nor flatbuffers is installed here, so the test files are
laid out by the small FlatBuffer writer below, following schema.fbs and
metadata_schema.fbs field order.  The real converter output (basic-pitch's
nmp.tflite) is covered by tests/test_corpus_inspect.py.
"""
from __future__ import annotations

import struct
from pathlib import Path

from dh_mlmodel.formats import tflite


def _build(root, ident: bytes) -> bytes:
    """Serialise a tree of ("table", [field…]) / ("string", s) / ("vector", [obj…]) / ("bytes", b).

    A field is None, ("u32", v), ("u64", v) or ("ref", obj).  Children are written after their
    parent so every uoffset points forward, as FlatBuffers requires.
    """
    buf = bytearray(struct.pack("<I", 0) + ident)

    def pad4() -> None:
        buf.extend(b"\0" * (-len(buf) % 4))

    def write(obj) -> int:
        kind, value = obj
        pad4()
        if kind == "string":
            pos = len(buf)
            data = value.encode()
            buf.extend(struct.pack("<I", len(data)) + data + b"\0")
            return pos
        if kind == "bytes":
            pos = len(buf)
            buf.extend(struct.pack("<I", len(value)) + value)
            return pos
        if kind == "vector":
            pos = len(buf)
            buf.extend(struct.pack("<I", len(value)) + b"\0" * 4 * len(value))
            for i, child in enumerate(value):
                slot = pos + 4 + 4 * i
                struct.pack_into("<I", buf, slot, write(child) - slot)
            return pos
        fields = value
        layout, size = [], 4
        for field in fields:
            width = 0 if field is None else (8 if field[0] == "u64" else 4)
            layout.append(size if width else 0)
            size += width
        vtable = len(buf)
        buf.extend(struct.pack(f"<HH{len(fields)}H", 4 + 2 * len(fields), size, *layout))
        pad4()
        table = len(buf)
        buf.extend(struct.pack("<i", table - vtable) + b"\0" * (size - 4))
        for field, off in zip(fields, layout):
            if field is None:
                continue
            if field[0] == "u32":
                struct.pack_into("<I", buf, table + off, field[1])
            elif field[0] == "u64":
                struct.pack_into("<Q", buf, table + off, field[1])
        for field, off in zip(fields, layout):
            if field is not None and field[0] == "ref":
                struct.pack_into("<I", buf, table + off, write(field[1]) - (table + off))
        return table

    struct.pack_into("<I", buf, 0, write(root))
    return bytes(buf)


def _model_metadata() -> bytes:
    # ModelMetadata: name, description, version, subgraph_metadata, author, license
    return _build(("table", [("ref", ("string", "Tiny classifier")), None, ("ref", ("string", "v1")), None,
                             ("ref", ("string", "Someone")), ("ref", ("string", "Apache-2.0"))]), b"M001")


def _model(metadata_buffer: bytes) -> bytes:
    buffers = ("vector", [("table", []), ("table", [("ref", ("bytes", metadata_buffer))])])
    metadata = ("vector", [("table", [("ref", ("string", "TFLITE_METADATA")), ("u32", 1)])])
    # Model: version, operator_codes, subgraphs, description, buffers, metadata_buffer, metadata
    return _build(("table", [("u32", 3), None, ("ref", ("vector", [("table", [])])), ("ref", ("string", "converted")),
                             ("ref", buffers), None, ("ref", metadata)]), b"TFL3")


def test_model_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    path.write_bytes(_model(_model_metadata()))
    meta, findings = tflite.describe(path, "m.tflite")
    assert findings == []
    assert meta["schema_version"] == 3 and meta["description"] == "converted" and meta["subgraphs"] == 1
    assert meta["metadata_names"] == ["TFLITE_METADATA"]
    assert meta["tflite_metadata"] == {"name": "Tiny classifier", "version": "v1", "author": "Someone", "license": "Apache-2.0"}
    assert meta["license"] == "Apache-2.0" and meta["name"] == "Tiny classifier"


def test_metadata_buffer_that_is_not_m001_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    path.write_bytes(_model(b"\0" * 16))
    meta, _ = tflite.describe(path, "m.tflite")
    assert meta["tflite_metadata"] == {} and "license" not in meta
