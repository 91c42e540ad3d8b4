"""`mlmodel path NAME [--format F]`: where an installed model is, for scripts."""
from __future__ import annotations

import argparse

from ..model import MLModelError
from ._installed import NotInstalled, add_root, find_model, root_of

HELP = "print an installed model's directory, or with --format its weight files of that format"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_root(p)
    p.add_argument("--format", metavar="F", help="print the weight files of this format (gguf, onnx, safetensors, …)")
    p.add_argument("--hub", action="store_true", help="print the Hub snapshot directory (needs a Hub view)")
    p.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    model = find_model(root, args.name)
    if args.hub:
        hub = model.hub
        if not hub:
            raise NotInstalled(args.name, "has no Hub view (its declaration names no upstream hub-id)")
        print(root / hub["view"].lstrip("/") / "snapshots" / hub["revision"])
        return 0
    if not args.format:
        print(root / model.facts(root)["path"].lstrip("/"))
        return 0
    paths = [f["path"] for f in model.files if f.get("role") == "weights" and f["format"] == args.format]
    if not paths:
        have = ", ".join(model.facts(root)["formats"]) or "none"
        raise MLModelError(args.name, f"has no {args.format} weights (formats: {have})")
    for p in paths:
        print(root / p)
    return 0
