"""Real builds of the layouts the deliver stage must handle, checked with real lintian."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import DEMO, deb_extract, deb_files, dpkg_buildpackage, have, intree_env, needs_debhelper
from sources import (finish_source, free_model_yaml, make_source, write_gguf, write_onnx, write_safetensors,
                     write_sentencepiece)

pytestmark = [pytest.mark.integration, needs_debhelper]
pytest.importorskip("safetensors")
pytest.importorskip("gguf")
pytest.importorskip("onnx")

ROOT = "usr/share/mlmodel"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_card(path: Path, name: str) -> None:
    path.write_text(f"---\nlicense: cc0-1.0\ndatasets:\n- {name}-data\n---\n\n# {name}\n\nA test model.\n")


def multiformat(root: Path) -> Path:
    src = make_source(root, "multi", [("multi", None), ("multi-gguf", None), ("multi-onnx", None),
                                      ("multi-tokenizer", None), ("multi-doc", "doc")],
                      "format: 1\nmodels:\n" + free_model_yaml("multi", "model"))
    m = src / "model"
    write_gguf(m / "model.gguf")
    write_onnx(m / "model.onnx")
    write_sentencepiece(m / "spiece.model")
    (m / "vocab.txt").write_text("".join(f"tok{i}\n" for i in range(50)))
    (m / "merges.txt").write_text("#version: 0.2\nt o\nto k\n")
    (m / "config.json").write_text(json.dumps({"model_type": "test", "hidden_size": 4}) + "\n")
    write_card(m / "README.md", "multi")
    # .npz is a zip archive: dh_strip_nondeterminism must not touch it.
    import numpy as np

    np.savez(m / "extra.npz", a=np.ones(3, dtype=np.float32))
    assert zipfile.is_zipfile(m / "extra.npz")
    finish_source(src)
    return src


def two_models(root: Path) -> Path:
    src = make_source(root, "pair", [("alpha", None), ("alpha-tokenizer", None), ("beta", None)],
                      "format: 1\nmodels:\n" + free_model_yaml("alpha", "alpha") + free_model_yaml("beta", "beta"))
    write_safetensors(src / "alpha/model.safetensors")
    (src / "alpha/tokenizer.json").write_text('{"model": {"type": "WordLevel", "vocab": {"a": 0}}}\n')
    write_safetensors(src / "beta/model.safetensors", rows=4)
    (src / "beta/config.json").write_text("{}\n")
    finish_source(src)
    return src


def single(root: Path) -> Path:
    src = make_source(root, "solo", [("solo", None)], "format: 1\nmodels:\n" + free_model_yaml("solo", "upstream"))
    write_safetensors(src / "upstream/model.safetensors")
    (src / "upstream/tokenizer.json").write_text('{"model": {"type": "WordLevel", "vocab": {"a": 0}}}\n')
    write_card(src / "upstream/README.md", "solo")
    finish_source(src)
    return src


EXPECTED = {
    "multi": {
        "multi": {f"{ROOT}/multi/config.json", f"{ROOT}/multi/extra.npz"},
        "multi-gguf": {f"{ROOT}/multi/model.gguf"},
        "multi-onnx": {f"{ROOT}/multi/model.onnx"},
        "multi-tokenizer": {f"{ROOT}/multi/{n}" for n in ("vocab.txt", "merges.txt", "spiece.model")},
        "multi-doc": {"usr/share/doc/multi-doc/README.md"},
    },
    "pair": {
        "alpha": {f"{ROOT}/alpha/model.safetensors"},
        "alpha-tokenizer": {f"{ROOT}/alpha/tokenizer.json"},
        "beta": {f"{ROOT}/beta/model.safetensors", f"{ROOT}/beta/config.json"},
    },
    "solo": {"solo": {f"{ROOT}/solo/model.safetensors", f"{ROOT}/solo/tokenizer.json",
                      "usr/share/doc/solo/README.md"}},
}
MAKERS = {"multi": multiformat, "pair": two_models, "solo": single}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    out = {}
    for name, make in MAKERS.items():
        work = tmp_path_factory.mktemp(name)
        src = make(work)
        before = {p: (sha256(p), p.stat().st_mode) for p in src.rglob("*") if p.is_file() and "debian" not in p.parts}
        dpkg_buildpackage(src)  # source and binary: lintian sees the .dsc and the debs
        out[name] = (work, src, before)
    return out


def model_files(deb: Path, package: str) -> set[str]:
    files = deb_files(deb)
    return {p for p in files if (p.startswith(ROOT) and "/.mlmodel/" not in p)
            or (p.startswith(f"usr/share/doc/{package}/") and not p.endswith(("copyright", "changelog.gz")))}


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_split(builds, source):
    work, _, _ = builds[source]
    debs = {p.name.split("_")[0]: p for p in work.glob("*.deb")}
    assert set(debs) == set(EXPECTED[source])
    for package, expected in EXPECTED[source].items():
        assert model_files(debs[package], package) == expected, package


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_installed_bytes_identical_and_source_untouched(builds, source, tmp_path):
    work, src, before = builds[source]
    for deb in work.glob("*.deb"):
        package = deb.name.split("_")[0]
        root = deb_extract(deb, tmp_path / package)
        for rec in (root / ROOT).glob("*/.mlmodel/*.json"):
            if rec.name.endswith((".spdx.json", ".cdx.json")):
                continue
            for f in json.loads(rec.read_text())["files"]:
                assert sha256(root / f["path"]) == sha256(src / f["source"]) == f["sha256"], f["path"]
    after = {p: (sha256(p), p.stat().st_mode) for p in before}
    assert after == before


def test_hard_links_not_copies(builds):
    """The build tree shares inodes with the source: no byte was copied (same file system here)."""
    _, src, _ = builds["multi"]
    installed = src / f"debian/multi-gguf/{ROOT}/multi/model.gguf"
    assert installed.stat().st_ino == (src / "model/model.gguf").stat().st_ino


def test_weights_packages_depend_on_their_parts(builds):
    work, _, _ = builds["multi"]
    (deb,) = work.glob("multi-gguf_*.deb")
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True).stdout
    assert "multi (= 1.0)" in depends and "multi-tokenizer (= 1.0)" in depends


def test_spdx_document(builds, tmp_path):
    work, src, _ = builds["multi"]
    (deb,) = work.glob("multi-gguf_*.deb")
    root = deb_extract(deb, tmp_path / "x")
    doc = json.loads((root / ROOT / "multi/.mlmodel/multi-gguf.spdx.json").read_text())
    assert doc["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    from spdx_check import check

    check(doc)  # SPDX's schema, SHACL model and the AI/Dataset profile rules, offline
    graph = doc["@graph"]
    (model,) = [e for e in graph if e["type"] == "ai_AIPackage"]
    assert model["software_primaryPurpose"] == "model" and model["software_packageVersion"] == "1.0"
    files = [e for e in graph if e["type"] == "software_File"]
    assert [f["verifiedUsing"][0]["hashValue"] for f in files] == [sha256(src / "model/model.gguf")]
    rels = {e["relationshipType"]: e for e in graph if e["type"] == "Relationship" and e["from"] == model["spdxId"]}
    (dataset,) = [e for e in graph if e["type"] == "dataset_DatasetPackage"]
    assert rels["trainedOn"]["to"] == [dataset["spdxId"]] and dataset["name"] == "multi-data"
    licence = next(e for e in graph if e.get("spdxId") in rels["hasDeclaredLicense"]["to"])
    assert licence["simplelicensing_licenseExpression"] == "CC0-1.0"


def test_cyclonedx_bom_beside_spdx(builds, tmp_path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    work, src, _ = builds["multi"]
    (deb,) = work.glob("multi-gguf_*.deb")
    root = deb_extract(deb, tmp_path / "x")
    text = (root / ROOT / "multi/.mlmodel/multi-gguf.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    model = bom["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["version"] == "1.0"
    assert model["licenses"] == [{"expression": "CC0-1.0"}] and model["modelCard"]["modelParameters"]["datasets"]
    assert [c["hashes"][0]["content"] for c in bom["components"] if c["type"] == "file"] == \
        [sha256(src / "model/model.gguf")]
    md5sums = subprocess.run(["dpkg-deb", "-I", str(deb), "md5sums"], capture_output=True, text=True).stdout
    assert "multi/.mlmodel/multi-gguf.cdx.json" in md5sums


@pytest.mark.skipif(not have("lintian"), reason="lintian not installed")
def test_lintian_clean_and_overrides_all_used(builds):
    changes = [str(c) for work, _, _ in builds.values() for c in work.glob("*.changes")]
    out = subprocess.run(["lintian", "-I", "-E", "--pedantic", "--show-overrides", *changes],
                         capture_output=True, text=True).stdout
    lines = out.splitlines()
    assert [line for line in lines if line.startswith(("E:", "W:"))] == []
    assert not [line for line in lines if "unused-override" in line or "mismatched-override" in line]
    # The generated overrides fire: the binary one for tokenizer text, the source one for weights.
    assert any(line.startswith("O: multi-tokenizer: package-contains-documentation-outside-usr-share-doc")
               and "vocab.txt" in line for line in lines)
    assert any(line.startswith("O: multi source: very-long-line-length-in-source-file") for line in lines)


def test_reproducible(tmp_path):
    """The demo built twice, in different paths with different umasks, gives bit-identical .debs."""
    results = []
    for i, umask in enumerate((0o022, 0o002)):
        work = tmp_path / f"build{i}" / ("deeper" * (i + 1))
        work.mkdir(parents=True)
        src = work / "demo-embed-1.0"
        subprocess.run(["cp", "-a", str(DEMO), str(src)], check=True)
        old = os.umask(umask)
        try:
            dpkg_buildpackage(src, "-b")
        finally:
            os.umask(old)
        results.append({p.name: sha256(p) for p in work.glob("*.deb")})
    assert len(results[0]) == 3 and results[0] == results[1]


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_md5sums_complete_and_correct(builds, source, tmp_path):
    """dh_md5sums skips usr/share/mlmodel; our lines (from the single read) take its place, debsums-exact."""
    work, src, _ = builds[source]
    for deb in work.glob("*.deb"):
        root = deb_extract(deb, tmp_path / deb.name)
        listed = {}
        text = subprocess.run(["dpkg-deb", "-I", str(deb), "md5sums"], capture_output=True, text=True,
                              check=True).stdout
        for row in text.splitlines():
            md5, _, path = row.partition("  ")
            listed[path] = md5
        files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
        assert set(listed) == files
        for path, md5 in listed.items():
            assert hashlib.md5((root / path).read_bytes()).hexdigest() == md5, path
    out = subprocess.run(["dh", "binary", "--no-act"], cwd=src, env=intree_env(), capture_output=True, text=True,
                         check=True).stdout
    assert "dh_md5sums -Xusr/share/mlmodel/" in out
