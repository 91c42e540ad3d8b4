"""GGUF v1-v3: a streaming reader of the KV pairs and tensor infos.

Layout: ggml-org/ggml docs/gguf.md.  The reference reader (gguf-py's
GGUFReader) memory-maps the file and builds a numpy view per array element,
which takes seconds on a 200 000-token vocabulary and needs numpy, absent
from Debian 12's python3 for our purposes.  This reader walks the header once,
keeps the small values, and skips big arrays (token lists, scores, merges) by
their lengths, never allocating what a count claims.  It also reads v1 files,
which GGUFReader refuses.
"""
from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import BoundedReader, FormatError

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
MAX_ARRAY_DEPTH = 8  # gguf-py writes at most 2 levels; deeper is hostile
KEEP_ARRAY_ITEMS = 256  # arrays longer than this are summarised, not kept
KEEP_STRING_BYTES = 1 << 20  # strings longer than this are skipped, not kept

# Value types (gguf.md "gguf_metadata_value_type"): id -> (name, struct code or None)
VALUE_TYPES = {
    0: ("UINT8", "B"), 1: ("INT8", "b"), 2: ("UINT16", "H"), 3: ("INT16", "h"), 4: ("UINT32", "I"),
    5: ("INT32", "i"), 6: ("FLOAT32", "f"), 7: ("BOOL", "?"), 8: ("STRING", None), 9: ("ARRAY", None),
    10: ("UINT64", "Q"), 11: ("INT64", "q"), 12: ("FLOAT64", "d"),
}
STRING, ARRAY = 8, 9

# ggml tensor types: id -> (name, block size in elements, bytes per block), as gguf 0.19.0 GGML_QUANT_SIZES.
GGML_TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40), 10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
}
UNQUANTIZED = {"F32", "F16", "BF16", "F64", "I8", "I16", "I32", "I64"}

# general.file_type (gguf 0.19.0 LlamaFileType, "MOSTLY_" dropped)
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0",
}

# gguf.md "General metadata" -> our normalised metadata keys
GENERAL_KEYS = {
    "general.license": "license", "general.license.name": "license_name", "general.license.link": "license_link",
    "general.name": "name", "general.architecture": "architecture",
}
BASE_MODEL_FIELDS = ("name", "author", "version", "organization", "description", "url", "doi", "uuid", "repo_url")


@dataclass(frozen=True)
class ArraySummary:
    """An array too long to keep: its element type and length."""

    item_type: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"type": self.item_type, "count": self.count}


@dataclass(frozen=True)
class SkippedString:
    """A string value too long to keep (a whole tokenizer.json, say)."""

    length: int


@dataclass(frozen=True)
class GGUFTensor:
    name: str
    dims: tuple[int, ...]
    ggml_type: str
    offset: int
    nbytes: int


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    big_endian: bool
    kv: dict[str, Any]
    tensors: tuple[GGUFTensor, ...]
    alignment: int
    data_offset: int


