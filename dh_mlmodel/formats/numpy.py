"""NumPy .npy headers and the members of .npz archives.

Layout: numpy/lib/_format_impl.py (NEP 1): `\\x93NUMPY`, major, minor, a
u16 (v1) or u32 (v2, v3) header length, then a Python dict literal with
`descr`, `fortran_order` and `shape`.  numpy reads the dict with
ast.literal_eval and refuses headers over 10000 bytes; we do the same and
never load the array.  An object dtype means the payload is a pickle:
`dtype_objects` decides it for every spelling numpy's `descr_to_dtype`
accepts (`|O`, `O8`, `object`, `'i4,O'`, `('O', (2,))`, structured and nested
fields, StringDType `T`), by accepting only the plain spellings of plain
types and calling every other spelling unknown (tests/formats/test_npy_dtypes.py
holds numpy to it).
"""
from __future__ import annotations

import ast
import math
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from ..model import Finding
from .binio import ZIP_ERRORS, FormatError

MAGIC = b"\x93NUMPY"
MAX_HEADER_SIZE = 10000  # numpy _MAX_HEADER_SIZE
MAX_NPZ_MEMBERS = 100_000
_SIMPLE_DESCR = re.compile(r"^[<>|=]?([a-zA-Z])(\d*)$")
_KIND_SIZE = {"b": 1, "?": 1}  # kinds whose size is not written in the descr


# The plain type codes: never an object (one letter, optional size; checked against numpy by the tests).
_PLAIN_CODE = re.compile(r"^[<>|=]?(?:[?bBhHiIlLqQpPnNefdgFDG]|[biufc]\d{1,2}|[SUVa]\d{0,9}"
                         r"|[mM]8(?:\[\d{0,9}(?:Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as|generic)\])?)$")
_SHAPE_PREFIX = re.compile(r"^\s*(?:\(\s*\d+\s*(?:,\s*\d+\s*)*,?\s*\)|\d+)\s*")
_COMMA = re.compile(r",(?![^(]*\))")  # the commas between fields, not those of a shape "(2,3)"
MAX_DESCR_DEPTH = 32


def dtype_objects(descr: Any, depth: int = 0) -> str | None:
    """"object" when numpy would build an object dtype, "unknown" when we cannot tell, None when it holds none.

    Mirrors numpy/lib/_format_impl.py descr_to_dtype: a string goes to
    np.dtype (comma lists and shape prefixes included), a tuple is
    (sub-descr, shape), a list holds (name, descr) or (name, descr, shape).
    """
    if depth > MAX_DESCR_DEPTH:
        return "unknown"
    if isinstance(descr, str):
        return _string_objects(descr)
    if isinstance(descr, tuple):
        return dtype_objects(descr[0], depth + 1) if len(descr) == 2 else "unknown"
    if not isinstance(descr, list):
        return "unknown"
    verdicts = set()
    for field in descr:
        if not isinstance(field, (tuple, list)) or len(field) not in (2, 3):
            return "unknown"
        verdicts.add(dtype_objects(field[1], depth + 1))
    return "object" if "object" in verdicts else ("unknown" if "unknown" in verdicts else None)


def _string_objects(descr: str) -> str | None:
    parts = _COMMA.split(descr) if "," in descr and "[" not in descr else [descr]
    verdict = None
    for part in parts:
        part = _SHAPE_PREFIX.sub("", part, count=1) if len(parts) > 1 or part[:1] in "(0123456789" else part
        bare = part.strip().lstrip("<>|=")
        if bare in ("O", "object", "object_") or (bare[:1] == "O" and bare[1:].isdigit()):
            return "object"
        if not _PLAIN_CODE.match(part.strip()):
            verdict = "unknown"
    return verdict


def parse_header_text(text: str, major: int) -> Any:
    """The header dict as numpy reads it: literal_eval, and for format 1 and 2 once more without Python 2 `L`s."""
    try:
        return ast.literal_eval(text)
    except SyntaxError:
        if major > 2:
            raise
        try:
            filtered = _filter_header(text)
        except Exception as exc:  # noqa: BLE001 - tokenize fails on hostile text in several ways (TokenError, …)
            raise SyntaxError(f"header does not tokenize: {exc}") from None
        return ast.literal_eval(filtered)


def _filter_header(text: str) -> str:
    """numpy's _filter_header: drop an `L` token that follows a number (headers written by Python 2)."""
    import io
    import tokenize
    tokens, after_number = [], False
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if not (after_number and token[0] == tokenize.NAME and token[1] == "L"):
            tokens.append(token)
        after_number = token[0] == tokenize.NUMBER
    return tokenize.untokenize(tokens)


