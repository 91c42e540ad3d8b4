"""Fuzz every describer: random and mutated bytes end in a result or a FormatError, never anything else.

Seeds are small valid files of each format (written here by hand from the
format specs, so the suite also runs without the reference libraries); the
mutations flip, truncate, splice and overwrite lengths.  A longer run of the
same properties lives in bench/inspect_fuzz.py.
"""
from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dh_mlmodel.describe import DESCRIBERS
from dh_mlmodel.detect import detect
from dh_mlmodel.formats.binio import FormatError


def _st_seed() -> bytes:
    header = json.dumps({"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 8


def _gguf_seed() -> bytes:
    def s(b: bytes) -> bytes:
        return struct.pack("<Q", len(b)) + b
    raw = b"GGUF" + struct.pack("<IQQ", 3, 1, 3)
    raw += s(b"general.architecture") + struct.pack("<I", 8) + s(b"llama")
    raw += s(b"tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3) + s(b"a") + s(b"b") + s(b"c")
    raw += s(b"general.alignment") + struct.pack("<II", 4, 32)
    raw += s(b"w") + struct.pack("<IQIQ", 1, 32, 0, 0)
    return raw + b"\0" * (-len(raw) % 32) + b"\0" * 128


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _onnx_seed() -> bytes:
    opset = _len_field(1, b"") + b"\x10\x11"
    tensor = _len_field(8, b"w") + _len_field(13, _len_field(1, b"location") + _len_field(2, b"w.bin"))
    graph = _len_field(1, _len_field(1, b"x") + _len_field(4, b"Relu")) + _len_field(2, b"g") + _len_field(5, tensor)
    return b"\x08\x08" + _len_field(2, b"prod") + _len_field(7, graph) + _len_field(8, opset) + \
        _len_field(14, _len_field(1, b"license") + _len_field(2, b"mit"))


def _sp_seed() -> bytes:
    piece = _len_field(1, b"\xe2\x96\x81a") + b"\x15\x00\x00\x80\xbf"
    trainer = _len_field(1, b"botchan.txt") + b"\x18\x01" + b"\x20\x03"
    return _len_field(1, piece) * 3 + _len_field(2, trainer)


def _npy_seed() -> bytes:
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
    header = header.ljust(117) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 16


def _npz_seed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.npy", _npy_seed())
    return buf.getvalue()


def _tflite_seed() -> bytes:
    from test_tflite import _model, _model_metadata  # the FlatBuffer writer of the TFLite tests
    return _model(_model_metadata())


def _torch_zip_seed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({}, protocol=2))
        zf.writestr("archive/data/0", b"\0" * 8)
    return buf.getvalue()


SEEDS: dict[str, tuple[str, bytes]] = {
    "safetensors": ("m.safetensors", _st_seed()),
    "gguf": ("m.gguf", _gguf_seed()),
    "onnx": ("m.onnx", _onnx_seed()),
    "sentencepiece": ("sp.model", _sp_seed()),
    "numpy": ("a.npy", _npy_seed()),
    "npz": ("a.npz", _npz_seed()),
    "tflite": ("m.tflite", _tflite_seed()),
    "ggml-legacy": ("g.bin", b"lmgg" + struct.pack("<I", 4) + b"abcd" + b"\0" * 16),
    "safetensors-index": ("model.safetensors.index.json", b'{"weight_map": {"a": "m.safetensors"}}'),
    "config-json": ("config.json", b'{"_name_or_path": "a", "auto_map": {"A": "b.C"}}'),
    "tokenizer-json": ("tokenizer.json", b'{"model": {"type": "BPE", "vocab": {"a": 0}}}'),
    "model-card": ("README.md", b"---\nlicense: mit\ndatasets: [a]\n---\n"),
    "pytorch-zip": ("m.pt", _torch_zip_seed()),
    "pickle": ("p.pkl", pickle.dumps([1, 2], protocol=2)),
    "chat-template": ("chat_template.jinja", b"{{ x }}"),
}


def test_every_seed_is_valid(tmp_path: Path) -> None:
    for fmt, (name, data) in SEEDS.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert detect(path, name).format == fmt, name
        DESCRIBERS[fmt](path, name)  # no exception on the valid seed


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    raw = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "u64", "u32", "varint"]))
        if not raw:
            break
        pos = draw(st.integers(0, len(raw) - 1))
        if op == "flip":
            raw[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del raw[pos:]
        elif op == "insert":
            raw[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "u64":
            raw[pos:pos + 8] = struct.pack("<Q", draw(st.sampled_from([2**63, 2**60, 2**64 - 1, 2**31, 0])))
        elif op == "u32":
            raw[pos:pos + 4] = struct.pack("<I", draw(st.sampled_from([2**31, 2**32 - 1, 0, 9])))
        else:
            raw[pos:pos + 1] = b"\xff" * draw(st.integers(1, 12))
    return bytes(raw)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutations_never_escape(tmp_path: Path, fmt: str) -> None:
    name, seed = SEEDS[fmt]
    path = tmp_path / name

    @settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(mutated(seed), st.binary(max_size=256)))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        try:
            DESCRIBERS[fmt](path, name)
        except FormatError as exc:
            assert exc.path == name and "\n" not in exc.one_line()

    check()


NAMES = ["model.safetensors", "m.gguf", "x.onnx", "notes.txt", "model.bin", "config.json", "README.md", "a.npy", "tokenizer.json"]


def test_detect_and_describe_never_escape(tmp_path: Path) -> None:
    from dh_mlmodel.describe import describe

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(NAMES), st.one_of(st.binary(max_size=512),
                                             st.sampled_from([s for _, s in SEEDS.values()]).flatmap(mutated)))
    def check(name: str, data: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        facts = describe(detect(path, name), hash=False)
        for finding in facts.findings:
            assert "internal" not in finding.message and "unreadable (" not in finding.message, finding

    check()