class _Walker:
    """One pass over the header; the layout differs by version and byte order."""

    def __init__(self, reader: BoundedReader, version: int, endian: str):
        self.r = reader
        self.e = endian
        self.len_fmt = endian + ("I" if version == 1 else "Q")
        self.len_size = 4 if version == 1 else 8

    def length(self, what: str) -> int:
        return self.r.unpack(self.len_fmt, what)[0]

    def string(self, what: str, keep: bool = True) -> str | SkippedString:
        n = self.length(what)
        self.r.need(n, what)
        if not keep or n > KEEP_STRING_BYTES:
            self.r.skip(n, what)
            return SkippedString(n)
        raw = self.r.read(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.r.fail(f"{what} at offset {self.r.pos - n} is not valid UTF-8") from None

    def value(self, vtype: int, what: str, depth: int = 0) -> Any:
        if vtype not in VALUE_TYPES:
            raise self.r.fail(f"{what}: unknown value type {vtype}")
        if vtype == STRING:
            return self.string(what)
        if vtype == ARRAY:
            return self.array(what, depth + 1)
        code = VALUE_TYPES[vtype][1]
        return self.r.unpack(self.e + code, what)[0]

    def array(self, what: str, depth: int) -> Any:
        if depth > MAX_ARRAY_DEPTH:
            raise self.r.fail(f"{what}: arrays nested deeper than {MAX_ARRAY_DEPTH}")
        (item_type,) = self.r.unpack(self.e + "I", what)
        count = self.length(what)
        if item_type not in VALUE_TYPES:
            raise self.r.fail(f"{what}: unknown array item type {item_type}")
        name, code = VALUE_TYPES[item_type]
        if count <= KEEP_ARRAY_ITEMS:
            return [self.value(item_type, what, depth) for _ in range(count)]
        if code is not None:
            self.r.skip(count * struct.calcsize(code), f"{what} ({count} x {name})")
        elif item_type == STRING:
            self.r.skip_length_prefixed(count, self.len_fmt, f"{what} ({count} strings)")
        else:  # nested arrays: each is at least a type and a length
            self.r.need(count * (4 + self.len_size), f"{what} ({count} arrays)")
            for _ in range(count):
                self.array(what, depth + 1)
        return ArraySummary(name, count)

    def tensor(self, index: int) -> tuple[str, tuple[int, ...], int, int]:
        what = f"tensor info #{index}"
        name = self.string(what + " name")
        (n_dims,) = self.r.unpack(self.e + "I", what)
        dim_code = self.len_fmt[-1]  # u32 in v1, u64 since v2
        self.r.need(n_dims * self.len_size, what + " dims")
        dims = self.r.unpack(f"{self.e}{n_dims}{dim_code}", what + " dims") if n_dims else ()
        ggml_type, offset = self.r.unpack(self.e + "IQ", what)
        return name, tuple(dims), ggml_type, offset


def _open_header(f, path: str, size: int) -> tuple[BoundedReader, int, str]:
    r = BoundedReader(f, size, path)
    if r.read(4, "magic") != MAGIC:
        raise r.fail("not a GGUF file (bad magic)")
    (version,) = r.unpack("<I", "version")
    endian = "<"
    if version & 0xFFFF == 0 and version:  # a big-endian file (gguf-py's rule)
        endian = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in (1, 2, 3):
        raise r.fail(f"unsupported GGUF version {version}")
    return r, version, endian


def read_header(path: Path, display: str | None = None) -> GGUFHeader:
    """Parse magic, counts, KVs and tensor infos; tensor data is only bounds-checked."""
    name = display or str(path)
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        r, version, endian = _open_header(f, name, size)
        w = _Walker(r, version, endian)
        tensor_count = w.length("tensor count")
        kv_count = w.length("KV count")
        # each KV is at least a key length and a type; each tensor info at least name length, n_dims, type, offset
        r.need(kv_count * (w.len_size + 4), f"{kv_count} KV pairs")
        kv = _read_kv(w, kv_count)
        r.need(tensor_count * (w.len_size + 16), f"{tensor_count} tensor infos")  # name length, n_dims, type, offset
        infos = [w.tensor(i) for i in range(tensor_count)]
        alignment = _alignment(r, kv)
        data_offset = r.pos + (-r.pos % alignment)
    tensors = _tensors(name, infos, data_offset, size)
    return GGUFHeader(version, endian == ">", kv, tensors, alignment, data_offset)


def _read_kv(w: _Walker, kv_count: int) -> dict[str, Any]:
    kv: dict[str, Any] = {}
    for i in range(kv_count):
        key = w.string(f"KV #{i} key")
        if isinstance(key, SkippedString):
            raise w.r.fail(f"KV #{i} key of {key.length} bytes is too long")
        (vtype,) = w.r.unpack(w.e + "I", f"KV {key!r} type")
        value = w.value(vtype, f"KV {key!r}")
        if key in kv:
            raise w.r.fail(f"duplicate KV key {key!r}")
        kv[key] = value
    return kv


def _alignment(r: BoundedReader, kv: dict[str, Any]) -> int:
    if "general.alignment" not in kv:
        return DEFAULT_ALIGNMENT
    value = kv["general.alignment"]
    # gguf-py requires a u32 that is a non-zero power of two; a bool or float is not one
    if type(value) is not int or value <= 0 or value & (value - 1) or value > 0xFFFFFFFF:
        raise r.fail(f"general.alignment {value!r} is not a non-zero power of two")
    return value


def _tensors(path: str, infos: list, data_offset: int, size: int) -> tuple[GGUFTensor, ...]:
    out: list[GGUFTensor] = []
    seen: set[str] = set()
    for name, dims, type_id, offset in infos:
        if isinstance(name, SkippedString):
            raise FormatError(path, f"tensor name of {name.length} bytes is too long")
        if name in seen:
            raise FormatError(path, f"duplicate tensor name {name!r}")
        seen.add(name)
        if type_id not in GGML_TYPES:
            raise FormatError(path, f"tensor {name!r}: unknown ggml type {type_id}")
        type_name, block, block_bytes = GGML_TYPES[type_id]
        elements = math.prod(dims)
        if block > 1 and dims and dims[0] % block:
            raise FormatError(path, f"tensor {name!r}: row of {dims[0]} is not a multiple of the {type_name} block of {block}")
        nbytes = elements * block_bytes // block
        if data_offset + offset + nbytes > size:
            raise FormatError(path, f"tensor {name!r}: data ({nbytes} bytes at {offset}) runs past the end of the file")
        out.append(GGUFTensor(name, dims, type_name, offset, nbytes))
    return tuple(out)


# --- normalised metadata ------------------------------------------------------

def _base_models(kv: dict[str, Any]) -> list[dict[str, str]]:
    count = kv.get("general.base_model.count")
    if type(count) is not int or count <= 0:
        return []
    out = []
    for i in range(min(count, 64)):
        entry = {f: kv[f"general.base_model.{i}.{f}"] for f in BASE_MODEL_FIELDS
                 if isinstance(kv.get(f"general.base_model.{i}.{f}"), str)}
        if entry:
            out.append(entry)
    return out


def _datasets(kv: dict[str, Any]) -> list[str]:
    """Both key styles: gguf.md's `general.datasets` array and gguf-py's `general.dataset.{i}.*`."""
    out: list[str] = []
    listed = kv.get("general.datasets")
    if isinstance(listed, list):
        out.extend(v for v in listed if isinstance(v, str))
    count = kv.get("general.dataset.count")
    if type(count) is int and count > 0:
        for i in range(min(count, 1024)):
            for field in ("name", "repo_url", "url"):
                value = kv.get(f"general.dataset.{i}.{field}")
                if isinstance(value, str):
                    out.append(value)
                    break
    return list(dict.fromkeys(out))


def _quantization(kv: dict[str, Any], tensors: tuple[GGUFTensor, ...]) -> str | None:
    file_type = kv.get("general.file_type")
    if type(file_type) is int and file_type in FILE_TYPES:
        return FILE_TYPES[file_type]
    quantized = Counter(t.ggml_type for t in tensors if t.ggml_type not in UNQUANTIZED)
    return quantized.most_common(1)[0][0] if quantized else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, ArraySummary):
        return value.to_json()
    if isinstance(value, SkippedString):
        return {"type": "STRING", "length": value.length}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def summarize(header: GGUFHeader) -> dict[str, Any]:
    kv = header.kv
    meta: dict[str, Any] = {"gguf_version": header.version, "tensors": len(header.tensors),
                            "parameters": sum(math.prod(t.dims) for t in header.tensors),
                            "dtypes": sorted({t.ggml_type for t in header.tensors})}
    for key, ours in GENERAL_KEYS.items():
        if isinstance(kv.get(key), str):
            meta[ours] = kv[key]
    if base := _base_models(kv):
        meta["base_models"] = base
    if datasets := _datasets(kv):
        meta["datasets"] = datasets
    if quant := _quantization(kv, header.tensors):
        meta["quantization"] = quant
    if isinstance(kv.get("tokenizer.chat_template"), str):
        meta["chat_template"] = kv["tokenizer.chat_template"]
    named = {k[len("tokenizer.chat_template."):]: v for k, v in kv.items()
             if k.startswith("tokenizer.chat_template.") and isinstance(v, str)}
    if named:
        meta["chat_templates"] = named
    tokens = kv.get("tokenizer.ggml.tokens")
    if isinstance(tokens, (ArraySummary, list)):
        meta["vocab_size"] = tokens.count if isinstance(tokens, ArraySummary) else len(tokens)
    if isinstance(kv.get("tokenizer.ggml.model"), str):
        meta["tokenizer_model"] = kv["tokenizer.ggml.model"]
    meta["kv"] = {k: _jsonable(v) for k, v in kv.items() if not k.startswith("tokenizer.chat_template")}
    return meta


def is_vocab_only(header: GGUFHeader) -> bool:
    return not header.tensors and "tokenizer.ggml.tokens" in header.kv


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    header = read_header(path, relpath)
    meta = summarize(header)
    findings: list[Finding] = []
    if "general.architecture" not in header.kv:
        findings.append(Finding("gguf-missing-architecture", "warning", "general.architecture is missing (the spec requires it)", relpath))
    if header.big_endian:
        findings.append(Finding("gguf-big-endian", "info", "big-endian GGUF: unusable on little-endian hosts", relpath))
    return meta, findings


def tensor_count_from_prefix(prefix: bytes) -> int | None:
    """The tensor count of a GGUF file from its first 24 bytes (detect uses it for the role)."""
    if len(prefix) < 16 or prefix[:4] != MAGIC:
        return None
    (version,) = struct.unpack_from("<I", prefix, 4)
    endian = "<"
    if version & 0xFFFF == 0 and version:
        endian, version = ">", struct.unpack_from(">I", prefix, 4)[0]
    if version == 1:
        return struct.unpack_from(endian + "I", prefix, 8)[0]
    if version in (2, 3) and len(prefix) >= 16:
        return struct.unpack_from(endian + "Q", prefix, 8)[0]
    return None
