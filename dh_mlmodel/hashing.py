"""Streaming sha256 (and md5) of model files, and the progress bar the adapters may show.

One read per byte: the file is read in large blocks into one reused buffer
and fed to hashlib (OpenSSL), which releases the GIL on updates over 2 KiB.
Memory stays at the buffer size however large the file is.

A model's files are hashed by up to one thread per core (digest_files): the
threads spend their time in OpenSSL and read() with the GIL released, so a
sharded model hashes at about cores x the openssl rate (bench/deliver_bench.py);
memory is one buffer per thread.  One file is one thread: sha256 is serial.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence, TextIO

BUFFER_SIZE = 4 << 20  # large enough that syscall overhead vanishes against hashing

ProgressCallback = Callable[[int], None]


def sha256_file(path: Path, progress: ProgressCallback | None = None) -> str:
    return file_digests(path, progress)[0]


def file_digests(path: Path, progress: ProgressCallback | None = None, *, md5: bool = False) -> tuple[str, str | None]:
    """sha256 (and md5, for DEBIAN/md5sums, when asked) from one read of the file."""
    digests = [hashlib.sha256()] + ([hashlib.md5(usedforsecurity=False)] if md5 else [])
    _feed(path, digests, progress)
    return digests[0].hexdigest(), (digests[1].hexdigest() if md5 else None)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(n_files: int) -> int:
    """Threads for hashing n_files: the cores we may run on, capped by DEB_BUILD_OPTIONS parallel=N."""
    workers = _cores()
    match = re.search(r"(?:^|[\s,])parallel=(\d+)", os.environ.get("DEB_BUILD_OPTIONS", ""))
    if match and int(match[1]) > 0:
        workers = min(workers, int(match[1]))
    return max(1, min(workers, n_files))


def digest_files(paths: Sequence[Path], progress: ProgressCallback | None = None, *, md5: bool = False,
                 workers: int | None = None) -> list[tuple[str, str | None]]:
    """file_digests() of every path, in order, by up to `workers` threads (default_workers()).

    An OSError is raised for the first failing path in the given order, whichever thread met it."""
    paths = list(paths)
    workers = default_workers(len(paths)) if workers is None else max(1, min(workers, len(paths) or 1))
    if workers == 1:
        return [file_digests(p, progress, md5=md5) for p in paths]
    if progress is not None:
        lock = threading.Lock()
        inner = progress

        def progress(n: int) -> None:
            with lock:
                inner(n)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sha256") as pool:
        futures = [pool.submit(file_digests, p, progress, md5=md5) for p in paths]
        return [f.result() for f in futures]


def md5_file(path: Path) -> str:
    """md5 alone, for a DEBIAN/md5sums line of a file dh_mlmodel did not hash itself."""
    digest = hashlib.md5(usedforsecurity=False)
    _feed(path, [digest], None)
    return digest.hexdigest()


def _feed(path: Path, digests: list, progress: ProgressCallback | None) -> None:
    buf = bytearray(BUFFER_SIZE)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            for d in digests:
                d.update(view[:n])
            if progress is not None:
                progress(n)


class ProgressBar:
    """A one-line byte counter on a terminal, shown only once the work has taken a while.

    Adapters create it (stages never print); it stays silent when `stream`
    is not a terminal or the whole job ends within `delay` seconds.
    """

    def __init__(self, total: int, stream: TextIO | None = None, delay: float = 2.0, label: str = "hashing"):
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.label = label
        self.done = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._start < self.delay or now - self._last_draw < 0.2:
            return
        self._last_draw = now
        self._drawn = True
        pct = min(100.0, 100.0 * self.done / self.total)
        rate = self.done / max(now - self._start, 1e-6) / (1 << 20)
        self.stream.write(f"\r{self.label}: {pct:5.1f}% of {self.total / (1 << 20):.0f} MiB, {rate:.0f} MiB/s")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
