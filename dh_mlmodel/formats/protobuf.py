"""A small reader of the protobuf wire format, for ONNX and sentencepiece headers.

Neither python3-onnx nor python3-sentencepiece is needed to read the few
fields we want, and both libraries parse the whole message into memory,
tensor bytes included.  This walks fields one at a time: a length-delimited
field is returned as (offset, length) and the caller reads or skips it, so
a 2 GB initializer costs one seek.
Wire format: https://protobuf.dev/programming-guides/encoding/
"""
from __future__ import annotations

import struct
from typing import Iterator

from .binio import BoundedReader

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
MAX_VARINT_BYTES = 10


def read_varint(r: BoundedReader, what: str) -> int:
    value = 0
    for shift in range(0, 7 * MAX_VARINT_BYTES, 7):
        (byte,) = r.read(1, what)
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
    raise r.fail(f"{what}: varint longer than {MAX_VARINT_BYTES} bytes at offset {r.pos}")


def fields(r: BoundedReader, end: int, what: str) -> Iterator[tuple[int, int, int | tuple[int, int]]]:
    """(field number, wire type, value) until `end`; LEN values are (offset, length), not read."""
    if end > r.size:
        raise r.fail(f"{what}: message runs past the end of the file")
    while r.pos < end:
        key = read_varint(r, what)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise r.fail(f"{what}: field number 0 at offset {r.pos}")
        if wire == VARINT:
            value: int | tuple[int, int] = read_varint(r, what)
        elif wire == I64:
            value = struct.unpack("<Q", r.read(8, what))[0]
        elif wire == I32:
            value = struct.unpack("<I", r.read(4, what))[0]
        elif wire == LEN:
            length = read_varint(r, what)
            if r.pos + length > end:
                raise r.fail(f"{what}: field {number} of {length} bytes runs past its message")
            value = (r.pos, length)
            r.skip(length, what)
        else:
            raise r.fail(f"{what}: unsupported wire type {wire} (field {number}) at offset {r.pos}")
        yield number, wire, value
    if r.pos != end:
        raise r.fail(f"{what}: message overruns its length")


def read_string(r: BoundedReader, span: tuple[int, int], what: str, limit: int = 1 << 20) -> str:
    offset, length = span
    if length > limit:
        return ""
    here = r.pos
    r.seek(offset)
    raw = r.read(length, what)
    r.seek(here)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise r.fail(f"{what} is not valid UTF-8") from None


def sub_fields(r: BoundedReader, span: tuple[int, int], what: str) -> Iterator[tuple[int, int, int | tuple[int, int]]]:
    """Walk a nested message, then come back to where the outer walk was."""
    offset, length = span
    here = r.pos
    r.seek(offset)
    try:
        yield from fields(r, offset + length, what)
    finally:
        r.seek(here)
