#!/usr/bin/env python3
"""Explore: millions of generated and mutated inputs against the recorder oracle (issue 13).

    nice -n 10 .venv/bin/python bench/pickle_explore.py --count 1000000 --seed 13 [--batch 2000]

Each batch of inputs (tests/risk/gen.py: opcode streams in plain, torch-zip,
joblib zlib/gzip, npy, HDF5/TFL3 polyglot and appended-zip wrappers, then
mutated) goes through a recorder subprocess (under RLIMIT_AS, replaced every
--restart-every inputs and whenever an input kills it) (tests/risk/oracle_child.py:
CPython's C and Python unpicklers, torch.load, joblib.load, numpy.load with
an inert find_class) and through our scan_file.  A disagreement is a global
a loader imported that no finding names, or a call of a non-allowlisted
global the loader got past without an error from us.  Prints a JSON summary;
the disagreements (first 50) go to --out.  Exit 1 if any.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tests.risk import gen, oracle  # noqa: E402


def _write(out: str, summary: dict, bad: list) -> None:
    Path(out).write_text(json.dumps({"summary": summary, "disagreements": bad}, indent=1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--out", default="/tmp/pickle_explore.json")
    ap.add_argument("--restart-every", type=int, default=20_000, help="a fresh recorder child after this many inputs")
    ap.add_argument("--deadline", type=float, default=0, help="stop after this many seconds (0: none)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    t0 = time.time()
    done = 0
    loaders: collections.Counter = collections.Counter()
    called = errors = 0
    bad: list[dict] = []
    kinds: collections.Counter = collections.Counter()
    recorder = oracle.Recorder(restart_every=args.restart_every)
    pool = ThreadPoolExecutor(1)  # the recorder child works on batch k+1 while we scan batch k

    def batch():
        n = min(args.batch, args.count - done - sum(len(b[0]) for b in pending))
        items = [gen.generate(rnd) for _ in range(n)]
        return items, pool.submit(recorder.record, [(lo, d) for _n, d, lo in items])

    pending: list = []
    limited = 0
    while done < args.count and not (args.deadline and time.time() - t0 > args.deadline):
        while len(pending) < 2 and done + sum(len(b[0]) for b in pending) < args.count:
            pending.append(batch())
        items, future = pending.pop(0)
        ours = [oracle.scan_bytes_as_file(data, name) for name, data, _lo in items]
        seen = future.result()  # a child killed mid-batch is replaced inside record()
        for (name, data, loader), s, found in zip(items, seen, ours):
            loaders[loader] += 1
            called += bool(s.unsafe_calls)
            limited += bool(s.error and s.error.startswith(oracle.LIMIT_ERRORS))
            why = oracle.disagreement(s, found)
            if why:
                kinds[why.split(",")[0][:80]] += 1
                if len(bad) < 50:
                    bad.append({"name": name, "loader": loader, "data": data[:400].hex(), "why": why,
                                "recorder": {"globals": s.globals, "calls": s.calls, "error": s.error}})
            errors += why is not None
        done += len(items)
        _write(args.out, {"inputs": done, "seed": args.seed, "disagreements": errors, "restarts": recorder.restarts,
                          "killed": recorder.killed, "limited": limited, "seconds": round(time.time() - t0), "kinds": dict(kinds)}, bad)
        print(f"{done} inputs, {errors} disagreements, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    for _items, future in pending:
        future.result()
    pool.shutdown()
    recorder.close()
    summary = {"inputs": done, "seed": args.seed, "disagreements": errors, "loaders": dict(loaders),
               "inputs_where_a_loader_called_an_unlisted_global": called, "seconds": round(time.time() - t0),
               "kinds": dict(kinds), "recorder_restarts": recorder.restarts,
               "inputs_that_killed_the_recorder": recorder.killed,
               "inputs_where_the_recorder_hit_its_memory_limit": limited}
    _write(args.out, summary, bad)
    print(json.dumps(summary, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
