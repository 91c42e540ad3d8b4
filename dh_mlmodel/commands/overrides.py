"""`mlmodel overrides [--update] [SOURCE_DIR]`: source lintian overrides for weight files."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import pipeline
from ..debhelper import atomic_write_text, lintian_supports_brackets
from ..deliver import overrides

HELP = "write debian/source/lintian-overrides for source tags that fire on model files"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="merge into debian/source/lintian-overrides")
    p.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR")


def run(args: argparse.Namespace) -> int:
    tree = pipeline.analyse(args.source_dir)
    paths = [(m.directory / f.artifact.relpath).as_posix().removeprefix("./") for m in tree.models for f in m.files]
    generated = overrides.source_overrides(args.source_dir, paths, lintian_supports_brackets())
    path = args.source_dir / "debian/source/lintian-overrides"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    merged = overrides.merge_overrides(existing, generated)
    if not args.update:
        sys.stdout.write(merged)
        return 0
    if merged == existing:
        print(f"{path}: unchanged")
        return 0
    if not merged.strip():
        path.unlink(missing_ok=True)
        print(f"{path}: removed (nothing to override)")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, merged)
    print(f"{path}: {len(generated)} override(s) for model files")
    return 0
