"""detect: formats by content, names only as a hint; roles per spec §5."""
from __future__ import annotations

import io
import json
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from dh_mlmodel.detect import detect


def _detect(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    a = detect(path, name)
    return a.format, a.role


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_of_every_protocol_under_a_misleading_name(tmp_path: Path, protocol: int) -> None:
    data = pickle.dumps({"weights": [1.5, 2.5], "name": "x", "nested": ("a", {"b": None})}, protocol=protocol)
    assert _detect(tmp_path, "notes.txt", data) == ("pickle", "weights")


def test_text_that_starts_like_a_pickle_is_text(tmp_path: Path) -> None:
    assert _detect(tmp_path, "notes.txt", b"(see below) this is prose.\nLine two.\n") == ("text", "docs")
    assert _detect(tmp_path, "list.txt", b"]\n") == ("text", "docs")
    assert _detect(tmp_path, "c.txt", b"cat\ndog\n") == ("text", "docs")


def test_torch_legacy_layout(tmp_path: Path) -> None:
    # torch/serialization.py _legacy_save writes these pickles in a row before the storages;
    # torch is not installed here, and plain pickle writes the very same bytes.
    buf = io.BytesIO()
    for obj in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}, {"w": 1}, ["0"]):
        pickle.dump(obj, buf, protocol=2)
    assert _detect(tmp_path, "model.bin", buf.getvalue()) == ("pytorch-legacy", "weights")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_torch_zip_and_torchscript_layouts(tmp_path: Path) -> None:
    # The member layout of torch.save / torch.jit.save (digest §3.1); torch is not installed here.
    # The real thing is in the corpus (akiki-vad.pt), checked by test_corpus_inspect.
    base = {"archive/data.pkl": pickle.dumps({}, protocol=2), "archive/byteorder": b"little",
            "archive/data/0": b"\0" * 16, "archive/version": b"3\n"}
    assert _detect(tmp_path, "model.pt", _zip(base)) == ("pytorch-zip", "weights")
    script = dict(base, **{"archive/constants.pkl": pickle.dumps((), protocol=2),
                           "archive/code/__torch__/m.py": b"def forward(self): pass\n"})
    assert _detect(tmp_path, "model.pth", _zip(script)) == ("torchscript", "weights")
    assert _detect(tmp_path, "other.zip", _zip({"a.txt": b"x"})) == ("other", "other")


def test_keras_layout(tmp_path: Path) -> None:
    # keras/src/saving/saving_lib.py member names; keras is not installed here.
    data = _zip({"metadata.json": b"{}", "config.json": b"{}", "model.weights.h5": b"\x89HDF\r\n\x1a\n"})
    assert _detect(tmp_path, "model.keras", data) == ("keras", "weights")


def test_numpy_and_npz(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    assert _detect(tmp_path, "a.bin", buf.getvalue()) == ("numpy", "weights")
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.zeros(3), b=np.ones(2))
    assert _detect(tmp_path, "a.dat", buf.getvalue()) == ("npz", "weights")


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)])
def test_joblib(tmp_path: Path, compress) -> None:
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    path = tmp_path / "model.pkl"
    joblib.dump({"coef": np.arange(10.0)}, path, compress=compress)
    assert detect(path, "clf.bin").format == "joblib"


def test_hdf5_signature_at_0_and_after_a_user_block(tmp_path: Path) -> None:
    sig = b"\x89HDF\r\n\x1a\n"
    assert _detect(tmp_path, "w.bin", sig + b"\0" * 100) == ("hdf5", "weights")
    assert _detect(tmp_path, "w2.bin", b"\0" * 1024 + sig + b"\0" * 100) == ("hdf5", "weights")


def test_gguf_roles(tmp_path: Path) -> None:
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, 0)
    assert _detect(tmp_path, "ggml-vocab-x.gguf", header) == ("gguf", "tokenizer")  # no tensors: a vocabulary
    header = b"GGUF" + struct.pack("<IQQ", 3, 5, 0)
    assert _detect(tmp_path, "model.bin", header) == ("gguf", "weights")


def test_legacy_ggml_bin_is_not_a_pickle(tmp_path: Path) -> None:
    data = b"lmgg" + struct.pack("<I", 10) + b"silero-16k" + b"\0" * 64
    assert _detect(tmp_path, "ggml-silero.bin", data) == ("ggml-legacy", "weights")


