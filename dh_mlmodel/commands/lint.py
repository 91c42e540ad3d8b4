"""`mlmodel lint [--json | --format text|json|sarif] [--info] [--fail-on LEVEL] FILE…`: check built model packages (spec §7)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..lint import run_lint
from ..lint.output import RANK, json_document, sarif_document, sarif_from_judged, severity_of, text_lines
from ..model import SEVERITIES

HELP = "check built model packages (.changes, .deb, .dsc) the way lintian does"
EXIT_OK, EXIT_HINTS, EXIT_USAGE = 0, 1, 2


def _fail_on(value: str) -> str:
    """One level, or lintian's comma list (the lowest level in it counts)."""
    levels = [v.strip() for v in value.split(",") if v.strip()]
    if not levels or any(v not in SEVERITIES for v in levels):
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(SEVERITIES)}, not {value!r}")
    return max(levels, key=RANK.__getitem__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_const", const="json", dest="format",
                        help="print one JSON object instead of hint lines (same as --format json)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                        help="hint lines (default), our JSON, or a SARIF 2.1.0 log for code-scanning services")
    parser.add_argument("-i", "--info", action="store_true", help="explain each tag after its first hint (N: lines)")
    parser.add_argument("--fail-on", type=_fail_on, default="error", metavar="LEVEL",
                        help="exit 1 when a hint at or above LEVEL (error, warning, info, pedantic) is not overridden;"
                             " default error")
    parser.add_argument("files", nargs="+", metavar="FILE", help=".changes, .deb or .dsc files")


def run(args: argparse.Namespace) -> int:
    result = run_lint([Path(f) for f in args.files])
    for error in result.errors:
        print(f"mlmodel: error: {error}", file=sys.stderr)
    if args.format == "json":
        json.dump(json_document(result.groups, result.errors, args.fail_on), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    elif args.format == "sarif":
        doc = sarif_document(sarif_from_judged(result.groups), errors=result.errors)
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for _, judged in result.groups:
            for line in text_lines(judged, info=args.info):
                print(line)
    if result.errors:
        return EXIT_USAGE
    failing = [j for _, judged in result.groups for j in judged
               if j.override is None and RANK[severity_of(j)] <= RANK[args.fail_on]]
    return EXIT_HINTS if failing else EXIT_OK
