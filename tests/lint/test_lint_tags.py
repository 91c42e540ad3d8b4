"""Each lint tag on a hand-made .deb (dpkg-deb --build) that triggers it, and on one that does not.

The clean baseline is the demo's weights package as dh_mlmodel lays it out;
tests/lint/test_lint_build.py checks the same tags on packages built by
dpkg-buildpackage.
"""
from __future__ import annotations

import json
import os
import pickle

import pytest

from lintdebs import (CARD, COPYRIGHT, MODEL_DIR, SAFETENSORS, TOKENIZER, DebSpec, build_deb, demo_spec, hints,
                      needs_dpkg_deb, record_for, sha256, tags, with_record)

pytestmark = needs_dpkg_deb


def clean(tmp_path, **kw):
    return build_deb(with_record(demo_spec(**kw)), tmp_path)


def test_clean_package_has_no_hints(tmp_path):
    assert hints(clean(tmp_path)) == []


# -- files ---------------------------------------------------------------------

LFS = (b"version https://git-lfs.github.com/spec/v1\n"
       b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


def test_lfs_pointer(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.safetensors"] = LFS
    found = hints(build_deb(with_record(spec), tmp_path))
    assert {"tag": "lfs-pointer-instead-of-model", "pointer": f"{MODEL_DIR}/model.safetensors"}.items() <= \
        next(h for h in found if h["tag"] == "lfs-pointer-instead-of-model").items()
    assert "lfs-pointer-instead-of-model" not in tags(clean(tmp_path / "c"))


def test_malformed_model_file(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.safetensors"] = SAFETENSORS[:100]  # header cut short
    assert "malformed-model-file" in tags(build_deb(with_record(spec), tmp_path))
    assert "malformed-model-file" not in tags(clean(tmp_path / "c"))


class _Evil:
    def __reduce__(self):
        return (os.system, ("true",))  # pickled, never loaded


def test_dangerous_pickle_import_and_pickle_format(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.pkl"] = pickle.dumps({"w": _Evil()}, protocol=2)
    found = tags(build_deb(with_record(spec), tmp_path))
    assert "pickle-imports-dangerous-callable" in found and "pickle-format-used" in found


def test_benign_pickle_is_only_pickle_format(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.pkl"] = pickle.dumps({"w": [1.0, 2.0], "b": (3, 4)}, protocol=2)
    found = tags(build_deb(with_record(spec), tmp_path))
    assert "pickle-format-used" in found
    assert not {t for t in found if t.startswith("pickle-imports")}
    assert "pickle-format-used" not in tags(clean(tmp_path / "c"))


def test_pickle_accepted_in_record_is_not_reported(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.pkl"] = pickle.dumps({"w": _Evil()}, protocol=2)
    name = f"{os.system.__module__}.system"
    accepted = [{"file": "model.pkl", "callable": name, "reason": "test", "tag": "pickle-imports-dangerous-callable"}]
    found = tags(build_deb(with_record(spec, accepted=accepted), tmp_path))
    assert "pickle-imports-dangerous-callable" not in found and "pickle-format-used" in found


def test_executable_model_file(tmp_path):
    spec = demo_spec()
    spec.modes[f"{MODEL_DIR}/model.safetensors"] = 0o755
    found = hints(build_deb(with_record(spec), tmp_path))
    assert [h["note"] for h in found if h["tag"] == "mlmodel-executable-model-file"] == ["0755"]
    assert "mlmodel-executable-model-file" not in tags(clean(tmp_path / "c"))


def test_vcs_files(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/.gitattributes"] = b"*.safetensors filter=lfs\n"
    spec.files[f"{MODEL_DIR}/.git/HEAD"] = b"ref: refs/heads/main\n"
    spec.files[f"{MODEL_DIR}/.git/config"] = b"[core]\n"
    found = [h["pointer"] for h in hints(build_deb(with_record(spec), tmp_path)) if h["tag"] == "mlmodel-vcs-file"]
    assert found == [f"{MODEL_DIR}/.git", f"{MODEL_DIR}/.gitattributes"]  # the directory once, not each file
    assert "mlmodel-vcs-file" not in tags(clean(tmp_path / "c"))


def test_tokenizer_not_utf8(tmp_path):
    spec = demo_spec(package="demo-embed-tokenizer")
    spec.files.pop(f"{MODEL_DIR}/model.safetensors")
    spec.files.pop(f"{MODEL_DIR}/config.json")
    spec.files[f"{MODEL_DIR}/vocab.txt"] = "hello\ncafé\n".encode("latin-1")
    spec.files[f"{MODEL_DIR}/tokenizer.json"] = TOKENIZER
    found = hints(build_deb(with_record(spec), tmp_path))
    bad = [h for h in found if h["tag"] == "mlmodel-tokenizer-not-utf8"]
    assert [h["pointer"] for h in bad] == [f"{MODEL_DIR}/vocab.txt"] and "byte 9" in bad[0]["note"]
    assert not [h for h in found if h["tag"] == "malformed-model-file"]  # one hint, not two
    spec.files[f"{MODEL_DIR}/vocab.txt"] = "hello\ncafé\n".encode("utf-8")
    assert "mlmodel-tokenizer-not-utf8" not in tags(build_deb(with_record(spec), tmp_path / "ok"))


def test_chat_template_escape(tmp_path):
    spec = demo_spec()
    evil = {"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    spec.files[f"{MODEL_DIR}/tokenizer_config.json"] = json.dumps(evil).encode()
    assert "chat-template-sandbox-escape" in tags(build_deb(with_record(spec), tmp_path))
    fine = {"chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"}
    spec.files[f"{MODEL_DIR}/tokenizer_config.json"] = json.dumps(fine).encode()
    assert "chat-template-sandbox-escape" not in tags(build_deb(with_record(spec), tmp_path / "ok"))


def test_remote_code(tmp_path):
    spec = demo_spec()
    config = json.loads(spec.files[f"{MODEL_DIR}/config.json"])
    config["auto_map"] = {"AutoModel": "modeling_demo.DemoModel"}
    spec.files[f"{MODEL_DIR}/config.json"] = json.dumps(config).encode()
    spec.files[f"{MODEL_DIR}/modeling_demo.py"] = b"class DemoModel: pass\n"
    found = tags(build_deb(with_record(spec), tmp_path))
    assert {"remote-code-required", "python-code-shipped"} <= found
    assert not {"remote-code-required", "python-code-shipped"} & tags(clean(tmp_path / "c"))


def _onnx_with_external(tmp_path, location: str):
    onnx = pytest.importorskip("onnx")
    np = pytest.importorskip("numpy")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4), np.float32), "w")
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])], [weight])
    path = tmp_path / "model.onnx"
    onnx.save_model(helper.make_model(graph), str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx_data", size_threshold=0)
    model = onnx.load(str(path), load_external_data=False)
    for entry in model.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = location
    return model.SerializeToString(), (tmp_path / "model.onnx_data").read_bytes()


def test_onnx_external_data(tmp_path):
    proto, data = _onnx_with_external(tmp_path, "model.onnx_data")
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.onnx"] = proto
    assert "onnx-external-data-missing" in tags(build_deb(with_record(spec), tmp_path / "missing"))
    spec.files[f"{MODEL_DIR}/model.onnx_data"] = data
    found = tags(build_deb(with_record(spec), tmp_path / "ok"))
    assert not {t for t in found if t.startswith("onnx-external")}
    outside, _ = _onnx_with_external(tmp_path, "../../../../etc/passwd")
    spec.files[f"{MODEL_DIR}/model.onnx"] = outside
    assert "onnx-external-data-outside-model" in tags(build_deb(with_record(spec), tmp_path / "out"))


def test_weights_in_arch_any_package(tmp_path):
    found = hints(clean(tmp_path, architecture="amd64"))
    assert [h["pointer"] for h in found if h["tag"] == "mlmodel-weights-in-arch-any-package"] == \
        [f"{MODEL_DIR}/model.safetensors"]
    assert "mlmodel-weights-in-arch-any-package" not in tags(clean(tmp_path / "c"))


def test_duplicate_file_within_and_across_packages(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model-copy.safetensors"] = SAFETENSORS
    deb = build_deb(with_record(spec), tmp_path)
    assert [h["pointer"] for h in hints(deb) if h["tag"] == "mlmodel-duplicate-file"] == \
        [f"{MODEL_DIR}/model.safetensors"]
    other = demo_spec(package="demo-embed-extra")
    other.files.pop(f"{MODEL_DIR}/config.json")
    extra = build_deb(with_record(other), tmp_path / "x")
    across = [h for h in hints(clean(tmp_path / "c"), extra) if h["tag"] == "mlmodel-duplicate-file"]
    assert [h["package"] for h in across] == ["demo-embed-extra"] and "demo-embed:" in across[0]["note"]
    assert "mlmodel-duplicate-file" not in tags(clean(tmp_path / "c2"))


# -- records ---------------------------------------------------------------------

def test_record_missing(tmp_path):
    found = hints(build_deb(demo_spec(), tmp_path))
    assert [h["pointer"] for h in found if h["tag"] == "mlmodel-record-missing"] == \
        [f"{MODEL_DIR}/.mlmodel/demo-embed.json"]
    assert "mlmodel-record-missing" not in tags(clean(tmp_path / "c"))


def test_checksum_mismatch(tmp_path):
    spec = with_record(demo_spec())
    spec.files[f"{MODEL_DIR}/config.json"] = b'{"changed": true}\n'
    found = hints(build_deb(spec, tmp_path))
    assert [h["pointer"] for h in found if h["tag"] == "mlmodel-file-checksum-mismatch"] == [f"{MODEL_DIR}/config.json"]
    assert "mlmodel-file-checksum-mismatch" not in tags(clean(tmp_path / "c"))


def test_record_lists_missing_and_unlisted_files(tmp_path):
    spec = with_record(demo_spec())
    spec.files.pop(f"{MODEL_DIR}/config.json")
    spec.files[f"{MODEL_DIR}/extra.json"] = b"{}\n"
    found = tags(build_deb(spec, tmp_path))
    assert {"mlmodel-record-lists-missing-file", "mlmodel-file-not-in-record"} <= found
    assert not {"mlmodel-record-lists-missing-file", "mlmodel-file-not-in-record"} & tags(clean(tmp_path / "c"))


def test_record_malformed(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/.mlmodel/demo-embed.json"] = b"{not json"
    assert "mlmodel-record-malformed" in tags(build_deb(spec, tmp_path))
    spec.files[f"{MODEL_DIR}/.mlmodel/demo-embed.json"] = record_for(spec, package="someone-else")
    assert "mlmodel-record-malformed" in tags(build_deb(spec, tmp_path / "other"))
    assert "mlmodel-record-malformed" not in tags(clean(tmp_path / "c"))


def test_compressed_doc_listed_in_record_is_not_missing(tmp_path):
    import gzip

    spec = DebSpec(package="demo-embed-doc", section="doc")
    card = "usr/share/doc/demo-embed-doc/README.md"
    spec.files[card] = CARD
    with_record(spec, listed={card: "model/README.md"})
    spec.files[card + ".gz"] = gzip.compress(spec.files.pop(card))  # what dh_compress does to a big card
    assert "mlmodel-record-lists-missing-file" not in tags(build_deb(spec, tmp_path))


# -- policy ------------------------------------------------------------------------

def test_section_forbidden_by_category(tmp_path):
    spec = with_record(demo_spec(), category="toxic-candy", section="non-free", rule=7)
    assert "mlmodel-section-mismatch" in tags(build_deb(spec, tmp_path))
    spec = with_record(demo_spec(section="non-free/science"), category="toxic-candy", section="non-free", rule=7)
    assert "mlmodel-section-mismatch" not in tags(build_deb(spec, tmp_path / "ok"))


def test_rejected_model_shipped(tmp_path):
    spec = with_record(demo_spec(), category="reject", section=None)
    assert "mlmodel-policy-reject" in tags(build_deb(spec, tmp_path))


def _inputs(**changes):
    from lintdebs import FREE_INPUTS
    return {**FREE_INPUTS, **changes}


def test_license_not_dfsg_free_in_main_or_contrib(tmp_path):
    nonfree = _inputs(L="non-free", license="CC-BY-NC-4.0")
    for section in ("science", "contrib/science"):
        spec = with_record(demo_spec(section=section), category="non-free", section="non-free", inputs=nonfree)
        assert "mlmodel-license-not-dfsg-free" in tags(build_deb(spec, tmp_path / section.replace("/", "-")))
    spec = with_record(demo_spec(section="non-free/science"), category="non-free", section="non-free", inputs=nonfree)
    assert "mlmodel-license-not-dfsg-free" not in tags(build_deb(spec, tmp_path / "nf"))
    assert "mlmodel-license-not-dfsg-free" not in tags(clean(tmp_path / "c"))


def test_license_unclear_in_main(tmp_path):
    spec = with_record(demo_spec(), inputs=_inputs(L="unclear", license="LicenseRef-custom"))
    assert "mlmodel-license-unclear" in tags(build_deb(spec, tmp_path))


def test_training_data_undeclared(tmp_path):
    spec = with_record(demo_spec(), inputs=_inputs(D="undeclared"))
    assert "mlmodel-training-data-undeclared" in tags(build_deb(spec, tmp_path))
    assert "mlmodel-training-data-undeclared" not in tags(clean(tmp_path / "c"))


def test_copyright_stanza_missing(tmp_path):
    narrow = COPYRIGHT.replace(b"Files: *\n", b"Files: debian/*\n").replace(b"Files: model/*\n",
                                                                            b"Files: model/config.json\n")
    spec = demo_spec()
    spec.files["usr/share/doc/demo-embed/copyright"] = narrow
    found = hints(build_deb(with_record(spec), tmp_path))
    missing = [h for h in found if h["tag"] == "mlmodel-copyright-stanza-missing"]
    assert [(h["pointer"], h["note"]) for h in missing] == [(f"{MODEL_DIR}/model.safetensors", "model/model.safetensors")]
    assert "mlmodel-copyright-stanza-missing" not in tags(clean(tmp_path / "c"))


def test_copyright_not_machine_readable(tmp_path):
    spec = demo_spec()
    spec.files["usr/share/doc/demo-embed/copyright"] = b"This is the demo.\nCopyright 2026 someone.\n"
    assert "mlmodel-copyright-not-machine-readable" in tags(build_deb(with_record(spec), tmp_path))


def _doc_package(license_line: bytes) -> DebSpec:
    spec = DebSpec(package="demo-embed-doc", section="doc")
    card = "usr/share/doc/demo-embed-doc/README.md"
    spec.files[card] = CARD.replace(b"license: cc0-1.0", license_line)
    spec.files["usr/share/doc/demo-embed-doc/copyright"] = COPYRIGHT
    return with_record(spec, listed={card: "model/README.md"})


def test_license_conflict_card_against_record(tmp_path):
    assert b"license: cc0-1.0" in CARD
    conflict = hints(build_deb(_doc_package(b"license: apache-2.0"), tmp_path))
    assert [h["pointer"] for h in conflict if h["tag"] == "mlmodel-license-mismatch"] == \
        ["usr/share/doc/demo-embed-doc/README.md"]
    assert "mlmodel-license-mismatch" not in tags(build_deb(_doc_package(b"license: cc0-1.0"), tmp_path / "ok"))


def test_license_conflict_from_record_findings(tmp_path):
    finding = {"tag": "mlmodel-license-mismatch", "severity": "warning",
               "message": "licence MIT in model.gguf differs from CC0-1.0 in the declaration, which is the one used"}
    spec = with_record(demo_spec(), findings=[finding])
    found = [h for h in hints(build_deb(spec, tmp_path)) if h["tag"] == "mlmodel-license-mismatch"]
    assert len(found) == 1 and "MIT" in found[0]["note"] and found[0]["visibility"] == "warning"


def test_empty_split_package(tmp_path):
    weights = clean(tmp_path / "w")
    empty = DebSpec(package="demo-embed-tokenizer", files={"usr/share/doc/demo-embed-tokenizer/copyright": COPYRIGHT})
    found = hints(weights, build_deb(empty, tmp_path / "t"))
    assert [h["package"] for h in found if h["tag"] == "mlmodel-empty-split-package"] == ["demo-embed-tokenizer"]
    full = DebSpec(package="demo-embed-tokenizer", files={f"{MODEL_DIR}/tokenizer.json": TOKENIZER,
                                                          "usr/share/doc/demo-embed-tokenizer/copyright": COPYRIGHT})
    assert "mlmodel-empty-split-package" not in tags(weights, build_deb(with_record(full), tmp_path / "f"))
    listed_nothing = with_record(DebSpec(package="demo-embed-doc", files={}), listed={})
    assert "mlmodel-empty-split-package" in tags(build_deb(listed_nothing, tmp_path / "d"))


def test_record_sha256_is_the_streamed_sha256(tmp_path):
    """The hash lint computes while streaming is the file's sha256 (checked against hashlib on the bytes)."""
    spec = with_record(demo_spec())
    data = json.loads(spec.files[f"{MODEL_DIR}/.mlmodel/demo-embed.json"])
    assert {f["sha256"] for f in data["files"]} == {sha256(SAFETENSORS), sha256(spec.files[f"{MODEL_DIR}/config.json"])}
    assert hints(build_deb(spec, tmp_path)) == []


def test_safetensors_index_shard_missing_from_the_package(tmp_path):
    index = {"metadata": {}, "weight_map": {"embed": "model-00001-of-00002.safetensors",
                                            "head": "model-00002-of-00002.safetensors"}}
    spec = demo_spec()
    spec.files.pop(f"{MODEL_DIR}/model.safetensors")
    spec.files[f"{MODEL_DIR}/model.safetensors.index.json"] = json.dumps(index).encode()
    spec.files[f"{MODEL_DIR}/model-00001-of-00002.safetensors"] = SAFETENSORS
    found = hints(build_deb(with_record(spec), tmp_path))
    missing = [h for h in found if h["tag"] == "safetensors-index-missing-shard"]
    assert [h["note"] for h in missing] == ["'model-00002-of-00002.safetensors'"]
    spec.files[f"{MODEL_DIR}/model-00002-of-00002.safetensors"] = SAFETENSORS + b" "  # distinct bytes
    assert "safetensors-index-missing-shard" not in tags(build_deb(with_record(spec), tmp_path / "ok"))


def test_onnx_external_data_symlink(tmp_path):
    proto, data = _onnx_with_external(tmp_path, "model.onnx_data")
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.onnx"] = proto
    spec.files["usr/share/bench/data.bin"] = data
    spec.symlinks[f"{MODEL_DIR}/model.onnx_data"] = "../../bench/data.bin"
    assert "onnx-external-data-symlink" in tags(build_deb(with_record(spec), tmp_path))


def test_section_stricter_than_needed(tmp_path):
    found = tags(clean(tmp_path, section="non-free/science"))
    assert "mlmodel-section-stricter" in found and "mlmodel-section-mismatch" not in found
    assert "mlmodel-section-stricter" not in tags(clean(tmp_path / "c"))


def test_copyright_placeholder(tmp_path):
    """A TODO or unknown licence left in the shipped copyright file (issue #15): lintian only sees
    an undefined licence name; lint names the placeholder."""
    spec = demo_spec()
    spec.files["usr/share/doc/demo-embed/copyright"] = COPYRIGHT.replace(
        b"Files: model/*\nCopyright: 2026 dh-mlmodel developers\nLicense: CC0-1.0\n",
        b"Files: model/*\nCopyright: 2026 dh-mlmodel developers\nLicense: TODO-unknown-licence\n")
    found = [h for h in hints(build_deb(with_record(spec), tmp_path)) if h["tag"] == "mlmodel-copyright-placeholder"]
    assert [h["note"] for h in found] == ["License: TODO-unknown-licence"]
    assert found[0]["pointer"] == "usr/share/doc/demo-embed/copyright"
    assert "mlmodel-copyright-placeholder" not in tags(clean(tmp_path / "c"))
