"""safetensors: the header parser and the sharded index checks.

Layout (huggingface/safetensors README.md and safetensors/src/tensor.rs):
u64 LE N, then N bytes of UTF-8 JSON, then the byte buffer.  The checks below
are the seven of the reference `Metadata::validate` / `read_metadata`, in the
same order, plus one the reference lacks: a tensor name given twice (the
reference keeps the last one silently, as serde's map does).  Only the header
is read; tensor bytes never are.
"""
from __future__ import annotations

import json
import math
import posixpath
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..model import Finding
from .binio import FormatError

# safetensors/src/tensor.rs MAX_HEADER_SIZE
MAX_HEADER_SIZE = 100_000_000
U64_MAX = (1 << 64) - 1

# Dtype -> bits per element (safetensors 0.8.0, `Dtype::bitsize`).
DTYPE_BITS = {
    "BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
    "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
}
TENSOR_FIELDS = ("dtype", "shape", "data_offsets")
# An index file larger than this is not an index (the biggest real ones are a few MB).
MAX_INDEX_SIZE = 64 << 20


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class SafetensorsHeader:
    header_size: int
    tensors: tuple[TensorInfo, ...]  # in data order
    metadata: dict[str, str] | None
    duplicates: tuple[str, ...] = field(default=())


class _Pairs(list):
    """A JSON object kept as its (key, value) pairs, so duplicates stay visible."""


def _json_pairs(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_Pairs, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    # serde_json has no NaN/Infinity; Python's json would accept them.
    raise ValueError(f"invalid JSON constant {name}")


def _is_uint(value: Any) -> bool:
    return type(value) is int and 0 <= value <= U64_MAX


def _tensor_info(path: str, name: str, raw: Any) -> TensorInfo:
    if not isinstance(raw, _Pairs):
        raise FormatError(path, f"tensor {name!r}: header entry is not a JSON object")
    seen: dict[str, Any] = {}
    for key, value in raw:
        if key in seen and key in TENSOR_FIELDS:
            raise FormatError(path, f"tensor {name!r}: duplicate field {key!r}")
        seen[key] = value
    for key in TENSOR_FIELDS:
        if key not in seen:
            raise FormatError(path, f"tensor {name!r}: missing field {key!r}")
    dtype, shape, offsets = seen["dtype"], seen["shape"], seen["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        raise FormatError(path, f"tensor {name!r}: unknown dtype {dtype!r}")
    # type() and not isinstance(): a JSON object is a _Pairs, which is a list too ({} is not a shape)
    if type(shape) is not list or not all(_is_uint(d) for d in shape):
        raise FormatError(path, f"tensor {name!r}: shape is not a list of unsigned integers")
    if not (type(offsets) is list and len(offsets) == 2 and all(_is_uint(o) for o in offsets)):
        raise FormatError(path, f"tensor {name!r}: data_offsets is not a pair of unsigned integers")
    return TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])


def _metadata(path: str, raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, _Pairs):
        raise FormatError(path, "__metadata__ is not a JSON object")
    out: dict[str, str] = {}
    for key, value in raw:
        if not isinstance(value, str):
            raise FormatError(path, f"__metadata__[{key!r}] is not a string")
        out[key] = value
    return out


def parse_header_bytes(path: str, header: bytes, file_size: int) -> SafetensorsHeader:
    """Checks 4-7 on the N header bytes of a file of `file_size` bytes."""
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"header is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        root = _json_pairs(text)
    except (ValueError, RecursionError) as exc:
        raise FormatError(path, f"header is not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(root, _Pairs):
        raise FormatError(path, "header is not a JSON object")
    by_name: dict[str, TensorInfo] = {}
    duplicates: list[str] = []
    metadata: dict[str, str] | None = None
    meta_seen = False
    for name, raw in root:
        if name == "__metadata__":
            if meta_seen:
                raise FormatError(path, "duplicate __metadata__ field")
            meta_seen = True
            metadata = _metadata(path, raw)
            continue
        if name in by_name:
            duplicates.append(name)
        by_name[name] = _tensor_info(path, name, raw)  # the last one wins, as in the reference
    tensors = sorted(by_name.values(), key=lambda t: (t.begin, t.end))
    _check_offsets(path, tensors, len(header), file_size)
    return SafetensorsHeader(len(header), tuple(tensors), metadata, tuple(dict.fromkeys(duplicates)))


def _check_offsets(path: str, tensors: list[TensorInfo], header_size: int, file_size: int) -> None:
    expected = 0
    for t in tensors:
        if t.begin != expected or t.end < t.begin:
            raise FormatError(path, f"invalid offset for tensor {t.name!r} ({t.begin}..{t.end}, expected start {expected})")
        elements = 1
        for dim in t.shape:
            elements *= dim
            if elements > U64_MAX:
                raise FormatError(path, f"tensor {t.name!r}: shape {list(t.shape)} overflows")
        bits = elements * DTYPE_BITS[t.dtype]
        if bits > U64_MAX or bits % 8:
            raise FormatError(path, f"tensor {t.name!r}: {elements} x {t.dtype} is not a whole number of bytes")
        if bits // 8 != t.end - t.begin:
            raise FormatError(path, f"tensor {t.name!r}: shape {list(t.shape)} of {t.dtype} needs {bits // 8} bytes, offsets give {t.end - t.begin}")
        expected = t.end
    if expected + 8 + header_size != file_size:
        raise FormatError(path, f"tensor data ends at byte {expected + 8 + header_size} but the file has {file_size} bytes (not fully covered)")


def read_header(path: Path, display: str | None = None) -> SafetensorsHeader:
    """Checks 1-7 on a file, reading only its header."""
    name = display or str(path)
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        if size < 8:
            raise FormatError(name, f"file of {size} bytes is too small for a safetensors header")
        f.seek(0)
        (n,) = struct.unpack("<Q", f.read(8))
        if n > MAX_HEADER_SIZE:
            raise FormatError(name, f"header length {n} exceeds the limit of {MAX_HEADER_SIZE}")
        if 8 + n > size:
            raise FormatError(name, f"header length {n} runs past the end of the {size}-byte file")
        header = f.read(n)
    if len(header) != n:
        raise FormatError(name, "file shrank while reading the header")
    return parse_header_bytes(name, header, size)


def summarize(header: SafetensorsHeader) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "tensors": len(header.tensors),
        "parameters": sum(math.prod(t.shape) for t in header.tensors),
        "dtypes": sorted({t.dtype for t in header.tensors}),
        "header_size": header.header_size,
    }
    if header.metadata is not None:
        meta["safetensors_metadata"] = dict(header.metadata)
        for key in ("license", "name", "architecture"):
            if key in header.metadata:
                meta[key] = header.metadata[key]
    return meta


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    header = read_header(path, relpath)
    findings = [
        Finding("safetensors-duplicate-tensor-name", "error",
                f"tensor name {name!r} appears more than once in the header; readers keep only the last", relpath, name)
        for name in header.duplicates
    ]
    return summarize(header), findings