def test_safetensors_by_content_and_malformed_by_claim(tmp_path: Path) -> None:
    header = b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}'
    data = struct.pack("<Q", len(header)) + header + b"\0\0"
    assert _detect(tmp_path, "weights.bin", data) == ("safetensors", "weights")
    assert _detect(tmp_path, "bad.safetensors", b"garbage") == ("safetensors", "weights")


def test_lfs_pointer(tmp_path: Path) -> None:
    ptr = (b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 12345\n")
    assert _detect(tmp_path, "model.safetensors", ptr) == ("lfs-pointer", "weights")
    assert _detect(tmp_path, "README.md", ptr)[0] == "lfs-pointer"
    # not a pointer: unknown spec URL, or an oid that is not 64 hex digits
    assert _detect(tmp_path, "x.txt", ptr.replace(b"spec/v1", b"spec/v9"))[0] == "text"
    assert _detect(tmp_path, "y.txt", ptr.replace(b"a" * 64, b"a" * 63))[0] == "text"


@pytest.mark.parametrize("name,data,expected", [
    ("tokenizer.json", b'{"model": {"type": "BPE", "vocab": {}}}', ("tokenizer-json", "tokenizer")),
    ("tokenizer_config.json", b'{"chat_template": "x"}', ("tokenizer-config", "tokenizer")),
    ("special_tokens_map.json", b'{"bos_token": "<s>"}', ("special-tokens", "tokenizer")),
    ("added_tokens.json", b'{"<x>": 5}', ("special-tokens", "tokenizer")),
    ("chat_template.jinja", b"{% for m in messages %}{% endfor %}", ("chat-template", "tokenizer")),
    ("vocab.txt", b"[PAD]\n[UNK]\n", ("vocab", "tokenizer")),
    ("vocab.json", b'{"a": 0}', ("vocab", "tokenizer")),
    ("merges.txt", b"#version: 0.2\na b\n", ("merges", "tokenizer")),
    ("config.json", b'{"architectures": ["X"]}', ("config-json", "config")),
    ("generation_config.json", b'{"do_sample": true}', ("generation-config", "config")),
    ("model.safetensors.index.json", b'{"weight_map": {}}', ("safetensors-index", "config")),
    ("README.md", b"---\nlicense: mit\n---\n", ("model-card", "docs")),
    ("LICENSE", b"MIT License\n", ("text", "license")),
    ("modeling_x.py", b"import torch\n", ("text", "code")),
    ("config.json.bak", b"\x00\x01\x02binary", ("other", "other")),
    ("empty.bin", b"", ("other", "weights")),
])
def test_side_files_by_name_and_content(tmp_path: Path, name: str, data: bytes, expected) -> None:
    assert _detect(tmp_path, name, data) == expected


def test_tokenizer_json_that_is_not_json_is_not_a_tokenizer(tmp_path: Path) -> None:
    assert _detect(tmp_path, "tokenizer.json", b"plain words\n")[0] == "text"


def test_savedmodel_and_coreml_layouts(tmp_path: Path) -> None:
    (tmp_path / "m" / "variables").mkdir(parents=True)
    (tmp_path / "m" / "saved_model.pb").write_bytes(b"\x08\x01")
    (tmp_path / "m" / "variables" / "variables.index").write_bytes(b"\0\1")
    assert detect(tmp_path / "m" / "variables" / "variables.index", "m/variables/variables.index").format == "tf-savedmodel"
    assert detect(tmp_path / "m" / "saved_model.pb", "m/saved_model.pb").format == "tf-savedmodel"
    assert _detect(tmp_path, "x.mlpackage/Data/com.apple.CoreML/weights/weight.bin", b"\0" * 8) == ("coreml", "weights")


def test_onnx_written_by_onnx(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, producer_name="unit-test")
    assert _detect(tmp_path, "model.bin", model.SerializeToString()) == ("onnx", "weights")


def test_unreadable_file_is_a_one_line_error(tmp_path: Path) -> None:
    from dh_mlmodel.detect import DetectError
    with pytest.raises(DetectError) as info:
        detect(tmp_path / "missing.bin", "missing.bin")
    assert info.value.one_line().startswith("missing.bin: cannot read")
