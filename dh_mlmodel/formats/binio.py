"""Bounded binary reading shared by the header parsers.

Every length a model file declares is hostile: before reading or skipping it
we compare it with what is left of the file, so a claim of 2^63 bytes fails
at once instead of allocating or seeking into nowhere.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ..model import MLModelError


# What zipfile can raise on a hostile archive (bad headers, unknown compression, bad deflate data,
# RuntimeError for a member flagged encrypted).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
              struct.error, zlib.error, KeyError, IndexError, OverflowError, RuntimeError)


class FormatError(MLModelError):
    """A model file is not well-formed for the format its bytes announce."""


class BoundedReader:
    """Sequential reads over a file object that never go past `size`.

    Reads go through a buffer of `chunk` bytes so that the many tiny reads of
    a KV or protobuf walk do not each become a system call.
    """

    def __init__(self, fileobj: BinaryIO, size: int, path: str | Path, *, start: int = 0, chunk: int = 1 << 16):
        self._f = fileobj
        self.size = size
        self.path = str(path)
        self._buf = b""
        self._buf_start = start  # file offset of _buf[0]
        self._pos = start
        self._chunk = chunk
        fileobj.seek(start)

    @property
    def pos(self) -> int:
        return self._pos

    @property
    def remaining(self) -> int:
        return self.size - self._pos

    def fail(self, reason: str) -> FormatError:
        return FormatError(self.path, reason)

    def need(self, n: int, what: str) -> None:
        if n < 0 or n > self.remaining:
            raise self.fail(f"{what} needs {n} bytes at offset {self._pos}, but only {self.remaining} remain")

    def read(self, n: int, what: str = "data") -> bytes:
        self.need(n, what)
        rel = self._pos - self._buf_start
        if 0 <= rel and rel + n <= len(self._buf):
            out = self._buf[rel:rel + n]
        else:
            want = max(n, self._chunk)
            self._f.seek(self._pos)
            self._buf = self._f.read(min(want, self.remaining))
            self._buf_start = self._pos
            if len(self._buf) < n:  # the file shrank under us
                raise self.fail(f"{what}: unexpected end of file at offset {self._pos}")
            out = self._buf[:n]
        self._pos += n
        return out

    def skip_length_prefixed(self, count: int, len_fmt: str, what: str) -> None:
        """Skip `count` items that are each a length (struct `len_fmt`) then that many bytes.

        Walks the buffer with unpack_from: a 200 000-entry vocabulary is
        skipped without a Python call per read.
        """
        len_size = struct.calcsize(len_fmt)
        self.need(count * len_size, what)  # every item is at least its length field
        unpack_from = struct.Struct(len_fmt).unpack_from
        for _ in range(count):
            rel = self._pos - self._buf_start
            if rel < 0 or rel + len_size > len(self._buf):
                self.read(len_size, what)  # refills the buffer
                self._pos -= len_size
                rel = 0
            (n,) = unpack_from(self._buf, rel)
            self.skip(len_size + n, what)

    def skip(self, n: int, what: str = "data") -> None:
        self.need(n, what)
        self._pos += n

    def seek(self, pos: int) -> None:
        if pos < 0 or pos > self.size:
            raise self.fail(f"offset {pos} is outside the file")
        self._pos = pos

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))


def read_prefix(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def bytes_reader(data: bytes, path: str | Path) -> BoundedReader:
    return BoundedReader(io.BytesIO(data), len(data), path)
