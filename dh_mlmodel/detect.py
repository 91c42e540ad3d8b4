"""detect: what a file is, by its bytes; the name is only a hint.

`detect(path, relpath)` reads a few KiB (plus a zip's central directory) and
returns an Artifact with one of the spec §6 formats and a spec §5 role.  The
magic numbers come from the digest's cheat-sheet (shared docs/formats.md §0)
and each format's spec, cited beside its test below.  Policy data (magic
tables, name tables) is at module level.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import pickletools
import posixpath
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

from .formats import compressed
from .formats import gguf as gguf_format
from .formats import lfs, onnx, sentencepiece
from .formats.binio import ZIP_ERRORS
from .formats.safetensors import MAX_HEADER_SIZE
from .model import Artifact, MLModelError
from .roles import role_for_name

PREFIX_SIZE = 4096
MARKER_SEARCH_SIZE = 64 << 10
PICKLE_SNIFF_SIZE = 1 << 20  # protocol 0/1 pickles have no magic: parse this much
MIN_PICKLE_OPCODES_TRUNCATED = 32  # a prefix that parses this far and is cut off is a pickle

# PyTorch's legacy format: pickle proto 2 of the LONG1 magic 0x1950a86a20f9469cfc6c (torch/serialization.py)
TORCH_LEGACY_MAGIC = bytes.fromhex("80028a0a6cfc9c46f9206aa85019")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NUMPY_MAGIC = b"\x93NUMPY"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# legacy ggml / llama.cpp magics (u32 LE, so the bytes read reversed) and their spelled-out forms
GGML_LEGACY_MAGICS = (b"lmgg", b"fmgg", b"tjgg", b"algg", b"nsgg", b"ggml", b"ggmf", b"ggjt", b"ggla", b"ggsn")
# joblib's compressors (joblib/compressor.py prefixes); zlib headers per RFC 1950 levels
COMPRESSED_MAGICS = (
    (b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"\x04\x22\x4d\x18", "lz4"),
    (b"]\x00\x00", "lzma"), (b"\x78\x01", "zlib"), (b"\x78\x5e", "zlib"), (b"\x78\x9c", "zlib"), (b"\x78\xda", "zlib"),
)
JOBLIB_MARKERS = (b"joblib.numpy_pickle", b"NumpyArrayWrapper", b"NDArrayWrapper")

# Formats that are weights whatever their name says.
WEIGHT_FORMATS = frozenset({
    "safetensors", "gguf", "onnx", "pytorch-zip", "pytorch-legacy", "torchscript", "pickle", "joblib",
    "numpy", "npz", "keras", "hdf5", "tflite", "tf-savedmodel", "coreml", "ggml-legacy",
})
SUFFIX_ROLES = {".traineddata": "weights"}  # what a wrapped file's inner name says when its bytes do not
FORMAT_ROLES = {
    "sentencepiece": "tokenizer", "tokenizer-json": "tokenizer", "vocab": "tokenizer", "merges": "tokenizer",
    "tokenizer-config": "tokenizer", "special-tokens": "tokenizer", "chat-template": "tokenizer",
    "model-card": "docs", "config-json": "config", "generation-config": "config", "safetensors-index": "config",
}
# Models in formats we do not parse, recognised by a marker in their first bytes:
# OpenCV cascades and SVMs (cv::FileStorage XML/YAML) and HTS voices (hts_engine API's [GLOBAL] header).
MODEL_MARKERS = (b"<opencv_storage>", b"opencv_ml_", b"[GLOBAL]\nHTS_VOICE_VERSION")

# File names (lower case) of the HF side files, confirmed by content below.
NAME_FORMATS = {
    "tokenizer.json": "tokenizer-json", "tokenizer_config.json": "tokenizer-config",
    "special_tokens_map.json": "special-tokens", "added_tokens.json": "special-tokens",
    "chat_template.json": "chat-template", "chat_template.jinja": "chat-template",
    "config.json": "config-json", "generation_config.json": "generation-config",
    "vocab.txt": "vocab", "vocab.json": "vocab", "merges.txt": "merges",
    "readme.md": "model-card", "model_card.md": "model-card", "modelcard.md": "model-card",
}
# When the bytes match no format, these extensions say what the file claims to be,
# so that describe reports it as a malformed file of that format.
EXTENSION_CLAIMS = {
    ".safetensors": "safetensors", ".gguf": "gguf", ".onnx": "onnx", ".tflite": "tflite",
    ".npy": "numpy", ".npz": "npz", ".keras": "keras", ".h5": "hdf5", ".hdf5": "hdf5",
}


class DetectError(MLModelError):
    """A file cannot be read at all."""


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except ZIP_ERRORS:
        return None


def _zip_format(names: list[str]) -> str:
    """torch.save / jit.save / keras.save / np.savez layouts (digest §3.1-3.3)."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    bases = {n.split("/", 1)[1] if "/" in n else n for n in names}
    if len(tops) == 1 and "data.pkl" in bases:
        if "constants.pkl" in bases or any(b.startswith("code/") for b in bases):
            return "torchscript"
        return "pytorch-zip"
    top_level = set(names)
    # keras.saving.load_model needs only config.json; metadata.json or the weights make it a Keras file
    if "config.json" in top_level and ("metadata.json" in top_level or any(n.startswith("model.weights") for n in names)):
        return "keras"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "other"


