#!/usr/bin/env python3
"""Benchmark `mlmodel lint` on decompression bombs (docs/performance.md, "### Bombs"; issue 13).

Builds (once, cached in --workdir) a .deb whose data.tar holds one file of
--gib GiB of zeros (a sparse source file, compressed by dpkg-deb), then
times `mlmodel lint X.deb` under GNU time for wall time and peak RSS, with
the tree given by --tree (this checkout, or an old one to compare).  Lint
stops at 200x the compressed data.tar plus 64 MiB (lint/inputs.py).

    python3 bench/lint_bomb_bench.py --gib 2 --compression zstd --tree . --tree /tmp/oldmain
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent


def build_bomb(work: Path, gib: float, compression: str, level: int | None) -> Path:
    deb = work / f"bomb_{gib:g}g.{compression}{level if level is not None else ''}.deb"
    if deb.exists():
        return deb
    root = work / "root"
    subprocess.run(["rm", "-rf", str(root)], check=True)
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr/share/foo").mkdir(parents=True)
    (root / "DEBIAN/control").write_text("Package: bomb\nVersion: 1\nArchitecture: all\nMaintainer: B <b@example.org>\n"
                                         "Description: bomb\n bomb\n")
    with open(root / "usr/share/foo/zeros", "wb") as fh:
        fh.truncate(int(gib * (1 << 30)))
    level_opt = [f"-z{level}"] if level is not None else []
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", *level_opt, "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    subprocess.run(["rm", "-rf", str(root)], check=True)
    return deb


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout and the error lines) of CMD under GNU time."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, env=env, cwd=cwd)
    lines = proc.stderr.strip().splitlines()
    return time.monotonic() - start, int(lines[-1]), " ".join([proc.stdout.strip(), *lines[:-1]]).strip()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gib", type=float, default=2.0)
    p.add_argument("--compression", default="zstd", choices=("xz", "zstd", "gzip"))
    p.add_argument("--level", type=int, default=None)
    p.add_argument("--tree", type=Path, action="append", help="a dh-mlmodel checkout to run (repeatable)")
    p.add_argument("--workdir", type=Path, default=Path("/var/tmp/mlmodel-lint-bomb-bench"))
    p.add_argument("--python", default=sys.executable)
    args = p.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    deb = build_bomb(args.workdir, args.gib, args.compression, args.level)
    print(f"{deb.name}: {deb.stat().st_size} bytes holding {args.gib:g} GiB of zeros")
    for tree in args.tree or [TOP]:
        env = {**os.environ, "PYTHONPATH": str(tree.resolve())}  # and run from the tree: -m puts the cwd first
        wall, rss, out = timed([args.python, "-m", "dh_mlmodel.cli", "lint", str(deb.resolve())], env, tree.resolve())
        print(f"{tree}: {wall:.2f} s, peak RSS {rss / 1024:.1f} MiB; hints: {out or 'none'}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
