"""lint scan: one pass over a .deb's data stream, collecting what the checks read.

Every regular file is hashed as it streams by (one read per byte).  Model
files (under usr/share/mlmodel/<model>/) are also inspected with the
pipeline's own stages, detect, describe and risk.assess, which take paths:
each model file is spooled, alone, to a temporary file that is deleted once
inspected.  For the formats whose describer reads only a header at the start
(safetensors, GGUF), only that header is written and the rest of the
temporary file is left a hole (sparse), so a 2 GB safetensors file costs a
few KiB of disk; other formats are spooled whole (docs/tags.md, "How lint
reads packages").  Every other regular file, wherever it is in the package,
is spooled the same way (to one fixed name: a member's path never names a
file here), detected and scanned with the risk stage's own scanner
(risk.scan_file), so a pickle or model outside the model root is found.
Small text files the checks need (the records, the copyright file, the
override file, a model card) are kept in memory, capped.
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import dataclasses
import json
import posixpath
import struct
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .. import risk
from ..describe import describe
from ..detect import detect
from ..formats.safetensors import MAX_HEADER_SIZE
from ..hub import HUB_DIR
from ..model import Artifact, ArtifactFacts, Finding, MLModelError
from ..roles import role_for_name
from .inputs import CHUNK, SMALL_FILE_LIMIT, DataLimit, DebControl, LintInputError, Member, iter_data, read_control

MODEL_ROOT = "usr/share/mlmodel/"
RECORD_DIR = ".mlmodel"
OVERRIDES_DIR = "usr/share/lintian/overrides/"
CARD_NAMES = ("readme.md", "model_card.md", "modelcard.md")
OUTSIDE_SPOOL = "outside-model-root"  # the one spool name of files outside usr/share/mlmodel/<model>/
GGUF_MAGIC = b"GGUF"
GGUF_HEAD = 64 << 20  # GGUF metadata (vocabularies included) fits well within this
# File names of tokenizer files that must be text (UTF-8); sentencepiece models are binary.
TOKENIZER_TEXT_SUFFIXES = (".json", ".txt", ".jinja", ".model.vocab")


@dataclass(frozen=True)
class ShippedFile:
    member: Member
    sha256: str
    model: str = ""  # the model directory name for files under usr/share/mlmodel/
    facts: ArtifactFacts | None = None  # inspected model files; relpath is relative to the model directory
    utf8_error: str = ""  # tokenizer text that is not UTF-8: where it breaks
    partial: bool = False  # inspected from a header-only spool

    @property
    def outside(self) -> bool:
        """Not under usr/share/mlmodel/<model>/ (its facts are detect's and the pickle scanner's only)."""
        return not self.model


@dataclass(frozen=True)
class PackageScan:
    deb: Path
    control: DebControl
    members: dict[str, Member]
    files: dict[str, ShippedFile]
    records: dict[str, Any] = field(default_factory=dict)  # record path -> dict, or str (why unreadable)
    copyright: str | None = None
    overrides: str | None = None
    cards: dict[str, str] = field(default_factory=dict)  # doc path -> text
    limit: str = ""  # why the data.tar was not read to its end (inputs.DataLimit), if it was not

    @property
    def package(self) -> str:
        return self.control.package


def model_of(path: str) -> tuple[str, str] | None:
    """(model, relpath) of a path under usr/share/mlmodel/<model>/, records excluded."""
    if not path.startswith(MODEL_ROOT):
        return None
    rest = path[len(MODEL_ROOT):]
    if "/" not in rest:
        return None
    model, rel = rest.split("/", 1)
    if rel.split("/", 1)[0] == RECORD_DIR or model == HUB_DIR:
        return None  # records, and the Hub views' links and refs (dh_mlmodel/deliver/hubview.py)
    if any(part in ("", ".", "..") for part in rest.split("/")):
        return None  # a hostile name: never a path under the spool directory
    return model, rel


def is_record(path: str, package: str) -> bool:
    """usr/share/mlmodel/<model>/.mlmodel/<package>.json; other files there (an SBOM) are not records."""
    parts = path.split("/")
    return path.startswith(MODEL_ROOT) and len(parts) == 6 and parts[4] == RECORD_DIR and parts[5] == f"{package}.json"


class _Utf8Check:
    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.offset = 0
        self.error = ""

    def feed(self, data, final: bool = False) -> None:
        if self.error:
            return
        try:
            self.decoder.decode(bytes(data), final)
        except UnicodeDecodeError as exc:
            self.error = f"{exc.reason} at byte {self.offset + exc.start}"
        self.offset += len(data)


def _wants_utf8(rel: str) -> bool:
    base = posixpath.basename(rel).lower()
    return role_for_name(rel) == "tokenizer" and base.endswith(TOKENIZER_TEXT_SUFFIXES)


def _spool_limit(head: bytes, size: int) -> int:
    """How many leading bytes the describer needs: all, or a header for the header-only formats."""
    if len(head) >= 9 and head[8:9] == b"{":
        (n,) = struct.unpack_from("<Q", head)
        if 2 <= n <= MAX_HEADER_SIZE and 8 + n <= size:
            return 8 + n  # safetensors: 8-byte length, JSON header, then tensor data never read
    if head.startswith(GGUF_MAGIC):
        return min(size, GGUF_HEAD)
    return size


def _spool(stream: IO[bytes], member: Member, target: Path, utf8: _Utf8Check | None,
           keep: bool = False) -> tuple[str, bool, bytes | None]:
    """Hash every byte and write what the describer needs to `target`.

    Returns (sha256, header only?, the bytes when `keep` and at most SMALL_FILE_LIMIT).
    """
    digest = hashlib.sha256()
    kept = bytearray() if keep else None
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    limit: int | None = None
    written = 0
    with open(target, "wb", buffering=0) as out:
        while n := stream.readinto(buf):
            chunk = view[:n]
            digest.update(chunk)
            if utf8 is not None:
                utf8.feed(chunk)
            if kept is not None and len(kept) + n > SMALL_FILE_LIMIT:
                kept = None
            elif kept is not None:
                kept += chunk
            if limit is None:
                limit = _spool_limit(bytes(chunk[:16]), member.size)
            if written < limit:
                take = min(n, limit - written)
                out.write(chunk[:take])
                written += take
        out.truncate(member.size)  # the rest is a hole: same size, never read by a header-only describer
    if utf8 is not None:
        utf8.feed(b"", final=True)
    return digest.hexdigest(), limit is not None and limit < member.size, (bytes(kept) if kept is not None else None)


BUILD_ONLY_TAGS = frozenset({"model-file-not-validated"})


def _inspect(target: Path, rel: str, member: Member, model_dir: Path) -> ArtifactFacts:
    """detect, describe (the hash is ours) and risk.assess, as inspect_model_dir runs them."""
    try:
        facts = describe(detect(target, rel), hash=False)
        # "not validated" is the maintainer's to hear at inspect and build, not a fault of the package
        facts = dataclasses.replace(facts, findings=tuple(f for f in facts.findings if f.tag not in BUILD_ONLY_TAGS))
        extra = tuple(risk.assess(facts, model_dir))
        return dataclasses.replace(facts, findings=facts.findings + extra) if extra else facts
    except MLModelError as exc:
        artifact = Artifact(path=target, relpath=rel, size=member.size, format="other", role=role_for_name(rel))
        return ArtifactFacts(artifact=artifact, findings=(Finding("malformed-model-file", "error", exc.reason, rel),))


def _inspect_spool(stream: IO[bytes], member: Member, model: str, rel: str, workdir: Path) -> ShippedFile:
    """One model file: spooled alone to the work directory, inspected, deleted."""
    utf8 = _Utf8Check() if _wants_utf8(rel) else None
    target = workdir / model / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        digest, partial, _ = _spool(stream, member, target, utf8)
        facts = _inspect(target, rel, member, workdir / model)
    finally:
        target.unlink(missing_ok=True)
    return ShippedFile(member, digest, model, facts, utf8.error if utf8 else "", partial)


def _scan_outside(target: Path, member: Member) -> ArtifactFacts:
    """What a file outside the model root is (detect) and what the risk stage's pickle scanner finds in it."""
    try:
        artifact = detect(target, member.path)
    except MLModelError as exc:
        artifact = Artifact(path=target, relpath=member.path, size=member.size, format="other", role="")
        return ArtifactFacts(artifact=artifact, findings=(Finding("file-unreadable", "error", exc.reason,
                                                                  member.path),))
    # Scanned even from a header-only spool: bytes that pass for a safetensors length and `{` can
    # also start a pickle (`\x80\x02U\x05` + 4 zero bytes + `{`…), and what a pickle loader would
    # read past the spooled header is zeros here, which no walk gets through: it fails closed.
    return ArtifactFacts(artifact=artifact, findings=tuple(risk.scan_file(target, member.path)))


