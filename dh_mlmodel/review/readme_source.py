"""Keep a marked section of debian/README.source: the review in prose, the maintainer's text untouched.

The section is the lines from BEGIN to END (each a whole line, nothing else on it).  Everything
outside is kept byte for byte: the file is read and written as bytes split at the markers, so its
encoding and line ends need not be understood; our lines take the file's line end (CRLF when its
first line ends so).  Without a section the new one is appended after one blank line.  Every line
between the markers is indented, so no value (which holds no newline) can forge a marker.  The
result is written through a temporary file and rename, and not at all when it is unchanged.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..model import MLModelError

BEGIN = "### BEGIN mlmodel report: written by `mlmodel report --readme-source`; edit outside this section"
END = "### END mlmodel report"


class ReadmeSourceError(MLModelError):
    """debian/README.source cannot be updated safely."""


def _eol(data: bytes) -> bytes:
    first = data.split(b"\n", 1)
    return b"\r\n" if len(first) == 2 and first[0].endswith(b"\r") else b"\n"


def _marker_lines(lines: list[bytes], marker: bytes) -> list[int]:
    return [i for i, line in enumerate(lines) if line.rstrip(b"\r\n") == marker]


def section(body: str, eol: bytes = b"\n") -> bytes:
    """BEGIN, the body's lines, END; each line ended with `eol`."""
    lines = [BEGIN, *body.rstrip("\n").split("\n"), END]
    for line in lines[1:-1]:
        if line.strip() and not line.startswith("  "):
            raise ReadmeSourceError(None, f"internal: an unindented line in the README.source section: {line[:60]!r}")
    return b"".join(line.rstrip(" ").encode("utf-8") + eol for line in lines)


def merge(existing: bytes | None, body: str, path: Path) -> bytes:
    """`existing` with its section replaced by (or appended as) the new one."""
    if not existing:
        return section(body)
    eol = _eol(existing)
    lines = existing.splitlines(keepends=True)
    begins, ends = _marker_lines(lines, BEGIN.encode()), _marker_lines(lines, END.encode())
    if not begins and not ends:
        sep = b"" if existing.endswith(b"\n") else eol
        return existing + sep + eol + section(body, eol)
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise ReadmeSourceError(path, f"the mlmodel report section is broken ({len(begins)} BEGIN and {len(ends)} END "
                                      "marker lines, or END first); repair or remove it, then run again")
    b, e = begins[0], ends[0]
    return b"".join(lines[:b]) + section(body, eol) + b"".join(lines[e + 1:])


def update(path: Path, body: str, root: Path | None = None) -> str:
    """Write the section into `path` (which must stay inside `root`); "written", "updated" or "unchanged"."""
    if path.is_symlink():
        raise ReadmeSourceError(path, "is a symbolic link; refusing to write through it")
    if root is not None and not path.parent.resolve().is_relative_to(Path(root).resolve()):
        raise ReadmeSourceError(path, f"{path.parent} leads out of the source tree; refusing to write there")
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        existing = None
    merged = merge(existing, body, path)
    if merged == existing:
        return "unchanged"
    _atomic_write_bytes(path, merged, existing is not None)
    return "updated" if existing is not None else "written"


def _atomic_write_bytes(path: Path, data: bytes, existed: bool) -> None:
    mode = path.stat().st_mode & 0o7777 if existed else 0o644
    tmp = path.with_name(f".{path.name}.mlmodel-report.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
