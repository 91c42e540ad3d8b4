"""assess: code-execution risks of an artifact (issue 4).

`assess(facts, model_dir)` returns the extra findings for one described
artifact; the inspect stage appends them.  Pickles are found by content in
every container and judged by allowlist (risk/allowlist.py, docs/security.md);
Keras configs (risk/keras.py), TF graphs (savedmodel.py), archives we
cannot open (unopened.py), remote code (remote_code.py), chat templates
(templates.py) and ONNX external data (onnx_data.py) have a module each.  `apply_allowlist` applies the per-file
acceptances of debian/mlmodel.yaml.
"""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Iterable

from ..model import ArtifactFacts, Finding, MLModelError
from . import keras, onnx_data, remote_code, savedmodel, templates, unopened
from .containers import scan_file

OTHER_CHECKS = (keras.check, savedmodel.check, unopened.check, remote_code.check, templates.check, onnx_data.check)

SCANNER_READY = True

__all__ = ["assess", "scan_file", "apply_allowlist", "pickle_allow_block", "RiskError", "SCANNER_READY", "ACCEPTABLE_TAGS"]

# Import findings a maintainer may accept per file and callable.
ACCEPTABLE_TAGS = frozenset({"pickle-imports-unlisted-callable", "pickle-imports-dangerous-callable",
                             "pickle-imports-unlisted-benign-class"})
_CALLABLE = re.compile(r"^`([^`]+)`")


class RiskError(MLModelError):
    """The risk stage cannot go on (not raised for hostile files: those give findings)."""


def assess(facts: ArtifactFacts, model_dir: Path) -> tuple[Finding, ...]:
    a = facts.artifact
    out: list[Finding] = []
    # Every file, whatever format detect named: a format decided by a signature (HDF5 at 512,
    # TFL3 at 4, a safetensors length) says nothing about what pickle.load does from byte 0.
    # Sniffing may add facts; it never removes a scan (docs/security.md).
    out.extend(scan_file(a.path, a.relpath))
    out.extend(_other_risks(facts, model_dir))
    # describe may already have said the same thing (e.g. numpy-object-array of an npz member)
    said = {(f.tag, f.member) for f in facts.findings}
    return tuple(f for f in out if (f.tag, f.member) not in said)


def _other_risks(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    """The checks that are not pickles, one module each (docs/security.md)."""
    return [f for check in OTHER_CHECKS for f in check(facts, model_dir)]


def finding_callable(f: Finding) -> str | None:
    """The `module.name` an import finding is about (messages start with it)."""
    if f.tag not in ACCEPTABLE_TAGS:
        return None
    m = _CALLABLE.match(f.message)
    return m.group(1) if m else None


def apply_allowlist(findings: Iterable[Finding], pickle_allow: Iterable[Any]) -> tuple[list[Finding], list[dict]]:
    """Drop the import findings a maintainer accepted in debian/mlmodel.yaml (`pickle-allow`).

    `pickle_allow` holds declaration.PickleAllow records (file glob,
    callables, reason).  Returns (kept findings, accepted), where accepted
    lists {"file", "callable", "reason", "tag"} (+ "member") for the
    per-package record.  `file` is a glob on the finding's path.  A callable
    may end in a `*` pattern (`sklearn.tree._classes.*`), but a pattern never
    accepts a callable we know to be dangerous: those must be named exactly.
    """
    rules = list(pickle_allow)
    kept, accepted = [], []
    for f in findings:
        name = finding_callable(f)
        rule = next((r for r in rules if name and fnmatch.fnmatchcase(f.path, r.file)
                     and _accepts(tuple(r.callables), name, f.tag)), None)
        if rule is None:
            kept.append(f)
            continue
        record = {"file": f.path, "callable": name, "reason": rule.reason, "tag": f.tag}
        if f.member:
            record["member"] = f.member
        if record not in accepted:
            accepted.append(record)
    return kept, accepted


_DECLARABLE = re.compile(r"[A-Za-z_][\w.]*\.[A-Za-z_*][\w*]*\Z")  # what the declaration loader accepts
PICKLE_ALLOW_TODO = "TODO: why loading these is safe (which library versions you checked them against)"


def pickle_allow_block(findings: Iterable[Finding]) -> str | None:
    """The `pickle-allow:` entries (YAML, for a models[] item) that would accept FINDINGS' callables.

    One entry per file, every callable that blocked, `reason: null` with a
    TODO (the loader refuses null, so the block does nothing until a human
    writes why).  Never a dangerous callable (those are for a human to name,
    exactly), never a name the loader would refuse; file names and callables
    come from hostile files, so both are written as JSON strings (valid YAML,
    one line) and a file name's glob characters are bracketed.
    """
    import json

    by_file: dict[str, set[str]] = {}
    for f in findings:
        name = finding_callable(f)
        if name and f.tag != "pickle-imports-dangerous-callable" and _DECLARABLE.match(name) and f.path:
            by_file.setdefault(f.path, set()).add(name)
    if not by_file:
        return None
    lines = ["pickle-allow:"]
    for path, names in sorted(by_file.items()):
        glob = re.sub(r"([*?\[])", r"[\1]", path)
        lines += [f"  - file: {json.dumps(glob)}",
                  "    callables: [" + ", ".join(json.dumps(n) for n in sorted(names)) + "]",
                  f"    reason: null  # {PICKLE_ALLOW_TODO}"]
    return "\n".join(lines) + "\n"


def _accepts(patterns: tuple[str, ...], name: str, tag: str) -> bool:
    if name in patterns:
        return True
    if tag == "pickle-imports-dangerous-callable":
        return False
    return any("*" in p and fnmatch.fnmatchcase(name, p) for p in patterns)
