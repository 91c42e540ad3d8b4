"""Byte streams the scanner reads pickles from, without loading whole files.

A `Stream` is a forward-only buffered reader over a *source*: a window of a
file (a zip member stored in place, the rest of a file) or a decompressor
(zlib, gzip, bz2, xz/lzma, lz4 frame).  Skipping is cheap on a file window
(a seek) and costs a decompression pass on compressed data.  Nothing here
trusts a length a file declares: reads are capped and come back short at EOF.
"""
from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from typing import BinaryIO

CHUNK = 1 << 16
LINE_LIMIT = 64 << 20  # protocol-0 argument lines longer than this are not followed (LineTooLong)


class StreamError(Exception):
    """The data ends early or cannot be decoded."""


class LineTooLong(StreamError):
    """A newline-terminated argument longer than LINE_LIMIT; `head` is its start."""

    def __init__(self, head: bytes):
        super().__init__(f"argument line longer than {LINE_LIMIT >> 20} MiB")
        self.head = head


def skip_by_reading(read, n: int, chunk: int = 1 << 20) -> int:
    """Skip n bytes of a stream that can only be read forward; the bytes skipped (fewer at its end)."""
    got = 0
    while got < n:
        piece = read(min(chunk, n - got))
        if not piece:
            break
        got += len(piece)
    return got


class FileWindow:
    """`length` bytes of an open binary file starting at `start` (None: to EOF)."""

    def __init__(self, f: BinaryIO, start: int, length: int | None = None):
        self.f, self.pos = f, start
        self.end = None if length is None else start + length

    def read(self, n: int) -> bytes:
        if self.end is not None:
            n = max(0, min(n, self.end - self.pos))
        if n == 0:
            return b""
        self.f.seek(self.pos)
        data = self.f.read(n)
        self.pos += len(data)
        return data

    def skip(self, n: int) -> int:
        size = self.f.seek(0, 2)
        limit = size if self.end is None else min(size, self.end)
        step = max(0, min(n, limit - self.pos))
        self.pos += step
        return step


class Decompressed:
    """The decompressed bytes of a source, produced on demand (memory flat)."""

    def __init__(self, raw, decompressor, *, multistream: str | None = None):
        self.raw, self.d = raw, decompressor
        self.pending = b""  # compressed input not consumed yet (max_length cut)
        self.done = False
        # joblib's readers (BZ2File, LZMAFile, its BinaryZlibFile, GzipFile) go on into the next
        # stream after one ends, as the command-line tools do; a zip member is one stream.
        # `multistream` is the kind (decompressor_for) of the streams that may follow.
        self.multistream = multistream

    def read(self, n: int) -> bytes:
        out = []
        while n > 0 and not self.done:
            if self._needs_input() and not self.pending:
                self.pending = self.raw.read(CHUNK)
                if not self.pending:
                    self.done = True
                    break
            was_restarted = self.restarted
            try:
                piece = self._step(n)
            except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as exc:
                if self.restarted:  # trailing bytes after a stream: the readers stop there
                    self.done = True
                    break
                raise StreamError(f"corrupt compressed data: {exc}") from None
            if was_restarted and piece:  # the bytes after the first stream are a real next stream
                self.restarted = False
            out.append(piece)
            n -= len(piece)
        return b"".join(out)

    restarted = False

    def _next_stream(self) -> None:
        """After one stream's end: the next stream, if any bytes follow (multistream readers)."""
        d = self.d
        rest = getattr(d, "unused_data", b"") + self.pending
        self.pending = rest or self.raw.read(CHUNK)
        if not self.pending:
            return
        self.d = decompressor_for(self.multistream)
        self.done = False
        self.restarted = True

    def _needs_input(self) -> bool:
        d = self.d
        if isinstance(d, (bz2.BZ2Decompressor, lzma.LZMADecompressor)):
            return d.needs_input
        return not d.unconsumed_tail

    def _step(self, n: int) -> bytes:
        d = self.d
        if isinstance(d, (bz2.BZ2Decompressor, lzma.LZMADecompressor)):
            data, self.pending = self.pending, b""
            piece = d.decompress(data, max_length=n)
        else:
            piece = d.decompress(self.pending, n)
            self.pending = d.unconsumed_tail
        if d.eof:
            self.done = True
            if self.multistream:
                self._next_stream()
        return piece

    def skip(self, n: int) -> int:
        return skip_by_reading(self.read, n, CHUNK * 16)


def decompressor_for(kind: str):
    """A fresh decompressor object for one of the joblib/zip compressions."""
    if kind == "zlib":
        return zlib.decompressobj()
    if kind == "deflate":  # raw deflate, as in zip members
        return zlib.decompressobj(-15)
    if kind == "gzip":
        return zlib.decompressobj(31)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    if kind in ("xz", "lzma"):
        return lzma.LZMADecompressor(lzma.FORMAT_AUTO)
    raise ValueError(kind)


