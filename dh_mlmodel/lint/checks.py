"""lint checks: hints about the packages of one input set.

Each check reads the scans (dh_mlmodel.lint.scan) and returns Hints; a Hint
names a tag of dh_mlmodel/lint/tags/, the package, and lintian's context: a
free note and a pointer (the path inside the package, shown in brackets).
The findings of the pipeline's own stages (describe, risk, provenance) keep
their tag names, so a finding dh_mlmodel reported at build time comes back
under the same name here.
"""
from __future__ import annotations

import io
import posixpath
import warnings
from dataclasses import dataclass
from typing import Iterable, Iterator

from debian import copyright as dep5

from .. import licenses
from ..risk.containers import PICKLE_FAMILY_TAG
from ..formats import lfs, modelcard
from ..model import Finding, Verdict
from ..policy import SECTION_RANK, area_of, section_findings
from .inputs import InputSet, SourceInput
from .scan import MODEL_ROOT, PackageScan, ShippedFile, model_of

VCS_NAMES = frozenset({".git", ".gitattributes", ".gitignore", ".gitmodules", ".gitkeep", ".hg", ".hgignore",
                       ".hgtags", ".svn", ".bzr", ".bzrignore", "CVS", ".cvsignore"})
# Stage findings lint recomputes from the package's file list, because the
# stage looked at a spooled copy without its neighbours.
RECOMPUTED = frozenset({"onnx-external-data-missing", "onnx-external-data-symlink", "onnx-external-data-outside-model",
                        "safetensors-index-missing-shard", "safetensors-index-unreadable-shard"})
# A package holding only these is empty (dh_installdocs / dh_lintian boilerplate).
BOILERPLATE = ("copyright", "changelog.gz", "changelog.Debian.gz", "NEWS.Debian.gz", "README.Debian")
SPLIT_SUFFIXES = ("-tokenizer", "-doc", "-weights", "-config", "-data")
# Tags of the pickle scanner (risk/containers.py), whose member is a path inside a zip, tar or
# compressed stream; other stages' members (a JSON key, a GGUF key) stay in the note only.
CONTAINER_TAG_PREFIXES = ("pickle-", "archive-", "numpy-", "torchscript-", "compressed-")


@dataclass(frozen=True)
class Hint:
    tag: str
    package: str
    type: str = "binary"  # binary | source
    note: str = ""
    pointer: str = ""
    severity: str = ""  # the stage's severity, used only for a tag without a tag file

    @property
    def context(self) -> str:
        parts = [self.note] if self.note else []
        if self.pointer:
            parts.append(f"[{self.pointer}]")
        return " ".join(parts)


@dataclass(frozen=True)
class InputGroup:
    """What was read of one input set: binary scans and sources."""

    origin: str
    packages: tuple[PackageScan, ...]
    sources: tuple[SourceInput, ...]
    changes: InputSet | None = None  # the .changes read, when the set is one


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- per package -------------------------------------------------------------------

def _records(scan: PackageScan) -> Iterator[tuple[str, dict]]:
    for path, record in sorted(scan.records.items()):
        if isinstance(record, dict):
            yield path, record


def _accepted(scan: PackageScan) -> set[tuple[str, str, str]]:
    """(model/relpath, callable, tag) the maintainer accepted in debian/mlmodel.yaml."""
    out = set()
    for _, record in _records(scan):
        for entry in record.get("accepted", []) or []:
            if isinstance(entry, dict):
                out.add((f"{record.get('model')}/{entry.get('file')}", str(entry.get("callable")), str(entry.get("tag"))))
    return out


def stage_findings(scan: PackageScan) -> list[Hint]:
    """The describe and risk findings of every inspected model file, under their own tags."""
    from ..risk import finding_callable

    accepted = _accepted(scan)
    out = []
    for path, shipped in sorted(scan.files.items()):
        if shipped.facts is None:
            continue
        for f in shipped.facts.findings:
            if f.tag in RECOMPUTED:
                continue
            if shipped.utf8_error and f.tag == "malformed-model-file" and "UTF-8" in f.message:
                continue  # reported as mlmodel-tokenizer-not-utf8
            if (f"{shipped.model}/{f.path}", finding_callable(f) or "", f.tag) in accepted:
                continue
            note = f"{f.member}: {f.message}" if f.member and f.member not in f.message else f.message
            if shipped.partial and f.tag == "malformed-model-file":
                note += " (header-only read)"
            # the member inside a container (usr/…/model.pt:archive/data.pkl) says where the pickle is
            pointer = f"{path}:{f.member}" if f.member and f.tag.startswith(CONTAINER_TAG_PREFIXES) else path
            out.append(Hint(f.tag, scan.package, note=_one_line(note), pointer=pointer, severity=f.severity))
    return out


