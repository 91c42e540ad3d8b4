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

import jsonschema
import pyshacl
import pytest
import rdflib

from dh_mlmodel.deliver import spdx

TOP = Path(__file__).resolve().parents[2]
DATA = TOP / "tests" / "data" / "schemas"
CONTEXT = json.loads((DATA / "spdx-3.0.1-spdx-context.jsonld").read_text())
T = "https://spdx.org/rdf/3.0.1/terms/"
AI_REQUIRED = ("Core/releaseTime", "Core/suppliedBy", "Software/downloadLocation", "Software/packageVersion",
               "Software/primaryPurpose")
DATASET_REQUIRED = ("Core/builtTime", "Core/originatedBy", "Core/releaseTime", "Software/downloadLocation",
                    "Software/primaryPurpose", "Dataset/datasetType")


def to_graph(doc: dict) -> rdflib.Graph:
    local = dict(doc, **{"@context": CONTEXT["@context"]})  # expanded offline: no fetch of the context URL
    g = rdflib.Graph()
    g.parse(data=json.dumps(local), format="json-ld")
    return g


def conformance_errors(g: rdflib.Graph) -> list[str]:
    errors = []
    rel_type = rdflib.URIRef(T + "Core/relationshipType")
    any_licence = rdflib.URIRef(T + "SimpleLicensing/AnyLicenseInfo")
    subclass = rdflib.RDFS.subClassOf

    def is_licence(node, shapes_g) -> bool:
        types = set(g.objects(node, rdflib.RDF.type))
        if not types:
            return False
        return any((t, subclass * "*", any_licence) in shapes_g or t == any_licence for t in types)

    for cls, required in (("AI/AIPackage", AI_REQUIRED), ("Dataset/DatasetPackage", DATASET_REQUIRED)):
        for el in g.subjects(rdflib.RDF.type, rdflib.URIRef(T + cls)):
            for prop in required:
                values = list(g.objects(el, rdflib.URIRef(T + prop)))
                if not values or (prop == "Core/originatedBy" and len(values) != 1):
                    errors.append(f"{el}: {prop} has {len(values)} values")
            for kind in ("hasConcludedLicense", "hasDeclaredLicense"):
                rels = [r for r in g.subjects(rdflib.URIRef(T + "Core/from"), el)
                        if (r, rel_type, rdflib.URIRef(T + "Core/RelationshipType/" + kind)) in g]
                targets = [t for r in rels for t in g.objects(r, rdflib.URIRef(T + "Core/to"))]
                if len(rels) != 1 or len(targets) != 1 or not all(is_licence(t, SHAPES) for t in targets):
                    errors.append(f"{el}: {len(rels)} {kind} relationships to {targets}")
    return errors


SHAPES = rdflib.Graph()
SHAPES.parse(DATA / "spdx-3.0.1-spdx-model.ttl", format="turtle")


def check(doc: dict) -> None:
    text = spdx.dump_spdx(doc).decode()
    jsonschema.Draft202012Validator(json.loads((DATA / "spdx-3.0.1-schema.json").read_text())).validate(
        json.loads(text))
    g = to_graph(json.loads(text))
    # The named individuals (NoAssertionLicense …) are defined in the model: validate with it as the ontology.
    conforms, _, report = pyshacl.validate(g, shacl_graph=SHAPES, ont_graph=SHAPES, inference="none",
                                           abort_on_first=False, allow_warnings=False)
    assert conforms, report
    errors = conformance_errors(g + SHAPES)
    assert errors == [], errors


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
    check(spdx.spdx_document(**inputs(license_expr=None, datasets=[], base_models=[], upstream_url=None)))


def test_checker_is_no_rubber_stamp():
    """Dropping a dataset's concluded licence relationship, or the model's supplier, is caught."""
    doc = spdx.spdx_document(**inputs())
    g = [e for e in doc["@graph"] if not (e.get("relationshipType") == "hasConcludedLicense"
                                          and "dataset" in e.get("from", ""))]
    with pytest.raises(AssertionError):
        check(dict(doc, **{"@graph": g}))
    doc = spdx.spdx_document(**inputs())
    for e in doc["@graph"]:
        if e["type"] == "ai_AIPackage":
            e["software_primaryPurpose"] = "not-a-purpose"
    with pytest.raises((AssertionError, jsonschema.ValidationError)):
        check(doc)


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
    check(doc)
    (note,) = [e for e in doc["@graph"] if e["type"] == "Annotation"]
    assert json.loads(note["statement"]) == {"oms_signature": sig}
