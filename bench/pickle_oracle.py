"""The loaders' own verdict on a file: which globals they import, and whether they reach a call.

    python bench/pickle_oracle.py < paths        # one JSON line per path, in order

Each path is handed to the real loaders that consume pickles, the way they
read it: CPython's C unpickler on the file from byte 0 (and again after each
STOP, as legacy torch files and concatenated streams are read), on every zip
or tar member, and on the gzip/bz2/xz/zlib-decompressed bytes; then
`numpy.load(allow_pickle=True)`, `joblib.load` and `torch.load(weights_only=False)`
when those libraries are importable.  The recorder is the one of the
differential tests, tests/risk/oracle_child.py (one module for both): its
`find_class` notes the name and returns an inert stub class, never importing
the module or looking the name up, so REDUCE, NEWOBJ, INST/OBJ and BUILD on a
stub only note that a call was reached; `pickle.load` has no `persistent_load`
(PERSID fails there, as it does for real) and torch's is modelled as torch's
(an inert storage).  docs/security.md says why it cannot run a payload.

Run it in a subprocess with a memory limit (bench/peer_suites.py does, and
restarts it when a sample exhausts it): memo and DUP bombs are real samples.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "risk"))
import oracle_child as rc  # noqa: E402  (tests/risk/oracle_child.py: the recorder)

MAX_STREAMS = 16          # pickles read back to back from one stream (legacy torch has 5)
MAX_INNER = 256 << 20     # bytes decompressed or read from one member


# Globals whose call builds plain data and nothing else, whatever the arguments; every other
# import counts as code on load.  Independent of dh_mlmodel/risk/allowlist.py on purpose: the
# oracle must not share our judgement.
INERT = frozenset({
    "collections.OrderedDict", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set",
    "builtins.frozenset", "builtins.bytearray", "builtins.complex",
    "builtins.slice", "builtins.bytes", "builtins.object", "__builtin__.set", "__builtin__.frozenset",
    "__builtin__.bytearray", "__builtin__.object", "__builtin__.complex", "_codecs.encode", "copyreg._reconstructor",
    "copy_reg._reconstructor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_parameter", "torch.Size", "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype", "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar", "joblib.numpy_pickle.NumpyArrayWrapper",
})
_PROTO_HEADER = re.compile(rb"^\x80[\x00-\x05]")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_STORAGE = re.compile(r"^torch\.[A-Za-z]*Storage$")


def truth_of(oracle: dict, label: str | None = None) -> str:
    """unsafe / safe from what the loaders did; `label` (the peer suite's expectation) when no loader read a pickle."""
    # a name no import resolves (not dotted identifiers) imports nothing: the loader fails there
    bad = [g for g in oracle.get("imports", []) if g not in INERT and not _STORAGE.match(g) and _DOTTED.match(g)]
    if bad or oracle.get("errors"):
        return "unsafe"
    if oracle.get("timeout"):
        return "unsafe"  # the real loader could not be watched to the end: not provably safe
    if oracle.get("loaders"):
        return "safe"  # a loader read it to the end, importing nothing but plain-data constructors
    return label or "unjudged"


class Record:
    """What the loaders did with one file: the recorder's log, de-duplicated, and how each load ended."""

    def __init__(self) -> None:
        rc.reset()
        self.errors: list[str] = []   # unprovable: a first pickle that broke after importing or calling
        self.notes: list[str] = []    # a library loader that failed (often: not its format)
        self.loaders: list[str] = []

    @staticmethod
    def seen() -> int:
        """Imports of names an import could resolve, and calls (an unresolvable name imports nothing)."""
        return sum(bool(rc.IDENT.match(g)) for g in rc.LOG["globals"]) + len(rc.LOG["calls"])

    def result(self, path: str) -> dict:
        return {"path": path, "imports": list(dict.fromkeys(rc.LOG["globals"])),
                "calls": list(dict.fromkeys(rc.LOG["calls"])), "errors": self.errors[:5],
                "notes": self.notes[:5], "loaders": self.loaders}


def walk_stream(rec: Record, f, where: str) -> None:
    """pickle.load on `f` from its position, again after each STOP, until the bytes end or a load fails.

    A first pickle that fails after it imported or called something, or that opens with a PROTO
    header, is "unprovable" (the loader ran that much and then broke: a malformed stack, a missing
    MARK); later failures are ordinary ends (a legacy torch file has raw storage bytes after its
    pickles).
    """
    for i in range(MAX_STREAMS):
        start = f.tell()
        if not f.read(1):
            return
        f.seek(start)
        seen = rec.seen()
        # torch reads a zip's data.pkl and a legacy file's pickles with its persistent_load (modelled
        # by the recorder); for every other stream it is the one pickle.load lacks: a superset of both
        unpickler = rc.TorchZipUnpickler if where.endswith("data.pkl") else rc.TorchLegacyUnpickler
        try:
            unpickler(f, encoding="latin1").load()
        except Exception as exc:  # noqa: BLE001 - every failure is a fact about the stream
            f.seek(start)
            head = f.read(2)
            if i == 0 and (rec.seen() > seen or _PROTO_HEADER.match(head)):
                rec.errors.append(f"{where}@{start}: {type(exc).__name__}: {str(exc)[:80]}")
            return
        rec.loaders.append(f"pickle:{where}@{start}")


def _inner_streams(data: bytes, where: str):
    """The byte streams a loader could unwrap from `data`: archive members and decompressed bytes."""
    bio = io.BytesIO(data)
    if zipfile.is_zipfile(bio):
        try:
            with zipfile.ZipFile(bio) as zf:
                for info in zf.infolist()[:4096]:
                    if info.file_size <= MAX_INNER and not info.is_dir():
                        if info.flag_bits & 1:
                            # "encrypted" but stored in the clear: a reader that ignores the bit reads the pickle
                            info.flag_bits &= ~1
                        try:
                            yield f"{where}!{info.filename}", zf.read(info)
                        except Exception:  # noqa: BLE001 - really encrypted, or damaged
                            continue
        except Exception:  # noqa: BLE001
            pass
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for m in tf.getmembers()[:4096]:
                if m.isfile() and m.size <= MAX_INNER:
                    yield f"{where}!{m.name}", tf.extractfile(m).read()
    except Exception:  # noqa: BLE001 - not a tar
        pass
    for name, fn in (("gzip", gzip.decompress), ("bz2", bz2.decompress), ("xz", lzma.decompress),
                     ("zlib", zlib.decompress)):
        try:
            out = fn(data)
        except Exception:  # noqa: BLE001 - not that compressor
            continue
        if len(out) <= MAX_INNER:
            yield f"{where}|{name}", out


def walk_bytes(rec: Record, data: bytes, where: str, depth: int = 0) -> None:
    walk_stream(rec, io.BytesIO(data), where)
    if depth < 3:
        for inner, blob in _inner_streams(data, where):
            walk_bytes(rec, blob, inner, depth + 1)


def via(rec: Record, name: str, data: bytes) -> None:
    """numpy.load, joblib.load or torch.load through the recorder (oracle_child.LOADERS)."""
    seen = rec.seen()
    try:
        rc.LOADERS[name](data)
        rec.loaders.append(f"{name}.load")
    except ImportError as exc:
        if rec.seen() > seen:
            rec.notes.append(f"{name}.load: {type(exc).__name__}: {str(exc)[:80]}")
    except Exception as exc:  # noqa: BLE001 - often: not that library's format
        if rec.seen() > seen:
            rec.notes.append(f"{name}.load: {type(exc).__name__}: {str(exc)[:80]}")


def judge(path: str) -> dict:
    rec = Record()
    data = Path(path).read_bytes()
    walk_bytes(rec, data, "")
    for name in ("numpy", "joblib", "torch"):
        via(rec, name, data)
    return rec.result(path)


def main() -> None:
    import warnings
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(10_000)
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(json.dumps(judge(path)), flush=True)


if __name__ == "__main__":
    main()