def member_checks(scan: PackageScan) -> list[Hint]:
    """Member names dpkg must not be handed, members lint cannot read as files, and a scan cut short."""
    out = []
    for path, member in sorted(scan.members.items()):
        link = member.linkname if member.kind == "hardlink" else ""
        for what, name in (("member", path), ("hard link target", link)):
            why = _unsafe_name(name)
            if why:  # the member's own name is the pointer; a link target is shown in the note
                note = f"{what} {why}" + (f": {name!r}" if name != path else "")
                out.append(Hint("mlmodel-unsafe-member-path", scan.package, note=_one_line(note),
                                pointer=_one_line(path)))
        if member.kind == "sparse":
            out.append(Hint("mlmodel-unsupported-member-type", scan.package, pointer=_one_line(path),
                            note="GNU/PAX sparse file (its holes are not read; dpkg does not unpack it)"))
    if scan.limit:
        out.append(Hint("mlmodel-data-limit-exceeded", scan.package, note=_one_line(scan.limit)))
    return out


def _unsafe_name(name: str) -> str:
    if name.startswith("/"):
        return "is absolute"
    if ".." in name.split("/"):
        return "has a '..' component"
    return ""


def outside_model_root(scan: PackageScan) -> list[Hint]:
    """Pickles and model files anywhere but usr/share/mlmodel/<model>/, where dh_mlmodel checked them."""
    out = []
    for path, shipped in sorted(scan.files.items()):
        if not shipped.outside or shipped.facts is None:
            continue
        a = shipped.facts.artifact
        pickles = any(f.tag == PICKLE_FAMILY_TAG for f in shipped.facts.findings)
        if a.role == "weights" or pickles:
            what = f"{a.format} model file" if a.role == "weights" and a.format != "other" else "model file"
            out.append(Hint("mlmodel-model-file-outside-model-root", scan.package, pointer=_one_line(path),
                            note="pickle data" if pickles and a.role != "weights" else what))
    return out


def file_checks(scan: PackageScan) -> list[Hint]:
    out = []
    for path, shipped in sorted(scan.files.items()):
        located = model_of(path)
        if located is None:
            continue
        facts = shipped.facts
        if shipped.member.mode & 0o111:
            out.append(Hint("mlmodel-executable-model-file", scan.package, note=f"{shipped.member.mode & 0o7777:04o}",
                            pointer=path))
        if shipped.utf8_error:
            out.append(Hint("mlmodel-tokenizer-not-utf8", scan.package, note=shipped.utf8_error, pointer=path))
        if facts is not None:
            out.extend(_onnx_external(scan, shipped, path))
            out.extend(_index_shards(scan, shipped, path))
    out.extend(_vcs(scan))
    out.extend(_arch_any(scan))
    return out


def _vcs(scan: PackageScan) -> list[Hint]:
    out = []
    for path in sorted(scan.members):
        if not path.startswith(MODEL_ROOT):
            continue
        parts = path.split("/")
        hit = next((i for i, p in enumerate(parts) if p in VCS_NAMES), None)
        if hit == len(parts) - 1:  # report a VCS directory once, not every file in it
            out.append(Hint("mlmodel-vcs-file", scan.package, pointer=path))
    return out


def _arch_any(scan: PackageScan) -> list[Hint]:
    if scan.control.architecture == "all":
        return []
    weights = [p for p, f in sorted(scan.files.items()) if f.facts is not None and f.facts.artifact.role == "weights"]
    return [Hint("mlmodel-weights-in-arch-any-package", scan.package, note=f"Architecture: {scan.control.architecture}",
                 pointer=p) for p in weights]


def _onnx_external(scan: PackageScan, shipped: ShippedFile, path: str) -> list[Hint]:
    locations = shipped.facts.metadata.get("external_data") if shipped.facts else None
    if not isinstance(locations, list):
        return []
    model_dir = MODEL_ROOT + shipped.model
    out = []
    for loc in locations:
        if not isinstance(loc, str):
            continue
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), loc))
        if loc.startswith("/") or not joined.startswith(model_dir + "/"):
            out.append(Hint("onnx-external-data-outside-model", scan.package, note=_one_line(repr(loc)), pointer=path))
            continue
        member = scan.members.get(joined)
        if member is not None and member.kind == "symlink":
            out.append(Hint("onnx-external-data-symlink", scan.package, note=_one_line(repr(loc)), pointer=path))
        elif member is None or member.kind not in ("file", "hardlink"):
            out.append(Hint("onnx-external-data-missing", scan.package, note=_one_line(repr(loc)), pointer=path))
    return out


