"""The CycloneDX 1.6 BOM (and `mlmodel inspect --bom`), validated with cyclonedx-python-lib's own validator."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
pytest.importorskip("cyclonedx")  # PyPI only: fails under CI, skips in the package build
from cyclonedx.schema import SchemaVersion  # noqa: E402
from cyclonedx.validation.json import JsonStrictValidator  # noqa: E402

from dh_mlmodel.deliver import cyclonedx

TOP = Path(__file__).resolve().parents[2]
DEMO_MODEL = TOP / "examples" / "demo" / "model"
SHA = "ab" * 32


def inputs(**kw):
    base = dict(model="demo-embed", package="demo-embed", version="1.0-1", epoch=1700000000,
                license_expr="CC0-1.0 OR MIT",
                files=[{"path": "usr/share/mlmodel/demo-embed/model.safetensors", "sha256": SHA},
                       {"path": "usr/share/mlmodel/demo-embed/a b é.json", "sha256": "cd" * 32}],
                datasets=[{"name": "demo corpus", "url": "https://example.org/c", "availability": "public",
                           "license": "CC-BY-4.0"}, {"name": "other"}],
                base_models=["org/base"], upstream_url="https://example.org/m", maintainer="Jane <j@example.org>",
                card={"task": "feature-extraction", "architecture": "BertModel", "family": "bert",
                      "language": ["en", "fr"], "profile": "ml-policy"})
    base.update(kw)
    return base


def validate(text: str) -> dict:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    return json.loads(text)


def test_bom_validates_and_carries_model_card():
    doc = validate(cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs())).decode())
    model = doc["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["licenses"] == [{"expression": "CC0-1.0 OR MIT"}]
    params = model["modelCard"]["modelParameters"]
    assert params["task"] == "feature-extraction" and params["modelArchitecture"] == "BertModel"
    data = {c["bom-ref"]: c for c in doc["components"] if c["type"] == "data"}
    assert [d["ref"] for d in params["datasets"]] == sorted(data)
    assert data["dataset:demo-corpus"]["licenses"] == [{"expression": "CC-BY-4.0"}]
    files = [c for c in doc["components"] if c["type"] == "file"]
    assert [f["name"] for f in files] == sorted(f["name"] for f in files)
    assert {f["hashes"][0]["content"] for f in files} == {SHA, "cd" * 32}
    assert model["pedigree"]["ancestors"][0]["name"] == "org/base"
    assert doc["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"
    doc["metadata"]["component"]["type"] = "ml-model"  # the validator is no rubber stamp
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None


def test_bom_reproducible_and_serial_from_content():
    a = cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs()))
    b = cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs()))
    assert a == b
    changed = cyclonedx.cyclonedx_document(**inputs(files=[{"path": "x", "sha256": "ef" * 32}]))
    assert changed["serialNumber"] != json.loads(a)["serialNumber"]
    assert json.loads(a)["serialNumber"].startswith("urn:uuid:")


def test_bom_minimal_inputs_validate():
    """No licence, no card, no data sets, no base model: still a valid BOM (nothing invented)."""
    doc = validate(cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs(
        license_expr=None, datasets=[], base_models=[], upstream_url=None, card=None))).decode())
    assert "licenses" not in doc["metadata"]["component"] and "pedigree" not in doc["metadata"]["component"]


def test_hostile_names_stay_data():
    """Names from model cards are hostile: quotes, newlines and control characters end up escaped JSON."""
    evil = 'x"\n\u0000<script>'
    doc = validate(cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs(
        model=evil, datasets=[{"name": evil}], base_models=[evil],
        card={"task": evil, "language": [evil]}))).decode())
    assert doc["metadata"]["component"]["name"] == evil


def _inspect(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(TOP), SOURCE_DATE_EPOCH="1700000000")
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "inspect", *args], capture_output=True,
                          text=True, env=env)


def test_inspect_bom_cyclonedx_of_demo():
    proc = _inspect("--bom", "cyclonedx", str(DEMO_MODEL))
    assert proc.returncode == 0, proc.stderr
    doc = validate(proc.stdout)
    assert doc["metadata"]["component"]["licenses"] == [{"expression": "CC0-1.0"}]
    names = {c["name"] for c in doc["components"] if c["type"] == "file"}
    assert "model.safetensors" in names
    assert _inspect("--bom", "cyclonedx", str(DEMO_MODEL)).stdout == proc.stdout


def test_inspect_bom_refuses_files_and_no_hash(tmp_path):
    for args in (("--bom", "spdx", str(DEMO_MODEL / "config.json")), ("--bom", "cyclonedx", "--no-hash",
                                                                      str(DEMO_MODEL))):
        proc = _inspect(*args)
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and proc.stdout == ""


def test_bom_with_signature_properties_validates():
    sig = {"method": "certificate", "signer": "CN=leaf", "manifest_digest": "sha256:" + "cd" * 32, "files": 3}
    doc = validate(cyclonedx.dump_cyclonedx(cyclonedx.cyclonedx_document(**inputs(), signature=sig)).decode())
    props = {p["name"]: p["value"] for p in doc["metadata"]["component"]["properties"]}
    assert props["mlmodel:signature:signer"] == "CN=leaf" and props["mlmodel:signature:files"] == "3"
