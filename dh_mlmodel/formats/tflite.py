"""TFLite: schema version, description and the TFLITE_METADATA buffer.

Layout: tensorflow/tensorflow lite/schema/schema.fbs (Model: version 0,
operator_codes 1, subgraphs 2, description 3, buffers 4, metadata_buffer 5,
metadata 6; Buffer: data 0, offset 1, size 2; Metadata: name 0, buffer 1)
and tensorflow/tflite-support metadata_schema.fbs (ModelMetadata, file
identifier "M001": name 0, description 1, version 2, subgraph_metadata 3,
author 4, license 5, associated_files 6).  FlatBuffers are read by offset,
so only the tables we need are touched, never the weight buffers.
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import FormatError

MAX_METADATA_BUFFER = 16 << 20
METADATA_NAME = "TFLITE_METADATA"


class _Flat:
    """Random access to a FlatBuffer held in a file, every offset bounds-checked."""

    def __init__(self, f, base: int, size: int, name: str):
        self.f, self.base, self.size, self.name = f, base, size, name

    def read(self, pos: int, n: int) -> bytes:
        if pos < 0 or n < 0 or pos + n > self.size:
            raise FormatError(self.name, f"FlatBuffer offset {pos}+{n} is outside the {self.size}-byte buffer")
        self.f.seek(self.base + pos)
        data = self.f.read(n)
        if len(data) != n:
            raise FormatError(self.name, "file shrank while reading")
        return data

    def u32(self, pos: int) -> int:
        return struct.unpack("<I", self.read(pos, 4))[0]

    def field(self, table: int, index: int) -> int | None:
        """Absolute position of field `index` of the table at `table`, None when absent."""
        vtable = table - struct.unpack("<i", self.read(table, 4))[0]
        vt_len = struct.unpack("<H", self.read(vtable, 2))[0]
        if 4 + 2 * index + 2 > vt_len:
            return None
        off = struct.unpack("<H", self.read(vtable + 4 + 2 * index, 2))[0]
        return table + off if off else None

    def indirect(self, pos: int) -> int:
        return pos + self.u32(pos)

    def string(self, table: int, index: int) -> str | None:
        pos = self.field(table, index)
        if pos is None:
            return None
        start = self.indirect(pos)
        n = self.u32(start)
        if n > (1 << 20):
            return None
        try:
            return self.read(start + 4, n).decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(self.name, "FlatBuffer string is not UTF-8") from None

    def vector(self, table: int, index: int, elem_size: int = 4) -> tuple[int, int] | None:
        """(position of the first element, count); the whole vector must lie in the buffer."""
        pos = self.field(table, index)
        if pos is None:
            return None
        start = self.indirect(pos)
        count = self.u32(start)
        if start + 4 + count * elem_size > self.size:
            raise FormatError(self.name, f"FlatBuffer vector of {count} items at {start} runs past the buffer")
        return start + 4, count

    def scalar(self, table: int, index: int, fmt: str, default: int = 0) -> int:
        pos = self.field(table, index)
        return default if pos is None else struct.unpack("<" + fmt, self.read(pos, struct.calcsize(fmt)))[0]


def _metadata_entries(fb: _Flat, model: int) -> dict[str, int]:
    """Model.metadata: entry name -> buffer index."""
    entries = fb.vector(model, 6)
    out: dict[str, int] = {}
    if entries:
        first, count = entries
        for i in range(min(count, 1000)):
            entry = fb.indirect(first + 4 * i)
            name = fb.string(entry, 0)
            if name is not None:
                out[name] = fb.scalar(entry, 1, "I")
    return out


def _buffer_span(fb: _Flat, model: int, index: int) -> tuple[int, int] | None:
    """(absolute file offset, length) of buffer `index`, inline or after the FlatBuffer."""
    buffers = fb.vector(model, 4)
    if not buffers or index >= buffers[1]:
        raise FormatError(fb.name, f"metadata buffer index {index} out of range")
    buf = fb.indirect(buffers[0] + 4 * index)
    data = fb.vector(buf, 0, elem_size=1)
    if data and data[1]:
        return data[0], data[1]
    offset, size = fb.scalar(buf, 1, "Q"), fb.scalar(buf, 2, "Q")
    if offset > 1 and size:  # models over 2 GB keep buffers after the FlatBuffer
        return offset, size
    return None


def _model_metadata(f, offset: int, length: int, name: str) -> dict[str, Any]:
    if length > MAX_METADATA_BUFFER:
        return {}
    fb = _Flat(f, offset, length, name)
    if fb.read(4, 4) != b"M001":
        return {}
    root = fb.indirect(0)
    out: dict[str, Any] = {}
    for index, key in ((0, "name"), (1, "description"), (2, "version"), (4, "author"), (5, "license")):
        value = fb.string(root, index)
        if value:
            out[key] = value
    files = fb.vector(root, 6)
    if files:
        out["associated_files"] = [fb.string(fb.indirect(files[0] + 4 * i), 0) for i in range(min(files[1], 100))]
    return out


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        fb = _Flat(f, 0, size, relpath)
        if fb.read(4, 4) != b"TFL3":
            raise FormatError(relpath, "not a TFLite model (no TFL3 identifier)")
        model = fb.indirect(0)
        meta: dict[str, Any] = {"schema_version": fb.scalar(model, 0, "I")}
        description = fb.string(model, 3)
        if description:
            meta["description"] = description
        subgraphs = fb.vector(model, 2)
        buffers = fb.vector(model, 4)
        meta["subgraphs"] = subgraphs[1] if subgraphs else 0
        meta["buffers"] = buffers[1] if buffers else 0
        entries = _metadata_entries(fb, model)
        if entries:
            meta["metadata_names"] = sorted(entries)
        span = _buffer_span(fb, model, entries["min_runtime_version"]) if "min_runtime_version" in entries else None
        if span and span[1] <= 64:
            meta["min_runtime_version"] = fb.read(span[0], span[1]).rstrip(b"\0").decode("ascii", "replace")
        found = _buffer_span(fb, model, entries[METADATA_NAME]) if METADATA_NAME in entries else None
        if found:
            info = _model_metadata(f, found[0], found[1], relpath)
            meta["tflite_metadata"] = info
            for key in ("name", "license", "author"):
                if key in info:
                    meta[key] = info[key]
    return meta, []
