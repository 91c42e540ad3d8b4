"""A CycloneDX 1.6 JSON BOM beside each SPDX document.

The model is the BOM's subject (`metadata.component`), a
`machine-learning-model` component with a `modelCard` built from the
declaration and the model card's facts (task, architecture, training data
sets); the installed files are `file` components with their sha256; the
training data sets are `data` components the model card refers to; base
models are the model's `pedigree.ancestors`.  Source: CycloneDX 1.6 JSON
schema (bom-1.6.schema.json, `component`, `modelCard`, `componentData`).

Reproducible: no clock (the timestamp is SOURCE_DATE_EPOCH's), everything
sorted, and the serial number is a UUID derived from the BOM's own content,
so the same inputs give the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any, Iterable, Mapping

from .spdx import _iso

SPEC_VERSION = "1.6"
SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"


def cyclonedx_relpath(model: str, package: str) -> str:
    return f"usr/share/mlmodel/{model}/.mlmodel/{package}.cdx.json"


def _ref(kind: str, text: str) -> str:
    return f"{kind}:" + re.sub(r"[^A-Za-z0-9._/-]+", "-", text).strip("-")


def _licenses(expr: str | None) -> list[dict[str, Any]]:
    return [{"expression": expr}] if expr else []


def _model_card(card: Mapping[str, Any], dataset_refs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if card.get("task"):
        params["task"] = card["task"]
    if card.get("family"):
        params["architectureFamily"] = card["family"]
    if card.get("architecture"):
        params["modelArchitecture"] = card["architecture"]
    if dataset_refs:
        params["datasets"] = [{"ref": r} for r in dataset_refs]
    out: dict[str, Any] = {"bom-ref": "model-card"}
    if params:
        out["modelParameters"] = params
    props = [{"name": f"mlmodel:{k}", "value": str(card[k])} for k in ("library", "profile", "category", "section")
             if card.get(k)]
    props += [{"name": "mlmodel:language", "value": lang} for lang in card.get("language") or ()]
    if props:
        out["properties"] = props
    return out


def cyclonedx_document(*, model: str, package: str, version: str, epoch: int, license_expr: str | None,
                       files: Iterable[Mapping[str, Any]], datasets: Iterable[Mapping[str, Any]],
                       base_models: Iterable[str], upstream_url: str | None, maintainer: str,
                       card: Mapping[str, Any] | None = None,
                       signature: Mapping[str, Any] | None = None) -> dict[str, Any]:
    from .. import __version__ as tool_version
    datasets = sorted(datasets, key=lambda d: d["name"])
    data_components = []
    for d in datasets:
        comp: dict[str, Any] = {"type": "data", "bom-ref": _ref("dataset", d["name"]), "name": d["name"],
                                "data": [{"type": "dataset", "name": d["name"]}]}
        comp["licenses"] = _licenses(d.get("license"))
        if d.get("url"):
            comp["externalReferences"] = [{"type": "distribution", "url": d["url"]}]
        if d.get("availability"):
            comp["properties"] = [{"name": "mlmodel:availability", "value": d["availability"]}]
        data_components.append({k: v for k, v in comp.items() if v != []})
    file_components = [{"type": "file", "bom-ref": _ref("file", f["path"]), "name": f["path"],
                        "hashes": [{"alg": "SHA-256", "content": f["sha256"]}]}
                       for f in sorted(files, key=lambda f: f["path"]) if f.get("sha256")]
    the_model: dict[str, Any] = {
        "type": "machine-learning-model", "bom-ref": _ref("model", model), "name": model, "version": version,
        "supplier": {"name": maintainer},
        "modelCard": _model_card(card or {}, [c["bom-ref"] for c in data_components]),
    }
    if license_expr:
        the_model["licenses"] = _licenses(license_expr)
    if signature:  # the upstream OMS signature dh_mlmodel verified (CycloneDX's own `signature` is JSF, not OMS)
        the_model["properties"] = [{"name": f"mlmodel:signature:{k}", "value": str(v)}
                                   for k, v in sorted(signature.items())]
    if upstream_url:
        the_model["externalReferences"] = [{"type": "distribution", "url": upstream_url}]
    ancestors = [{"type": "machine-learning-model", "bom-ref": _ref("base", b), "name": b} for b in sorted(base_models)]
    if ancestors:
        the_model["pedigree"] = {"ancestors": ancestors}
    bom: dict[str, Any] = {
        "$schema": SCHEMA, "bomFormat": "CycloneDX", "specVersion": SPEC_VERSION, "version": 1,
        "metadata": {
            "timestamp": _iso(epoch),
            "tools": {"components": [{"type": "application", "name": "dh-mlmodel", "version": tool_version}
                                     if tool_version else {"type": "application", "name": "dh-mlmodel"}]},
            "component": the_model,
            "properties": [{"name": "mlmodel:package", "value": package}],
        },
        "components": data_components + file_components,
        "dependencies": [{"ref": the_model["bom-ref"],
                          "dependsOn": sorted(c["bom-ref"] for c in file_components + data_components)}],
    }
    bom["serialNumber"] = _serial(bom)
    return bom


def _serial(bom: Mapping[str, Any]) -> str:
    """An RFC 4122 UUID (version 5 layout) from the sha256 of the BOM without its serial number."""
    digest = hashlib.sha256(json.dumps(bom, sort_keys=True, ensure_ascii=True).encode()).digest()
    return uuid.UUID(bytes=digest[:16], version=5).urn


def dump_cyclonedx(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


def card_facts(report: Any, verdict: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the modelCard says, from inspect's report (card front matter, config.json) and the verdict."""
    card = getattr(report, "card", None)
    config = getattr(report, "config", None) or {}
    archs = config.get("architectures")
    facts: dict[str, Any] = {
        "task": getattr(card, "pipeline_tag", None),
        "library": getattr(card, "library_name", None),
        "language": [str(x) for x in getattr(card, "language", ()) or ()],
        "architecture": str(archs[0]) if isinstance(archs, list) and archs and isinstance(archs[0], str) else None,
        "family": config.get("model_type") if isinstance(config.get("model_type"), str) else None,
    }
    for key in ("profile", "category", "section"):
        facts[key] = (verdict or {}).get(key)
    return {k: v for k, v in facts.items() if v}