def _itemsize(descr: Any) -> int | None:
    if not isinstance(descr, str):
        return None  # structured dtype: a list of fields
    m = _SIMPLE_DESCR.match(descr)
    if not m:
        return None
    kind, digits = m.group(1), m.group(2)
    if kind == "U":
        return 4 * int(digits or 0)
    if digits:
        return int(digits)
    return _KIND_SIZE.get(kind)


def read_npy_header(f: BinaryIO, name: str) -> tuple[dict[str, Any], int]:
    """The header dict and the offset where the data starts."""
    start = f.read(8)
    if len(start) < 8 or not start.startswith(MAGIC):
        raise FormatError(name, "not a .npy file (bad magic)")
    major = start[6]
    if major not in (1, 2, 3):
        raise FormatError(name, f"unsupported .npy format version {major}.{start[7]}")
    len_fmt = "<H" if major == 1 else "<I"
    raw = f.read(struct.calcsize(len_fmt))
    if len(raw) < struct.calcsize(len_fmt):
        raise FormatError(name, "truncated .npy header length")
    (hlen,) = struct.unpack(len_fmt, raw)
    data_start = 8 + len(raw) + hlen
    if hlen > MAX_HEADER_SIZE:
        raise FormatError(name, f".npy header of {hlen} bytes exceeds numpy's limit of {MAX_HEADER_SIZE}")
    raw = f.read(hlen)
    if len(raw) < hlen:
        raise FormatError(name, "truncated .npy header")
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
        header = parse_header_text(text, major)
    except (ValueError, SyntaxError, MemoryError, RecursionError, UnicodeDecodeError, TypeError, IndentationError):
        raise FormatError(name, ".npy header is not a Python literal") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise FormatError(name, ".npy header must have exactly descr, fortran_order and shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        raise FormatError(name, f".npy shape {shape!r} is not a tuple of non-negative integers")
    if not isinstance(header["fortran_order"], bool):
        raise FormatError(name, ".npy fortran_order is not a bool")
    return header, data_start


def _facts(header: dict[str, Any]) -> dict[str, Any]:
    return {"dtype": str(header["descr"]), "shape": list(header["shape"]), "parameters": math.prod(header["shape"])}


def object_finding(verdict: str, relpath: str, member: str = "") -> Finding:
    """The finding for dtype_objects' "object" or "unknown" (severities are the tag files')."""
    from ..lint.tagdata import tag_info
    if verdict == "object":
        tag, text = "numpy-object-array", "object dtype: the array is a pickle, loaded only with allow_pickle=True"
    else:
        tag, text = "numpy-dtype-unscannable", ("dtype spelling that is not a plain numeric, string or structured "
                                                "dtype: numpy may read it as objects (a pickle)")
    return Finding(tag, tag_info(tag).severity, f"{member + ': ' if member else ''}{text}", relpath, member)


def describe_npy(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    size = path.stat().st_size
    with open(path, "rb") as f:
        header, data_start = read_npy_header(f, relpath)
    meta = _facts(header)
    meta["tensors"] = 1
    findings = []
    descr = header["descr"]
    verdict = dtype_objects(descr)
    if verdict:
        findings.append(object_finding(verdict, relpath))
        return meta, findings
    itemsize = _itemsize(descr)
    if itemsize is not None and data_start + meta["parameters"] * itemsize > size:
        raise FormatError(relpath, f"array data needs {meta['parameters'] * itemsize} bytes, the file has {size - data_start}")
    meta["dtypes"] = [str(descr)]
    return meta, findings


def describe_npz(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise FormatError(relpath, f"not a readable zip archive ({exc})") from None
    arrays: dict[str, Any] = {}
    findings: list[Finding] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_NPZ_MEMBERS:
            raise FormatError(relpath, f"{len(infos)} members is more than {MAX_NPZ_MEMBERS}")
        for info in infos:
            try:
                with zf.open(info) as member:  # only the header is decompressed
                    header, _ = read_npy_header(member, relpath)
            except ZIP_ERRORS as exc:
                raise FormatError(relpath, f"member {info.filename!r}: {exc}") from None
            except FormatError as exc:  # the error is the archive's; the message names the member
                raise FormatError(relpath, f"member {info.filename!r}: {exc.reason}") from None
            arrays[info.filename] = _facts(header)
            verdict = dtype_objects(header["descr"])
            if verdict:
                findings.append(object_finding(verdict, relpath, info.filename))
    meta = {"tensors": len(arrays), "parameters": sum(a["parameters"] for a in arrays.values()),
            "dtypes": sorted({a["dtype"] for a in arrays.values()}), "arrays": arrays}
    return meta, findings

