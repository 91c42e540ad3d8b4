"""Git LFS pointer files (git-lfs/git-lfs docs/spec.md).

A checkout made without git-lfs leaves these small text files where the
weights should be.  We recognise them as git-lfs itself does: under 1024
bytes, a `version` line naming one of the v1 spec URLs first, then an
`oid sha256:<64 hex>` and a `size <digits>` line.
"""
from __future__ import annotations

import re
from typing import Any

# git-lfs lfs/pointer.go: blobSizeCutoff and the accepted spec aliases
MAX_POINTER_SIZE = 1024
VERSION_ALIASES = (
    "https://git-lfs.github.com/spec/v1",
    "https://hawser.github.com/spec/v1",
    "http://git-media.io/v/2",
)
_OID = re.compile(r"^oid sha256:([0-9a-f]{64})$", re.MULTILINE)
_SIZE = re.compile(r"^size (\d+)$", re.MULTILINE)


def parse_pointer(data: bytes) -> dict[str, Any] | None:
    """{"oid": "sha256:…", "size": int} when `data` is a whole LFS pointer, else None."""
    if len(data) >= MAX_POINTER_SIZE or not data.startswith(b"version "):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    first = text.split("\n", 1)[0].rstrip("\r")
    if first[len("version "):] not in VERSION_ALIASES:
        return None
    oid, size = _OID.search(text), _SIZE.search(text)
    if not oid or not size:
        return None
    return {"oid": f"sha256:{oid.group(1)}", "size": int(size.group(1))}
