"""`mlmodel autopkgtest [--update] [SOURCE_DIR]`: a debian/tests/control paragraph that verifies the install."""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import pipeline
from ..bootstrap.render import environment, templates_dir
from ..debhelper import read_control
from ..deliver import split
from ._output import print_or_write

HELP = "write a debian/tests/control paragraph checking the installed model files"
MARK = "# mlmodel autopkgtest:"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="merge into debian/tests/control")
    p.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR")


def model_packages(source_dir: Path) -> list[str]:
    """The binary packages that receive model files, in debian/control order."""
    control = read_control(source_dir / "debian/control")
    tree = pipeline.analyse(source_dir)
    infos = [split.PackageInfo(b.name, b.arch_all) for b in control.binaries]
    overrides = dict(getattr(tree.declaration, "packages", {}) or {})
    used = {p.package for m in tree.models
            for p in split.assign(m.name, [(f.artifact.relpath, f.artifact.role, f.artifact.format) for f in m.files],
                                  infos, overrides)}
    return [b.name for b in control.binaries if b.name in used]


def merge(existing: str, paragraph: str) -> str:
    """EXISTING without our previous paragraph, then ours; other paragraphs kept as written."""
    kept = [p for p in existing.split("\n\n") if p.strip() and not p.lstrip().startswith(MARK)]
    return "\n\n".join([*(p.strip("\n") for p in kept), paragraph.strip("\n")]) + "\n"


def run(args: argparse.Namespace) -> int:
    packages = model_packages(args.source_dir)
    paragraph = environment(templates_dir()).get_template("autopkgtest/control.j2").render(packages=packages)
    path = args.source_dir / "debian/tests/control"
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    merged = merge(existing or "", paragraph)
    return print_or_write(path, existing, merged, args.update, f"checks {', '.join(packages)}")
