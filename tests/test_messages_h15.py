"""Messages a new maintainer meets on the walkthrough (issue #15): no empty "{}" card line, and
`overrides --update` on a tree without debian/ is an error, not "unchanged"."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _mlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], capture_output=True, text=True, cwd=REPO)


def _model_dir(tmp_path: Path, readme: str) -> Path:
    np.save(tmp_path / "weights.npy", np.zeros(4, dtype=np.float32))
    (tmp_path / "README.md").write_text(readme)
    return tmp_path


def test_inspect_readme_without_front_matter_prints_no_empty_card(tmp_path: Path) -> None:
    proc = _mlmodel("inspect", str(_model_dir(tmp_path, "# A model\n\nNo front matter here.\n")))
    assert "{}" not in proc.stdout, proc.stdout
    assert "model card of" not in proc.stdout


def test_inspect_card_with_front_matter_still_shown(tmp_path: Path) -> None:
    proc = _mlmodel("inspect", str(_model_dir(tmp_path, "---\nlicense: mit\n---\n# card\n")))
    assert '"license": "mit"' in proc.stdout


def test_overrides_update_without_debian_is_an_error(tmp_path: Path) -> None:
    proc = _mlmodel("overrides", "--update", str(_model_dir(tmp_path, "# x\n")))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlmodel: error: ") and "debian" in lines[0], proc.stderr
    assert "unchanged" not in proc.stdout
    assert not (tmp_path / "debian").exists()
