"""The models installed from packages, read from their records (docs/installed.md).

Every binary package dh_mlmodel built installs /usr/share/mlmodel/<model>/.mlmodel/<package>.json;
a model is the union of its packages' records.  `--root DIR` (or $MLMODEL_ROOT) reads an unpacked tree
instead of /, for tests and chroots.  A record that cannot be read is reported and left out: one broken
package does not hide the others.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import hub
from .deliver.hubview import view_root
from .deliver.record import RECORD_DIR, RECORD_FORMAT, read_record

MODEL_ROOT = "usr/share/mlmodel"
ROOT_ENV = "MLMODEL_ROOT"
BOM_SUFFIXES = (".spdx.json", ".cdx.json")


@dataclass
class InstalledModel:
    name: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # package -> record

    @property
    def packages(self) -> list[str]:
        return sorted(self.records)

    @property
    def files(self) -> list[dict[str, Any]]:
        return sorted((dict(f, package=pkg) for pkg, r in self.records.items() for f in r["files"]),
                      key=lambda f: f["path"])

    def _first(self, key: str) -> Any:
        """A verdict fact; every record of a model carries the same verdict, the first package's wins."""
        return next((r.get(key) for _, r in sorted(self.records.items()) if r.get(key) is not None), None)

    @property
    def hub(self) -> dict[str, Any] | None:
        found = self._first("hub")
        return found if isinstance(found, dict) else None

    @property
    def license(self) -> str | None:
        inputs = self._first("inputs")
        return inputs.get("license") if isinstance(inputs, dict) else None

    def facts(self, root: Path) -> dict[str, Any]:
        """What `mlmodel list --json` prints for the model (paths as on the system, not under --root)."""
        files = self.files
        hub_info = self.hub or {}
        return {
            "name": self.name,
            "hub-id": hub_info.get("id"),
            "revision": hub_info.get("revision"),
            "hub-view": hub_info.get("view"),
            "packages": self.packages,
            "formats": sorted({f["format"] for f in files if f.get("role") == "weights"}),
            "size": sum(int(f.get("size") or 0) for f in files),
            "files": len(files),
            "license": self.license,
            "category": self._first("category"),
            "section": self._first("section"),
            "profile": self._first("profile"),
            "path": f"/{MODEL_ROOT}/{self.name}",
        }


def default_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or "/")


def _record_problem(path: Path, record: Any) -> str | None:
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return f"not a format-{RECORD_FORMAT} record"
    if record.get("model") != path.parent.parent.name or record.get("package") != path.name[:-len(".json")]:
        return f"names model {record.get('model')!r} and package {record.get('package')!r}, not its own path"
    files = record.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str)
                                             and isinstance(f.get("format"), str) for f in files):
        return "its files list is malformed"
    bad = next((f["path"] for f in files if not _safe_path(f["path"])), None)
    if bad is not None:
        return f"lists {bad!r}, not a plain path under {MODEL_ROOT} or usr/share/doc"
    if "hub" in record and hub_problem(record["hub"]):
        return f"its hub entry is {hub_problem(record['hub'])}"
    return None


def _safe_path(path: str) -> bool:
    """One line, no '..', under the directories dh_mlmodel installs into: what `mlmodel path` may print."""
    return (path.startswith((MODEL_ROOT + "/", "usr/share/doc/")) and path.isprintable()
            and not any(part in ("", ".", "..") for part in path.split("/")))


def hub_problem(entry: Any) -> str | None:
    """Record data is read back from a package: the Hub id and revision are checked again before use in paths."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("revision"), str):
        return "malformed"
    problem = hub.repo_id_problem(entry["id"]) or hub.revision_problem(entry["revision"])
    if problem is None and entry.get("view") != "/" + view_root(entry["id"]):
        # `mlmodel path --hub` prints the view: only the one the Hub id names, never a path the record makes up
        return f"a view other than /{view_root(entry['id'])}"
    return problem


def installed_models(root: Path) -> dict[str, InstalledModel]:
    models: dict[str, InstalledModel] = {}
    for path in sorted((root / MODEL_ROOT).glob(f"*/{RECORD_DIR}/*.json")):
        if path.name.endswith(BOM_SUFFIXES) or path.parent.parent.name == hub.HUB_DIR:
            continue
        try:
            record = read_record(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            _warn(path, f"cannot read: {exc}")
            continue
        problem = _record_problem(path, record)
        if problem:
            _warn(path, problem)
            continue
        models.setdefault(record["model"], InstalledModel(record["model"])).records[record["package"]] = record
    return models


def _warn(path: Path, reason: str) -> None:
    print(f"mlmodel: warning: {path}: {reason}; left out".replace("\n", "\\n"), file=sys.stderr)


def hub_cache(root: Path) -> Path:
    """The system Hub cache: HF_HUB_CACHE for `hub-env`, the link targets of `hub-link`."""
    return root / hub.HUB_ROOT
