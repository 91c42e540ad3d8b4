"""`mlmodel list [--json]`: every model installed from packages, from their records."""
from __future__ import annotations

import argparse
import json

from ..installed import installed_models
from ._installed import add_root, root_of, shown

HELP = "list the models installed from packages (Hub id, packages, formats, size, licence, verdict)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_root(p)
    p.add_argument("--json", action="store_true", help="a JSON list, one object per model")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    facts = [m.facts(root) for _, m in sorted(installed_models(root).items())]
    if args.json:
        print(json.dumps(facts, indent=2, sort_keys=True))
        return 0
    for f in facts:
        print(shown(f"{f['name']}  {f['hub-id'] or '-'}  {','.join(f['formats']) or '-'}  {_size(f['size'])}  "
              f"{f['license'] or '?'}  {f['category']}/{f['section'] or 'reject'} ({f['profile']})  "
              f"{' '.join(f['packages'])}"))
    return 0
