"""Model card front matter, LFS pointers, HF JSON side files, npy headers."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from dh_mlmodel.formats import hfjson, lfs, modelcard
from dh_mlmodel.formats import numpy as npy
from dh_mlmodel.formats.binio import FormatError


def test_front_matter_keys() -> None:
    card = modelcard.card_from_text(
        "---\nlicense: other\nlicense_name: my-licence\nlicense_link: LICENSE.md\ndatasets:\n- a/b\n- c/d\n"
        "base_model: [x/y, z/w]\nbase_model_relation: merge\npipeline_tag: text-generation\nlibrary_name: transformers\n"
        "language: [en, fr]\n---\n\n# Title\n")
    assert card == modelcard.ModelCard("other", "my-licence", "LICENSE.md", ("a/b", "c/d"), ("x/y", "z/w"), "merge",
                                       "text-generation", "transformers", ("en", "fr"), has_front_matter=True)


def test_front_matter_with_crlf_and_scalars() -> None:
    card = modelcard.card_from_text("---\r\nlicense: apache-2.0\r\ndatasets: one/set\r\nlanguage: en\r\n---\r\nbody")
    assert card.license == "apache-2.0" and card.datasets == ("one/set",) and card.language == ("en",)


def test_no_front_matter() -> None:
    assert modelcard.card_from_text("# Just markdown\n---\nnot front matter\n---\n").has_front_matter is False


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(modelcard.CardError):
        modelcard.card_from_text("---\nlicense: !!python/object/apply:os.system ['true']\n---\n")


def test_broken_yaml_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("---\nlicense: [unclosed\n---\n")
    meta, findings = modelcard.describe(path, "README.md")
    assert [f.tag for f in findings] == ["model-card-invalid-front-matter"]


def test_lfs_pointer_parse() -> None:
    oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n".encode()
    assert lfs.parse_pointer(text) == {"oid": f"sha256:{oid}", "size": 12345}
    assert lfs.parse_pointer(text.replace(b"git-lfs.github.com/spec/v1", b"hawser.github.com/spec/v1"))
    assert lfs.parse_pointer(text + b"x" * 1024) is None  # git-lfs ignores blobs of 1024 bytes or more
    assert lfs.parse_pointer(b"oid sha256:" + oid.encode() + b"\nversion https://git-lfs.github.com/spec/v1\n") is None


def test_config_json(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"_name_or_path": "org/model", "auto_map": {"AutoModel": ["a.B", "c.D"]},
                                "architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "bfloat16",
                                "quantization_config": {"quant_method": "gptq"}}))
    meta, findings = hfjson.describe_config(path, "config.json")
    assert meta["name_or_path"] == "org/model" and meta["auto_map"] == {"AutoModel": ["a.B", "c.D"]}
    assert meta["architecture"] == "LlamaForCausalLM" and meta["quantization"] == "gptq"
    assert [f.tag for f in findings] == ["remote-code-auto-map"]


def test_tokenizer_config_chat_templates(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    path.write_text(json.dumps({"chat_template": [{"name": "default", "template": "D"}, {"name": "rag", "template": "R"}]}))
    meta, _ = hfjson.describe_json_object(path, path.name)
    assert meta["chat_template"] == "D" and meta["chat_templates"] == {"default": "D", "rag": "R"}


def test_invalid_json_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'{"a": ')
    with pytest.raises(FormatError) as info:
        hfjson.describe_config(path, "config.json")
    assert "not valid JSON" in info.value.reason


def test_npy_header_against_numpy(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    for arr in (np.zeros((2, 3), np.float32), np.arange(5, dtype=">i8"), np.array(["ab", "c"]), np.zeros((0,))):
        buf = io.BytesIO()
        np.save(buf, arr)
        path = tmp_path / "a.npy"
        path.write_bytes(buf.getvalue())
        meta, findings = npy.describe_npy(path, "a.npy")
        assert meta["shape"] == list(arr.shape) and meta["dtype"] == np.lib.format.dtype_to_descr(arr.dtype)
        assert findings == []


def test_npy_object_array(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    path = tmp_path / "o.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _, findings = npy.describe_npy(path, "o.npy")
    assert [f.tag for f in findings] == ["numpy-object-array"]


def test_npz_members(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    path = tmp_path / "a.npz"
    np.savez_compressed(path, w=np.zeros((4, 4), np.float16), b=np.zeros(4, np.float32))
    meta, _ = npy.describe_npz(path, "a.npz")
    assert meta["tensors"] == 2 and meta["parameters"] == 20 and meta["dtypes"] == ["<f2", "<f4"]


def _npz_with(member: bytes, *, encrypted: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("w.npy", member)
    raw = bytearray(buf.getvalue())
    if encrypted:  # set bit 0 of the general purpose flags in the local and central headers
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = raw.index(sig) + off
            raw[at] |= 1
    return bytes(raw)


@pytest.mark.parametrize("member, encrypted, reason", [
    (b"not numpy at all", False, "member 'w.npy': not a .npy file"),
    (b"\x93NUMPY\x01\x00", True, "member 'w.npy': File"),  # zipfile: "... is encrypted, password required"
])
def test_npz_bad_member_is_the_archives_error(tmp_path: Path, member: bytes, encrypted: bool, reason: str) -> None:
    """Found by the fuzz test: the error names the archive (the file at fault) and the member in its reason."""
    path = tmp_path / "a.npz"
    path.write_bytes(_npz_with(member, encrypted=encrypted))
    with pytest.raises(FormatError) as err:
        npy.describe_npz(path, "a.npz")
    assert err.value.path == "a.npz" and err.value.reason.startswith(reason), err.value.one_line()
