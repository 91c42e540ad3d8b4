"""Detection and throughput of our pickle scanner against picklescan, modelscan and fickling.

Two steps, because the benign checkpoints are written by torch (in the test
interpreter) while the other scanners live in a throwaway venv:

    python3 bench/risk_bench.py prepare /tmp/riskcorpus        # needs torch, numpy, joblib
    /tmp/riskbench/bin/python bench/risk_bench.py run /tmp/riskcorpus > table.md

`run` scans every file with every scanner in one process and prints a
Markdown table (docs/security.md).  What "caught" means for each scanner is
said once, in bench/peers.py.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LARGE_MB = 400


def prepare(out: Path) -> None:
    from tests.risk.samples import SAMPLES
    evil, benign = out / "malicious", out / "benign"
    evil.mkdir(parents=True, exist_ok=True)
    benign.mkdir(parents=True, exist_ok=True)
    for s in SAMPLES:
        (evil / s.name).write_bytes(s.build())
    import numpy as np
    import torch
    torch.manual_seed(0)
    sd = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.LayerNorm(64), torch.nn.Linear(64, 8)).state_dict()
    for p in (2, 4):
        torch.save(sd, benign / f"torch_p{p}.pt", pickle_protocol=p)
    torch.save(sd, benign / "torch_legacy.pt", _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(torch.nn.Linear(4, 2)), benign / "torchscript.pt")
    np.save(benign / "array.npy", np.arange(100.0))
    try:
        import joblib
        joblib.dump({"w": np.ones((100, 10))}, benign / "model.joblib")
        joblib.dump({"w": np.ones((100, 10))}, benign / "model_gz.joblib", compress=("gzip", 3))
    except ImportError:
        pass
    n = LARGE_MB * (1 << 20) // 4 // 8
    big = {f"layer{i}.weight": torch.randn(n) for i in range(8)}
    torch.save(big, out / "large.pt")
    torch.save(big, out / "large_legacy.pt", _use_new_zipfile_serialization=False)
    # a transformer-shaped state dict: 1600 tensors, so data.pkl itself is large (~40k opcodes)
    many = {f"layers.{i}.{k}": torch.randn(256 * 64) for i in range(200)
            for k in ("q", "k", "v", "o", "w1", "w2", "w3", "norm")}
    torch.save(many, out / "many.pt")
    torch.save(many, out / "many_legacy.pt", _use_new_zipfile_serialization=False)


# ---------------------------------------------------------------- scanners

from peers import fickling, guarded, modelscan, ours, picklescan  # noqa: E402  (bench/peers.py, beside this file)


def ours_first_pickle(path: Path) -> bool:
    """Our scanner doing modelscan's reading of a legacy torch file: its first pickle only.

    Not a mode of dh-mlmodel (which reads all five); it is here so the table
    can compare equal work (modelscan's scan_pytorch: multiple_pickles=False).
    """
    from dh_mlmodel.risk.allowlist import classify
    from dh_mlmodel.risk.pickle_scan import scan_pickle
    from dh_mlmodel.risk.streams import FileWindow, Stream
    with open(path, "rb") as f:
        scan = scan_pickle(Stream(FileWindow(f, 0)))
    return any(classify(i.module, i.name)[0] != "allowed" for i in scan.imports)


def opcodes_walked(path: Path) -> int:
    """How many opcodes our full scan walks (the work that scales with tensor count)."""
    from dh_mlmodel.risk.containers import LEGACY_TORCH_PICKLES
    from dh_mlmodel.risk.pickle_scan import scan_pickle
    from dh_mlmodel.risk.streams import FileWindow, Stream
    ops = 0
    with open(path, "rb") as f:
        stream = Stream(FileWindow(f, 0))
        for _ in range(LEGACY_TORCH_PICKLES):
            scan = scan_pickle(stream, base=stream.pos)
            ops += scan.ops
    return ops


SCANNERS = {"dh-mlmodel": ours, "picklescan": picklescan, "modelscan": modelscan, "fickling": fickling}


def best_time(fn, path: Path, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        try:
            fn(path)
        except Exception:
            return float("nan")
        times.append(time.perf_counter() - t)
    return min(times)


def run(corpus: Path) -> None:
    logging.disable(logging.CRITICAL)
    from tests.risk.samples import SAMPLES
    names = list(SCANNERS)
    print("| sample (formats.md row) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    totals = dict.fromkeys(names, 0)
    misses_vs_others = []
    for s in SAMPLES:
        path = corpus / "malicious" / s.name
        cells = {n: guarded(fn, path) for n, fn in SCANNERS.items()}
        for n in names:
            totals[n] += cells[n] == "caught"
        if cells["dh-mlmodel"] != "caught" and "caught" in cells.values():
            misses_vs_others.append(s.name)
        print(f"| `{s.name}` ({s.klass}) | " + " | ".join(cells[n] for n in names) + " |")
    print(f"| **caught, of {len(SAMPLES)}** | " + " | ".join(str(totals[n]) for n in names) + " |")
    print()
    print("| benign file | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for path in sorted((corpus / "benign").iterdir()):
        cells = {n: guarded(fn, path) for n, fn in SCANNERS.items()}
        print(f"| `{path.name}` | " + " | ".join("flagged" if c == "caught" else ("clean" if c == "missed" else c)
                                               for c in (cells[n] for n in names)) + " |")
    print()
    print("| large file | size MB | " + " | ".join(f"{n} ms (MB/s)" for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for name in ("large.pt", "large_legacy.pt", "many.pt", "many_legacy.pt"):
        path = corpus / name
        mb = path.stat().st_size / (1 << 20)
        with open(path, "rb") as f:  # warm the page cache once, so every scanner reads from memory
            while f.read(1 << 24):
                pass
        cells = []
        for fn in SCANNERS.values():
            t = best_time(fn, path)
            cells.append("n/a" if t != t else f"{t * 1000:.2f} ({mb / t:,.0f})")
        print(f"| `{name}` | {mb:.0f} | " + " | ".join(cells) + " |")
    print()
    print("| legacy file, first pickle only (modelscan's reading) | opcodes in all five pickles "
          "| dh-mlmodel, all five pickles, ms | dh-mlmodel, first pickle only, ms | modelscan ms |")
    print("|---|---|---|---|---|")
    for name in ("large_legacy.pt", "many_legacy.pt"):
        path = corpus / name
        full, first, theirs = (best_time(fn, path) for fn in (ours, ours_first_pickle, modelscan))
        print(f"| `{name}` | {opcodes_walked(path):,} | {full * 1000:.2f} | {first * 1000:.3f} | {theirs * 1000:.3f} |")
    print()
    print(f"samples another scanner catches and we miss: {misses_vs_others or 'none'}")
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    cmd, where = sys.argv[1], Path(sys.argv[2])
    prepare(where) if cmd == "prepare" else run(where)
