"""`mlmodel report [--html FILE] [--markdown] [--readme-source] [--policy P] [SOURCE_DIR]`: the review page.

One self-contained HTML page (docs/report.md): the lineage graph, the verdict under every profile
side by side, the files with their binary package and sha256, risk findings and accepted pickles,
copyright coverage and the caveat that the reviewers decide.  `--markdown` prints the same facts as
Markdown; `--readme-source` keeps them, in prose, in a marked section of debian/README.source.
With no option the page goes to standard output.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import pipeline
from ..model import MLModelError
from ..hashing import ProgressBar
from ..inspect import total_size

class ReportError(MLModelError):
    """An output of `mlmodel report` cannot be written."""


HELP = "write the review page of a source tree (HTML, Markdown, or a section of debian/README.source)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html", metavar="FILE", type=Path,
                        help="write the HTML page to FILE (atomically; default: standard output when nothing else is asked)")
    parser.add_argument("--markdown", action="store_true", help="print the same facts as Markdown")
    parser.add_argument("--readme-source", action="store_true",
                        help="write or update the marked section of debian/README.source (the rest is kept byte for byte)")
    parser.add_argument("--policy", choices=pipeline.PROFILES, default=None,
                        help="the package's profile (default: the declaration's policy:, else ml-policy)")
    parser.add_argument("source_dir", nargs="?", default=".", type=Path, metavar="SOURCE_DIR",
                        help="the unpacked source package (default: .)")


def _progress(source_dir: Path) -> ProgressBar:
    total = sum(total_size(d) for d in [source_dir] if d.is_dir())
    return ProgressBar(total, sys.stderr)


def run(args: argparse.Namespace) -> int:
    from ..review import facts, readme_source, render

    source = args.source_dir
    bar = _progress(source) if source.is_dir() else None
    try:
        review = facts.collect(source, args.policy, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    # Render everything first: an error in one output leaves no other half done.
    html = render.render_html(review) if args.html or not (args.markdown or args.readme_source) else None
    markdown = render.render_markdown(review) if args.markdown else None
    prose = render.render_prose(review) if args.readme_source else None
    if html is not None and args.html is None:
        sys.stdout.write(html)
    elif html is not None:
        _write(args.html, html)
    if markdown is not None:
        sys.stdout.write(markdown)
    if prose is not None:
        path = source / "debian/README.source"
        print(f"{path}: {readme_source.update(path, prose, source)}", file=sys.stderr if markdown is not None else sys.stdout)
    return 0


def _write(path: Path, text: str) -> None:
    """PATH through a temporary file beside it and a rename: a reader never sees half a page."""
    if not path.parent.is_dir():
        raise ReportError(path, f"cannot write: {path.parent} is not a directory")
    tmp = path.with_name(f".{path.name}.mlmodel-report.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
