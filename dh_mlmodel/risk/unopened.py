"""Archives we have no reader for: their content cannot be proven safe, so they are errors.

Python's standard library reads zip, tar, gzip, bz2, xz and lzma (risk/containers.py);
7z (7-Zip's 7zFormat.txt: signature `7z\\xbc\\xaf\\x27\\x1c`) and RAR
(`Rar!\\x1a\\x07`) need a reader it lacks, and either can hold a pickle.
"""
from __future__ import annotations

from pathlib import Path

from ..model import ArtifactFacts, Finding
from .configs import finding, head

MAGICS = {b"7z\xbc\xaf\x27\x1c": "7z", b"Rar!\x1a\x07": "RAR"}


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    start = head(facts.artifact.path, 8)
    for magic, kind in MAGICS.items():
        if start.startswith(magic):
            return [finding("archive-not-scanned", f"{kind} archive: cannot be scanned (no {kind} reader in "
                            "Python's standard library), so what it holds cannot be proven safe",
                            facts.artifact.relpath)]
    return []
