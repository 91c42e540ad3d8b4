"""Which dpkg-deb compression a package that carries weights is built with.

Float weights do not compress: xz spends minutes per GB to save a fraction
of a percent.  The choice is made from a sample of the package's weight
files and never changes the installed bytes, only the .deb's data member.

What the archive takes (docs/performance.md has the sources): lintian on
Debian 12 and 13 accepts data.tar, data.tar.gz, .xz (and deprecated .bz2,
.lzma) and calls anything else, zstd included, a malformed archive; an
uncompressed data.tar is the error `uses-no-compression-for-data-tarball`,
whose own explanation exempts non-compressible data, so choosing it comes
with an override that says why.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from ..model import MLModelError

CHOICES = ("auto", "xz", "gzip", "none", "zstd")
# Below this much weight data the default costs seconds at most: keep it.
MIN_AUTO_BYTES = 8 << 20
SAMPLE_CHUNK = 64 << 10
SAMPLE_CHUNKS = 32
# zlib level 6 on 64 KiB chunks: above this ratio the data is not worth compressing.
INCOMPRESSIBLE = 0.90

# --no-uniform-compression keeps control.tar compressed (gzip) when data.tar is not: lintian's
# uses-no-compression-for-control-tarball has no "incompressible" excuse, and control files do compress.
DPKG_ARGS = {"xz": ("-Zxz",), "gzip": ("-Zgzip", "-z1"), "none": ("-Znone", "--no-uniform-compression"),
             "zstd": ("-Zzstd",)}
NONE_OVERRIDE = "uses-no-compression-for-data-tarball"
DECISION_FILE = "mlmodel-compression"


class CompressionError(MLModelError):
    """A compression choice cannot be applied."""


@dataclass(frozen=True)
class Choice:
    compressor: str  # xz | gzip | none | zstd | default
    dpkg_args: tuple[str, ...]
    sample_ratio: float | None
    weights_bytes: int
    reason: str

    def to_json(self) -> dict:
        return asdict(self) | {"dpkg_args": list(self.dpkg_args)}


def sample_ratio(paths: Iterable[Path]) -> float | None:
    """Compressed/raw size of chunks read at even offsets across the files (1.0 = incompressible)."""
    files = [(p, p.stat().st_size) for p in paths]
    total = sum(size for _, size in files)
    if not total:
        return None
    raw = packed = 0
    step = max(total // SAMPLE_CHUNKS, 1)
    for target in range(0, total, step):
        path, offset = _locate(files, target)
        with open(path, "rb") as fh:
            fh.seek(offset)
            chunk = fh.read(SAMPLE_CHUNK)
        raw += len(chunk)
        packed += len(zlib.compress(chunk, 6))
    return round(packed / raw, 4) if raw else None


def _locate(files: list[tuple[Path, int]], target: int) -> tuple[Path, int]:
    for path, size in files:
        if target < size:
            return path, target
        target -= size
    return files[-1][0], 0


def choose(declared: str | None, weight_files: list[Path]) -> Choice:
    """The compression for one package, from the declaration and a sample of its weights."""
    weights_bytes = sum(p.stat().st_size for p in weight_files)
    declared = declared or "auto"
    if declared != "auto":
        note = " (not accepted by the Debian archive: lintian calls data.tar.zst malformed)" if declared == "zstd" else ""
        return Choice(declared, DPKG_ARGS[declared], None, weights_bytes, f"declared in debian/mlmodel.yaml{note}")
    if weights_bytes < MIN_AUTO_BYTES:
        return Choice("default", (), None, weights_bytes,
                      f"{weights_bytes} bytes of weights: dpkg-deb's default costs little at this size")
    ratio = sample_ratio(weight_files)
    if ratio is not None and ratio > INCOMPRESSIBLE:
        return Choice("none", DPKG_ARGS["none"], ratio, weights_bytes,
                      f"weights sample compresses to {ratio:.1%} with zlib: not compressible, built uncompressed")
    return Choice("default", (), ratio, weights_bytes,
                  f"weights sample compresses to {ratio:.1%} with zlib: compressible, dpkg-deb's default kept")


def override_for(choice: Choice) -> tuple[str, str] | None:
    """The lintian override an uncompressed data member needs, with its reason."""
    if choice.compressor != "none":
        return None
    ratio = f"{choice.sample_ratio:.1%}" if choice.sample_ratio is not None else "not measured"
    return (f"mlmodel: the weights do not compress (zlib sample ratio {ratio}); "
            f"compressing them costs minutes per GB for nothing", NONE_OVERRIDE)


def decision_path(package: str) -> Path:
    """Where dh_mlmodel leaves the choice for dh_mlmodel_builddeb (debhelper's scratch area)."""
    return Path("debian/.debhelper/generated") / package / DECISION_FILE


def decision_bytes(choice: Choice) -> bytes:
    """What dh_mlmodel writes at decision_path() for read_decision() to read back."""
    return (json.dumps(choice.to_json(), sort_keys=True) + "\n").encode("utf-8")


def read_decision(package: str) -> tuple[str, ...]:
    """The dpkg-deb arguments chosen for PACKAGE, () when none were."""
    try:
        data = json.loads(decision_path(package).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except (OSError, ValueError) as exc:
        raise CompressionError(decision_path(package), f"unreadable ({exc})") from None
    args = tuple(data.get("dpkg_args", ()))
    if args not in DPKG_ARGS.values() and args != ():
        raise CompressionError(decision_path(package), f"unexpected dpkg-deb arguments {args}")
    return args
