"""The SPDX 3.0.1 document against the SPDX 3.0.1 model, offline.

Three checks, each from SPDX's own published files kept in tests/data/schemas/ (licence noted there):
the JSON schema (schema.json), the SHACL shapes of the model (spdx-model.ttl, with pyshacl, the JSON-LD
expanded with the stored context), and the AI and Dataset profiles' conformance rules, which the SHACL
file does not encode: the spec's "Profile conformance" sections (exactly one hasConcludedLicense and one
hasDeclaredLicense relationship from every AIPackage and every DatasetPackage to an AnyLicenseInfo) and
the classes' "External properties cardinality updates" (AIPackage: releaseTime, suppliedBy,
downloadLocation, packageVersion, primaryPurpose; DatasetPackage: builtTime, originatedBy (exactly one),
releaseTime, downloadLocation, primaryPurpose), as published at spdx.github.io/spdx-spec/v3.0.1/model/.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dh_mlmodel.deliver import spdx
pytest.importorskip("pyshacl")  # PyPI only: fails under CI, skips in the package build
from spdx_check import check  # noqa: E402

TOP = Path(__file__).resolve().parents[2]

def inputs(**kw):
    base = dict(model="demo-embed", package="demo-embed", version="1.0-1", epoch=1700000000,
                license_expr="CC0-1.0",
                files=[{"path": "usr/share/mlmodel/demo-embed/model.safetensors", "sha256": "ab" * 32}],
                datasets=[{"name": "demo corpus", "url": "https://example.org/c", "availability": "public",
                           "license": "CC-BY-4.0"}, {"name": "demo-corpus", "availability": "unavailable"}],
                base_models=["org/base"], upstream_url="https://example.org/m", maintainer="Jane <j@example.org>")
    base.update(kw)
    return base


def test_full_document_conforms():
    check(spdx.spdx_document(**inputs()))


def test_minimal_document_conforms():
    check(spdx.spdx_document(**inputs(license_expr=None, datasets=[], base_models=[], upstream_url=None)),
          schema=False)


def test_checker_is_no_rubber_stamp():
    """Dropping a dataset's concluded licence relationship, or the model's supplier, is caught."""
    doc = spdx.spdx_document(**inputs())
    g = [e for e in doc["@graph"] if not (e.get("relationshipType") == "hasConcludedLicense"
                                          and "dataset" in e.get("from", ""))]
    with pytest.raises(AssertionError):
        check(dict(doc, **{"@graph": g}), schema=False)
    doc = spdx.spdx_document(**inputs())
    for e in doc["@graph"]:
        if e["type"] == "ai_AIPackage":
            e["software_primaryPurpose"] = "not-a-purpose"
    with pytest.raises(AssertionError):
        check(doc, schema=False)  # SHACL alone: sh:in on primaryPurpose


def test_inspect_bom_spdx_of_demo_conforms():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(TOP), SOURCE_DATE_EPOCH="1700000000")
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "inspect", "--bom", "spdx",
                           str(TOP / "examples" / "demo" / "model")], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    check(json.loads(proc.stdout))


def test_document_with_signature_annotation_conforms():
    sig = {"method": "key", "signer": "sha256:" + "ab" * 32, "manifest_digest": "sha256:" + "cd" * 32,
           "files": 3, "signature": "/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.sig"}
    doc = spdx.spdx_document(**inputs(), signature=sig)
    check(doc, schema=False)  # the signed demo build checks it with the schema too
    (note,) = [e for e in doc["@graph"] if e["type"] == "Annotation"]
    assert json.loads(note["statement"]) == {"oms_signature": sig}