def _pickle_parses(data: bytes, complete: bool) -> bool:
    """A protocol 0/1 pickle has no magic: it must parse as opcodes up to STOP.

    When `data` is only a prefix of the file, a long run of valid opcodes cut
    off near the end of the prefix counts too.
    """
    count = last = 0
    try:
        for opcode, _arg, pos in pickletools.genops(io.BytesIO(data)):
            count += 1
            last = pos or 0
            if opcode.name == "STOP":
                return count >= 2
    except (ValueError, UnicodeDecodeError, struct.error, EOFError, IndexError, KeyError, OverflowError):
        return not complete and count >= MIN_PICKLE_OPCODES_TRUNCATED and len(data) - last < (1 << 16)
    return False


PICKLE_FIRST_OPCODES = frozenset(b"(c]})NIJKLFSVXUGT")


def _looks_like_old_pickle(path: Path, size: int, prefix: bytes) -> bool:
    if not prefix or prefix[0] not in PICKLE_FIRST_OPCODES:
        return False
    with open(path, "rb") as f:
        data = f.read(PICKLE_SNIFF_SIZE)
    return _pickle_parses(data, complete=size <= PICKLE_SNIFF_SIZE)


def _decompressed_prefix(path: Path, kind: str) -> bytes:
    """Up to 64 KiB of a compressed stream (never the whole file): enough to see a pickle."""
    with open(path, "rb") as f:
        raw = f.read(1 << 20)
    try:
        if kind == "zlib":
            return zlib.decompressobj().decompress(raw, 1 << 16)
        if kind == "gzip":
            return gzip.GzipFile(fileobj=io.BytesIO(raw)).read(1 << 16)
        if kind == "bz2":
            return bz2.BZ2Decompressor().decompress(raw, 1 << 16)
        if kind in ("xz", "lzma"):
            return lzma.LZMADecompressor().decompress(raw, 1 << 16)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        return b""
    return b""  # lz4: not in the standard library; judged by name below


def _pickle_kind(data: bytes) -> str:
    """pickle, joblib or pytorch-legacy for data that starts with a protocol >= 2 pickle."""
    if data.startswith(TORCH_LEGACY_MAGIC):
        return "pytorch-legacy"
    if any(m in data for m in JOBLIB_MARKERS):
        return "joblib"
    return "pickle"


def _is_binary_pickle(prefix: bytes) -> bool:
    return len(prefix) >= 2 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5


def _hdf5_signature(path: Path, size: int, prefix: bytes) -> bool:
    """HDF5 superblock at 0 or 512 * 2^k (HDF5 File Format Specification, "Format Signature")."""
    if prefix.startswith(HDF5_MAGIC):
        return True
    offset = 512
    with open(path, "rb") as f:
        while offset + 8 <= size and offset <= (1 << 30):
            f.seek(offset)
            if f.read(8) == HDF5_MAGIC:
                return True
            offset *= 2
    return False


def _safetensors_prefix(prefix: bytes, size: int) -> bool:
    if size < 10 or len(prefix) < 9:
        return False
    (n,) = struct.unpack_from("<Q", prefix)
    return 2 <= n <= MAX_HEADER_SIZE and 8 + n <= size and prefix[8:9] == b"{"


def _layout_format(path: Path, relpath: str) -> str | None:
    """TF SavedModel and CoreML packages are recognised by their directory layout."""
    parts = relpath.split("/")
    base = parts[-1].lower()
    if base in ("saved_model.pb", "saved_model.pbtxt", "keras_metadata.pb"):
        return "tf-savedmodel"  # keras_metadata.pb: Keras 2's layer configs of a SavedModel
    if any(p.lower().endswith(".mlpackage") for p in parts[:-1]) or base.endswith(".mlmodel"):
        return "coreml"
    # variables/, fingerprint.pb and keras_metadata.pb beside a saved_model.pb
    root = path
    for _ in parts:
        root = root.parent
    for depth in range(len(parts) - 1, 0, -1):
        ancestor = root.joinpath(*parts[:depth])
        if (ancestor / "saved_model.pb").is_file() and (parts[depth] == "variables" or base.endswith(".pb")):
            return "tf-savedmodel"
    return None


def _text_format(path: Path, relpath: str, prefix: bytes) -> str:
    base = posixpath.basename(relpath).lower()
    claimed = NAME_FORMATS.get(base)
    if base.endswith(".safetensors.index.json"):
        claimed = "safetensors-index"
    elif base.endswith(".jinja") and claimed is None:
        claimed = "chat-template"
    stripped = prefix.lstrip()
    is_json = stripped.startswith((b"{", b"["))
    if claimed and (not base.endswith(".json") or is_json):
        return claimed
    if b"\x00" in prefix:
        return "other"
    try:
        prefix.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(prefix) - 4:  # not merely a character cut by the prefix's end
            return "other"
    return "text"


