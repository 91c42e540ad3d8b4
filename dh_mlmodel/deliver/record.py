"""The per-binary-package record (spec §1, §6).

/usr/share/mlmodel/<model>/.mlmodel/<package>.json says what the package
installed for the model, with each file's sha256, so `mlmodel lint` and an
autopkgtest can check the installed bytes without the source.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

RECORD_FORMAT = 1
RECORD_DIR = ".mlmodel"


def record_relpath(model: str, package: str) -> str:
    return f"usr/share/mlmodel/{model}/{RECORD_DIR}/{package}.json"


def build_record(*, model: str, package: str, verdict: Mapping[str, Any] | None,
                 files: Iterable[Mapping[str, Any]], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    v = dict(verdict or {})
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "model": model,
        "package": package,
        "category": v.get("category"),
        "section": v.get("section"),
        "profile": v.get("profile"),
        "rule": v.get("rule"),
        "reasons": list(v.get("reasons", [])),
        "inputs": dict(v.get("inputs", {})),
        "findings": list(v.get("findings", [])),
        "files": sorted((dict(f) for f in files), key=lambda f: f["path"]),
    }
    record.update(extra or {})
    return record


def dump_record(record: Mapping[str, Any]) -> bytes:
    """Stable bytes: sorted keys, fixed indentation, no timestamps (reproducible builds)."""
    return (json.dumps(record, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def installed_records(root, package: str) -> list[tuple[Any, dict[str, Any]]]:
    """(path, record) of every record PACKAGE installed under ROOT (a pathlib.Path), sorted by path."""
    found = sorted((root / "usr/share/mlmodel").glob(f"*/{RECORD_DIR}/{package}.json"))
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in found]
