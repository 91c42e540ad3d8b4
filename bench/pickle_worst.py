#!/usr/bin/env python3
"""Worst-case scan cost: no input under 10 MB may take over 2 s or 300 MB RSS to scan (issue 13).

    nice -n 10 .venv/bin/python bench/pickle_worst.py [--size 10000000] [--only NAME]

Each case is written to a temporary file just under --size bytes and scanned
by risk.scan_file in a fresh child process, which reports its wall time and
its peak RSS (ru_maxrss) less the RSS it had after importing dh_mlmodel.
Prints a table and a JSON line; exit 1 if a case is over a bound.  Wall time
depends on the machine's load: the bench prints the load average with it.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S, LIMIT_MB = 2.0, 300


def _fill(head: bytes, unit: bytes, tail: bytes, size: int) -> bytes:
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def _zip_of_pickles(size: int) -> bytes:
    buf = io.BytesIO()
    member = b"\x80\x02N" + b"N0" * 40 + b"."
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        i = 0
        while buf.tell() < size - 400_000:
            z.writestr(f"{i}.pkl", member)
            i += 1
    return buf.getvalue()


def _zlib_bomb(n: int) -> bytes:
    """zlib of a NONE/POP flood of n bytes, compressed in chunks (never n bytes in memory)."""
    c = zlib.compressobj(9)
    out = [c.compress(b"\x80\x04")]
    chunk = b"N0" * (1 << 20)
    for _ in range(n // len(chunk)):
        out.append(c.compress(chunk))
    out.append(c.flush())
    return b"".join(out)


def cases(size: int) -> dict:
    frame_body = _fill(b"", b"N0", b"N.", size - 11)
    return {
        "memoize-flood": lambda: _fill(b"\x80\x04N", b"\x94", b".", size),
        "dup-flood": lambda: _fill(b"\x80\x04N", b"2", b".", size),
        "none-pop-flood": lambda: _fill(b"\x80\x04", b"N0", b"N.", size),
        "mark-flood": lambda: _fill(b"\x80\x04", b"(", b".", size),
        "append-flood": lambda: _fill(b"\x80\x04]", b"Na", b".", size),
        "binget-flood": lambda: _fill(b"\x80\x04]\x94", b"h\x000", b".", size),
        "long-frame": lambda: b"\x80\x04\x95" + struct.pack("<Q", len(frame_body)) + frame_body,
        "deep-tuple1": lambda: _fill(b"\x80\x04N", b"\x85", b".", size),
        "deep-lists": lambda: _fill(b"\x80\x04", b"]", b"." , size),
        "nested-appends": lambda: _fill(b"\x80\x04]", b"]a", b".", size),
        "dag-expansion": lambda: _fill(b"\x80\x02N", b"2\x86", b".", size),
        "long-unicode-line": lambda: b"V" + b"a" * (size - 3) + b"\n.",
        "long-global-line": lambda: b"c" + b"a" * (size - 4) + b"\nb\n",
        "binunicode-9mb": lambda: b"\x80\x04X" + struct.pack("<I", size - 8) + b"a" * (size - 8) + b".",
        "zlib-opcode-bomb": lambda: _zlib_bomb(size * 80),
        "zip-of-many-pickles": lambda: _zip_of_pickles(size),
        "protocol0-ints": lambda: _fill(b"(", b"I1\n", b"l.", size),
        "random-bytes": lambda: os.urandom(size),
        # a frame that ends inside an opcode: the stream is walked again as the C file loader reads it
        # (CFileView), out of the same budget
        "frame-cut-then-flood": lambda: _fill(b"\x80\x04\x95" + struct.pack("<Q", 1) + b"K\x01", b"N0", b"N.", size),
        "frame-cut-line-then-flood": lambda: _fill(b"\x80\x04\x95" + struct.pack("<Q", 3) + b"(cQ_utils\nio\n",
                                                   b"N0", b"N.", size),
    }


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from dh_mlmodel.risk import scan_file
from pathlib import Path
def hwm():  # VmHWM: this process's own peak (ru_maxrss would carry the parent's across exec)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
base = hwm()
t, c = time.perf_counter(), time.process_time()
found = scan_file(Path(sys.argv[2]))
dt, cpu = time.perf_counter() - t, time.process_time() - c
peak = hwm()
print(json.dumps({"seconds": dt, "cpu_seconds": cpu, "rss_mb": peak / 1024, "rss_over_import_mb": (peak - base) / 1024,
                  "errors": sorted({f.tag for f in found if f.severity == "error"})}))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10_000_000 - 1)
    ap.add_argument("--only")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for name, build in cases(args.size).items():
            if args.only and name != args.only:
                continue
            data = build()
            path = Path(d) / f"{name}.bin"
            path.write_bytes(data)
            del data
            r = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path)], capture_output=True, text=True)
            if r.returncode:
                results[name] = {"crash": r.stderr[-500:]}
            else:
                results[name] = dict(json.loads(r.stdout), bytes=path.stat().st_size)
            path.unlink()
            row = results[name]
            print(f"{name:22} {row.get('bytes', 0):>10} B {row.get('seconds', 0):6.2f} s "
                  f"({row.get('cpu_seconds', 0):5.2f} s CPU) "
                  f"{row.get('rss_mb', 0):6.0f} MB RSS  {' '.join(row.get('errors', [])) or row.get('crash', '')}",
                  flush=True)
    # CPU time is the bound (the wall clock of a shared machine measures the neighbours)
    over = [n for n, r in results.items() if "crash" in r or r["cpu_seconds"] > LIMIT_S or r["rss_mb"] > LIMIT_MB]
    print(json.dumps({"loadavg": os.getloadavg(), "over": over, "results": results}))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
