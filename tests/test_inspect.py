"""inspect_model_dir over a small model directory written by the reference writers."""
from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from dh_mlmodel.inspect import inspect_model_dir

REPO = Path(__file__).resolve().parents[1]


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


def _cli(*args: str) -> subprocess.CompletedProcess:
    # The subcommand module alone: the `mlmodel` dispatcher imports every command, and this
    # test must not depend on the others' state.
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.commands.inspect", *args], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_json_shape_and_exit_0(tmp_path: Path) -> None:
    _write_text_files(tmp_path)
    (tmp_path / "modeling_x.py").write_text("class X: pass\n")  # auto_map's code, shipped: a warning only
    proc = _cli("--json", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert sorted(data) == ["files", "models"]
    record = next(f for f in data["files"] if f["path"] == "config.json")
    assert sorted(record) == ["findings", "format", "metadata", "path", "role", "sha256", "size"]
    assert record["format"] == "config-json" and record["role"] == "config" and len(record["sha256"]) == 64
    assert record["findings"][0]["tag"] == "remote-code-auto-map" and record["findings"][0]["severity"] == "warning"
    assert data["models"] == [{"path": tmp_path.as_posix(), "card": {
        "license": "mit", "license_name": None, "license_link": None, "datasets": ["x/y"], "base_model": ["a/b"],
        "base_model_relation": None, "pipeline_tag": None, "library_name": None, "language": ["en"]}}]


def test_cli_exit_1_on_error_findings_and_table(tmp_path: Path) -> None:
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 999\n"
    (tmp_path / "model.safetensors").write_text(pointer)
    proc = _cli("--no-hash", str(tmp_path))
    assert proc.returncode == 1
    assert "lfs-pointer" in proc.stdout and "E: lfs-pointer-instead-of-model" in proc.stdout
    assert "    sha256 " not in proc.stdout  # --no-hash: no digest line


def test_cli_exit_2_on_missing_path(tmp_path: Path) -> None:
    proc = _cli(str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("nope: no such file or directory") and proc.stderr.count("\n") == 1


def test_cli_files_given_directly(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    proc = _cli("--json", str(tmp_path / "a.txt"))
    data = json.loads(proc.stdout)
    assert [f["path"] for f in data["files"]] == [(tmp_path / "a.txt").as_posix()] and data["models"] == []
