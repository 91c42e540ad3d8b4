"""`pip install .` gives the `mlmodel` and `dh_mlmodel` commands."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO, TOP

pytestmark = pytest.mark.integration


def test_pip_install_gives_both_commands(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    # Plain `pip install .` (its build backend comes from PyPI, the one registry we reach);
    # the runtime dependencies are already in the system site-packages the venv sees.
    proc = subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           str(TOP)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (venv / "bin/dh_mlmodel").exists()
    out = subprocess.run([str(venv / "bin/mlmodel"), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and "inspect" in out.stdout
    inspected = subprocess.run([str(venv / "bin/mlmodel"), "inspect", "--json", str(DEMO / "model")],
                               capture_output=True, text=True, cwd=tmp_path)
    assert inspected.returncode == 0, inspected.stderr
    assert '"safetensors"' in inspected.stdout
    # classify (README: what a pip-only user gets) decides the demo as the .deb's tool does.
    classified = subprocess.run([str(venv / "bin/mlmodel"), "classify", str(DEMO)], capture_output=True, text=True,
                                cwd=tmp_path)
    assert classified.returncode == 0, classified.stderr
    assert classified.stdout.startswith("demo-embed: free -> main"), classified.stdout
    # report finds its templates where pip put them (share/dh-mlmodel/templates/report).
    report = subprocess.run([str(venv / "bin/mlmodel"), "report", "--markdown", str(DEMO)], capture_output=True,
                            text=True, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "| demo-embed | main (rule 6) |" in report.stdout
    # It runs the installed copy, not the checkout.
    where = subprocess.run([str(venv / "bin/python"), "-c", "import dh_mlmodel; print(dh_mlmodel.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(venv) in where
