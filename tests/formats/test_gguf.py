"""GGUF: our streaming reader against gguf-py's GGUFReader.

Valid files come from gguf's GGUFWriter; mutated ones (hypothesis) must be
accepted or refused as GGUFReader does, with the same KV values and tensor
infos.  Where GGUFReader would spin on a hostile count (it walks an array
of 2^60 items one empty numpy view at a time), we bound it with an alarm and
only require that we refuse the file quickly.  Deliberate differences
(docs/formats.md): we also read v1 files.
"""
from __future__ import annotations

import signal
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import Cost
from dh_mlmodel.formats import gguf as ours
from dh_mlmodel.formats.binio import FormatError

np = pytest.importorskip("numpy")
gguf = pytest.importorskip("gguf")

pytestmark = pytest.mark.reference


class _Slow(Exception):
    pass


def _alarm(_sig, _frame):
    raise _Slow()


def _reference(path: Path, seconds: int = 2):
    """(kv, tensors) as GGUFReader sees them; None when it refuses; _Slow when it spins."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        reader = gguf.GGUFReader(str(path))
        kv = {}
        for name, field in reader.fields.items():
            if name.startswith("GGUF."):
                continue
            if field.types and field.types[0] == gguf.GGUFValueType.ARRAY and len(field.types) > 2:
                kv[name] = "nested"
            else:
                kv[name] = field.contents()
        tensors = {t.name: (tuple(int(d) for d in t.shape), t.tensor_type.name, int(t.n_elements)) for t in reader.tensors}
        return kv, tensors
    except _Slow:
        raise
    except Exception:  # noqa: BLE001 - any refusal of the reference counts as "refused"
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _ours(path: Path):
    try:
        header = ours.read_header(path)
    except FormatError:
        return None
    kv = {}
    for key, value in header.kv.items():
        if isinstance(value, list) and any(isinstance(v, list) for v in value):
            kv[key] = "nested"
        else:
            kv[key] = value
    tensors = {t.name: (t.dims, t.ggml_type, int(np.prod(t.dims)) if t.dims else 1) for t in header.tensors}
    return kv, tensors


def _comparable(ref_kv: dict, our_kv: dict) -> None:
    assert set(ref_kv) == set(our_kv)
    for key, ref in ref_kv.items():
        mine = our_kv[key]
        if isinstance(mine, ours.ArraySummary):
            assert isinstance(ref, list) and len(ref) == mine.count, key
        elif isinstance(mine, float) or (isinstance(mine, list) and mine and isinstance(mine[0], float)):
            assert np.allclose(np.array(ref, dtype=float), np.array(mine, dtype=float), equal_nan=True), key
        else:
            assert ref == mine, key


def _assert_same(path: Path) -> None:
    with Cost() as cost:
        mine = _ours(path)
    assert cost.peak < 16 << 20, cost.peak  # small files: whatever their counts claim
    try:
        ref = _reference(path)
    except _Slow:
        assert mine is None, "GGUFReader spins on this file, we must refuse it"
        return
    raw = path.read_bytes()
    if len(raw) >= 8 and struct.unpack_from("<I", raw, 4)[0] == 1:
        assume(False)  # v1: we read it, GGUFReader refuses by design
    assert (ref is None) == (mine is None), f"reference {'refused' if ref is None else 'accepted'}, we {'refused' if mine is None else 'accepted'}"
    if ref is not None:
        _comparable(ref[0], mine[0])
        assert ref[1] == mine[1]  # GGUFReader's shape is in GGUF order, like ours


def write_gguf(path: Path, *, tokens: int = 20, tensors: bool = True, extra=None) -> None:
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_license("apache-2.0")
    w.add_name("tiny")
    w.add_uint32("test.u32", 7)
    w.add_float32("test.f32", 0.5)
    w.add_bool("test.bool", True)
    w.add_array("test.ints", [1, 2, 3])
    w.add_token_list([f"tok{i}" for i in range(tokens)])
    w.add_token_scores([0.0] * tokens)
    w.add_chat_template("{% for m in messages %}{{ m.content }}{% endfor %}")
    if extra:
        extra(w)
    if tensors:
        w.add_tensor("w1", np.arange(64, dtype=np.float32).reshape(2, 32))
        w.add_tensor("w2", np.zeros(16, dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_writer_output_agrees(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    write_gguf(path, tokens=300)  # 300 > KEEP_ARRAY_ITEMS: summarised, count compared
    _assert_same(path)
    header = ours.read_header(path)
    assert header.kv["tokenizer.ggml.tokens"] == ours.ArraySummary("STRING", 300)
    meta = ours.summarize(header)
    assert meta["license"] == "apache-2.0" and meta["tensors"] == 2 and meta["parameters"] == 80
    assert meta["dtypes"] == ["F16", "F32"] and meta["vocab_size"] == 300


def test_base_models_and_both_dataset_key_styles(tmp_path: Path) -> None:
    def extra(w):
        w.add_base_model_count(2)
        w.add_base_model_name(0, "Base A")
        w.add_base_model_organization(0, "Org A")
        w.add_base_model_repo_url(0, "https://example.org/a")
        w.add_base_model_name(1, "Base B")
        w.add_dataset_count(1)
        w.add_dataset_name(0, "gguf-py style")
        w.add_array("general.datasets", ["spec style"])
        w.add_chat_template([{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}])
    path = tmp_path / "m.gguf"
    write_gguf(path, extra=extra)
    meta = ours.summarize(ours.read_header(path))
    assert meta["base_models"] == [{"name": "Base A", "organization": "Org A", "repo_url": "https://example.org/a"},
                                   {"name": "Base B"}]
    assert meta["datasets"] == ["spec style", "gguf-py style"]
    assert meta["chat_templates"]["tool_use"] == "T"


def test_vocab_only_gguf(tmp_path: Path) -> None:
    path = tmp_path / "ggml-vocab-x.gguf"
    write_gguf(path, tensors=False)
    _assert_same(path)
    assert ours.is_vocab_only(ours.read_header(path))


@pytest.fixture(scope="module")
def base_file(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("gguf") / "base.gguf"
    write_gguf(path)
    return path.read_bytes()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutations_agree(tmp_path: Path, base_file: bytes, data) -> None:
    raw = bytearray(base_file)
    header_end = len(raw) - 64 * 4 - 16 * 2 - 32  # roughly where tensor data begins
    kind = data.draw(st.sampled_from(["flip", "truncate", "u64"]))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 3))):
            raw[data.draw(st.integers(0, header_end))] = data.draw(st.integers(0, 255))
    elif kind == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:  # a length or count field replaced by a hostile value
        pos = data.draw(st.integers(0, header_end - 8))
        raw[pos:pos + 8] = struct.pack("<Q", data.draw(st.sampled_from([2**63, 2**60, 2**32, 2**64 - 1, 0, 1])))
    path = tmp_path / "m.gguf"
    path.write_bytes(bytes(raw))
    _assert_same(path)


def test_big_endian_file_from_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "be.gguf"
    w = gguf.GGUFWriter(str(path), "llama", endianess=gguf.GGUFEndian.BIG)
    w.add_license("mit")
    w.add_uint32("test.u32", 7)
    w.add_tensor("w", np.zeros((2, 32), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    header = ours.read_header(path)
    assert header.big_endian and header.kv["test.u32"] == 7 and header.kv["general.license"] == "mit"
    assert header.tensors[0].dims == (32, 2)


def test_version_1_is_read(tmp_path: Path) -> None:
    """v1 used u32 counts and lengths (gguf.md history); GGUFReader refuses v1, we read it."""
    def s(b: bytes) -> bytes:
        return struct.pack("<I", len(b)) + b
    raw = b"GGUF" + struct.pack("<III", 1, 1, 2)
    raw += s(b"general.architecture") + struct.pack("<I", 8) + s(b"llama")
    raw += s(b"general.license") + struct.pack("<I", 8) + s(b"mit")
    raw += s(b"w") + struct.pack("<I", 1) + struct.pack("<I", 8) + struct.pack("<IQ", 0, 0)  # v1 dims are u32
    raw += b"\0" * (-len(raw) % 32) + b"\0" * 32
    path = tmp_path / "v1.gguf"
    path.write_bytes(raw)
    header = ours.read_header(path)
    assert header.version == 1 and header.kv["general.license"] == "mit"
    assert header.tensors[0].dims == (8,) and header.tensors[0].ggml_type == "F32"
