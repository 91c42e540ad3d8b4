"""`mlmodel overrides [--update] [SOURCE_DIR]`: source lintian overrides for weight files."""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import pipeline
from ..debhelper import lintian_supports_brackets
from ..deliver import overrides
from ..model import MLModelError
from ._output import print_or_write

HELP = "write debian/source/lintian-overrides for source tags that fire on model files"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="merge into debian/source/lintian-overrides")
    p.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR")


def run(args: argparse.Namespace) -> int:
    if args.update and not (args.source_dir / "debian").is_dir():
        # Writing debian/source/ into a tree that is not a package yet would hide a wrong SOURCE_DIR.
        raise MLModelError(args.source_dir, "no debian/ directory (run `mlmodel init` first, or give the source tree)")
    tree = pipeline.analyse(args.source_dir)
    paths = [(m.directory / f.artifact.relpath).as_posix().removeprefix("./") for m in tree.models for f in m.files]
    generated = overrides.source_overrides(args.source_dir, paths, lintian_supports_brackets())
    path = args.source_dir / "debian/source/lintian-overrides"
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    merged = overrides.merge_overrides(existing or "", generated)
    return print_or_write(path, existing, merged, args.update, f"{len(generated)} override(s) for model files")
