"""Streaming sha256 and the progress bar's manners."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dh_mlmodel.hashing import BUFFER_SIZE, ProgressBar, sha256_file


@pytest.mark.parametrize("size", [0, 1, BUFFER_SIZE - 1, BUFFER_SIZE, BUFFER_SIZE + 1, 3 * BUFFER_SIZE + 17])
def test_matches_hashlib(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    seen = []
    assert sha256_file(path, seen.append) == hashlib.sha256(data).hexdigest()
    assert sum(seen) == size  # every byte read exactly once


def test_matches_sha256sum(tmp_path: Path) -> None:
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum not installed")
    path = tmp_path / "f"
    path.write_bytes(os.urandom(BUFFER_SIZE + 5))
    theirs = subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.PIPE, text=True).stdout.split()[0]
    assert sha256_file(path) == theirs


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_silent_when_not_a_tty() -> None:
    out = io.StringIO()
    bar = ProgressBar(100, out, delay=0)
    bar(50)
    bar.close()
    assert out.getvalue() == ""


def test_progress_silent_when_fast() -> None:
    out = _Tty()
    bar = ProgressBar(100, out, delay=60)
    bar(100)
    bar.close()
    assert out.getvalue() == ""


def test_progress_drawn_on_a_slow_tty() -> None:
    out = _Tty()
    bar = ProgressBar(200, out, delay=0)
    bar(100)
    assert "50.0%" in out.getvalue()
    bar.close()
    assert out.getvalue().endswith("\r\033[K")


# ---------------------------------------------------------------- parallel hashing (issue 15)

def _shards(tmp_path: Path) -> list[Path]:
    sizes = [0, 1, BUFFER_SIZE, 3 * BUFFER_SIZE + 17, 12345, BUFFER_SIZE - 1, 2 * BUFFER_SIZE]
    paths = []
    for i, size in enumerate(sizes):
        p = tmp_path / f"model-{i:05d}-of-{len(sizes):05d}.safetensors"
        p.write_bytes(os.urandom(size))
        paths.append(p)
    return paths


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_parallel_digests_equal_serial_and_the_reference_tools(tmp_path: Path, workers: int) -> None:
    from dh_mlmodel.hashing import digest_files, file_digests

    paths = _shards(tmp_path)
    seen = []
    got = digest_files(paths, seen.append, md5=True, workers=workers)
    assert got == [file_digests(p, md5=True) for p in paths]
    assert sum(seen) == sum(p.stat().st_size for p in paths)  # every byte once, counted from every thread
    if shutil.which("sha256sum") and shutil.which("md5sum"):
        for tool, index in (("sha256sum", 0), ("md5sum", 1)):
            out = subprocess.run([tool, *map(str, paths)], check=True, stdout=subprocess.PIPE, text=True).stdout
            assert [line.split()[0] for line in out.splitlines()] == [d[index] for d in got]


def test_worker_count_follows_cores_and_deb_build_options(monkeypatch) -> None:
    from dh_mlmodel import hashing

    monkeypatch.setattr(hashing, "_cores", lambda: 8)
    monkeypatch.delenv("DEB_BUILD_OPTIONS", raising=False)
    assert hashing.default_workers(20) == 8 and hashing.default_workers(3) == 3 and hashing.default_workers(0) == 1
    monkeypatch.setenv("DEB_BUILD_OPTIONS", "nocheck parallel=2")
    assert hashing.default_workers(20) == 2
    monkeypatch.setenv("DEB_BUILD_OPTIONS", "parallel=64")
    assert hashing.default_workers(20) == 8  # never more threads than cores


def test_inspect_hashes_in_parallel_with_the_same_facts(tmp_path: Path, monkeypatch) -> None:
    from dh_mlmodel import hashing
    from dh_mlmodel.inspect import inspect_model_dir

    _shards(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    monkeypatch.setattr(hashing, "default_workers", lambda n: 1)
    serial = inspect_model_dir(tmp_path, md5=True)
    threads = []
    real = hashing.digest_files
    monkeypatch.setattr(hashing, "default_workers", lambda n: 4)
    monkeypatch.setattr(hashing, "digest_files", lambda *a, **k: threads.append(k.get("workers")) or real(*a, **k))
    parallel = inspect_model_dir(tmp_path, md5=True)
    assert parallel == serial and all(f.sha256 for f in parallel.files)
    assert threads and threads[0] in (None, 4)
