"""safetensors: our header parser against the reference reader.

Valid files come from safetensors' own writer; mutated files (hypothesis)
must be accepted or refused exactly as `safetensors.safe_open` does, with
the same names, shapes, dtypes and metadata.  The one deliberate
difference, a duplicated tensor name, is accepted by both but reported by
us (docs/formats.md).
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dh_mlmodel.formats import safetensors as ours
from dh_mlmodel.formats.binio import FormatError

np = pytest.importorskip("numpy")
safetensors = pytest.importorskip("safetensors")
from safetensors.numpy import save as st_save  # noqa: E402

pytestmark = pytest.mark.reference

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "U8": np.uint8, "BOOL": np.bool_, "F64": np.float64, "I8": np.int8}


def _reference(path: Path):
    """(names -> (dtype, shape), metadata), or None when the reference refuses the file."""
    try:
        with safetensors.safe_open(str(path), framework="np") as f:
            tensors = {k: (f.get_slice(k).get_dtype(), tuple(f.get_slice(k).get_shape())) for k in f.keys()}
            return tensors, f.metadata()
    except Exception:  # noqa: BLE001 - SafetensorError, and any other refusal, counts as "refused"
        return None


def _ours(path: Path):
    try:
        header = ours.read_header(path)
    except FormatError:
        return None
    return {t.name: (t.dtype, t.shape) for t in header.tensors}, header.metadata


def _assert_same(path: Path) -> None:
    ref, mine = _reference(path), _ours(path)
    assert (ref is None) == (mine is None), f"reference {'refused' if ref is None else 'accepted'}, we {'refused' if mine is None else 'accepted'}: {path.read_bytes()[:300]!r}"
    if ref is not None:
        assert mine == ref


@st.composite
def tensor_dicts(draw):
    names = draw(st.lists(st.text(st.characters(codec="utf-8"), min_size=1, max_size=8), min_size=0, max_size=4, unique=True))
    out = {}
    for name in names:
        dtype = draw(st.sampled_from(sorted(DTYPES)))
        shape = draw(st.lists(st.integers(0, 4), max_size=3))
        out[name] = np.zeros(shape, DTYPES[dtype])
    return out


def _valid_bytes(tensors, metadata=None) -> bytes:
    return st_save(tensors, metadata=metadata)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tensor_dicts(), st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)))
def test_valid_files_agree(tmp_path: Path, tensors, metadata) -> None:
    path = tmp_path / "m.safetensors"
    path.write_bytes(_valid_bytes(tensors, metadata))
    _assert_same(path)
    if tensors or metadata is None:
        # safetensors 0.8.0's writer emits `{},"__metadata__":{…}}` for metadata without
        # tensors, which its own reader refuses; both sides agree on that above.
        assert _ours(path) is not None


BASE = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, np.int64), "c": np.zeros((0,), np.uint8)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_byte_mutations_agree(tmp_path: Path, data) -> None:
    raw = bytearray(_valid_bytes(BASE, {"format": "pt"}))
    kind = data.draw(st.sampled_from(["flip", "truncate", "append", "header_len"]))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            raw[pos] = data.draw(st.integers(0, 255))
    elif kind == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "append":
        raw += data.draw(st.binary(min_size=1, max_size=16))
    else:
        raw[:8] = struct.pack("<Q", data.draw(st.one_of(st.integers(0, 400), st.integers(0, 2**64 - 1))))
    path = tmp_path / "m.safetensors"
    path.write_bytes(bytes(raw))
    _assert_same(path)


def _file_from_header(header_text: str, data_len: int) -> bytes:
    raw = header_text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw + b"\0" * data_len


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 2**65), st.floats(allow_nan=False), st.text(max_size=4)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3)),
    max_leaves=6,
)


@st.composite
def header_mutations(draw):
    """Structured edits of a valid header: what byte flips rarely reach."""
    entries = [["a", {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}],
               ["b", {"dtype": "I64", "shape": [4], "data_offsets": [24, 56]}]]
    meta = {"format": "pt"}
    data_len = 56
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["dtype", "shape", "offsets", "dup", "field", "meta", "drop", "extra", "len"]))
        entry = draw(st.sampled_from([e for e in entries if isinstance(e[1], dict)]))[1]
        if op == "dtype":
            entry["dtype"] = draw(st.one_of(st.sampled_from(sorted(ours.DTYPE_BITS)), st.text(max_size=5), JSON_VALUES))
        elif op == "shape":
            entry["shape"] = draw(st.one_of(st.lists(st.integers(-1, 2**64), max_size=4), JSON_VALUES))
        elif op == "offsets":
            entry["data_offsets"] = draw(st.one_of(st.lists(st.integers(-1, 80), min_size=2, max_size=2), JSON_VALUES))
        elif op == "dup":
            entries.append([entries[0][0], dict(entries[0][1])])
        elif op == "field":
            entry[draw(st.text(max_size=6))] = draw(JSON_VALUES)
        elif op == "meta":
            meta = draw(st.one_of(st.dictionaries(st.text(max_size=3), JSON_VALUES, max_size=2), JSON_VALUES))
        elif op == "drop":
            if entry:
                entry.pop(draw(st.sampled_from(sorted(entry))))
        elif op == "extra":
            entries.append([draw(st.text(max_size=4)), draw(JSON_VALUES)])
        else:
            data_len = draw(st.integers(0, 80))
    parts = [json.dumps("__metadata__") + ":" + json.dumps(meta)] if meta is not None else []
    parts += [json.dumps(k) + ":" + json.dumps(v) for k, v in entries]
    return _file_from_header("{" + ",".join(parts) + "}", data_len)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header_mutations())
def test_header_mutations_agree(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "m.safetensors"
    path.write_bytes(raw)
    _assert_same(path)


@pytest.mark.parametrize("field", ['"shape": {}', '"shape": {"0": 2}', '"data_offsets": {"0": 0, "1": 24}'])
def test_json_object_is_no_list(tmp_path: Path, field: str) -> None:
    """A JSON object where a list belongs: refused, also in an entry a later duplicate overrides (found by hypothesis)."""
    entry = {"dtype": '"F32"', "shape": "[2, 3]", "data_offsets": "[0, 24]"}
    key, value = field.split(": ", 1)
    entry[key.strip('"')] = value
    bad = "{" + ", ".join(f'"{k}": {v}' for k, v in entry.items()) + "}"
    good = '{"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}'
    for header in ('{"a": ' + bad + "}", '{"a": ' + bad + ', "a": ' + good + "}"):
        path = tmp_path / "m.safetensors"
        path.write_bytes(_file_from_header(header, 24))
        assert _reference(path) is None
        _assert_same(path)


def test_duplicate_names_are_reported(tmp_path: Path) -> None:
    header = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}'
    path = tmp_path / "dup.safetensors"
    path.write_bytes(_file_from_header(header, 2))
    assert _reference(path) is not None  # the reference keeps the last one silently
    meta, findings = ours.describe(path, "dup.safetensors")
    assert [f.tag for f in findings] == ["safetensors-duplicate-tensor-name"]
    assert meta["tensors"] == 1
