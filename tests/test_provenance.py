"""Merging the declaration with the card, in-file metadata and package licence."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dh_mlmodel.declaration import parse_declaration
from dh_mlmodel.inspect import inspect_model_dir
from dh_mlmodel.policy import decide
from dh_mlmodel.provenance import (
    BaseInfo, ProvenanceError, chain_lookups, find_package_metadata, merge, package_license, record_lookup,
)


def decl(body: str, name: str = "m"):
    text = f"format: 1\nmodels:\n  - name: {name}\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return parse_declaration(text, Path("debian/mlmodel.yaml")).models[0]


def write_card(d: Path, front: str, body: str = "# A model\n") -> None:
    (d / "README.md").write_text(f"---\n{textwrap.dedent(front)}---\n{body}")


def write_gguf(path: Path, kv: dict) -> None:
    gguf = pytest.importorskip("gguf")
    np = pytest.importorskip("numpy")
    w = gguf.GGUFWriter(str(path), "llama")
    for key, value in kv.items():
        if isinstance(value, int):
            w.add_uint32(key, value)
        else:
            w.add_string(key, value)
    w.add_tensor("t", np.zeros((4,), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def tags(prov) -> list[str]:
    return [f.tag for f in prov.findings]


# ---------------------------------------------------------------- licence

def test_declared_licence_wins_over_card_and_gguf(tmp_path: Path):
    write_card(tmp_path, "license: cc-by-nc-4.0\n")
    write_gguf(tmp_path / "m.gguf", {"general.license": "llama2"})
    report = inspect_model_dir(tmp_path, hash=False)
    prov = merge(decl("license: Apache-2.0\n"), report)
    assert (prov.license, prov.license_source, prov.L) == ("Apache-2.0", "declaration", "free")
    mismatches = [f for f in prov.findings if f.tag == "mlmodel-license-mismatch"]
    assert len(mismatches) == 2
    assert any("cc-by-nc-4.0 in model card" in f.message for f in mismatches)
    assert any("llama2 in m.gguf" in f.message and f.path == "m.gguf" for f in mismatches)


def test_card_licence_used_when_not_declared_and_gguf_disagreement_reported(tmp_path: Path):
    write_card(tmp_path, "license: apache-2.0\n")
    write_gguf(tmp_path / "m.gguf", {"general.license": "mit"})
    prov = merge(decl(""), inspect_model_dir(tmp_path, hash=False))
    assert (prov.license, prov.license_source, prov.L) == ("apache-2.0", "model card", "free")
    assert any("licence not declared; taken from model card" in n for n in prov.notes)
    assert tags(prov) == ["mlmodel-license-mismatch"]


def test_same_licence_spelled_differently_is_no_mismatch(tmp_path: Path):
    write_card(tmp_path, "license: mit\n")
    write_gguf(tmp_path / "m.gguf", {"general.license": "MIT"})
    prov = merge(decl("license: Expat\n"), inspect_model_dir(tmp_path, hash=False))
    assert "mlmodel-license-mismatch" not in tags(prov)


def test_no_licence_anywhere_is_unclear(tmp_path: Path):
    write_gguf(tmp_path / "m.gguf", {"general.name": "x"})
    prov = merge(decl(""), inspect_model_dir(tmp_path, hash=False))
    assert prov.L == "unclear" and prov.license is None and prov.license_source == "none"
    assert decide(prov, "ml-policy").category == "reject"


def test_card_other_with_licence_name_is_unclear(tmp_path: Path):
    write_card(tmp_path, "license: other\nlicense_name: acme-model-license\n")
    prov = merge(decl(""), inspect_model_dir(tmp_path, hash=False))
    assert prov.license == "LicenseRef-acme-model-license" and prov.L == "unclear"


def test_hostile_licence_in_card_cannot_break_a_message_line(tmp_path: Path):
    write_card(tmp_path, 'license: "mit\\nDepends: evil"\n')
    prov = merge(decl("license: MIT\n"), inspect_model_dir(tmp_path, hash=False))
    (f,) = [f for f in prov.findings if f.tag == "mlmodel-license-mismatch"]
    assert "\n" not in f.message and "mit\\nDepends: evil" in f.message
    for line in decide(prov, "ml-policy").reasons:
        assert "\n" not in line


# ---------------------------------------------------------------- package metadata

def test_wheel_metadata_licence(tmp_path: Path):
    dist = tmp_path / "foo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.4\nName: foo\nLicense-Expression: Apache-2.0\n\nbody\n")
    assert package_license(dist / "METADATA") == "Apache-2.0"
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: foo\nLicense: MIT\n")
    assert package_license(tmp_path / "PKG-INFO") == "MIT"
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: foo\nLicense: UNKNOWN\n"
                                       "Classifier: License :: OSI Approved :: Apache Software License\n")
    assert package_license(tmp_path / "PKG-INFO") == "Apache-2.0"
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "license": "ISC"}))
    assert package_license(tmp_path / "package.json") == "ISC"
    assert find_package_metadata(tmp_path) == [tmp_path / "PKG-INFO", tmp_path / "package.json", dist / "METADATA"]


def test_package_licence_is_a_last_resort_with_a_warning(tmp_path: Path):
    (tmp_path / "package.json").write_text(json.dumps({"license": {"type": "ISC"}}))
    write_gguf(tmp_path / "m.gguf", {"general.name": "x"})
    prov = merge(decl(""), inspect_model_dir(tmp_path, hash=False), package_metadata=[tmp_path / "package.json"])
    assert prov.license == "ISC" and prov.L == "unclear"  # the wrapper's licence alone never places a model
    assert "mlmodel-license-from-package" in tags(prov)
    assert decide(prov, "ml-policy").category == "reject"
    same = merge(decl(""), inspect_model_dir(tmp_path, hash=False), package_metadata=[tmp_path / "package.json"])
    assert same.license_source == "package.json (package metadata)"
    declared = merge(decl("license: MIT\n"), inspect_model_dir(tmp_path, hash=False),
                     package_metadata=[tmp_path / "package.json"])
    assert declared.L == "free" and "mlmodel-license-mismatch" in tags(declared)


def test_bad_package_json(tmp_path: Path):
    (tmp_path / "package.json").write_text("{nope")
    with pytest.raises(ProvenanceError, match="not valid JSON"):
        package_license(tmp_path / "package.json")


# ---------------------------------------------------------------- datasets and bases named elsewhere

def test_datasets_in_card_and_gguf_not_declared(tmp_path: Path):
    write_card(tmp_path, "license: mit\ndatasets:\n  - wikitext\n  - HuggingFaceFW/fineweb\n")
    write_gguf(tmp_path / "m.gguf", {"general.dataset.count": 1, "general.dataset.0.name": "secret-crawl"})
    d = decl("training-data: [{name: wikitext, license: CC-BY-SA-3.0, availability: public}]\n")
    prov = merge(d, inspect_model_dir(tmp_path, hash=False))
    messages = [f.message for f in prov.findings if f.tag == "mlmodel-dataset-undeclared"]
    assert len(messages) == 2
    assert any("HuggingFaceFW/fineweb" in m and "model card" in m for m in messages)
    assert any("secret-crawl" in m and "m.gguf" in m for m in messages)


def test_bases_in_card_gguf_and_config_not_declared(tmp_path: Path):
    write_card(tmp_path, "license: mit\nbase_model: org/card-base\n")
    write_gguf(tmp_path / "m.gguf", {"general.base_model.count": 1, "general.base_model.0.name": "GGUF Base",
                                    "general.base_model.0.organization": "org"})
    (tmp_path / "config.json").write_text(json.dumps({"_name_or_path": "org/config-base", "model_type": "bert"}))
    prov = merge(decl("license: MIT\n"), inspect_model_dir(tmp_path, hash=False))
    found = {(f.severity, f.message.split(" names the base model ")[1].split(",")[0]) for f in prov.findings
             if f.tag == "mlmodel-base-model-undeclared"}
    assert found == {("warning", "org/card-base"), ("warning", "GGUF Base"), ("info", "org/config-base")}
    # declared bases are not reported
    quiet = merge(decl("license: MIT\nbase-model: [{name: org/card-base, category: free}, {name: GGUF Base, category: free},"
                       " {name: org/config-base, category: free}]\n"), inspect_model_dir(tmp_path, hash=False))
    assert "mlmodel-base-model-undeclared" not in tags(quiet)


def test_name_or_path_naming_the_model_itself_is_not_a_base(tmp_path: Path):
    (tmp_path / "config.json").write_text(json.dumps({"_name_or_path": "/home/me/ckpt"}))
    prov = merge(decl("license: MIT\nupstream: {url: 'https://huggingface.co/org/m'}\n"), inspect_model_dir(tmp_path, hash=False))
    assert "mlmodel-base-model-undeclared" not in tags(prov)


# ---------------------------------------------------------------- inputs

def test_inputs_from_the_declaration():
    prov = merge(decl("""\
        license: Apache-2.0
        generative: true
        training-data:
          - {name: a, license: MIT, availability: public}
          - {name: b, availability: unavailable, withheld: false}
        data-information: true
        training-code: {license: MIT, completeness: partial, upstream-fine-tunes: true}
        reproducible: documented
        base-model: {name: org/b, category: free, replaceable: true}
        """))
    assert (prov.L, prov.D, prov.D_withheld, prov.DI, prov.C, prov.C_nonfree_toolchain) == (
        "free", "unavailable", False, True, "partial", False)
    assert prov.C_upstream_fine_tunes and prov.R == "documented" and prov.G is True
    assert prov.B == (BaseInfo("org/b", "free", "main", None, True, "declaration"),)
    assert prov.B_replaceable
    assert json.dumps(prov.inputs())  # plain data


def test_conservative_defaults_when_nothing_declared():
    prov = merge(decl(""))
    assert (prov.L, prov.D, prov.C, prov.R, prov.DI, prov.B, prov.G) == ("unclear", "undeclared", "missing", "unknown", False, (), False)


def test_code_without_a_free_licence_counts_as_a_non_free_toolchain():
    prov = merge(decl("training-code: {completeness: complete}\n"))
    assert prov.C == "free" and prov.C_nonfree_toolchain
    assert any("not declared" in n for n in prov.notes)


def test_generative_from_card_pipeline_tag(tmp_path: Path):
    write_card(tmp_path, "license: mit\npipeline_tag: text-generation\n")
    assert merge(decl(""), inspect_model_dir(tmp_path, hash=False)).G is True
    assert merge(decl("generative: false\n"), inspect_model_dir(tmp_path, hash=False)).G is False


# ---------------------------------------------------------------- base lookups

def test_base_from_installed_record(tmp_path: Path):
    rec = tmp_path / "base-model" / ".mlmodel"
    rec.mkdir(parents=True)
    (rec / "base-model-data.json").write_text(json.dumps({"format": 1, "model": "base-model", "category": "toxic-candy",
                                                          "section": "non-free"}))
    d = decl("license: MIT\nbase-model: {package: base-model-data, category: free}\n")
    prov = merge(d, base_lookup=record_lookup([tmp_path]))
    (b,) = prov.B
    assert (b.category, b.section, b.package) == ("toxic-candy", "non-free", "base-model-data")
    assert b.source.startswith("record ")
    assert "mlmodel-base-category-mismatch" in tags(prov)
    # without the record, the declared category is used
    assert merge(d, base_lookup=record_lookup([tmp_path / "none"])).B[0].category == "free"


def test_base_non_free_licence_overrides_a_free_category():
    prov = merge(decl("license: MIT\nbase-model: {name: meta/llama, license: llama2, category: free}\n"))
    assert prov.B[0].category == "non-free"
    assert "mlmodel-base-category-mismatch" in tags(prov)


def test_chain_lookups_first_wins():
    sib = BaseInfo("s", "free", "contrib", source="sibling")
    first = chain_lookups(lambda b: None, lambda b: sib if b.name == "s" else None)
    prov = merge(decl("license: MIT\nbase-model: {name: s}\n"), base_lookup=first)
    assert prov.B[0].section == "contrib" and prov.B[0].source == "sibling"


def test_hostile_card_licence_is_never_used_raw(tmp_path: Path):
    write_card(tmp_path, 'license: "mit\\nFiles: *"\n')
    prov = merge(decl(""), inspect_model_dir(tmp_path, hash=False))
    assert prov.license == "mit\\nFiles: *" and "\n" not in prov.license
    assert prov.L == "unclear"
