"""`mlmodel autopkgtest [--update] [SOURCE_DIR]`: debian/tests/control paragraphs verifying and smoke-testing.

Our paragraphs start with MARK; `--update` replaces them and keeps every other paragraph as written.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import pipeline
from ..bootstrap.render import environment, templates_dir
from ..debhelper import read_control
from .. import smoke
from ..deliver import split
from ._output import print_or_write

HELP = "write debian/tests/control paragraphs checking and smoke-testing the installed model files"
MARK = "# mlmodel autopkgtest:"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="merge into debian/tests/control")
    p.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR")


def _placements(source_dir: Path) -> tuple[list[str], list]:
    """(the binary packages in debian/control order, every model file's placement)."""
    control = read_control(source_dir / "debian/control")
    tree = pipeline.analyse(source_dir)
    infos = [split.PackageInfo(b.name, b.arch_all) for b in control.binaries]
    overrides = dict(getattr(tree.declaration, "packages", {}) or {})
    placements = [p for m in tree.models
                  for p in split.assign(m.name, [(f.artifact.relpath, f.artifact.role, f.artifact.format)
                                                 for f in m.files], infos, overrides)]
    return [b.name for b in control.binaries], placements


def model_packages(source_dir: Path) -> list[str]:
    """The binary packages that receive model files, in debian/control order."""
    return _targets(*_placements(source_dir))[0]


def _targets(order: list[str], placements: list) -> tuple[list[str], list[str], list[str]]:
    """(packages with model files; those with weights `mlmodel smoke` loads; their runtime packages)."""
    runnable = [p for p in placements if p.role == "weights" and p.format in smoke.RUNNERS]
    used, loadable = {p.package for p in placements}, {p.package for p in runnable}
    return ([n for n in order if n in used], [n for n in order if n in loadable],
            smoke.runtime_packages(p.format for p in runnable))


def merge(existing: str, paragraph: str) -> str:
    """EXISTING without our previous paragraph, then ours; other paragraphs kept as written."""
    kept = [p for p in existing.split("\n\n") if p.strip() and not p.lstrip().startswith(MARK)]
    return "\n\n".join([*(p.strip("\n") for p in kept), paragraph.strip("\n")]) + "\n"


def paragraphs(source_dir: Path) -> tuple[str, list[str]]:
    """Our paragraphs (verify, then smoke where a package has weights it can load) and a summary."""
    env = environment(templates_dir())
    packages, loadable, runtimes = _targets(*_placements(source_dir))
    text = env.get_template("autopkgtest/control.j2").render(packages=packages)
    summary = [f"checks {', '.join(packages)}"]
    if loadable:
        text = text.rstrip("\n") + "\n\n" + env.get_template("autopkgtest/smoke.j2").render(
            packages=loadable, runtimes=runtimes)
        summary.append(f"smoke-tests {', '.join(loadable)}")
    return text, summary


def run(args: argparse.Namespace) -> int:
    text, summary = paragraphs(args.source_dir)
    path = args.source_dir / "debian/tests/control"
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    merged = merge(existing or "", text)
    return print_or_write(path, existing, merged, args.update, "; ".join(summary))
