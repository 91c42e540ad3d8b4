"""`mlmodel copyright [--update] [SOURCE_DIR]`: DEP-5 stanzas for the model files."""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ..deliver import copyright as dep5gen
from .. import pipeline
from ._output import print_or_write

HELP = "write DEP-5 Files: stanzas for the model files into debian/copyright"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="merge into debian/copyright (written atomically)")
    p.add_argument("--policy", choices=pipeline.PROFILES, help="policy profile (default: the declaration's)")
    p.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR")


def run(args: argparse.Namespace) -> int:
    tree = pipeline.analyse(args.source_dir, policy=args.policy, require_declaration=True, identify_texts=True)
    models = [_with_evidence(_with_training_notices(
        dep5gen.model_copyright(m.decl, m.directory.as_posix(), [f.artifact.relpath for f in m.files],
                                m.verdict, m.settled_license, args.source_dir / m.directory), m), m)
              for m in tree.models]
    path = args.source_dir / "debian/copyright"
    existing = dep5gen.read_text_exact(path)
    upstream = next((m.decl.upstream.url for m in tree.models if m.decl.upstream.url), None)
    merged = dep5gen.merge_copyright(existing, models, dep5gen.header_stanza(tree.source_name, upstream))
    dep5gen.check_parses(merged, path)
    return print_or_write(path, existing, merged, args.update, f"{len(models)} model stanza(s)")


def _with_evidence(stanza: dep5gen.ModelCopyright, m) -> dep5gen.ModelCopyright:
    """While the licence is a TODO, the comment says what each source says (none of them is used yet)."""
    if m.settled_license is not None or not m.license_evidence:
        return stanza
    lines = ["TODO: declare license: in debian/mlmodel.yaml; what the sources say (none decides alone):"]
    lines += [f"  {e.line()}" for e in m.license_evidence]
    return dataclasses.replace(stanza, comment=stanza.comment + tuple(lines))


def _with_training_notices(stanza: dep5gen.ModelCopyright, m) -> dep5gen.ModelCopyright:
    """The stanza's comment with the training inputs' notices proposed from the declaration."""
    return dataclasses.replace(stanza, comment=stanza.comment + tuple(dep5gen.training_notice_lines(m.decl, m.verdict)))
