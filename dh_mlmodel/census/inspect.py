"""Read one candidate .deb with lint's reader and inspect its model files with the pipeline's stages.

The .deb is hostile input: it is read as `mlmodel lint` reads it
(lint.inputs.iter_data: one tar stream, a member count and a decompression
budget, no extraction), and each model file is spooled alone to a
temporary file, inspected (detect, describe, risk.assess, as lint.scan
does) and deleted.  A member's path names the spool file only when every
part of it is a plain name (never `..`, never absolute), as lint.scan.model_of
requires; a path that is not gets one fixed spool name.  The copyright file,
README files and dh-mlmodel records are kept in memory, capped.
"""
from __future__ import annotations

import gzip
import io
import posixpath
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..detect import WEIGHT_FORMATS
from ..lint.inputs import SMALL_FILE_LIMIT, DataLimit, DebControl, Member, iter_data, read_control
from ..lint.scan import _inspect, _record, _spool, is_record
from . import rules

README_LIMIT = 256 << 10  # a README longer than this is not read for a training-data statement
MAX_READMES = 50
METADATA_KEYS = 24  # scalar metadata values kept per model file
METADATA_CHARS = 200
# Formats that are models by their bytes (detect's weight formats, and sentencepiece's protobuf).
CONTENT_FORMATS = frozenset(WEIGHT_FORMATS) | {"sentencepiece"}
FIXED_SPOOL = "member"


@dataclass
class ModelFile:
    path: str
    rule: str
    size: int
    sha256: str = ""
    format: str = ""  # detect's format
    role: str = ""
    evidence: str = ""  # content | marker | name | unconfirmed | none (see _evidence)
    metadata: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)  # "tag: message"
    unit_size: int = 0  # for a directory-unit rule: the bytes of the whole directory

    @property
    def kind(self) -> str:
        """What the census calls the file's format: detect's when it is a model format, else the rule's."""
        return self.format if self.format in CONTENT_FORMATS else self.rule

    @property
    def is_model(self) -> bool:  # unconfirmed files are listed, never counted
        return self.evidence in ("content", "marker", "name")

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "kind": self.kind, "size": self.size,
                "unit_size": self.unit_size or self.size, "sha256": self.sha256, "format": self.format,
                "role": self.role, "evidence": self.evidence, "metadata": self.metadata,
                "findings": self.findings}


@dataclass
class DebFacts:
    control: DebControl
    files: list[ModelFile]
    copyright: str | None
    texts: dict[str, str]  # README and similar: path -> text
    records: dict[str, Any]
    doc_link: str = ""  # usr/share/doc/<package> is a symlink to this
    limit: str = ""  # why the data.tar was not read to its end


def _spool_target(workdir: Path, path: str) -> Path:
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts) or len(path) > 1024:
        return workdir / FIXED_SPOOL
    return workdir.joinpath("root", *parts)


MARKER_RULES = ("opencv-cascade", "htsvoice")  # formats detect.MODEL_MARKERS recognises


def _evidence(rule: rules.Rule, fmt: str, role: str, size: int, findings: list[str], head: bytes) -> str:
    """Why the file counts as a model (content, marker, name), or why not (unconfirmed, none).

    content: a model format by its bytes; marker: detect's model marker (OpenCV, HTS); name: a path
    that only a model Debian ships has; unconfirmed: binary, named like a model, in no format we
    know; none: empty, a Git LFS pointer, or text where the rule expects a binary model.
    """
    if size == 0 or fmt == "lfs-pointer":
        return "none"
    malformed = any(f.startswith("malformed-model-file") for f in findings)
    if fmt in CONTENT_FORMATS and not malformed:
        return "content"
    if rule.magic and head.startswith(rule.magic):
        return "content"
    if rule.name in MARKER_RULES:
        return "marker" if fmt in ("text", "other") and role == "weights" else "none"
    if rule.trusted:
        return "name"
    return "none" if fmt == "text" else "unconfirmed"


