"""`mlmodel verify [--root DIR] PACKAGE…`: installed model files against their records."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..verify_installed import verify_package

HELP = "check installed model files against their package records (for autopkgtest)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=Path("/"), help="the system root (default: /)")
    p.add_argument("packages", nargs="+", metavar="PACKAGE")


def run(args: argparse.Namespace) -> int:
    failed = False
    for package in args.packages:
        checked, problems = verify_package(args.root, package)
        for problem in problems:
            print(f"{package}: {problem}")
        print(f"{package}: {checked} file(s) checked, {len(problems)} problem(s)")
        failed = failed or bool(problems)
    return 1 if failed else 0