def _binary_format(path: Path, relpath: str, size: int, prefix: bytes) -> str | None:
    if prefix.startswith(gguf_format.MAGIC):
        return "gguf"
    if _safetensors_prefix(prefix, size):
        return "safetensors"
    if prefix[4:8] == b"TFL3":
        return "tflite"
    if prefix[:4] in GGML_LEGACY_MAGICS:
        return "ggml-legacy"
    if prefix.startswith(NUMPY_MAGIC):
        return "numpy"
    if prefix.startswith(ZIP_MAGICS):
        names = _zip_names(path)
        return _zip_format(names) if names is not None else "other"
    if _is_binary_pickle(prefix):
        return _pickle_kind(prefix)
    wrapper = compressed.sniff(prefix)
    if wrapper is not None:
        # a pickle under any wrapper is what joblib.dump(compress=...) writes, and joblib.load reads it as is
        return "joblib" if _is_binary_pickle(compressed.read_prefix(path, wrapper, 2)) else "compressed"
    for magic, kind in COMPRESSED_MAGICS:
        if prefix.startswith(magic) and _is_binary_pickle(_decompressed_prefix(path, kind)):
            return "joblib"  # joblib's raw zlib and lzma streams
    if _hdf5_signature(path, size, prefix):
        return "hdf5"
    return None


def _protobuf_format(path: Path, size: int, prefix: bytes) -> str | None:
    if prefix[:1] == b"\x08" and onnx.looks_like_onnx(path, size):
        return "onnx"
    if prefix[:1] == b"\x0a" and sentencepiece.looks_like_sentencepiece(path, size):
        return "sentencepiece"
    return None


def sniff_format(path: Path, relpath: str, size: int, prefix: bytes) -> str:
    if size == 0:
        return "other"
    if lfs.parse_pointer(prefix) is not None and size < lfs.MAX_POINTER_SIZE:
        return "lfs-pointer"
    found = _binary_format(path, relpath, size, prefix) or _layout_format(path, relpath)
    if found:
        return found
    found = _protobuf_format(path, size, prefix)
    if found:
        return found
    if _looks_like_old_pickle(path, size, prefix):
        return "pickle"
    ext = posixpath.splitext(relpath.lower())[1]
    if ext in EXTENSION_CLAIMS:
        return EXTENSION_CLAIMS[ext]
    return _text_format(path, relpath, prefix)


def _wrapped_role(path: Path, relpath: str) -> str:
    """The role of a compressed file is the role of the file inside (sniffed from a bounded prefix)."""
    wrapper = compressed.sniff(open_prefix(path, 8))
    inner = compressed.read_prefix(path, wrapper) if wrapper else b""
    name = compressed.inner_relpath(relpath)
    if not inner:
        return role_for_name(name)
    with tempfile.TemporaryDirectory(prefix="mlmodel-sniff-") as tmp:
        probe = Path(tmp) / (posixpath.basename(name) or "inner")
        probe.write_bytes(inner)
        # a prefix of a zip has no central directory: its local header still says "zip"
        fmt = sniff_format(probe, name, len(inner), inner[:PREFIX_SIZE])
        if fmt == "compressed":  # nested wrappers are not opened further (describe says so)
            return role_for_name(compressed.inner_relpath(name))
        if fmt in ("text", "other") and inner.startswith(ZIP_MAGICS):
            return "weights"
        role = role_for(fmt, name, inner[:MARKER_SEARCH_SIZE])
    if role == "other":
        return SUFFIX_ROLES.get(posixpath.splitext(name.lower())[1], role)
    return role


def open_prefix(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def role_for(fmt: str, relpath: str, prefix: bytes, path: Path | None = None) -> str:
    if fmt == "compressed" and path is not None:
        return _wrapped_role(path, relpath)
    if fmt == "gguf" and gguf_format.tensor_count_from_prefix(prefix) == 0:
        return "tokenizer"  # a vocab-only GGUF (llama.cpp's ggml-vocab-*.gguf)
    if fmt in WEIGHT_FORMATS:
        return "weights"
    if fmt in FORMAT_ROLES:
        return FORMAT_ROLES[fmt]
    if fmt in ("text", "other") and any(marker in prefix for marker in MODEL_MARKERS):
        return "weights"
    return role_for_name(relpath)


def detect(path: Path, relpath: str) -> Artifact:
    """The format (spec §6) and role (spec §5) of one regular file."""
    path = Path(path)
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as f:
            prefix = f.read(PREFIX_SIZE)
        fmt = sniff_format(path, relpath, size, prefix)
        if fmt in ("text", "other") and size > len(prefix):
            with open(path, "rb") as f:  # a licence comment can push a model marker past the prefix
                prefix = f.read(MARKER_SEARCH_SIZE)
    except OSError as exc:
        raise DetectError(relpath, f"cannot read: {exc.strerror or exc}") from None
    return Artifact(path=path, relpath=relpath, size=size, format=fmt, role=role_for(fmt, relpath, prefix, path))
