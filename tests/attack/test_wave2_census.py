"""Outsider attacks on `mlmodel census` (wave 2): a state file in the cache whose rows are not the census's own.

A local mirror made on disk (Contents, Packages); the real command in a subprocess; no mocks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHA = "ab" * 32


def _mirror(root: Path) -> Path:
    main = root / "dists/s/main"
    (main / "binary-amd64").mkdir(parents=True)
    (main / "Contents-all").write_text("usr/share/foo/model.onnx   misc/foo\n", encoding="utf-8")
    (main / "binary-amd64/Packages").write_text(
        f"Package: foo\nVersion: 1\nArchitecture: all\nSection: misc\nFilename: pool/main/f/foo/foo_1_all.deb\n"
        f"Size: 10\nSHA256: {SHA}\n\n", encoding="utf-8")
    return root


def _census(mirror: Path, cache: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "census", "--mirror", str(mirror), "--suite", "s",
                           "--cache", str(cache), "--html", str(out / "c.html"), "--csv", str(out / "c.csv"),
                           "--json", str(out / "c.json")],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=REPO)


def test_a_state_row_that_is_not_a_census_row_is_inspected_again_not_a_traceback(tmp_path):
    """The state file matches version and sha256, but its row is someone else's dict: no traceback, and the
    package is inspected again (here: its .deb is not in the mirror, so it is reported as unreadable)."""
    from dh_mlmodel.census import INSPECTOR, STATE_FORMAT, STATE_NAME

    mirror, cache, out = _mirror(tmp_path / "mirror"), tmp_path / "cache", tmp_path / "out"
    cache.mkdir()
    (cache / STATE_NAME).write_text(json.dumps({"format": STATE_FORMAT, "inspector": INSPECTOR, "packages": {
        "foo:all": {"version": "1", "sha256": SHA, "row": {"package": "<script>x</script>"}}}}), encoding="utf-8")
    result = _census(mirror, cache, out)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode != 0  # the .deb is missing: an error row, said on stderr
    assert "foo" in result.stderr