def _scalars(meta: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(meta, dict):
        return out
    for key in sorted(meta, key=str)[:200]:
        value = meta[key]
        if isinstance(value, bool) or isinstance(value, (int, float)):
            out[str(key)[:80]] = value
        elif isinstance(value, str):
            out[str(key)[:80]] = value[:METADATA_CHARS]
        if len(out) >= METADATA_KEYS:
            break
    return out


def _inspect_member(stream, member: Member, rule: rules.Rule, workdir: Path) -> ModelFile:
    target = _spool_target(workdir, member.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        digest, _partial, _ = _spool(stream, member, target, None)
        facts = _inspect(target, member.path, member, target.parent)
        with open(target, "rb") as fh:
            head = fh.read(16)
    finally:
        target.unlink(missing_ok=True)
    a = facts.artifact
    findings = [f"{f.tag}: {f.message}"[:400] for f in facts.findings]
    return ModelFile(member.path, rule.name, member.size, digest, a.format, a.role,
                     _evidence(rule, a.format, a.role, member.size, findings, head), _scalars(facts.metadata), findings)


def _text(data: bytes | None, path: str) -> str | None:
    if data is None:
        return None
    if path.endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                data = gz.read(SMALL_FILE_LIMIT + 1)
        except (OSError, EOFError):
            return None
        if len(data) > SMALL_FILE_LIMIT:
            return None
    return data.decode("utf-8", "replace")


def _read_small(stream, limit: int) -> bytes | None:
    data = stream.read(limit + 1)
    return data if len(data) <= limit else None


def _is_readme(path: str) -> bool:
    base = posixpath.basename(path).lower().removesuffix(".gz")
    return base.startswith("readme") and not base.endswith((".html", ".pdf", ".png"))


def _unit_sizes(files: list[ModelFile], members: dict[str, int]) -> None:
    """A directory-unit model (PocketSphinx) is every regular file of its directory; a tree unit (RHVoice), below it too."""
    for f in files:
        unit = rules.by_name(f.rule).unit
        if unit in ("dir", "tree"):
            d = posixpath.dirname(f.path) + "/"
            f.unit_size = sum(size for p, size in members.items()
                              if p.startswith(d) and (unit == "tree" or "/" not in p[len(d):]))


def inspect_deb(path: Path) -> DebFacts:
    """Control fields, model files and the texts the census reads, in one pass over the .deb."""
    control = read_control(path)
    pkg = control.package
    doc = f"usr/share/doc/{pkg}/"
    files: list[ModelFile] = []
    texts: dict[str, str] = {}
    records: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    copyright_text = None
    doc_link = limit = ""
    with tempfile.TemporaryDirectory(prefix="mlmodel-census-") as tmp, closing(iter_data(path)) as data:
        try:
            for member, stream in data:
                if member.path == doc.rstrip("/") and member.kind == "symlink":
                    doc_link = member.linkname
                if stream is None:
                    continue
                sizes[member.path] = member.size
                rule = rules.match(member.path)
                if rule is not None:
                    files.append(_inspect_member(stream, member, rule, Path(tmp)))
                elif member.path == doc + "copyright":
                    copyright_text = _text(_read_small(stream, SMALL_FILE_LIMIT), member.path)
                elif is_record(member.path, pkg):
                    records[member.path] = _record(_read_small(stream, SMALL_FILE_LIMIT))
                elif _is_readme(member.path) and member.size <= README_LIMIT and len(texts) < MAX_READMES:
                    text = _text(_read_small(stream, README_LIMIT), member.path)
                    if text is not None:
                        texts[member.path] = text
        except DataLimit as exc:
            limit = exc.note
    _unit_sizes(files, sizes)
    return DebFacts(control, files, copyright_text, texts, records, doc_link, limit)


__all__ = ["inspect_deb", "DebFacts", "ModelFile"]