def _index_shards(scan: PackageScan, shipped: ShippedFile, path: str) -> list[Hint]:
    """A sharded checkpoint's index names shards; each must be in the same package."""
    shards = shipped.facts.metadata.get("shards") if shipped.facts.artifact.format == "safetensors-index" else None
    if not isinstance(shards, list):
        return []
    out = []
    for shard in shards:
        if not isinstance(shard, str) or any(f.tag == "safetensors-index-unsafe-shard-name" and f.member == shard
                                             for f in shipped.facts.findings):
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), shard))
        member = scan.members.get(target)
        if member is None or member.kind not in ("file", "hardlink"):
            out.append(Hint("safetensors-index-missing-shard", scan.package, note=_one_line(repr(shard)), pointer=path))
    return out


# -- records ---------------------------------------------------------------------

def record_checks(scan: PackageScan) -> list[Hint]:
    pkg = scan.package
    out = []
    for path, record in sorted(scan.records.items()):
        if not isinstance(record, dict):
            out.append(Hint("mlmodel-record-malformed", pkg, note=record, pointer=path))
            continue
        model = path.split("/")[3]
        if record.get("package") != pkg or record.get("model") != model or not isinstance(record.get("files"), list):
            out.append(Hint("mlmodel-record-malformed", pkg, pointer=path,
                            note=f"names package {record.get('package')!r} and model {record.get('model')!r}"))
            continue
        out.extend(_listed_files(scan, path, record))
    models_with_files = sorted({model_of(p)[0] for p in scan.files if model_of(p)})
    for model in models_with_files:
        expected = f"{MODEL_ROOT}{model}/.mlmodel/{pkg}.json"
        if expected not in scan.records:
            out.append(Hint("mlmodel-record-missing", pkg, pointer=expected))
    listed = {f.get("path") for _, r in _records(scan) for f in r.get("files", []) if isinstance(f, dict)}
    for path in sorted(scan.files):
        located = model_of(path)
        if located and f"{MODEL_ROOT}{located[0]}/.mlmodel/{pkg}.json" in scan.records and path not in listed:
            out.append(Hint("mlmodel-file-not-in-record", pkg, pointer=path))
    return out


def _listed_files(scan: PackageScan, record_path: str, record: dict) -> list[Hint]:
    out = []
    for entry in record["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            out.append(Hint("mlmodel-record-malformed", scan.package, note="a files entry has no path",
                            pointer=record_path))
            continue
        shipped = scan.files.get(entry["path"])
        if shipped is None:
            if entry["path"] + ".gz" in scan.files:
                continue  # dh_compress compressed a doc file after dh_mlmodel recorded it
            out.append(Hint("mlmodel-record-lists-missing-file", scan.package, pointer=entry["path"]))
        elif entry.get("sha256") and shipped.sha256 != entry["sha256"]:
            out.append(Hint("mlmodel-file-checksum-mismatch", scan.package, pointer=entry["path"],
                            note=f"sha256 {shipped.sha256[:16]}… recorded {str(entry['sha256'])[:16]}…"))
    return out


def policy_checks(scan: PackageScan) -> list[Hint]:
    """Section against category, licence status, training data: from each record's verdict."""
    pkg, section = scan.package, scan.control.section
    area = area_of(section)
    out = []
    for path, record in _records(scan):
        category = record.get("category")
        inputs = record.get("inputs") if isinstance(record.get("inputs"), dict) else {}
        if category in ("free", "toxic-candy", "non-free", "reject"):
            verdict = Verdict(model=str(record.get("model")), category=category, section=record.get("section"),
                              profile=str(record.get("profile")), rule=record.get("rule") or 0,
                              reasons=tuple(record.get("reasons") or ()))
            for f in section_findings(verdict, {pkg: section}):
                out.append(Hint(f.tag, pkg, note=_one_line(f.message.removeprefix(f"{pkg}: ")), pointer=path))
        out.extend(_license_status(pkg, path, inputs, area))
        if inputs.get("D") == "undeclared":
            out.append(Hint("mlmodel-training-data-undeclared", pkg, pointer=path,
                            note=f"model {record.get('model')}"))
        for f in record.get("findings") or []:
            if isinstance(f, dict) and isinstance(f.get("tag"), str):
                out.append(Hint(f["tag"], pkg, note=_one_line(f.get("message", "")), pointer=path,
                                severity=str(f.get("severity", ""))))
    return out


