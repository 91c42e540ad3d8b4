"""`dh_mlmodel_builddeb`: dh_builddeb, with the compression dh_mlmodel chose per package.

dh_builddeb passes one set of dpkg-deb options to every package, and a dh
add-on cannot give it per-package ones.  The add-on therefore puts this
command where dh_builddeb was; it runs the real dh_builddeb once per group
of packages that share a choice, narrowing each run with -N, and adds that
group's -Z option after `--`.  Everything else (selection, -O options,
DH_INTERNAL_OPTIONS, --destdir, dbgsym packages) is dh_builddeb's own.
First it completes DEBIAN/md5sums with the model files' lines, which
dh_md5sums was told to skip (deliver/md5sums.py).
"""
from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

from .debhelper import DhContext, DhError, run_tool
from .deliver import md5sums
from .deliver.compression import read_decision

TOOL = "dh_mlmodel_builddeb"


def add_tool_options(p) -> None:
    # dh_builddeb's own options, accepted so that -O--destdir=… and friends are known, and passed on untouched.
    p.add_argument("--destdir")
    p.add_argument("--filename")


def split_params(argv: list[str]) -> tuple[list[str], list[str]]:
    """Options, and the parameters after `--` that dh_builddeb gives dpkg-deb."""
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1:]
    return argv, []


def groups(packages: list[str]) -> dict[tuple[str, ...], list[str]]:
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for pkg in packages:
        out[read_decision(pkg)].append(pkg)
    return dict(out)


def run_groups(ctx: DhContext, options: list[str], params: list[str]) -> None:
    for pkg in ctx.packages:
        added = md5sums.complete(ctx.tmpdir_for(pkg), pkg)
        if added:
            ctx.verbose_print(f"{pkg}: {added} line(s) for usr/share/mlmodel added to DEBIAN/md5sums")
    grouped = groups(ctx.packages)
    for args, members in sorted(grouped.items()):
        others = [p for p in ctx.packages if p not in members]
        cmd = ["dh_builddeb", *options, *(f"-N{p}" for p in others)]
        if params or args:
            cmd += ["--", *params, *args]
        ctx.verbose_print(" ".join(cmd))
        if subprocess.run(cmd).returncode != 0:
            raise DhError(f"dh_builddeb failed for {', '.join(members)}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options, params = split_params(argv)
    return run_tool(lambda ctx: run_groups(ctx, options, params), TOOL, options, add_tool_options)


if __name__ == "__main__":
    sys.exit(main())
