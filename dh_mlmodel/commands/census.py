"""`mlmodel census --mirror URL|DIR --suite S [--component C]… [--arch A] [--json F] [--csv F] [--html F] [--cache DIR] [--jobs N]`."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..census import run_census
from ..census.output import summary, to_csv, to_html, to_json
from ..debhelper import atomic_write_text

HELP = "count the packages of a Debian mirror that ship trained models, and place each under every profile"
DEFAULT_CACHE = "~/.cache/dh-mlmodel/census"
EXIT_OK, EXIT_ERRORS = 0, 1


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"expected a number from 1 to 64, not {value!r}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mirror", required=True, metavar="URL|DIR",
                        help="an http(s) URL of a Debian mirror, or a directory laid out as one (dists/, pool/)")
    parser.add_argument("--suite", required=True, metavar="S", help="the suite (codename) under dists/, e.g. trixie")
    parser.add_argument("--component", action="append", metavar="C",
                        help="an archive area to read (repeatable; default main)")
    parser.add_argument("--arch", default="amd64", metavar="A",
                        help="the architecture whose Contents and Packages are read, with arch:all (default amd64)")
    parser.add_argument("--json", type=Path, metavar="F", help="write every row, file and verdict as JSON")
    parser.add_argument("--csv", type=Path, metavar="F", help="write one line per package as CSV")
    parser.add_argument("--html", type=Path, metavar="F", help="write the table of packages with models as HTML")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help=f"downloaded .debs and the state file of the last run (default {DEFAULT_CACHE})")
    parser.add_argument("--jobs", type=_jobs, default=4, metavar="N", help="downloads at a time (default 4)")


def _log(message: str) -> None:
    print(f"mlmodel census: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    cache = args.cache or Path(os.path.expanduser(DEFAULT_CACHE))
    result = run_census(args.mirror, args.suite, args.component or ["main"], args.arch, cache, args.jobs,
                        progress_stream=sys.stderr, log=_log)
    for target, text in ((args.json, lambda: to_json(result.meta, result.rows)), (args.csv, lambda: to_csv(result.rows)),
                         (args.html, lambda: to_html(result.meta, result.rows))):
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text())
    s = summary(result.rows)
    for error in result.errors:
        print(f"mlmodel: error: {error}", file=sys.stderr)
    print(f"{s['candidates']} candidate packages, {s['ship_models']} ship trained models "
          f"({s['model_bytes']:,} bytes); {len(result.inspected)} inspected, {len(result.reused)} unchanged "
          f"since the last run, {s['errors']} unreadable")
    return EXIT_ERRORS if result.errors else EXIT_OK
