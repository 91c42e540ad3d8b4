"""How the `--update` commands end: print the result, or write it atomically and say what changed."""
from __future__ import annotations

import sys
from pathlib import Path

from ..debhelper import atomic_write_text


def print_or_write(path: Path, existing: str | None, merged: str, update: bool, summary: str) -> int:
    """Without --update, print MERGED; with it, write PATH (or remove it when MERGED is empty)."""
    if not update:
        sys.stdout.write(merged)
        return 0
    if merged == existing or (existing is None and not merged.strip()):
        print(f"{path}: unchanged")
        return 0
    if not merged.strip():
        path.unlink(missing_ok=True)
        print(f"{path}: removed (nothing left to write)")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, merged)
    print(f"{path}: {'updated' if existing is not None else 'written'} ({summary})")
    return 0
