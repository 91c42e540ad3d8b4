"""Issue 13 class 10: auto_map in every config a processor or pipeline reads, custom_pipelines in config.json."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dh_mlmodel.inspect import inspect_model_dir

REPO = Path(__file__).resolve().parents[2]
CONFIGS = ["preprocessor_config.json", "processor_config.json", "feature_extractor_config.json",
           "image_processor_config.json", "video_preprocessor_config.json", "tokenizer_config.json",
           "generation_config.json", "config.json"]


def _remote(tmp_path, name):
    return [f for f in inspect_model_dir(tmp_path).findings if f.path == name and f.tag in ("remote-code-required", "remote-code-not-shipped")]


@pytest.mark.parametrize("name", CONFIGS)
def test_auto_map_from_another_repository_in_any_config_is_an_error(tmp_path, name):
    (tmp_path / name).write_text(json.dumps({"auto_map": {"AutoProcessor": "processing_evil.EvilProcessor",
                                                          "AutoImageProcessor": "org/other--image_evil.P"}}))
    (found,) = _remote(tmp_path, name)
    assert found.tag == "remote-code-not-shipped" and found.severity == "error"
    assert "processing_evil.py" in found.message and "org/other" in found.message


def test_auto_map_of_local_code_is_a_warning_that_says_if_it_is_missing(tmp_path):
    (tmp_path / "processor_config.json").write_text(json.dumps({"auto_map": {"AutoProcessor": "proc_y.P"}}))
    (found,) = _remote(tmp_path, "processor_config.json")
    assert (found.tag, found.severity) == ("remote-code-required", "warning") and "proc_y.py" in found.message


def test_auto_map_with_shipped_code_is_a_warning(tmp_path):
    (tmp_path / "processing_x.py").write_text("class P: pass\n")
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"auto_map": {"AutoProcessor": "processing_x.P"}}))
    (found,) = _remote(tmp_path, "preprocessor_config.json")
    assert (found.tag, found.severity) == ("remote-code-required", "warning")


def test_custom_pipelines_in_config_json(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "custom_pipelines": {
        "pair-classification": {"impl": "someone/else--custom_pipeline.PairClassificationPipeline",
                                "pt": ["AutoModelForSequenceClassification"], "tf": []}}}))
    (found,) = _remote(tmp_path, "config.json")
    assert found.member == "custom_pipelines" and found.severity == "error"
    assert "custom_pipeline.py" in found.message


def test_inspect_exits_non_zero(tmp_path):
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"auto_map": {"AutoProcessor": "x/y--p.P"}}))
    proc = subprocess.run([sys.executable, str(REPO / "bin" / "mlmodel"), "inspect", str(tmp_path)], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.returncode != 0 and "remote-code-not-shipped" in proc.stdout, proc.stdout + proc.stderr
