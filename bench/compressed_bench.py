#!/usr/bin/env python3
"""Benchmark `mlmodel inspect` on compression bombs (docs/performance.md, "### Compressed model files"; issue 14).

For each wrapper (gzip, xz, bzip2, zstd, lz4 — the Debian commands, fastest level) builds, once and cached
in --workdir, a file whose inner bytes are a pickle with one BINBYTES8 argument of --gib GiB of zeros
(so the risk scan must read through all of it to reach the pickle's end), then times
`mlmodel inspect --no-hash FILE` (detect, describe, risk) under GNU time for wall time and peak RSS.
describe stops at formats/compressed.DESCRIBE_BUDGET, the scan at max(1 GiB, 100 x the file's size)
(risk/containers.INFLATE_FLOOR/RATIO).

    python3 bench/compressed_bench.py --gib 4 --tree .
"""
from __future__ import annotations

import argparse
import struct
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
TOOLS = {"gzip": ("gzip", "-1c"), "xz": ("xz", "-0c", "-T1"), "bzip2": ("bzip2", "-1c"), "zstd": ("zstd", "-1c", "-q"),
         "lz4": ("lz4", "-1c", "-q")}
SUFFIX = {"gzip": ".gz", "xz": ".xz", "bzip2": ".bz2", "zstd": ".zst", "lz4": ".lz4"}


def build_bomb(work: Path, tool: str, gib: float) -> Path:
    path = work / f"bomb_{gib:g}g.pkl{SUFFIX[tool]}"
    if path.exists():
        return path
    n = int(gib * (1 << 30))
    with open(path.with_suffix(".tmp"), "wb") as out:
        proc = subprocess.Popen(TOOLS[tool], stdin=subprocess.PIPE, stdout=out)
        proc.stdin.write(b"\x80\x04\x8e" + struct.pack("<Q", n))
        block = b"\0" * (1 << 24)
        for _ in range(n // len(block)):
            proc.stdin.write(block)
        proc.stdin.write(b"cposix\nsystem\n.")
        proc.stdin.close()
        if proc.wait() != 0:
            sys.exit(f"{tool} failed")
    path.with_suffix(".tmp").rename(path)
    return path


def run(tree: Path, path: Path) -> tuple[float, int, str]:
    code = "import sys; from dh_mlmodel.cli import main; sys.exit(main(['inspect', '--no-hash', sys.argv[1]]))"
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", code, str(path.resolve())], cwd=tree,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    wall = time.monotonic() - start
    rss_kib = int(proc.stderr.strip().splitlines()[-1])
    tags = sorted({line.split(":")[1].strip().split(" ")[0] for line in proc.stdout.splitlines()
                   if line.startswith("    E:") or line.startswith("    W:")})
    return wall, rss_kib, ",".join(tags)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=4)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/mlmodel-compressed-bench"))
    ap.add_argument("--tree", type=Path, default=TOP)
    ap.add_argument("--tools", default=",".join(TOOLS))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print("| wrapper | file size | expands to | wall s | peak RSS MiB | error/warning tags |")
    print("|---|---:|---:|---:|---:|---|")
    for tool in args.tools.split(","):
        bomb = build_bomb(args.workdir, tool, args.gib)
        wall, rss, tags = run(args.tree, bomb)
        print(f"| {tool} | {bomb.stat().st_size:,} B | {args.gib:g} GiB | {wall:.1f} | {rss / 1024:.0f} | {tags} |",
              flush=True)


if __name__ == "__main__":
    main()
