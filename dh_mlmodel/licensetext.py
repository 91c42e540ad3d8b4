"""Which licence an upstream LICENSE file is, by its text: Debian's licensecheck.

licensecheck (Debian 12 and 13, `apt install licensecheck`) is the matcher
Debian maintainers already trust for this: the same tool decopy and
`debmake -k` use to draft debian/copyright, with patterns for the licence
texts Debian sees, maintained with the archive.  Writing our own matcher
would mean a second, untested corpus of licence texts; we only map its
short names through the licence table (dh_mlmodel/licenses.py).

Used at the maintainer's desk (`mlmodel classify`, `init`, `copyright`),
not by dh_mlmodel, so a build never depends on whether it is installed:
the text is evidence shown beside the declaration, never the licence used.
"""
from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from . import licenses

TOOL = "licensecheck"
TIMEOUT = 60  # seconds, for a handful of small files


@lru_cache(maxsize=256)
def _run(path: str, size: int, mtime: int) -> str | None:
    try:
        proc = subprocess.run([TOOL, "--machine", "--shortname-scheme=spdx", "--check", ".*", "--lines", "0",
                               "--", path], capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = proc.stdout.strip().splitlines()[-1] if proc.returncode == 0 and proc.stdout.strip() else ""
    return line.split("\t")[1].strip() if "\t" in line else None


def available() -> bool:
    return shutil.which(TOOL) is not None


def identify(path: Path) -> tuple[str | None, str]:
    """(SPDX id or expression, what licensecheck said) for one licence file; (None, why) when unknown."""
    if not available():
        return None, "not identified: licensecheck is not installed (apt install licensecheck)"
    try:
        st = Path(path).stat()
    except OSError as exc:
        return None, f"not identified: {exc.strerror}"
    said = _run(str(path), st.st_size, int(st.st_mtime))
    if not said or said.upper() == "UNKNOWN":
        return None, "licensecheck recognises no licence in it"
    spdx = licenses.normalise(said) or licenses.normalise(said.replace(" and/or ", " or "))
    return spdx, said
