"""The per-binary-package record (spec §1, §6).

/usr/share/mlmodel/<model>/.mlmodel/<package>.json says what the package
installed for the model, with each file's sha256, so `mlmodel lint` and an
autopkgtest can check the installed bytes without the source.
"""
from __future__ import annotations

import json
import os
import stat
from typing import Any, Iterable, Mapping

RECORD_FORMAT = 1
RECORD_DIR = ".mlmodel"
RECORD_LIMIT = 64 << 20  # far above a record of thousands of files; a link to /dev/zero stops here


def read_record(path) -> Any:
    """The JSON of an installed record; ValueError when it is no regular file, too large, not UTF-8 JSON.

    An installed tree is read, not trusted: a FIFO would block the reader (O_NONBLOCK: opening it does not
    wait for a writer) and /dev/zero, whose size is 0, would never end.
    """
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = fh.read(RECORD_LIMIT + 1)
    if len(data) > RECORD_LIMIT:
        raise ValueError(f"larger than {RECORD_LIMIT} bytes")
    return json.loads(data.decode("utf-8"))  # UnicodeDecodeError and JSONDecodeError are ValueErrors


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
    out = []
    for p in found:
        try:
            out.append((p, read_record(p)))
        except ValueError as exc:
            raise ValueError(f"{p}: {exc}") from None
    return out
