"""inspect_model_dir over a small model directory written by the reference writers."""
from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pytest

from dh_mlmodel.inspect import inspect_model_dir


def _write_text_files(d: Path) -> None:
    (d / "README.md").write_text("---\nlicense: mit\ndatasets: [x/y]\nbase_model: a/b\nlanguage: en\n---\n# card\n")
    (d / "config.json").write_text(json.dumps({"_name_or_path": "org/name", "auto_map": {"AutoModel": "modeling_x.X"},
                                               "architectures": ["XForCausalLM"]}))
    (d / "notes.txt").write_bytes(pickle.dumps({"a": [1, 2]}, protocol=0))
    (d / "LICENSE").write_text("MIT License\n")


def test_report_of_side_files(tmp_path: Path) -> None:
    _write_text_files(tmp_path)
    report = inspect_model_dir(tmp_path)
    by_path = {f.artifact.relpath: f for f in report.files}
    assert sorted(by_path) == ["LICENSE", "README.md", "config.json", "notes.txt"]
    assert by_path["notes.txt"].artifact.format == "pickle"  # content wins over the .txt name
    assert by_path["notes.txt"].artifact.role == "weights"
    assert by_path["LICENSE"].artifact.role == "license"
    assert by_path["config.json"].metadata["name_or_path"] == "org/name"
    assert report.config["_name_or_path"] == "org/name"
    assert report.config["auto_map"] == {"AutoModel": "modeling_x.X"}
    assert report.card is not None and report.card.license == "mit"
    assert report.card.datasets == ("x/y",) and report.card.base_model == ("a/b",) and report.card.language == ("en",)
    for facts in report.files:
        assert facts.sha256 == hashlib.sha256(facts.artifact.path.read_bytes()).hexdigest()


def test_no_hash(tmp_path: Path) -> None:
    _write_text_files(tmp_path)
    report = inspect_model_dir(tmp_path, hash=False)
    assert all(f.sha256 is None for f in report.files)


def test_weights_written_by_reference_writers(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    st = pytest.importorskip("safetensors.numpy")
    st.save_file({"a": np.zeros((3, 4), np.float32), "b": np.ones(5, np.int64)}, str(tmp_path / "model.safetensors"))
    report = inspect_model_dir(tmp_path)
    (facts,) = report.files
    assert facts.artifact.format == "safetensors" and facts.artifact.role == "weights"
    assert facts.metadata["tensors"] == 2 and facts.metadata["parameters"] == 17
    assert facts.metadata["dtypes"] == ["F32", "I64"]
    assert report.card is None
