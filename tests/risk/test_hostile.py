"""Hostile inputs: never a crash, never an allocation a header claims, never a hang."""
from __future__ import annotations

import gzip
import random
import struct

from conftest import Cost
from dh_mlmodel.risk import scan_file

from .samples import BENIGN_DATA_PKL, EVIL, SAMPLES, plain_zip, torch_zip


def test_mutated_samples_never_crash(tmp_path):
    rnd = random.Random(4)
    seeds = [s.build() for s in SAMPLES]
    path = tmp_path / "f"
    for _ in range(800):
        data = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 5)):
            if rnd.random() < 0.6 and data:
                data[rnd.randrange(len(data))] = rnd.randrange(256)
            else:
                del data[rnd.randrange(len(data) + 1):]
        path.write_bytes(bytes(data))
        found = scan_file(path, "f")
        assert isinstance(found, tuple)


def test_claimed_huge_lengths_are_not_allocated(tmp_path):
    for op, fmt in ((b"\x8e", "<Q"), (b"B", "<I"), (b"X", "<I"), (b"\x8d", "<Q"), (b"\x96", "<Q")):
        path = tmp_path / "big.pkl"
        path.write_bytes(b"\x80\x05" + op + struct.pack(fmt, (1 << 62) if fmt == "<Q" else 0xFFFFFFF0) + b"xx")
        with Cost() as cost:
            found = scan_file(path)
        assert cost.peak < 1 << 20, cost.peak  # the claim is 2^62 bytes (or 4 GiB)
        assert any(f.tag == "pickle-parse-error" for f in found)


def test_compressed_stack_bomb_is_bounded(tmp_path):
    path = tmp_path / "bomb.joblib"
    path.write_bytes(gzip.compress(b"\x80\x02" + b"N" * (3 << 20) + b"."))
    with Cost() as cost:
        found = scan_file(path)
    assert cost.peak < 64 << 20, cost.peak  # 3 Mi pushes decompressed; the stack cap holds 1 Mi items
    # we stop at our stack cap where CPython would go on: an error, since the rest is unscanned
    assert any(f.tag == "pickle-unscannable-data" and f.severity == "error" and "stack" in f.message for f in found)


def test_zip_nesting_is_bounded(tmp_path):
    data = torch_zip(EVIL)
    for i in range(6):
        data = plain_zip({f"level{i}.zip": data})
    path = tmp_path / "deep.zip"
    path.write_bytes(data)
    found = scan_file(path)
    assert any(f.tag == "archive-nesting-too-deep" and f.severity == "error" for f in found)


def test_truncated_torch_zip_is_still_walked(tmp_path):
    data = torch_zip(BENIGN_DATA_PKL, {"extra.pkl": EVIL})
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: data.rfind(b"PK\x01\x02")])  # central directory gone: local headers remain
    found = scan_file(path)
    assert any("posix.system" in f.message and f.severity == "error" for f in found)


def test_long_argument_lines(tmp_path, monkeypatch):
    import dh_mlmodel.risk.streams as streams
    monkeypatch.setattr(streams, "LINE_LIMIT", 4096)
    path = tmp_path / "long.txt"
    # a quoted STRING longer than our limit: CPython accepts it, so what follows is unscanned -> error
    path.write_bytes(b"S'" + b"a" * (3 << 20) + b"'\np0\n0cos\nsystem\n(S'id'\ntR.")
    assert any(f.tag == "pickle-unscannable-data" and f.severity == "error" for f in scan_file(path))
    # an unquoted one: CPython refuses it as well, so this is no pickle at all
    path.write_bytes(b"S" + b"a" * 10000 + b"\n")
    assert scan_file(path) == ()


def test_storage_starting_with_pickle_magic_is_not_a_pickle(tmp_path):
    path = tmp_path / "m.pt"
    path.write_bytes(torch_zip(BENIGN_DATA_PKL, {"data/3": b"\x80\x02\xff\xfe" + bytes(range(256))}))
    assert [f.tag for f in scan_file(path)] == ["pickle-format-used"]
