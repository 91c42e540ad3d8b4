"""Basic facts of the pickle family (torch zip, TorchScript, legacy torch, pickle, joblib).

What the pickles *do* is the risk stage's business (dh_mlmodel/risk and
formats/pickles.py); here we only say what the container holds, without
running or even walking the opcodes.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import ZIP_ERRORS, FormatError

MAX_MEMBERS_LISTED = 50


def describe_zip(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except ZIP_ERRORS as exc:
        raise FormatError(relpath, f"not a readable zip archive ({exc})") from None
    pickles = [n for n in names if n.endswith(".pkl")]
    storages = [n for n in names if "/data/" in n and not n.endswith("/")]
    meta: dict[str, Any] = {"members": len(names), "pickles": pickles[:MAX_MEMBERS_LISTED], "storages": len(storages)}
    code = [n for n in names if "/code/" in n and n.endswith(".py")]
    if code:
        meta["code_members"] = code[:MAX_MEMBERS_LISTED]
    return meta, []


def describe_pickle(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    with open(path, "rb") as f:
        head = f.read(2)
    if len(head) == 2 and head[0] == 0x80:
        return {"pickle_protocol": head[1]}, []
    return {}, []
