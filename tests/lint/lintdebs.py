"""Hand-made .deb files for the lint tests: real packages built with `dpkg-deb --build`.

`DebSpec` describes the package's control fields and files; `record_for`
writes the per-package record dh_mlmodel would have written (spec §1), with
the real sha256 of the files, so a test changes only what it means to.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
DEMO = TOP / "examples" / "demo"
MODEL_DIR = "usr/share/mlmodel/demo-embed"
SAFETENSORS = (DEMO / "model" / "model.safetensors").read_bytes()
CONFIG = (DEMO / "model" / "config.json").read_bytes()
TOKENIZER = (DEMO / "model" / "tokenizer.json").read_bytes()
CARD = (DEMO / "model" / "README.md").read_bytes()
COPYRIGHT = (DEMO / "debian" / "copyright").read_bytes()

needs_dpkg_deb = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed")

FREE_INPUTS = {"L": "free", "license": "CC0-1.0", "license_source": "declaration", "D": "free-available",
               "DI": True, "C": "free", "C_nonfree_toolchain": False, "R": "rebuilt", "B": [], "G": False}


@dataclass
class DebSpec:
    package: str = "demo-embed"
    architecture: str = "all"
    section: str = "science"
    source: str = "demo-embed"
    files: dict[str, bytes] = field(default_factory=dict)  # path in the package -> bytes
    modes: dict[str, int] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    compression: str = "gzip"  # fast to build; test_cli covers xz, zstd and none


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_for(spec: DebSpec, model: str = "demo-embed", *, listed: dict[str, str] | None = None, **fields) -> bytes:
    """The record for the files of `spec` (path -> source path in `listed`, default: all model files)."""
    if listed is None:
        listed = {p: "model/" + p.split("/", 4)[4] for p in spec.files
                  if p.startswith(f"usr/share/mlmodel/{model}/") and "/.mlmodel/" not in p}
    record = {"format": 1, "model": model, "package": spec.package, "category": "free", "section": "main",
              "profile": "ml-policy", "rule": 6, "reasons": ["test"], "inputs": dict(FREE_INPUTS), "findings": [],
              "files": [{"path": p, "source": src, "role": "weights" if p.endswith(".safetensors") else "config",
                         "format": "other", "size": len(spec.files[p]), "sha256": sha256(spec.files[p])}
                        for p, src in sorted(listed.items()) if p in spec.files]}
    record.update(fields)
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()


def demo_spec(**kw) -> DebSpec:
    """The demo's weights package, as dh_mlmodel builds it, with a record."""
    spec = DebSpec(**kw)
    spec.files.setdefault(f"{MODEL_DIR}/model.safetensors", SAFETENSORS)
    spec.files.setdefault(f"{MODEL_DIR}/config.json", CONFIG)
    spec.files.setdefault(f"usr/share/doc/{spec.package}/copyright", COPYRIGHT)
    return spec


def with_record(spec: DebSpec, model: str = "demo-embed", **fields) -> DebSpec:
    spec.files[f"usr/share/mlmodel/{model}/.mlmodel/{spec.package}.json"] = record_for(spec, model, **fields)
    return spec


def build_deb(spec: DebSpec, dest: Path) -> Path:
    root = dest / f"{spec.package}-root"
    shutil.rmtree(root, ignore_errors=True)
    (root / "DEBIAN").mkdir(parents=True)
    control = (f"Package: {spec.package}\nVersion: 1.0\nArchitecture: {spec.architecture}\n"
               f"Maintainer: Test <test@example.org>\nSection: {spec.section}\nPriority: optional\n"
               + (f"Source: {spec.source}\n" if spec.source != spec.package else "")
               + "Description: lint test package\n test\n")
    (root / "DEBIAN" / "control").write_text(control)
    for path, data in spec.files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, spec.modes.get(path, 0o644))
    for path, link in spec.symlinks.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(link, root / path)
    deb = dest / f"{spec.package}_1.0_{spec.architecture}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{spec.compression}", "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    shutil.rmtree(root)
    return deb


def lint(*paths: Path, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The command line, as users run it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(TOP)
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "lint", *args, *map(str, paths)],
                          capture_output=True, text=True, env=env)


def hints(*paths: Path) -> list[dict]:
    """The hints of `mlmodel lint --json`, computed in this process (the CLI tests run the command)."""
    from dh_mlmodel.lint import run_lint
    from dh_mlmodel.lint.output import json_document

    result = run_lint(list(paths))
    assert result.errors == []
    doc = json.loads(json.dumps(json_document(result.groups, result.errors, "pedantic")))
    return [h for g in doc["groups"] for h in g["hints"]]


def tags(*paths: Path) -> set[str]:
    return {h["tag"] for h in hints(*paths) if "override" not in h}


def write_changes(path: Path, files: list[Path], source: str = "demo-embed") -> Path:
    """A .changes listing `files` with their real sizes and md5/sha1/sha256 sums (as dpkg-genchanges writes them)."""
    fields = {"Files": ("md5", " {} {} science optional {}"), "Checksums-Sha1": ("sha1", " {} {} {}"),
              "Checksums-Sha256": ("sha256", " {} {} {}")}
    text = f"Format: 1.8\nSource: {source}\nBinary: {' '.join(sorted({f.name.split('_')[0] for f in files}))}\n" \
           "Version: 1.0\nDistribution: unstable\n"
    for name, (algo, line) in fields.items():
        text += f"{name}:\n" + "".join(line.format(hashlib.new(algo, f.read_bytes()).hexdigest(), f.stat().st_size,
                                                   f.name) + "\n" for f in files)
    path.write_text(text)
    return path


def raw_deb(dest: Path, package: str, data_tar: bytes, name: str = "data.tar") -> Path:
    """A .deb assembled by hand (ar + control.tar + the given data.tar): dpkg-deb --build refuses hostile members."""
    import io
    import tarfile

    control = f"Package: {package}\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\n" \
              "Section: science\nDescription: hand-made\n x\n".encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("./control")
        info.size = len(control)
        tar.addfile(info, io.BytesIO(control))
    work = dest / f"{package}-ar"
    work.mkdir(parents=True, exist_ok=True)
    (work / "debian-binary").write_text("2.0\n")
    (work / "control.tar").write_bytes(buf.getvalue())
    (work / name).write_bytes(data_tar)
    deb = dest / f"{package}_1.0_all.deb"
    subprocess.run(["ar", "rc", str(deb), "debian-binary", "control.tar", name], cwd=work, check=True)
    shutil.rmtree(work)
    return deb


def tar_of(entries: list[tuple[str, bytes | None, str]]) -> bytes:
    """A data.tar of (name, bytes, hard link target) entries, names exactly as given (no normalising)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data, link in entries:
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            if link:
                info.type, info.linkname = tarfile.LNKTYPE, link
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
