"""`mlmodel verify` on a doc file dh_compress compressed after dh_mlmodel recorded it (issue #15's
end-to-end test found it: a model card over 4 KiB is installed as MODEL_CARD.md.gz)."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from dh_mlmodel.verify_installed import verify_package

CARD = b"# card\n" + b"x" * 5000


def _root(tmp_path: Path, installed: bytes | None, compressed: bool) -> Path:
    doc = tmp_path / "usr/share/doc/m-doc"
    doc.mkdir(parents=True)
    if installed is not None:
        if compressed:
            (doc / "MODEL_CARD.md.gz").write_bytes(gzip.compress(installed, mtime=0))
        else:
            (doc / "MODEL_CARD.md").write_bytes(installed)
    rec = tmp_path / "usr/share/mlmodel/m/.mlmodel/m-doc.json"
    rec.parent.mkdir(parents=True)
    rec.write_text(json.dumps({"files": [{"path": "usr/share/doc/m-doc/MODEL_CARD.md", "size": len(CARD),
                                          "sha256": hashlib.sha256(CARD).hexdigest(), "format": "model-card"}]}))
    return tmp_path


def test_compressed_doc_matches(tmp_path):
    assert verify_package(_root(tmp_path, CARD, True), "m-doc") == (1, [])


def test_compressed_doc_tampered(tmp_path):
    _, problems = verify_package(_root(tmp_path, CARD + b"!", True), "m-doc")
    assert problems == ["usr/share/doc/m-doc/MODEL_CARD.md.gz: differs from the record (size or sha256)"]


def test_missing_doc(tmp_path):
    assert verify_package(_root(tmp_path, None, True), "m-doc")[1] == ["usr/share/doc/m-doc/MODEL_CARD.md: missing"]


def test_gz_outside_doc_is_not_accepted(tmp_path):
    root = _root(tmp_path, None, True)
    rec = root / "usr/share/mlmodel/m/.mlmodel/m-doc.json"
    weights = root / "usr/share/mlmodel/m/w.bin"
    weights.write_bytes(gzip.compress(CARD))
    (weights.parent / "w.bin.gz").write_bytes(gzip.compress(CARD))
    weights.unlink()
    rec.write_text(json.dumps({"files": [{"path": "usr/share/mlmodel/m/w.bin", "size": len(CARD),
                                          "sha256": hashlib.sha256(CARD).hexdigest()}]}))
    assert verify_package(root, "m-doc")[1] == ["usr/share/mlmodel/m/w.bin: missing"]
