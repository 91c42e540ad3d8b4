"""`mlmodel show NAME`: one installed model's facts and files."""
from __future__ import annotations

import argparse
import json

from ._installed import add_root, find_model, root_of, shown

HELP = "show one installed model (by name or Hub id): its facts and files"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_root(p)
    p.add_argument("--json", action="store_true", help="the facts and the file list as JSON")
    p.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    model = find_model(root, args.name)
    facts = model.facts(root)
    files = [{k: f.get(k) for k in ("path", "package", "role", "format", "size", "sha256")} for f in model.files]
    if args.json:
        print(json.dumps(dict(facts, files=files), indent=2, sort_keys=True))
        return 0
    for key in ("name", "hub-id", "revision", "hub-view", "path", "packages", "formats", "size", "license",
                "category", "section", "profile"):
        value = facts[key]
        print(shown(f"{key}: {' '.join(value) if isinstance(value, list) else value}"))
    print("files:")
    for f in files:
        print(shown(f"  /{f['path']}  {f['package']}  {f['role']}  {f['format']}  {f['size']}"))
    return 0