def _license_status(pkg: str, path: str, inputs: dict, area: str) -> list[Hint]:
    if area not in SECTION_RANK or area == "non-free":
        return []
    status = inputs.get("L")
    expression = inputs.get("license")
    if status not in licenses.STATUSES and isinstance(expression, str):
        status = licenses.classify(expression).status
    shown = f"{expression or 'no licence'} in {area}"
    if status == licenses.NON_FREE:
        return [Hint("mlmodel-license-not-dfsg-free", pkg, note=shown, pointer=path)]
    if status == licenses.UNCLEAR:
        return [Hint("mlmodel-license-unclear", pkg, note=shown, pointer=path)]
    return []


def _same_license(a: str, b: str) -> bool:
    ca, cb = licenses.classify(a), licenses.classify(b)
    if ca.ids and cb.ids:
        return sorted(ca.ids) == sorted(cb.ids)
    return a.strip().lower() == b.strip().lower()


def license_conflicts(group: InputGroup) -> list[Hint]:
    """Card front matter and file metadata re-read against each record's licence.

    Skipped for a record that already carries the build-time licence findings.
    """
    cards = {path: text for scan in group.packages for path, text in scan.cards.items()}
    out = []
    for scan in group.packages:
        for path, record in _records(scan):
            declared = (record.get("inputs") or {}).get("license") if isinstance(record.get("inputs"), dict) else None
            if not isinstance(declared, str) or any(isinstance(f, dict) and f.get("tag") == "mlmodel-license-mismatch"
                                                   for f in record.get("findings") or []):
                continue
            for claim, where in _license_claims(scan, record, cards):
                if not _same_license(claim, declared):
                    out.append(Hint("mlmodel-license-mismatch", scan.package, pointer=where,
                                    note=_one_line(f"{claim} here, {declared} in the record")))
    return out


def _license_claims(scan: PackageScan, record: dict, cards: dict[str, str]) -> list[tuple[str, str]]:
    claims = []
    for entry in record.get("files", []):
        if not isinstance(entry, dict):
            continue
        path = entry.get("path", "")
        shipped = scan.files.get(path)
        meta = shipped.facts.metadata if shipped is not None and shipped.facts is not None else {}
        if isinstance(meta.get("license"), str):
            claims.append((meta["license"], path))
        text = cards.get(path, cards.get(path + ".gz"))
        if text is not None:
            card = modelcard.card_from_text(text)
            if card.license and card.license not in ("other", "unknown"):
                claims.append((card.license, path if path in cards else path + ".gz"))
    return claims


def copyright_checks(scan: PackageScan) -> list[Hint]:
    if scan.copyright is None or not scan.records:
        return []
    where = f"usr/share/doc/{scan.package}/copyright"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = dep5.Copyright(io.StringIO(scan.copyright), strict=False)
    except dep5.NotMachineReadableError:
        return [Hint("mlmodel-copyright-not-machine-readable", scan.package, pointer=where)]
    except (ValueError, dep5.Error) as exc:
        return [Hint("mlmodel-copyright-not-machine-readable", scan.package, pointer=where, note=_one_line(str(exc)))]
    from ..deliver.copyright import placeholders

    out = [Hint("mlmodel-copyright-placeholder", scan.package, pointer=where, note=_one_line(p))
           for p in placeholders(scan.copyright)]
    for _, record in _records(scan):
        for entry in record.get("files", []):
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, str) and source and parsed.find_files_paragraph(source) is None:
                out.append(Hint("mlmodel-copyright-stanza-missing", scan.package, note=source,
                                pointer=entry.get("path", "")))
    return out


# -- across the packages of one input set -----------------------------------------

def _signed_doc_copies(group: InputGroup) -> set[str]:
    """Model-directory copies of signed documentation (dh_mlmodel keeps them for `model_signing verify`)."""
    out = set()
    for scan in group.packages:
        for _, r in _records(scan):
            sig = r.get("signature")
            rels = sig.get("outside_model_dir") if isinstance(sig, dict) else None
            if isinstance(rels, list) and isinstance(r.get("model"), str):
                out.update(f"{MODEL_ROOT}{r['model']}/{rel}" for rel in rels if isinstance(rel, str))
    return out