class Lz4Frame:
    """The LZ4 frame format, decoded in pure Python (the stdlib has no lz4).

    Spec: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and
    lz4_Block_format.md.  Linked blocks are supported by keeping a 64 KiB
    window; checksums are skipped, not verified (we scan, we don't load).
    Slow (about a few MB/s), which is acceptable for joblib files; the
    caller caps the amount it decompresses.
    """

    def __init__(self, raw):
        self.raw = raw
        self.out = bytearray()  # decoded, not yet returned
        self.window = b""
        self.done = False
        self._header()

    def _need(self, n: int) -> bytes:
        data = self.raw.read(n)
        if len(data) != n:
            raise StreamError("truncated lz4 frame")
        return data

    def _header(self, magic: bytes | None = None) -> None:
        if (magic or self._need(4)) != b"\x04\x22\x4d\x18":
            raise StreamError("not an lz4 frame")
        flg, _bd = self._need(2)
        if flg >> 6 != 1:
            raise StreamError("unsupported lz4 frame version")
        self.block_checksum = bool(flg & 0x10)
        self.content_checksum = bool(flg & 0x04)
        extra = (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0) + 1  # size, dict id, HC
        self._need(extra)

    def _next_block(self) -> None:
        (word,) = struct.unpack("<I", self._need(4))
        if word == 0:  # EndMark; lz4.frame's reader goes on into a following frame
            if self.content_checksum:
                self._need(4)
            magic = self.raw.read(4)
            if magic == b"\x04\x22\x4d\x18":
                self._header(magic)
            else:
                self.done = True
            return
        size, stored = word & 0x7FFFFFFF, bool(word & 0x80000000)
        if size > (4 << 20):  # the largest block size lz4 defines
            raise StreamError("lz4 block larger than 4 MiB")
        data = self._need(size)
        if self.block_checksum:
            self._need(4)
        block = data if stored else _lz4_block(data, self.window)
        self.window = (self.window + block)[-65536:]
        self.out += block

    def read(self, n: int) -> bytes:
        while len(self.out) < n and not self.done:
            self._next_block()
        piece = bytes(self.out[:n])
        del self.out[:n]
        return piece

    def skip(self, n: int) -> int:
        return skip_by_reading(self.read, n)


