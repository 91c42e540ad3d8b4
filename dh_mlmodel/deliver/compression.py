"""Which dpkg-deb compression a package that carries weights is built with.

The rule (docs/performance.md has the measurements, bench/deliver_bench.py
makes them): a build spends CPU only where it buys bytes, at the exchange
rate of MIB_PER_CPU_SECOND MiB of .deb saved per CPU second of dpkg-deb.
Per MiB of weights, gzip -1 costs GZIP_CPU_PER_MIB CPU seconds and xz
(-1 or the default -6) costs XZ1_CPU_PER_MIB or more, and on real weights xz
saves 0.4 to 2 points more than gzip -1 on weights over 8 MiB (torch.save of
trained MiniLM fp32: gzip -1 8.1 %, xz -1 8.6 %; SmolLM2 Q4_1 GGUF: 5.7 % and
6.6 %), 11 points on tesseract's LSTM file and on 1-2 MiB ONNX files.  So:

- weights whose sample gzip -1 shrinks by less than its cost
  (GZIP_CPU_PER_MIB / MIB_PER_CPU_SECOND, about 6 %) are built
  uncompressed: random-looking data, quantized GGUF;
- all other weights get gzip -1: float checkpoints that shrink by a tenth
  to a third (the zip checkpoint under 100 MB that took more than two
  minutes with xz takes seconds);
- xz is never chosen by the rule: its extra saving on weights is worth a
  few hundredths of its CPU at any rate at which gzip -1 pays.

The choice is made from a fixed sample of the package's weight files
(deterministic: the same bytes give the same choice, so builds stay
reproducible; no timing enters it) and never changes the installed bytes,
only the .deb's data member.  Below MIN_AUTO_BYTES dpkg-deb's default is kept.

What the archive takes: lintian on Debian 12 and 13 accepts data.tar,
data.tar.gz, .xz (and deprecated .bz2, .lzma) and calls anything else, zstd
included, a malformed archive; an uncompressed data.tar is the error
`uses-no-compression-for-data-tarball`, whose own explanation exempts
non-compressible data, so choosing it comes with an override that says why.
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
# The exchange rate: one CPU second of dpkg-deb is worth this many MiB less in the .deb.
MIB_PER_CPU_SECOND = 1.0
# CPU seconds per MiB of weights, dpkg-deb on the project machine (bench/deliver_bench.py, docs/performance.md).
GZIP_CPU_PER_MIB = 0.06
XZ1_CPU_PER_MIB = 0.75
SAMPLE_LEVEL = 1  # dpkg-deb -Zgzip -z1 is zlib at level 1

# --no-uniform-compression keeps control.tar compressed (gzip) when data.tar is not: lintian's
# uses-no-compression-for-control-tarball has no "incompressible" excuse, and control files do compress.
DPKG_ARGS = {"xz": ("-Zxz",), "xz-1": ("-Zxz", "-z1"), "gzip": ("-Zgzip", "-z1"), "none": ("-Znone", "--no-uniform-compression"),
             "zstd": ("-Zzstd",)}
NONE_OVERRIDE = "uses-no-compression-for-data-tarball"
DECISION_FILE = "mlmodel-compression"


class CompressionError(MLModelError):
    """A compression choice cannot be applied."""


@dataclass(frozen=True)
class Choice:
    compressor: str  # xz | gzip | none | zstd | default
    dpkg_args: tuple[str, ...]
    sample_ratio: float | None  # gzip -1 (zlib level 1) size / raw size of the sample
    weights_bytes: int
    reason: str
    estimates: dict | None = None  # compressor -> the rule's score per MiB of weights

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
        packed += len(zlib.compress(chunk, SAMPLE_LEVEL))
    return round(packed / raw, 4) if raw else None


def _locate(files: list[tuple[Path, int]], target: int) -> tuple[Path, int]:
    for path, size in files:
        if target < size:
            return path, target
        target -= size
    return files[-1][0], 0


def scores(ratio: float) -> dict[str, float]:
    """The rule's score of each compressor, per MiB of weights: MiB saved minus CPU at the exchange rate.

    xz -1 is credited with gzip's saving plus XZ_EXTRA_SAVING (more than it
    saved on any real weights measured), so its score is an upper bound."""
    saved = 1.0 - ratio
    return {"none": 0.0, "gzip": round(saved - GZIP_CPU_PER_MIB * MIB_PER_CPU_SECOND, 4),
            "xz-1": round(min(1.0, saved + XZ_EXTRA_SAVING) - XZ1_CPU_PER_MIB * MIB_PER_CPU_SECOND, 4)}


# The most xz -1 saved beyond gzip -1 on real files (bench: 0.4 to 2 points on weights over 8 MiB,
# 11 points on 1-2 MiB ONNX files); credited more than double, so xz's score is an upper bound.
XZ_EXTRA_SAVING = 0.25


def gzip_pays(ratio: float) -> bool:
    """Whether gzip -1 saves more than its CPU is worth on data whose sample_ratio() is RATIO."""
    return scores(ratio)["gzip"] > 0


def choose(declared: str | None, weight_files: list[Path], *, min_bytes: int = MIN_AUTO_BYTES) -> Choice:
    """The compression for one package, from the declaration and a sample of its weights."""
    weights_bytes = sum(p.stat().st_size for p in weight_files)
    declared = declared or "auto"
    if declared != "auto":
        note = " (not accepted by the Debian archive: lintian calls data.tar.zst malformed)" if declared == "zstd" else ""
        return Choice(declared, DPKG_ARGS[declared], None, weights_bytes, f"declared in debian/mlmodel.yaml{note}")
    if weights_bytes < min_bytes:
        return Choice("default", (), None, weights_bytes,
                      f"{weights_bytes} bytes of weights: dpkg-deb's default costs little at this size")
    ratio = sample_ratio(weight_files)
    if ratio is None:
        return Choice("default", (), None, weights_bytes, "no weight bytes to sample")
    table = scores(ratio)
    best = max(sorted(table), key=lambda c: (table[c], c == "none"))  # ties: the cheaper "none"
    saved = f"gzip -1 shrinks the weights sample by {1 - ratio:.1%}"
    cost = f"its CPU is worth {GZIP_CPU_PER_MIB * MIB_PER_CPU_SECOND:.0%}"
    if best == "none":
        return Choice("none", DPKG_ARGS["none"], ratio, weights_bytes,
                      f"{saved}, less than {cost}: built uncompressed", table)
    return Choice(best, DPKG_ARGS[best], ratio, weights_bytes, f"{saved}, more than {cost}: built with {best} -1"
                  if best == "gzip" else f"{saved}: built with {best}", table)


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
