"""debian/copyright and the model files it must cover.

The check uses python-debian's DEP-5 parser, the same matching dak and
lintian apply (last matching Files: paragraph wins).
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterable

from debian import copyright as dep5

from ..model import MLModelError


class CopyrightError(MLModelError):
    """debian/copyright cannot be read or does not cover what is shipped."""


def read_copyright(path: Path) -> dep5.Copyright | None:
    """The parsed file, or None when it is not machine-readable (DEP-5)."""
    try:
        with open(path, encoding="utf-8") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dep5.Copyright(fh, strict=False)
    except FileNotFoundError:
        raise CopyrightError(path, "missing (every Debian package needs one)") from None
    except dep5.NotMachineReadableError:
        return None
    except (ValueError, UnicodeDecodeError, dep5.Error) as exc:
        raise CopyrightError(path, f"cannot parse: {exc}") from None


def uncovered(copyright_file: dep5.Copyright, source_paths: Iterable[str]) -> list[str]:
    """The source-tree paths no Files: paragraph matches."""
    return sorted(p for p in source_paths if copyright_file.find_files_paragraph(p) is None)