# --- sharded index ---------------------------------------------------------

def unsafe_shard_name(name: str) -> str | None:
    """Why a shard name in an index must not be followed, or None when it is safe.

    As huggingface_hub's index check: a drive, a root or a `..` part is refused,
    judged as a Windows path on every OS (so `C:x` and backslashes count too).
    """
    if not name or "\x00" in name:
        return "empty or NUL in name"
    win = PureWindowsPath(name)
    if win.drive or win.root or PurePosixPath(name).is_absolute():
        return "absolute path or drive"
    if ".." in win.parts or ".." in PurePosixPath(name).parts:
        return "parent directory reference"
    return None


def _load_index(path: Path, relpath: str) -> dict[str, str]:
    size = path.stat().st_size
    if size > MAX_INDEX_SIZE:
        raise FormatError(relpath, f"index of {size} bytes is larger than {MAX_INDEX_SIZE}")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(relpath, f"index is not valid UTF-8 JSON ({str(exc)[:120]})") from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()):
        raise FormatError(relpath, "index has no weight_map of tensor names to shard names")
    return weight_map


def describe_index(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    weight_map = _load_index(path, relpath)
    findings: list[Finding] = []
    is_safetensors = relpath.endswith(".safetensors.index.json")
    shards = sorted(set(weight_map.values()))
    base_dir = posixpath.dirname(relpath)
    safe: list[str] = []
    for shard in shards:
        why = unsafe_shard_name(shard)
        if why:
            findings.append(Finding("safetensors-index-unsafe-shard-name", "error", f"shard name {shard!r} refused: {why}", relpath, shard))
        elif is_safetensors and not shard.endswith(".safetensors"):
            findings.append(Finding("safetensors-index-wrong-extension", "error", f"a safetensors index names {shard!r}", relpath, shard))
        else:
            safe.append(shard)
    total_params = 0
    for shard in safe:
        shard_path = path.parent / shard
        shard_rel = posixpath.join(base_dir, shard) if base_dir else shard
        if not shard_path.is_file():
            findings.append(Finding("safetensors-index-missing-shard", "error", f"shard {shard!r} is not in the model directory", relpath, shard))
            continue
        if not is_safetensors:
            continue
        try:
            header = read_header(shard_path, shard_rel)
        except FormatError as exc:
            findings.append(Finding("safetensors-index-unreadable-shard", "error", exc.reason, relpath, shard))
            continue
        findings.extend(_key_mismatches(relpath, shard, weight_map, header))
        total_params += sum(math.prod(t.shape) for t in header.tensors)
    meta: dict[str, Any] = {"tensors": len(weight_map), "shards": shards}
    if total_params:
        meta["parameters"] = total_params
    return meta, findings


def _key_mismatches(relpath: str, shard: str, weight_map: dict[str, str], header: SafetensorsHeader) -> list[Finding]:
    in_shard = {t.name for t in header.tensors}
    mapped = {name for name, s in weight_map.items() if s == shard}
    out = []
    for name in sorted(mapped - in_shard)[:20]:
        out.append(Finding("safetensors-index-key-mismatch", "error", f"index maps {name!r} to {shard!r}, which lacks it", relpath, name))
    for name in sorted(in_shard - mapped)[:20]:
        out.append(Finding("safetensors-index-key-mismatch", "error", f"{shard!r} holds {name!r}, which the index does not map there", relpath, name))
    return out
