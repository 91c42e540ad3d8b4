"""ONNX external data: the files a loader opens beside the model, wherever the tensor naming them sits.

formats/onnx.py collects every `external_data` location of the model:
initializers and sparse initializers, tensors in node attributes (Constant),
If/Loop/Scan subgraphs at any depth, function bodies and training graphs.
onnx's `external_data_helper.load_external_data_for_model` opens the
locations of initializers and attribute tensors; onnxruntime also those of
sparse initializers.  A location that leaves the model directory is a known
attack (CVE-2022-25882, CVE-2024-27318).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..model import ArtifactFacts, Finding
from .configs import finding


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    a = facts.artifact
    if a.format != "onnx" or not facts.metadata.get("external_data"):
        return []
    return external_findings(facts.metadata["external_data"], a.path, a.relpath, model_dir)


def external_findings(locations: Any, path: Path, relpath: str, model_dir: Path) -> list[Finding]:
    out = []
    root = os.path.realpath(model_dir)
    for loc in locations if isinstance(locations, list) else []:
        if not isinstance(loc, str):
            continue
        target = path.parent / loc
        real = os.path.realpath(target)
        if os.path.isabs(loc) or not (real == root or real.startswith(root + os.sep)):
            out.append(finding("onnx-external-data-outside-model",
                               f"external data location {loc!r} leaves the model directory "
                               "(CVE-2024-27318 class)", relpath, loc))
        elif _has_symlink(path.parent, loc):
            out.append(finding("onnx-external-data-symlink",
                               f"external data location {loc!r} is or passes through a symlink", relpath, loc))
        elif not target.is_file():
            out.append(finding("onnx-external-data-missing",
                               f"external data {loc!r} is not in the model directory", relpath, loc))
    return out


def _has_symlink(parent: Path, loc: str) -> bool:
    cur = parent
    for part in Path(loc).parts:
        cur = cur / part
        if cur.is_symlink():
            return True
    return False