def _lz4_block(src: bytes, window: bytes) -> bytes:
    """Decode one LZ4 block; `window` is the tail of the previous blocks."""
    out = bytearray(window)
    base = len(out)
    i, n = 0, len(src)
    while i < n:
        token = src[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                b = src[i]
                i += 1
                lit += b
                if b != 255:
                    break
        out += src[i:i + lit]
        i += lit
        if i >= n:
            break
        offset = src[i] | (src[i + 1] << 8)
        i += 2
        if offset == 0 or offset > len(out):
            raise StreamError("bad lz4 match offset")
        mlen = token & 15
        if mlen == 15:
            while True:
                b = src[i]
                i += 1
                mlen += b
                if b != 255:
                    break
        mlen += 4
        start = len(out) - offset
        if offset >= mlen:
            out += out[start:start + mlen]
        else:  # overlapping copy: the last `offset` bytes repeat
            pattern = bytes(out[start:])
            out += (pattern * (mlen // offset + 1))[:mlen]
    return bytes(out[base:])


class Stream:
    """A buffered, forward-only reader with a position, over any source."""

    def __init__(self, source, *, limit: int | None = None):
        self.src = source
        self.buf = b""
        self.bpos = 0
        self.pos = 0  # bytes consumed by the caller
        self.limit = limit  # stop producing data after this many bytes
        self.chunk = 4096  # grows while the caller keeps reading: a sniff reads little

    def _fill(self, n: int) -> None:
        while len(self.buf) - self.bpos < n:
            want = max(self.chunk, n - (len(self.buf) - self.bpos))
            self.chunk = min(self.chunk * 2, 1 << 20)
            if self.limit is not None:
                want = min(want, self.limit - self.pos - (len(self.buf) - self.bpos))
                if want <= 0:
                    return
            data = self.src.read(want)
            if not data:
                return
            self.buf = self.buf[self.bpos:] + data
            self.bpos = 0

    def read(self, n: int) -> bytes:
        start, end = self.bpos, self.bpos + n
        if end <= len(self.buf):  # the common case, kept short: one call per pickle opcode
            self.bpos = end
            self.pos += n
            return self.buf[start:end]
        self._fill(n)
        data = self.buf[self.bpos:self.bpos + n]
        self.bpos += len(data)
        self.pos += len(data)
        return data

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return self.buf[self.bpos:self.bpos + n]

    def readline(self) -> bytes:
        out = []
        total = 0
        while total < LINE_LIMIT:
            self._fill(1)
            if self.bpos >= len(self.buf):
                break
            nl = self.buf.find(b"\n", self.bpos)
            end = len(self.buf) if nl < 0 else nl + 1
            piece = self.buf[self.bpos:end]
            self.bpos = end
            self.pos += len(piece)
            out.append(piece)
            total += len(piece)
            if nl >= 0:
                break
        else:
            raise LineTooLong(out[0][:64] if out else b"")
        return b"".join(out)

    def skip(self, n: int) -> int:
        have = len(self.buf) - self.bpos
        if n <= have:
            self.bpos += n
            self.pos += n
            return n
        self.buf, self.bpos = b"", 0
        rest = n - have
        if self.limit is not None:
            rest = min(rest, self.limit - self.pos - have)
        got = have + self.src.skip(rest)
        self.pos += got
        return got

    def at_eof(self) -> bool:
        return not self.peek(1)

    # The C unpickler reads byte payloads (BINBYTES, BYTEARRAY8) into place and frames into its
    # buffer; a plain stream is contiguous, so these are read/skip/nothing (CFileView differs).
    def read_into(self, n: int) -> bytes:
        return self.read(n)

    def skip_into(self, n: int) -> int:
        return self.skip(n)

    def frame(self, n: int) -> None:
        pass


class CFileView(Stream):
    """The bytes CPython's C unpickler reads from a file object without `peek` (io.BytesIO).

    That is how torch hands a zip's data.pkl to its unpickler, how numpy.load reads an object
    array from a BytesIO and how pickle.load(io.BytesIO(...)) reads (Modules/_pickle.c):

    - outside a frame every read takes exactly its bytes from the file;
    - FRAME n reads n bytes from the file into the input buffer, unless they are already
      in it (a FRAME inside a frame is then a no-op);
    - a read (`_Unpickler_Read`) or a line (`_Unpickler_Readline`) that the buffer cannot
      satisfy drops what is left of the buffer and reads afresh from the file, which is at
      the buffer's end;
    - only the byte payloads of BINBYTES, SHORT_BINBYTES, BINBYTES8 and BYTEARRAY8
      (`_Unpickler_ReadInto`) take the rest of the buffer and go on in the file.

    `pickle.loads` and pickle._Unpickler read the same bytes otherwise, which is why a frame
    that ends inside an argument is a disagreement (pickle_scan.Machine.frame_mismatch).
    The file is `source`, a forward-only Stream: the C unpickler never seeks.
    """

    def __init__(self, source: Stream, start: int = 0):
        super().__init__(source)
        self.file = source
        if start and source.skip(start) != start:
            raise StreamError("data ends before the pickle")
        self.pos = start  # offset of buf[bpos] in the stream

    def _replace(self, data: bytes, consumed: int) -> None:
        self.buf, self.bpos = data, consumed

    def frame(self, n: int) -> None:
        if self.bpos + n <= len(self.buf):
            return  # already buffered: _Unpickler_Read succeeds and load_frame rewinds
        start = self.file.pos
        data = self.file.read(n)
        if len(data) < n:
            raise StreamError("pickle data was truncated (FRAME)")
        self._replace(data, 0)
        self.pos = start

    def read(self, n: int) -> bytes:
        start, end = self.bpos, self.bpos + n
        if end <= len(self.buf):
            self.bpos = end
            self.pos += n
            return self.buf[start:end]
        at = self.file.pos
        data = self.file.read(n)  # the rest of the buffer is dropped
        self._replace(data, len(data))
        self.pos = at + len(data)
        return data

    def read_into(self, n: int) -> bytes:
        head = self.buf[self.bpos:self.bpos + n]
        self.bpos += len(head)
        self.pos += len(head)
        if len(head) == n:
            return head
        at = self.file.pos
        rest = self.file.read(n - len(head))
        self._replace(b"", 0)
        self.pos = at + len(rest)
        return head + rest

    def peek(self, n: int) -> bytes:
        have = self.buf[self.bpos:self.bpos + n]
        return have if len(have) == n else self.file.peek(n)

    def readline(self) -> bytes:
        nl = self.buf.find(b"\n", self.bpos)
        if nl >= 0:
            line = self.buf[self.bpos:nl + 1]
            self.bpos = nl + 1
            self.pos += len(line)
            return line
        at = self.file.pos
        line = self.file.readline()
        self._replace(b"", 0)
        self.pos = at + len(line)
        return line

    def skip(self, n: int) -> int:
        """A skipped big argument: read as _Unpickler_Read reads it (drops the buffer)."""
        if self.bpos + n <= len(self.buf):
            self.bpos += n
            self.pos += n
            return n
        at = self.file.pos
        got = self.file.skip(n)
        self._replace(b"", 0)
        self.pos = at + got
        return got

    def skip_into(self, n: int) -> int:
        have = min(n, len(self.buf) - self.bpos)
        self.bpos += have
        self.pos += have
        if have == n:
            return n
        at = self.file.pos
        got = self.file.skip(n - have)
        self._replace(b"", 0)
        self.pos = at + got
        return have + got

    def at_eof(self) -> bool:
        return self.bpos >= len(self.buf) and self.file.at_eof()
