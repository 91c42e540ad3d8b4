"""Download the candidate .debs: cached by sha256, resumable, a bounded number at a time, verified.

The cache holds `debs/<sha256>.deb`; a download in progress is
`debs/<sha256>.part` and a later run resumes it with an HTTP Range request
(a server that answers 200 instead of 206 sends it whole again).  A file is
only renamed into place after its size and sha256 match the Packages index,
so the cache never holds an unverified .deb.  From a directory mirror the
file is verified where it is and not copied.
"""
from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..model import MLModelError
from .mirror import Mirror, MirrorError, PackageEntry, NotOnMirror

CHUNK = 1 << 20
RETRIES = 3


class FetchError(MLModelError):
    """A .deb could not be fetched or does not match its Packages entry."""


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Progress:
    """A one-line progress bar on a terminal; nothing when stderr is not one."""

    def __init__(self, total_files: int, total_bytes: int, stream: IO[str] | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.total_files, self.total_bytes = total_files, total_bytes
        self.files = self.bytes = 0
        self.lock = threading.Lock()
        self.last = 0.0

    def advance(self, nbytes: int = 0, files: int = 0) -> None:
        with self.lock:
            self.bytes += nbytes
            self.files += files
            now = time.monotonic()
            if self.enabled and (files or now - self.last > 0.2):
                self.last = now
                self._draw()

    def _draw(self) -> None:
        width = 30
        frac = self.bytes / self.total_bytes if self.total_bytes else 1.0
        bar = "#" * int(width * min(frac, 1.0))
        self.stream.write(f"\rmlmodel census: [{bar:<{width}}] {self.files}/{self.total_files} packages, "
                          f"{self.bytes / 1e6:,.0f}/{self.total_bytes / 1e6:,.0f} MB ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


@dataclass(frozen=True)
class Fetched:
    entry: PackageEntry
    path: Path | None
    error: str = ""  # why there is no path


class Fetcher:
    def __init__(self, mirror: Mirror, cache: Path, progress: Progress | None = None):
        self.mirror, self.progress = mirror, progress
        self.dir = Path(cache) / "debs"
        self.dir.mkdir(parents=True, exist_ok=True)

    def _tick(self, nbytes: int = 0, files: int = 0) -> None:
        if self.progress is not None:
            self.progress.advance(nbytes, files)

    def fetch(self, entry: PackageEntry) -> Path:
        """The verified .deb of ENTRY (raises FetchError)."""
        try:
            return self._fetch(entry)
        finally:
            self._tick(files=1)

    def _fetch(self, entry: PackageEntry) -> Path:
        local = self.mirror.local_path(entry.filename)
        if local is not None:
            return self._verify_in_place(entry, local)
        final = self.dir / f"{entry.sha256}.deb"
        if final.is_file() and final.stat().st_size == entry.size:
            self._tick(entry.size)
            return final
        last = ""
        for _attempt in range(RETRIES):
            try:
                self._download(entry, final)
                return final
            except (MirrorError, OSError) as exc:
                last = exc.one_line() if isinstance(exc, MirrorError) else str(exc)
        raise FetchError(entry.filename, f"{entry.package}: download failed: {last}")

    def _verify_in_place(self, entry: PackageEntry, local: Path) -> Path:
        if not local.is_file():
            raise FetchError(entry.filename, f"{entry.package}: not in the mirror directory")
        size = local.stat().st_size
        if size != entry.size or _sha256_of(local) != entry.sha256:
            raise FetchError(local, f"{entry.package}: size or sha256 differs from the Packages index")
        self._tick(size)
        return local

    def _download(self, entry: PackageEntry, final: Path) -> None:
        part = final.with_suffix(".part")
        have = part.stat().st_size if part.exists() else 0
        if have > entry.size:
            part.unlink()
            have = 0
        if have < entry.size:
            try:
                self._append(entry, part, have)
            except NotOnMirror:
                if have:  # the server refused the range: fetch it whole
                    part.unlink(missing_ok=True)
                    self._append(entry, part, 0)
                else:
                    raise FetchError(entry.filename, f"{entry.package}: not on the mirror (404)") from None
        size = part.stat().st_size
        if size != entry.size or _sha256_of(part) != entry.sha256:
            part.unlink(missing_ok=True)
            raise MirrorError(entry.filename, f"size {size} or sha256 differs from the Packages index")
        os.replace(part, final)

    def _append(self, entry: PackageEntry, part: Path, have: int) -> None:
        with self.mirror.open(entry.filename, offset=have) as (stream, resumed):
            mode = "ab" if (have and resumed) else "wb"  # a 200 to a Range request is the whole file
            written = have if mode == "ab" else 0
            self._tick(written)
            with open(part, mode) as out:
                while chunk := stream.read(CHUNK):
                    written += len(chunk)
                    if written > entry.size:
                        raise MirrorError(entry.filename, f"longer than the {entry.size} bytes listed")
                    out.write(chunk)
                    self._tick(len(chunk))


def fetch_all(fetcher: Fetcher, entries: Iterable[PackageEntry], jobs: int) -> Iterator[Fetched]:
    """Each entry's .deb, in the order given, with at most JOBS downloads at a time.

    Only JOBS + 1 downloads are ever queued ahead of the consumer, so the
    consumer (inspection) and the downloads overlap without the whole list
    being fetched before the first package is read.
    """
    entries = list(entries)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending: list[tuple[PackageEntry, Future]] = []
        it = iter(entries)

        def submit_next() -> None:
            entry = next(it, None)
            if entry is not None:
                pending.append((entry, pool.submit(fetcher.fetch, entry)))

        for _ in range(max(1, jobs) + 1):
            submit_next()
        while pending:
            entry, future = pending.pop(0)
            submit_next()
            try:
                yield Fetched(entry, future.result())
            except (FetchError, MirrorError) as exc:
                yield Fetched(entry, None, exc.one_line())
            except OSError as exc:
                yield Fetched(entry, None, f"{entry.filename}: {exc}")


__all__ = ["Fetcher", "Fetched", "FetchError", "Progress", "fetch_all"]