def _outside_spool(stream: IO[bytes], member: Member, workdir: Path, keep: bool) -> tuple[ShippedFile, bytes | None]:
    """A file outside usr/share/mlmodel/<model>/: spooled to one fixed name, scanned, deleted."""
    target = workdir / OUTSIDE_SPOOL
    try:
        digest, partial, data = _spool(stream, member, target, None, keep)
        facts = _scan_outside(target, member)
    finally:
        target.unlink(missing_ok=True)
    return ShippedFile(member, digest, "", facts, "", partial), data


def _text(data: bytes | None, path: str) -> str | None:
    if data is None:
        return None
    if path.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None
        if len(data) > SMALL_FILE_LIMIT:
            return None
    return data.decode("utf-8", "replace")


def _record(data: bytes | None) -> Any:
    if data is None:
        return f"bigger than {SMALL_FILE_LIMIT} bytes"
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"not JSON: {str(exc)[:120]}"
    return value if isinstance(value, dict) else "not a JSON object"


def _is_card(path: str, package: str) -> bool:
    doc = f"usr/share/doc/{package}/"
    if not path.startswith(doc):
        return False
    base = path[len(doc):].lower().removesuffix(".gz")
    return base in CARD_NAMES


def scan_deb(path: Path) -> PackageScan:
    """Read a .deb once: its control fields, and every data member hashed and sorted out."""
    control = read_control(path)
    pkg = control.package
    members: dict[str, Member] = {}
    files: dict[str, ShippedFile] = {}
    records: dict[str, Any] = {}
    copyright_text = overrides = None
    cards: dict[str, str] = {}
    limit = ""
    with tempfile.TemporaryDirectory(prefix="mlmodel-lint-") as tmp, closing(iter_data(path)) as data:
        try:
            for member, stream in data:
                members[member.path] = member
                if stream is None:
                    continue
                located = model_of(member.path)
                if located is not None:
                    files[member.path] = _inspect_spool(stream, member, located[0], located[1], Path(tmp))
                    continue
                keep = (is_record(member.path, pkg) or member.path == f"usr/share/doc/{pkg}/copyright"
                        or member.path.removesuffix(".gz") == OVERRIDES_DIR + pkg or _is_card(member.path, pkg))
                files[member.path], data_kept = _outside_spool(stream, member, Path(tmp), keep)
                if is_record(member.path, pkg):
                    records[member.path] = _record(data_kept)
                elif member.path == f"usr/share/doc/{pkg}/copyright":
                    copyright_text = _text(data_kept, member.path)
                elif member.path.removesuffix(".gz") == OVERRIDES_DIR + pkg:
                    overrides = _text(data_kept, member.path)
                elif keep and (text := _text(data_kept, member.path)) is not None:
                    cards[member.path] = text
        except DataLimit as exc:
            limit = exc.note
    return PackageScan(path, control, members, files, records, copyright_text, overrides, cards, limit)


__all__ = ["PackageScan", "ShippedFile", "scan_deb", "model_of", "is_record", "LintInputError"]
