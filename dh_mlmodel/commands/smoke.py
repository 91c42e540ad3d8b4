"""`mlmodel smoke [--root DIR] PACKAGE…`: load each installed model with Debian's runtime and run it once."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..smoke import smoke_packages

HELP = "load each installed model with its Debian runtime and run one forward pass (for autopkgtest)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=Path("/"), help="the system root (default: /)")
    p.add_argument("packages", nargs="+", metavar="PACKAGE")


def run(args: argparse.Namespace) -> int:
    """0: every model ran; 1: one failed; 77: none failed, one was skipped (runtime missing); 2: no record."""
    lines, code = smoke_packages(args.root, args.packages)
    for line in lines:
        print(line, flush=True)
    return code
