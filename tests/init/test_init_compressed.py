"""`mlmodel init` on directories whose only models are compressed (issue 14: it said "holds no model files")."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dh_mlmodel import cli

pytestmark = pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed (apt install debmake)")

MAINTAINER = "Jane Doe <jane@example.org>"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    for var in ("DEBEMAIL", "DEBFULLNAME"):
        monkeypatch.delenv(var, raising=False)


def test_gzip_torch_model_is_a_model_directory(tmp_path):
    torch = pytest.importorskip("torch")
    model = tmp_path / "ocr-model"
    model.mkdir()
    torch.save({"w": torch.ones(2, 2)}, model / "recognizer.pth")
    subprocess.run(["gzip", "-n", str(model / "recognizer.pth")], check=True)
    assert cli.main(["init", "--maintainer", MAINTAINER, str(model)]) == 0
    assert (model / "debian/mlmodel.yaml").is_file()


def test_lz4_joblib_files_are_a_model_directory(tmp_path):
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    pytest.importorskip("lz4")
    model = tmp_path / "clf-model"
    model.mkdir()
    for name in ("encoder.pkl.lz4", "classifier.pkl.lz4"):
        joblib.dump({"coef": np.arange(4.0)}, model / name, compress=("lz4", 3))
    assert cli.main(["init", "--maintainer", MAINTAINER, str(model)]) == 0
    assert (model / "debian/control").is_file()
