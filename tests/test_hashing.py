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
