"""The demo source package built with real dpkg-buildpackage and the in-tree tool."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from conftest import DEMO, deb_extract, deb_files, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]

MODEL = "usr/share/mlmodel/demo-embed"
EXPECTED = {
    "demo-embed": {f"{MODEL}/model.safetensors": "model/model.safetensors",
                   f"{MODEL}/config.json": "model/config.json"},
    "demo-embed-tokenizer": {f"{MODEL}/tokenizer.json": "model/tokenizer.json"},
    "demo-embed-doc": {"usr/share/doc/demo-embed-doc/README.md": "model/README.md"},
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    src = work / "demo-embed-1.0"
    subprocess.run(["cp", "-a", str(DEMO), str(src)], check=True)
    proc = dpkg_buildpackage(src, "-b")
    debs = {p.name.split("_")[0]: p for p in work.glob("*.deb")}
    return work, src, debs, proc


def test_three_debs(built):
    _, _, debs, proc = built
    assert sorted(debs) == sorted(EXPECTED)
    assert "   dh_mlmodel" in proc.stdout.splitlines()  # dh ran it


def test_sequence_position(built):
    """After dh_lintian, before the steps that must see the files; dh_strip_nondeterminism kept away."""
    _, src, _, _ = built
    out = subprocess.run(["dh", "binary", "--no-act"], cwd=src, env=intree_env(), capture_output=True,
                         text=True, check=True).stdout
    order = [line.split()[0] for line in out.splitlines() if line.strip()]
    at = order.index("dh_mlmodel")
    assert order[at - 1] == "dh_lintian"
    for later in ("dh_compress", "dh_fixperms", "dh_strip_nondeterminism", "dh_gencontrol", "dh_md5sums"):
        assert order.index(later) > at
    assert "dh_strip_nondeterminism -Xusr/share/mlmodel/" in out


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_each_package_holds_exactly_its_role(built, package):
    _, _, debs, _ = built
    files = deb_files(debs[package])
    model_files = {p for p in files if p.startswith("usr/share/mlmodel/") and "/.mlmodel/" not in p}
    model_files |= {p for p in files if p.startswith(f"usr/share/doc/{package}/")
                    and not p.endswith(("copyright", "changelog.gz"))}
    assert model_files == set(EXPECTED[package])
    assert f"{MODEL}/.mlmodel/{package}.json" in files


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_installed_bytes_modes_and_record(built, package, tmp_path):
    work, src, debs, _ = built
    root = deb_extract(debs[package], tmp_path / "x")
    files = deb_files(debs[package])
    record = json.loads((root / MODEL / ".mlmodel" / f"{package}.json").read_text())
    assert record["model"] == "demo-embed" and record["package"] == package and record["format"] == 1
    assert record["category"] == "free" and record["section"] == "main" and record["profile"] == "ml-policy"
    listed = {f["path"]: f for f in record["files"]}
    assert set(listed) == set(EXPECTED[package])
    for installed, source in EXPECTED[package].items():
        assert files[installed][0] == "-rw-r--r--"
        assert sha256(root / installed) == sha256(src / source) == listed[installed]["sha256"]
        assert listed[installed]["size"] == (src / source).stat().st_size
        assert listed[installed]["source"] == source


def test_weights_depend_on_tokenizer_at_same_version(built):
    _, _, debs, _ = built
    fields = subprocess.run(["dpkg-deb", "-f", str(debs["demo-embed"]), "Depends", "Provides", "Version"],
                            capture_output=True, text=True, check=True).stdout
    assert "demo-embed-tokenizer (= 1.0)" in fields
    assert "Provides: mlmodel-demo-embed" in fields


def test_source_tree_untouched(built):
    _, src, _, _ = built
    for package_files in EXPECTED.values():
        for source in package_files.values():
            assert (src / source).stat().st_mode & 0o7777 == 0o644
            assert sha256(src / source) == sha256(DEMO / source)
