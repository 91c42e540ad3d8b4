"""The generated autopkgtest: `mlmodel verify` on the installed files of the demo's packages."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO, TOP, deb_extract, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]
PACKAGES = ["demo-embed", "demo-embed-tokenizer", "demo-embed-doc"]


def mlmodel(*args, cwd=TOP):
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))


def test_demo_tests_control_is_current():
    """examples/demo/debian/tests/control is what `mlmodel autopkgtest` writes today."""
    proc = mlmodel("autopkgtest", str(DEMO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (DEMO / "debian/tests/control").read_text()
    assert "Test-Command: mlmodel verify demo-embed demo-embed-tokenizer demo-embed-doc" in proc.stdout


def test_verify_installed_tree(tmp_path, demo_source):
    dpkg_buildpackage(demo_source, "-b")
    root = tmp_path / "root"
    for deb in demo_source.parent.glob("*.deb"):
        deb_extract(deb, root)
    ok = mlmodel("verify", "--root", str(root), *PACKAGES)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "demo-embed: 2 file(s) checked, 0 problem(s)" in ok.stdout
    weights = root / "usr/share/mlmodel/demo-embed/model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    bad = mlmodel("verify", "--root", str(root), "demo-embed")
    assert bad.returncode == 1
    assert "model.safetensors: differs from the record" in bad.stdout


def test_verify_names_a_missing_package(tmp_path):
    proc = mlmodel("verify", "--root", str(tmp_path), "not-installed")
    assert proc.returncode == 2
    assert proc.stderr.startswith("mlmodel: error: not-installed: no record under")