def duplicate_files(group: InputGroup) -> list[Hint]:
    seen: dict[str, tuple[str, str]] = {}
    kept = _signed_doc_copies(group)
    out = []
    for scan in sorted(group.packages, key=lambda s: s.package):
        listed = {f.get("path") for _, r in _records(scan) for f in r.get("files", []) if isinstance(f, dict)}
        for path, shipped in sorted(scan.files.items()):
            if shipped.member.size == 0 or not (model_of(path) or path in listed):
                continue
            first = seen.setdefault(shipped.sha256, (scan.package, path))
            if first != (scan.package, path) and not {first[1], path} & kept:
                out.append(Hint("mlmodel-duplicate-file", scan.package, pointer=path,
                                note=f"same bytes as {first[0]}:{first[1]}" if first[0] != scan.package
                                else f"same bytes as {first[1]}"))
    return out


def empty_split_packages(group: InputGroup) -> list[Hint]:
    models = {r.get("model") for s in group.packages for _, r in _records(s) if isinstance(r.get("model"), str)}
    out = []
    for scan in group.packages:
        for path, record in _records(scan):
            if record.get("files") == []:
                out.append(Hint("mlmodel-empty-split-package", scan.package, note="the record lists no files",
                                pointer=path))
        if scan.records or not any(scan.package.startswith(m + "-") for m in models):
            continue
        if not scan.package.endswith(SPLIT_SUFFIXES):
            continue
        if not _content(scan):
            out.append(Hint("mlmodel-empty-split-package", scan.package,
                            note="no model files besides the copyright and changelog"))
    return out


def _content(scan: PackageScan) -> list[str]:
    doc = f"usr/share/doc/{scan.package}/"
    return [p for p in scan.files
            if not (p.startswith(doc) and p[len(doc):] in BOILERPLATE)
            and not p.startswith("usr/share/lintian/overrides/")]


def changes_checks(group: InputGroup) -> list[Hint]:
    """Entries of the .changes whose size or checksum is not the file's (a changed or swapped file)."""
    changes = group.changes
    if changes is None:
        return []
    return [Hint("mlmodel-changes-checksum-mismatch", changes.source, type="changes", note=_one_line(note),
                 pointer=_one_line(name)) for name, note in changes.mismatches]


def source_checks(source: SourceInput) -> list[Hint]:
    out = []
    for path, size, head in source.files:
        if size < lfs.MAX_POINTER_SIZE and lfs.parse_pointer(head):
            out.append(Hint("lfs-pointer-instead-of-model", source.source, type="source", pointer=path,
                            note="Git LFS pointer in the source"))
    return out


def training_notice_checks(scan: PackageScan) -> list[Hint]:
    """Under training-inputs-honoured, each training input the record lists has its notice in the copyright file."""
    from ..declaration import TRAINING_INPUTS_HONOURED
    from ..deliver.copyright import missing_training_notices

    out = []
    for path, record in _records(scan):
        inputs = record.get("inputs") if isinstance(record.get("inputs"), dict) else {}
        listed = inputs.get("training_inputs")
        if record.get("profile") != TRAINING_INPUTS_HONOURED or not isinstance(listed, list):
            continue
        datasets = [d for d in listed if isinstance(d, dict)]
        for problem in missing_training_notices(scan.copyright or "", datasets):
            out.append(Hint("mlmodel-training-input-notice-missing", scan.package, pointer=path,
                            note=_one_line(f"model {record.get('model')}: {problem}")))
    return out


PACKAGE_CHECKS = (stage_findings, member_checks, outside_model_root, file_checks, record_checks, policy_checks,
                  copyright_checks, training_notice_checks)
GROUP_CHECKS = (duplicate_files, empty_split_packages, license_conflicts, changes_checks)


def run_checks(group: InputGroup) -> list[Hint]:
    hints: list[Hint] = []
    for scan in group.packages:
        for check in PACKAGE_CHECKS:
            hints.extend(check(scan))
    for check in GROUP_CHECKS:
        hints.extend(check(group))
    for source in group.sources:
        hints.extend(source_checks(source))
    return _dedupe(hints)


def _dedupe(hints: Iterable[Hint]) -> list[Hint]:
    seen, out = set(), []
    for h in hints:
        if h not in seen:
            seen.add(h)
            out.append(h)
    return out


def finding_hint(f: Finding, package: str, pointer: str) -> Hint:
    """A stage Finding as a hint (for callers holding findings of their own)."""
    return Hint(f.tag, package, note=_one_line(f.message), pointer=pointer, severity=f.severity)


__all__ = ["Hint", "InputGroup", "run_checks", "finding_hint", "VCS_NAMES"]
