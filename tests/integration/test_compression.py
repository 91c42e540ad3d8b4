"""Issue 9: weights packages built with the compression their data calls for, others with the default."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import deb_extract, dpkg_buildpackage, have, needs_debhelper
from sources import finish_source, free_model_yaml, make_source

pytestmark = [pytest.mark.integration, needs_debhelper]
np = pytest.importorskip("numpy")
safetensors_numpy = pytest.importorskip("safetensors.numpy")

WEIGHTS_MB = 9  # over dh_mlmodel's 8 MiB threshold for choosing


def data_member(deb: Path) -> str:
    members = subprocess.run(["ar", "t", str(deb)], capture_output=True, text=True, check=True).stdout.split()
    return next(m for m in members if m.startswith("data.tar"))


def big_source(root: Path, compression: str | None) -> Path:
    extra = f"    compression: {compression}\n" if compression else ""
    src = make_source(root, "big", [("big", None), ("big-tokenizer", None)],
                      "format: 1\nmodels:\n" + free_model_yaml("big", "model", extra))
    (src / "model").mkdir()
    # Random bytes as float32: what trained weights look like to a compressor.
    weights = np.frombuffer(os.urandom(WEIGHTS_MB << 20), dtype=np.float32).reshape(-1, 1024)
    safetensors_numpy.save_file({"w": weights}, str(src / "model/model.safetensors"))
    vocab = {f"token{i}": i for i in range(20000)}
    (src / "model/tokenizer.json").write_text(json.dumps({"model": {"type": "WordLevel", "vocab": vocab}}))
    finish_source(src)
    return src


@pytest.fixture(scope="module", params=[None, "gzip"], ids=["auto", "declared-gzip"])
def built(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"big-{request.param}")
    src = big_source(work, request.param)
    proc = dpkg_buildpackage(src)
    debs = {p.name.split("_")[0]: p for p in work.glob("*.deb")}
    return request.param, work, src, debs, proc


def test_weights_package_compression(built):
    declared, _, _, debs, proc = built
    expected = {None: "data.tar", "gzip": "data.tar.gz"}[declared]
    assert data_member(debs["big"]) == expected
    # The choice is printed with its reason (and the measured ratio when measured).
    line = next(line for line in proc.stdout.splitlines() if line.strip().startswith("big: dpkg-deb"))
    assert ("shrinks the weights sample by" in line and "%" in line) if declared is None else "declared" in line


def test_tokenizer_package_keeps_default(built):
    _, _, _, debs, _ = built
    assert data_member(debs["big-tokenizer"]) == "data.tar.xz"


def test_record_and_bytes(built, tmp_path):
    declared, _, src, debs, _ = built
    root = deb_extract(debs["big"], tmp_path / "x")
    record = json.loads((root / "usr/share/mlmodel/big/.mlmodel/big.json").read_text())
    choice = record["compression"]
    assert choice["compressor"] == (declared or "none")
    if declared is None:
        assert choice["sample_ratio"] > 0.9
    installed = root / "usr/share/mlmodel/big/model.safetensors"
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == hashlib.sha256(
        (src / "model/model.safetensors").read_bytes()).hexdigest()


@pytest.mark.skipif(not have("lintian"), reason="lintian not installed")
def test_lintian_clean_override_used(built):
    declared, work, _, _, _ = built
    (changes,) = work.glob("*.changes")
    out = subprocess.run(["lintian", "-I", "-E", "--pedantic", "--show-overrides", str(changes)],
                         capture_output=True, text=True).stdout.splitlines()
    assert [line for line in out if line.startswith(("E:", "W:"))] == []
    assert not [line for line in out if "unused-override" in line or "mismatched-override" in line]
    overridden = [line for line in out if line.startswith("O: big: uses-no-compression-for-data-tarball")]
    assert bool(overridden) == (declared is None)


@pytest.mark.skipif(os.geteuid() != 0, reason="installing needs root (CI runs as root)")
def test_debs_install(built):
    _, work, _, debs, _ = built
    apt = ["apt-get", "-y", "-q", "-o", "Dpkg::Use-Pty=0"]
    proc = subprocess.run([*apt, "install", *map(str, debs.values())], capture_output=True, text=True)
    try:
        assert proc.returncode == 0, proc.stderr
        assert Path("/usr/share/mlmodel/big/model.safetensors").stat().st_size > WEIGHTS_MB << 20
    finally:
        subprocess.run([*apt, "purge", *debs], capture_output=True)


def test_maintainer_builddeb_override_is_respected(tmp_path):
    """With override_dh_builddeb in debian/rules, dh_builddeb stays and its options apply; dh_mlmodel warns."""
    src = big_source(tmp_path, None)
    rules = src / "debian/rules"
    rules.write_text(rules.read_text() + "\noverride_dh_builddeb:\n\tdh_builddeb -- -Zgzip -z1\n")
    proc = dpkg_buildpackage(src, "-b")
    assert data_member(next(tmp_path.glob("big_*.deb"))) == "data.tar.gz"
    assert "is not applied" in proc.stderr
