#!/usr/bin/env python3
"""Benchmark `mlmodel lint` on a .deb holding GB of weights (docs/performance.md, "## Lint").

Builds (once, cached in --workdir) a package with N safetensors shards of
random bytes (weights barely compress, random bytes not at all), then times,
alternating, the baseline `dpkg-deb --fsys-tarfile X.deb | sha256sum` and
`mlmodel lint X.deb`, and reports wall times and lint's peak RSS (GNU time's
%M, which covers the lint process; dpkg-deb runs as its child).

    python3 bench/lint_bench.py --gib 2 --shards 4 --compression xz --level 1 --runs 3
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
CHUNK = 8 << 20


def write_shard(path: Path, size: int) -> str:
    """A real safetensors file: one F32 tensor of random values; returns its sha256."""
    n = size // 4
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "w": {"dtype": "F32", "shape": [n], "data_offsets": [0, n * 4]}}).encode()
    header += b" " * (-len(header) % 8)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for part in (struct.pack("<Q", len(header)), header):
            fh.write(part)
            digest.update(part)
        left = n * 4
        while left:
            block = os.urandom(min(CHUNK, left))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def build_package(work: Path, gib: float, shards: int, compression: str, level: int | None) -> Path:
    deb = work / f"bench-model_1.0_all.{compression}{level if level is not None else ''}.deb"
    if deb.exists():
        return deb
    root = work / "root"
    shutil.rmtree(root, ignore_errors=True)
    model = root / "usr/share/mlmodel/bench-model"
    (model / ".mlmodel").mkdir(parents=True)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text("Package: bench-model\nVersion: 1.0\nArchitecture: all\nSection: science\n"
                                         "Maintainer: Bench <b@example.org>\nDescription: bench\n bench\n")
    size = int(gib * (1 << 30)) // shards
    files = []
    for i in range(shards):
        name = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        digest = write_shard(model / name, size)
        files.append({"path": f"usr/share/mlmodel/bench-model/{name}", "source": f"model/{name}", "role": "weights",
                      "format": "safetensors", "size": (model / name).stat().st_size, "sha256": digest})
    record = {"format": 1, "model": "bench-model", "package": "bench-model", "category": "free", "section": "main",
              "profile": "ml-policy", "rule": 6, "reasons": [], "inputs": {"L": "free", "license": "CC0-1.0",
                                                                         "D": "free-available"},
              "findings": [], "files": files}
    (model / ".mlmodel/bench-model.json").write_text(json.dumps(record, indent=2))
    level_opt = [f"-z{level}"] if level is not None else []
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", *level_opt, "--build", str(root), str(deb)],
                   check=True)
    shutil.rmtree(root)
    return deb


def timed(shell: str) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB of the command, output) of a shell pipeline under GNU time."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "sh", "-c", shell], capture_output=True, text=True)
    wall = time.monotonic() - start
    rss = int(proc.stderr.strip().splitlines()[-1])
    return wall, rss, proc.stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gib", type=float, default=2.0)
    p.add_argument("--shards", type=int, default=4)
    p.add_argument("--compression", default="xz", choices=("xz", "zstd", "gzip", "none"))
    p.add_argument("--level", type=int, default=None,
                   help="compression level; random weights are stored uncompressed inside xz/gzip at any level, "
                        "so a low level gives the same decompression work and builds much faster")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--workdir", type=Path, default=Path("/var/tmp/mlmodel-lint-bench"))
    p.add_argument("--python", default="/usr/bin/python3", help="the interpreter the installed tool runs under")
    args = p.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    deb = build_package(args.workdir, args.gib, args.shards, args.compression, args.level)
    baseline_cmd = f"dpkg-deb --fsys-tarfile {deb} | sha256sum"
    lint_cmd = f"{args.python} {TOP / 'bin' / 'mlmodel'} lint --fail-on pedantic {deb}"
    rows = []
    for run in range(args.runs):
        base_wall, _, _ = timed(baseline_cmd)
        lint_wall, lint_rss, out = timed(lint_cmd)
        rows.append((base_wall, lint_wall, lint_rss))
        print(f"run {run + 1}: baseline {base_wall:.2f} s, lint {lint_wall:.2f} s "
              f"(ratio {lint_wall / base_wall:.2f}), lint peak RSS {lint_rss / 1024:.1f} MiB; hints: {out.strip() or 'none'}")
    best_base = min(r[0] for r in rows)
    best_lint = min(r[1] for r in rows)
    peak = max(r[2] for r in rows)
    print(f"load average {os.getloadavg()[0]:.1f}; "
          f"{deb.name}: {deb.stat().st_size / (1 << 30):.2f} GiB on disk; best baseline {best_base:.2f} s, "
          f"best lint {best_lint:.2f} s, ratio {best_lint / best_base:.2f}; peak RSS {peak / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
