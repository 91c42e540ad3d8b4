"""Legacy ggml files (before GGUF): llama.cpp's ggml/ggmf/ggjt and whisper.cpp's ggml.

These have no self-describing metadata: after the magic (a u32 written
little-endian, so `ggml` appears as `lmgg` on disk) come model-specific
hyper-parameters.  We report the variant and, for the versioned variants,
the version.  Sources: llama.cpp's pre-GGUF llama.cpp (LLAMA_FILE_MAGIC_*),
whisper.cpp whisper.cpp (GGML_FILE_MAGIC).
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import FormatError

VARIANTS = {b"lmgg": "ggml", b"fmgg": "ggmf", b"tjgg": "ggjt", b"algg": "ggla", b"nsgg": "ggsn",
            b"ggml": "ggml", b"ggmf": "ggmf", b"ggjt": "ggjt", b"ggla": "ggla", b"ggsn": "ggsn"}
VERSIONED = {"ggmf", "ggjt"}
MAX_NAME = 64


def _model_name(head: bytes) -> str | None:
    """whisper.cpp's VAD files put a length-prefixed model name after the magic ("silero-16k")."""
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<I", head[4:8])
    raw = head[8:8 + n]
    if 0 < n <= MAX_NAME and len(raw) == n and raw.isascii() and raw.decode().isprintable():
        return raw.decode()
    return None


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    with open(path, "rb") as f:
        head = f.read(8 + MAX_NAME)
    variant = VARIANTS.get(head[:4])
    if variant is None:
        raise FormatError(relpath, "not a legacy ggml file (unknown magic)")
    meta: dict[str, Any] = {"ggml_variant": variant}
    if variant in VERSIONED and len(head) >= 8:
        meta["ggml_version"] = struct.unpack("<I", head[4:8])[0]
    elif name := _model_name(head):
        meta["ggml_model"] = name
    return meta, [Finding("ggml-legacy-format", "info", f"legacy {variant} file: no embedded metadata, superseded by GGUF", relpath)]
