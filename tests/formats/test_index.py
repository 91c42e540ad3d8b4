"""model.safetensors.index.json: shard names safe, all shards present, key sets match."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from dh_mlmodel.formats.safetensors import describe_index, unsafe_shard_name


def _shard(path: Path, names: list[str]) -> None:
    entries, offset = {}, 0
    for name in names:
        entries[name] = {"dtype": "U8", "shape": [2], "data_offsets": [offset, offset + 2]}
        offset += 2
    header = json.dumps(entries).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * offset)


def _index(d: Path, weight_map: dict[str, str]) -> Path:
    path = d / "model.safetensors.index.json"
    path.write_text(json.dumps({"metadata": {"total_size": 8}, "weight_map": weight_map}))
    return path


def test_consistent_index(tmp_path: Path) -> None:
    _shard(tmp_path / "model-00001-of-00002.safetensors", ["a", "b"])
    _shard(tmp_path / "model-00002-of-00002.safetensors", ["c"])
    path = _index(tmp_path, {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                             "c": "model-00002-of-00002.safetensors"})
    meta, findings = describe_index(path, path.name)
    assert findings == [] and meta["tensors"] == 3 and meta["parameters"] == 6
    assert meta["shards"] == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]


def test_missing_shard_and_key_mismatch(tmp_path: Path) -> None:
    _shard(tmp_path / "model-00001-of-00002.safetensors", ["a", "extra"])
    path = _index(tmp_path, {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                             "c": "model-00002-of-00002.safetensors"})
    _, findings = describe_index(path, path.name)
    tags = sorted((f.tag, f.member) for f in findings)
    assert tags == [("safetensors-index-key-mismatch", "b"), ("safetensors-index-key-mismatch", "extra"),
                    ("safetensors-index-missing-shard", "model-00002-of-00002.safetensors")]


@pytest.mark.parametrize("name", ["../x.safetensors", "/abs.safetensors", "C:x.safetensors", "a\\..\\..\\x.safetensors",
                                  "\\\\server\\share\\x.safetensors", ""])
def test_unsafe_shard_names(tmp_path: Path, name: str) -> None:
    assert unsafe_shard_name(name)
    path = _index(tmp_path, {"a": name})
    _, findings = describe_index(path, path.name)
    assert [f.tag for f in findings] == ["safetensors-index-unsafe-shard-name"]


def test_safetensors_index_naming_bin_shards(tmp_path: Path) -> None:
    path = _index(tmp_path, {"a": "pytorch_model-00001-of-00001.bin"})
    _, findings = describe_index(path, path.name)
    assert [f.tag for f in findings] == ["safetensors-index-wrong-extension"]


def test_safe_names() -> None:
    assert unsafe_shard_name("model-00001-of-00002.safetensors") is None
    assert unsafe_shard_name("sub/model.safetensors") is None
