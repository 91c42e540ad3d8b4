"""dh_mlmodel on the demo tree with a compressed model file and a file no describer reads (issue 14)."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]

RECORD = "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.json"


def dh_mlmodel(src: Path):
    return subprocess.run(["dh_mlmodel"], cwd=src, env=intree_env(None), capture_output=True, text=True)


def test_gzip_wrapped_weights_build_and_the_record_names_wrapper_and_inner_format(demo_source):
    weights = demo_source / "model/model.safetensors"
    (demo_source / "model/model.safetensors.gz").write_bytes(gzip.compress(weights.read_bytes(), mtime=0))
    weights.unlink()
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    files = {f["source"]: f for f in json.loads((demo_source / RECORD).read_text())["files"]}
    entry = files["model/model.safetensors.gz"]
    assert (entry["format"], entry["role"], entry["wrapper"], entry["inner_format"]) == \
        ("compressed", "weights", "gzip", "safetensors")


def test_unrecognised_file_is_a_visible_warning_at_build(demo_source):
    (demo_source / "model/extra.dat").write_bytes(os.urandom(2048))
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "model-file-not-validated" in line]
    assert len(lines) == 1 and "extra.dat" in lines[0] and "not validated" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
