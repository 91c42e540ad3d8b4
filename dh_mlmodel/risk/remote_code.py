"""Remote code: the classes a loader imports from the model repository under trust_remote_code.

Sources: transformers `dynamic_module_utils.py` (get_class_from_dynamic_module:
a reference is `module.Class` or `repo--module.Class`), `models/auto/*`
(every Auto* class, the processors, feature extractors, image and video
processors, tokenizers, read `auto_map` from the JSON config they load) and
`pipelines/__init__.py` (`custom_pipelines[task]["impl"]` in config.json).
Any `*config*.json` can carry an `auto_map`, so every one is read.
Code named by its module alone is looked up beside the config: shipped,
it is in the package and reviewable (a warning; missing, loading fails from
a local directory, and the message says so).  A `repo--module.Class`
reference is fetched from that other repository and run at load time,
whatever is shipped: an error.  (mlmodel lint inspects each file of a .deb
alone, so "shipped" cannot decide the severity.)
"""
from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from ..model import ArtifactFacts, Finding
from .configs import finding, json_file


def is_loader_config(relpath: str) -> bool:
    base = posixpath.basename(relpath).lower()
    return base.endswith(".json") and "config" in base


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    a = facts.artifact
    out: list[Finding] = []
    if a.relpath.endswith(".py"):
        out.append(finding("python-code-shipped",
                           "Python code in the model directory (runs under trust_remote_code or when imported)",
                           a.relpath))
    data = facts.metadata if isinstance(facts.metadata.get("auto_map"), dict) else None
    if is_loader_config(a.relpath):
        data, problems = json_file(a.path, a.relpath, "JSON config")
        out.extend(problems)
    if not isinstance(data, dict):
        return out
    out.extend(reference_findings(_refs(data.get("auto_map")), "auto_map", a.relpath, a.path.parent))
    out.extend(reference_findings(_pipeline_refs(data.get("custom_pipelines")), "custom_pipelines",
                                  a.relpath, a.path.parent))
    return out


def _refs(auto_map: Any) -> list[str]:
    refs: list[str] = []
    if isinstance(auto_map, dict):
        for value in auto_map.values():
            refs.extend(r for r in (value if isinstance(value, list) else [value]) if isinstance(r, str))
    return refs


def _pipeline_refs(pipelines: Any) -> list[str]:
    if not isinstance(pipelines, dict):
        return []
    return [task["impl"] for task in pipelines.values() if isinstance(task, dict) and isinstance(task.get("impl"), str)]


def reference_findings(refs: list[str], key: str, relpath: str, base: Path) -> list[Finding]:
    """One finding for the class references of one key: where the code is, and whether it is here."""
    if not refs:
        return []
    modules = sorted({r.split("--")[-1].rsplit(".", 1)[0] for r in refs if "." in r})
    remote = sorted({r.split("--")[0] for r in refs if "--" in r})
    missing = [m for m in modules if not (base / (m.replace(".", "/") + ".py")).is_file()]
    text = f"{key} names {', '.join(modules) or '?'}: loading needs trust_remote_code=True, which runs that code"
    if remote:
        text += f"; fetched from other repositories: {', '.join(remote)}"
    if missing:
        text += f"; not shipped here: {', '.join(m + '.py' for m in missing)}"
    tag = "remote-code-not-shipped" if remote else "remote-code-required"
    return [finding(tag, text, relpath, key)]
