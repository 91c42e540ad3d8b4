"""An SPDX 3.0.1 AI-profile document for a package that carries weights.

JSON-LD with the spdx.org 3.0.1 context: one `ai_AIPackage` for the model,
a `software_File` with its sha256 for each installed file, a
`dataset_DatasetPackage` per declared training data set (`trainedOn`), the
base models (`descendantOf`).  It conforms to the AI and Dataset profiles
(spdx.github.io/spdx-spec/v3.0.1/model/AI/AI/ and .../Dataset/Dataset/):
every AIPackage and DatasetPackage has exactly one `hasDeclaredLicense` and
one `hasConcludedLicense` relationship (NoAssertionLicense when nothing is
known), and the properties those classes make mandatory; where a fact is
unknown (a data set's originator, its build time) the value says
NOASSERTION or is the document's own time (docs/provenance.md).  Checked
offline against SPDX's schema.json and SHACL model in
tests/deliver/test_spdx_conformance.py. No clock is read: times come from SOURCE_DATE_EPOCH, so
the document is reproducible.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NOASSERTION = "NOASSERTION"
NOASSERTION_LICENSE = "expandedlicensing_NoAssertionLicense"  # a named individual of the 3.0.1 model


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def spdx_relpath(model: str, package: str) -> str:
    return f"usr/share/mlmodel/{model}/.mlmodel/{package}.spdx.json"


def spdx_document(*, model: str, package: str, version: str, epoch: int, license_expr: str | None,
                  files: Iterable[Mapping[str, Any]], datasets: Iterable[Mapping[str, Any]],
                  base_models: Iterable[str], upstream_url: str | None, maintainer: str,
                  signature: Mapping[str, Any] | None = None) -> dict[str, Any]:
    ns = f"urn:debian:mlmodel:{_slug(package)}:{_slug(version)}:"
    created = _iso(epoch)
    ci = "_:creationinfo"
    graph: list[dict[str, Any]] = []

    def element(kind: str, ident: str, **fields: Any) -> str:
        spdx_id = ns + ident
        graph.append({"type": kind, "spdxId": spdx_id, "creationInfo": ci, **fields})
        return spdx_id

    def relate(kind: str, src: str, targets: list[str], ident: str) -> None:
        if targets:
            element("Relationship", f"rel-{ident}", relationshipType=kind, **{"from": src, "to": targets})

    supplier = element("Organization", "supplier", name=maintainer)
    unknown = None  # the originator of a data set nobody declared: SPDX wants exactly one Agent
    tool = element("Tool", "tool-dh-mlmodel", name="dh-mlmodel")
    licences: dict[str, str] = {}

    def licence(expr: str | None) -> str:
        """The element for a licence expression (one per expression), or SPDX's NoAssertionLicense."""
        if not expr:
            return NOASSERTION_LICENSE
        if expr not in licences:
            licences[expr] = element("simplelicensing_LicenseExpression", f"license-{len(licences)}",
                                     simplelicensing_licenseExpression=expr)
        return licences[expr]

    def licensed(ident: str, spdx_id: str, declared: str | None, concluded: str | None) -> None:
        """The AI and Dataset profiles: exactly one declared and one concluded licence relationship each."""
        relate("hasDeclaredLicense", spdx_id, [licence(declared)], f"{ident}-declared")
        relate("hasConcludedLicense", spdx_id, [licence(concluded)], f"{ident}-concluded")

    the_model = element(
        "ai_AIPackage", "model", name=model, suppliedBy=supplier, releaseTime=created,
        software_downloadLocation=upstream_url or NOASSERTION, software_packageVersion=version,
        software_primaryPurpose="model")
    licensed("model", the_model, license_expr, license_expr)
    file_ids = [element("software_File", f"file-{i}", name=f["path"],
                        verifiedUsing=[{"type": "Hash", "algorithm": "sha256", "hashValue": f["sha256"]}])
                for i, f in enumerate(sorted(files, key=lambda f: f["path"])) if f.get("sha256")]
    data_ids = []
    for i, d in enumerate(sorted(datasets, key=lambda d: d["name"])):
        if unknown is None:
            unknown = element("Organization", "originator-noassertion", name=NOASSERTION)
        ident = f"dataset-{i}"
        data_ids.append(element("dataset_DatasetPackage", ident, name=d["name"], originatedBy=[unknown],
                                suppliedBy=supplier, builtTime=created, releaseTime=created,
                                software_packageVersion=NOASSERTION, software_primaryPurpose="data",
                                dataset_datasetType=["noAssertion"],
                                software_downloadLocation=d.get("url") or NOASSERTION,
                                **_availability(d.get("availability"))))
        licensed(ident, data_ids[-1], d.get("license"), d.get("license"))
    base_ids = []
    for i, b in enumerate(sorted(set(base_models))):
        base_ids.append(element("ai_AIPackage", f"base-{i}", name=b, suppliedBy=supplier, releaseTime=created,
                                software_downloadLocation=NOASSERTION, software_packageVersion=NOASSERTION,
                                software_primaryPurpose="model"))
        licensed(f"base-{i}", base_ids[-1], None, None)
    if signature:
        # SPDX 3.0.1 has no class for a verified upstream signature: an Annotation on the model says it.
        element("Annotation", "signature", annotationType="other", subject=the_model, contentType="application/json",
                statement=json.dumps({"oms_signature": dict(signature)}, sort_keys=True))
    relate("contains", the_model, file_ids, "files")
    relate("trainedOn", the_model, data_ids, "datasets")
    relate("descendantOf", the_model, base_ids, "bases")
    document = {"type": "SpdxDocument", "spdxId": ns + "document", "creationInfo": ci,
                "name": f"{package} {version}", "rootElement": [the_model],
                "profileConformance": ["core", "software", "simpleLicensing", "ai", "dataset"],
                "element": sorted(e["spdxId"] for e in graph)}
    creation = {"type": "CreationInfo", "@id": ci, "specVersion": SPEC_VERSION, "created": created,
                "createdBy": [supplier], "createdUsing": [tool]}
    return {"@context": CONTEXT, "@graph": [creation, document, *graph]}


def _availability(availability: str | None) -> dict[str, str]:
    """SPDX's DatasetAvailabilityType has no word for "unavailable": then the property is left out."""
    value = {"public": "directDownload", "on-request": "registration", "restricted": "registration"}.get(
        availability or "")
    return {"dataset_datasetAvailability": value} if value else {}


def dump_spdx(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")
