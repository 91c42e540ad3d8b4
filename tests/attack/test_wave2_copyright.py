"""Outsider attacks on `mlmodel copyright --update` (wave 2): paragraphs a maintainer wrote whose Comment only
mentions the "Managed by mlmodel copyright" mark must stay byte for byte.  The real command on a copy of
examples/demo; no mocks."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

HUMAN_FILES = """Files: model/tokenizer.json
Copyright: 2019 The Tokenizer Authors
License: CC0-1.0
Comment: Written by hand, NOT Managed by mlmodel copyright for model upstream-tokenizer; keep it.
"""

HUMAN_LICENSE = """License: CC0-1.0
 The maintainer's own copy of the CC0 text, kept here on purpose.
Comment: Pasted over what was once "Managed by mlmodel copyright: the text of a licence its model paragraphs name".
"""


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "demo"
    shutil.copytree(REPO / "examples/demo", src, symlinks=True)
    return src


def _update(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "copyright", "--update", str(src)],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=REPO)


def test_a_human_paragraph_quoting_the_mark_for_another_model_is_kept(tmp_path):
    src = _tree(tmp_path)
    path = src / "debian/copyright"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + HUMAN_FILES, encoding="utf-8")
    result = _update(src)
    assert result.returncode == 0, result.stderr
    assert HUMAN_FILES in path.read_text(encoding="utf-8"), "the maintainer's paragraph was dropped"


def test_a_human_licence_paragraph_quoting_the_licence_mark_is_kept(tmp_path):
    src = _tree(tmp_path)
    path = src / "debian/copyright"
    text = path.read_text(encoding="utf-8")
    start = text.index("License: CC0-1.0\n To the extent")
    path.write_text(text[:start] + HUMAN_LICENSE, encoding="utf-8")
    result = _update(src)
    assert result.returncode == 0, result.stderr
    assert HUMAN_LICENSE in path.read_text(encoding="utf-8"), "the maintainer's licence text was rewritten"
