"""verify (installed): do the model files on this system match their package records?

Used by the autopkgtest `mlmodel autopkgtest` writes: each file listed in
/usr/share/mlmodel/*/.mlmodel/PKG.json must exist with the recorded size and
sha256, and each safetensors or GGUF file must still parse (header only).
"""
from __future__ import annotations

import json
from pathlib import Path

from .detect import detect
from .describe import describe_format
from .hashing import sha256_file
from .model import MLModelError

HEADER_CHECKED_FORMATS = ("safetensors", "gguf")


class VerifyError(MLModelError):
    """A package has no record to verify against."""


def records_of(root: Path, package: str) -> list[Path]:
    found = sorted((root / "usr/share/mlmodel").glob(f"*/.mlmodel/{package}.json"))
    if not found:
        raise VerifyError(package, f"no record under {root / 'usr/share/mlmodel'}/*/.mlmodel/ (is it installed?)")
    return found


def verify_record(root: Path, record_path: Path) -> list[str]:
    """Problems with the files one record lists; empty when all match."""
    record = json.loads(record_path.read_text(encoding="utf-8"))
    problems = []
    for entry in record.get("files", []):
        path = root / entry["path"]
        compressed = path.with_name(path.name + ".gz")
        if not path.is_file() and entry["path"].startswith("usr/share/doc/") and compressed.is_file():
            # dh_compress compressed a doc file (> 4 KiB) after dh_mlmodel recorded it: check what it holds.
            if _gunzipped(compressed) != (entry["size"], entry["sha256"]):
                problems.append(f"{entry['path']}.gz: differs from the record (size or sha256)")
            continue
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
            continue
        if path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: differs from the record (size or sha256)")
            continue
        if entry.get("format") in HEADER_CHECKED_FORMATS:
            _, findings = describe_format(detect(path, entry["path"]))
            problems += [f"{entry['path']}: {f.message}" for f in findings if f.severity == "error"]
    return problems


def _gunzipped(path: Path) -> tuple[int, str] | None:
    """(size, sha256) of a gzip file's content, streamed; None when it is not valid gzip."""
    import gzip
    import hashlib

    digest, size = hashlib.sha256(), 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (OSError, EOFError):
        return None
    return size, digest.hexdigest()


def verify_package(root: Path, package: str) -> tuple[int, list[str]]:
    """(files checked, problems) for every record PACKAGE installed."""
    checked, problems = 0, []
    for rec in records_of(root, package):
        checked += len(json.loads(rec.read_text(encoding="utf-8")).get("files", []))
        problems += verify_record(root, rec)
    return checked, problems
