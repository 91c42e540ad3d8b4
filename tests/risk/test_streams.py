"""The stream readers: decompressors and the pure-Python LZ4 frame decoder."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import zlib

import pytest

from dh_mlmodel.risk.streams import (Decompressed, FileWindow, Lz4Frame, Stream, StreamError, _lz4_block,
                                     decompressor_for)


def data_mix() -> bytes:
    rnd = random.Random(7)
    parts = [bytes(rnd.randrange(256) for _ in range(5000)), b"ab" * 40000, b"\x00" * 70000,
             bytes(range(256)) * 300, b"xyz" * 3]
    return b"".join(parts) * 2


@pytest.mark.parametrize("kind,compress", [
    ("zlib", zlib.compress), ("gzip", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress),
    ("lzma", lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)),
    ("deflate", lambda d: zlib.compress(d)[2:-4])])
def test_decompressed_stream_reads_skips_and_ends(kind, compress):
    data = data_mix()
    s = Stream(Decompressed(FileWindow(io.BytesIO(compress(data)), 0), decompressor_for(kind)))
    assert s.read(10) == data[:10]
    assert s.skip(100_000) == 100_000
    assert s.read(len(data)) == data[100_010:]
    assert s.at_eof()


def test_lz4_block_with_overlapping_matches():
    # token 0x1F: 1 literal 'a', then a match at offset 1 of 15+4+5 bytes; then 2 last literals.
    block = bytes([0x1F]) + b"a" + b"\x01\x00" + bytes([5]) + bytes([0x20]) + b"bc"
    assert _lz4_block(block, b"") == b"a" * 25 + b"bc"
    with pytest.raises(StreamError):
        _lz4_block(bytes([0x10]) + b"a" + b"\x09\x00", b"")  # offset beyond the output


def test_lz4_frame_matches_reference_library():
    lz4 = pytest.importorskip("lz4.frame")
    data = data_mix()
    for linked in (True, False):
        frame = lz4.compress(data, block_linked=linked, block_size=lz4.BLOCKSIZE_MAX64KB, content_checksum=True)
        s = Stream(Lz4Frame(FileWindow(io.BytesIO(frame), 0)))
        assert s.read(len(data) + 1) == data


def test_stream_readline_is_capped(monkeypatch):
    import dh_mlmodel.risk.streams as streams
    monkeypatch.setattr(streams, "LINE_LIMIT", 1000)
    s = Stream(FileWindow(io.BytesIO(b"x" * 5000), 0))
    with pytest.raises(streams.LineTooLong) as exc:
        s.readline()
    assert exc.value.head.startswith(b"xxx") and isinstance(exc.value, StreamError)


def test_file_window_never_reads_past_its_end():
    f = io.BytesIO(b"0123456789")
    w = Stream(FileWindow(f, 2, 5))
    assert w.read(100) == b"23456"
    assert w.skip(10) == 0
