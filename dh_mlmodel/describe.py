"""describe: what a header-only read of a detected artifact tells.

One describer per format family (dh_mlmodel/formats/); each returns the
normalised metadata and findings, or raises FormatError, which becomes an
error finding here.  Hashing streams the whole file once, and only when asked.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .formats import compressed, ggml, gguf, hfjson, lfs, modelcard, numpy, onnx, pytorch, safetensors, sentencepiece, tflite
from .formats.binio import FormatError
from .hashing import ProgressCallback, file_digests
from .model import Artifact, ArtifactFacts, Finding, MLModelError

Describer = Callable[[Path, str], "tuple[dict[str, Any], list[Finding]]"]

DESCRIBERS: dict[str, Describer] = {
    "safetensors": safetensors.describe,
    "safetensors-index": safetensors.describe_index,
    "gguf": gguf.describe,
    "onnx": onnx.describe,
    "sentencepiece": sentencepiece.describe,
    "numpy": numpy.describe_npy,
    "npz": numpy.describe_npz,
    "tflite": tflite.describe,
    "ggml-legacy": ggml.describe,
    "pytorch-zip": pytorch.describe_zip,
    "torchscript": pytorch.describe_zip,
    "pytorch-legacy": pytorch.describe_pickle,
    "pickle": pytorch.describe_pickle,
    "joblib": compressed.describe_wrapped_or(pytorch.describe_pickle),  # joblib.dump(compress=...)
    "compressed": compressed.describe,
    "model-card": modelcard.describe,
    "config-json": hfjson.describe_config,
    "generation-config": hfjson.describe_json_object,
    "tokenizer-config": hfjson.describe_json_object,
    "special-tokens": hfjson.describe_json_object,
    "tokenizer-json": hfjson.describe_tokenizer_json,
    "chat-template": hfjson.describe_chat_template,
    "vocab": hfjson.describe_lines,
    "merges": hfjson.describe_lines,
}


class DescribeError(MLModelError):
    """A file could not be read while describing it (I/O, not format)."""


def _lfs(artifact: Artifact) -> tuple[dict[str, Any], list[Finding]]:
    with open(artifact.path, "rb") as f:
        pointer = lfs.parse_pointer(f.read(lfs.MAX_POINTER_SIZE))
    meta = {"lfs": pointer} if pointer else {}
    size = f"{pointer['size']} bytes" if pointer else "unknown size"
    return meta, [Finding("lfs-pointer-instead-of-model", "error",
                          f"Git LFS pointer ({size}) where the file itself should be; fetch it with git lfs pull",
                          artifact.relpath)]


# What a file without a describer is, for the warning that says it was not validated.
UNDESCRIBED_ROLES = frozenset({"weights", "tokenizer", "other"})  # docs, licences, configs and code are read as text


def _not_validated(artifact: Artifact) -> Finding | None:
    """A file no describer reads is said to be unvalidated (never silent), unless it is plain documentation."""
    fmt, role = artifact.format, artifact.role
    if fmt == "text" and role not in ("weights", "tokenizer"):
        return None  # a README, a licence, notes: text is its own description
    if role not in UNDESCRIBED_ROLES and fmt in ("text", "other"):
        return None
    if fmt == "other":
        what = "binary data in no format dh_mlmodel knows" if artifact.size else "an empty file"
    elif fmt == "text":
        what = "text that holds a model in a format dh_mlmodel does not parse (found by a marker)"
    else:
        what = f"a {fmt} file, a format dh_mlmodel recognises but has no describer for"
    return compressed.not_validated(artifact.relpath, f"{what} ({role}, {artifact.size} bytes): its structure "
                                                      "was not validated and no weights metadata was recorded")


def describe_format(artifact: Artifact) -> tuple[dict[str, Any], list[Finding]]:
    """Metadata and findings of one artifact; a malformed file gives an error finding."""
    if artifact.format == "lfs-pointer":
        return _lfs(artifact)
    describer = DESCRIBERS.get(artifact.format)
    if describer is None:
        unvalidated = _not_validated(artifact)
        return {}, [unvalidated] if unvalidated else []
    try:
        meta, findings = describer(artifact.path, artifact.relpath)
    except FormatError as exc:
        return {}, [Finding("malformed-model-file", "error", f"{artifact.format}: {exc.reason}", artifact.relpath)]
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never crash the pipeline
        return {}, [Finding("malformed-model-file", "error",
                            f"{artifact.format}: unreadable ({type(exc).__name__}: {str(exc)[:160]})", artifact.relpath)]
    return meta, list(findings)


def describe(artifact: Artifact, *, hash: bool = True, progress: ProgressCallback | None = None,
             md5: bool = False) -> ArtifactFacts:
    """Header facts, and the digests when HASH (md5 too, in the same read, when MD5)."""
    try:
        meta, findings = describe_format(artifact)
        digest, md5_digest = file_digests(artifact.path, progress, md5=md5) if hash else (None, None)
    except OSError as exc:
        raise DescribeError(artifact.relpath, f"cannot read: {exc.strerror or exc}") from None
    return ArtifactFacts(artifact=artifact, sha256=digest, metadata=meta, findings=tuple(findings), md5=md5_digest)
