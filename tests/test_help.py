"""`dh_mlmodel --help` prints its usage, as debhelper's own tools do, wherever it is run."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TOP, copy_source, DEMO


@pytest.mark.parametrize("tool", ["dh_mlmodel", "dh_mlmodel_builddeb"])
def test_help_outside_a_source_tree(tmp_path, tool):
    proc = subprocess.run([sys.executable, str(TOP / "bin" / tool), "--help"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: {tool} [debhelper options]")
    assert f"{tool}(1)" in proc.stdout and "debhelper(7)" in proc.stdout
    assert proc.stderr == ""
    assert os.listdir(tmp_path) == []


def test_help_lists_the_options_and_does_nothing_in_a_source_tree(tmp_path):
    src = copy_source(DEMO, tmp_path, "demo-embed-1.0")
    before = sorted(p.relative_to(src) for p in src.rglob("*"))
    for flag in ("--help", "-h"):
        proc = subprocess.run([sys.executable, str(TOP / "bin" / "dh_mlmodel"), flag], cwd=src, capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        for option in ("--policy", "--section-check", "--warn-only"):
            assert option in proc.stdout
    assert sorted(p.relative_to(src) for p in src.rglob("*")) == before  # nothing installed, no log written
