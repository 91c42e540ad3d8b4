"""Dataclasses shared by every stage of the pipeline.

Each stage reads the types of the stages before it and never calls back up the
chain.  Stage-local types (the declaration schema, the lint tag records) live
in their own stage module; only what crosses stages is here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

# spec §6: the values of ArtifactFacts.format
FORMATS = (
    "safetensors", "safetensors-index", "gguf", "onnx", "pytorch-zip", "pytorch-legacy",
    "torchscript", "pickle", "joblib", "numpy", "npz", "keras", "hdf5", "tflite",
    "tf-savedmodel", "coreml", "ggml-legacy", "sentencepiece", "tokenizer-json", "vocab",
    "merges", "tokenizer-config", "special-tokens", "chat-template", "model-card",
    "config-json", "generation-config", "lfs-pointer", "compressed", "text", "other",
)

# spec §5: the roles a file can play, which decide its binary package
ROLES = ("weights", "tokenizer", "config", "docs", "code", "license", "other")

SEVERITIES = ("error", "warning", "info", "pedantic")

CATEGORIES = ("free", "toxic-candy", "non-free", "reject")
SECTIONS = ("main", "contrib", "non-free")


class MLModelError(Exception):
    """An error one stage cannot go on from: the adapters print it as one line.

    `path` names the file (or directory) at fault, `reason` says what is wrong.
    Each stage subclasses it, so an adapter can tell where it came from.
    """

    def __init__(self, path: str | Path | None, reason: str):
        self.path = str(path) if path is not None else None
        self.reason = reason
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.path}: {self.reason}" if self.path else self.reason
        # One line, always: a hostile file name must not break the output.
        return text.replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class Finding:
    """Something a stage noticed about a file or a model.

    `tag` is a lint tag name (docs/tags.md); `path` is relative to the model
    directory; `member` locates it inside a container (zip member, pickle
    offset, GGUF key) when there is one.
    """

    tag: str
    severity: str
    message: str
    path: str = ""
    member: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tag": self.tag, "severity": self.severity, "message": self.message}
        if self.path:
            out["path"] = self.path
        if self.member:
            out["member"] = self.member
        return out


@dataclass(frozen=True)
class Artifact:
    """detect: what a file is, by content (extension only as a hint)."""

    path: Path  # on disk
    relpath: str  # POSIX path relative to the model directory
    size: int
    format: str  # one of FORMATS
    role: str  # one of ROLES


@dataclass(frozen=True)
class ArtifactFacts:
    """describe: what a header-only read of an artifact tells."""

    artifact: Artifact
    sha256: str | None = None  # None when hashing was skipped (--no-hash)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    md5: str | None = None  # only when asked for: dh_mlmodel's lines of DEBIAN/md5sums, from the same read

    def to_json(self) -> dict[str, Any]:
        a = self.artifact
        return {
            "path": a.relpath, "size": a.size, "sha256": self.sha256, "format": a.format,
            "role": a.role, "metadata": dict(self.metadata),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class Verdict:
    """decide: where a model belongs under one policy profile, and why."""

    model: str
    category: str  # one of CATEGORIES
    section: str | None  # one of SECTIONS; None when category is reject
    profile: str
    rule: int  # the row of the decision table that fired (docs/policy.md)
    reasons: tuple[str, ...]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.model, "category": self.category, "section": self.section,
            "profile": self.profile, "rule": self.rule, "reasons": list(self.reasons),
            "inputs": dict(self.inputs), "findings": [f.to_json() for f in self.findings],
        }
