"""Checks an SPDX 3.0.1 document offline against SPDX's published model (see tests/deliver/test_spdx_conformance.py)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyshacl
import rdflib

from dh_mlmodel.deliver import spdx

TOP = Path(__file__).resolve().parents[1]
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


def check(doc: dict, *, schema: bool = True) -> None:
    """SHACL and the profile rules always; the JSON schema unless told (jsonschema takes ~25 s per document
    with SPDX's schema on the 2-core CI machine, so the tests that probe one property skip it)."""
    text = spdx.dump_spdx(doc).decode()
    if schema:
        jsonschema.Draft202012Validator(json.loads((DATA / "spdx-3.0.1-schema.json").read_text())).validate(
            json.loads(text))
    g = to_graph(json.loads(text))
    # The named individuals (NoAssertionLicense …) are defined in the model: validate with it as the ontology.
    conforms, _, report = pyshacl.validate(g, shacl_graph=SHAPES, ont_graph=SHAPES, inference="none",
                                           abort_on_first=False, allow_warnings=False)
    assert conforms, report
    errors = conformance_errors(g + SHAPES)
    assert errors == [], errors


