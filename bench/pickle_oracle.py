"""The loaders' own verdict on a file: which globals they import, and whether they reach a call.

    python bench/pickle_oracle.py < paths        # one JSON line per path, in order

Each path is handed to the real loaders that consume pickles, the way they
read it: CPython's C unpickler on the file from byte 0 (and again after each
STOP, as legacy torch files and concatenated streams are read), on every zip
or tar member, and on the gzip/bz2/xz/zlib-decompressed bytes; then
`numpy.load(allow_pickle=True)`, `joblib.load` and `torch.load(weights_only=False)`
when those libraries are importable.  Every one of them resolves globals
through `find_class` (numpy and torch through the pickle module they are
handed, joblib through its Unpickler class), and here `find_class` is a
recorder: it notes (module, name) and returns a fresh stub class built by
`type()`, never importing the module or looking the name up.  The payload
therefore never gets a real callable: REDUCE, NEWOBJ, INST/OBJ and BUILD on a
stub only note that a call was reached.  `persistent_load` (torch's storages)
returns a stub too.  Nothing else in a pickle can reach code: every opcode that
calls goes through a value that came from find_class (or persistent_load).

Run it in a subprocess with a memory limit (bench/peer_suites.py does, and
restarts it when a sample exhausts it): memo and DUP bombs are real samples.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import pickle
import re
import sys
import tarfile
import types
import zipfile
import zlib

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
    bad = [g for g in oracle.get("imports", []) if g not in INERT and not _STORAGE.match(g)]
    if bad or oracle.get("errors"):
        return "unsafe"
    if oracle.get("timeout"):
        return "unsafe"  # the real loader could not be watched to the end: not provably safe
    if oracle.get("loaders"):
        return "safe"  # a loader read it to the end, importing nothing but plain-data constructors
    return label or "unjudged"


class Record:
    def __init__(self) -> None:
        self.imports: list[tuple[str, str]] = []
        self.calls: list[tuple[str, str]] = []
        self.errors: list[str] = []   # unprovable: a first pickle that broke after importing or calling
        self.notes: list[str] = []    # a library loader that failed (often: not its format)
        self.loaders: list[str] = []

    def imported(self, module: str, name: str) -> type:
        if not (_DOTTED.match(str(module)) and _DOTTED.match(str(name))):
            # what the real find_class does in every environment: no module or attribute has such a name
            raise ModuleNotFoundError(f"no module {module!r} / attribute {name!r} can exist")
        key = (str(module), str(name))
        if key not in self.imports:
            self.imports.append(key)
        return _stub(self, key)

    def called(self, key: tuple[str, str]) -> None:
        if key not in self.calls:
            self.calls.append(key)


def _stub(rec: Record, key: tuple[str, str]) -> type:
    """An inert stand-in for the global `key`: every use that a pickle can make of it is noted, none runs."""
    def new(cls, *args, **kwargs):
        rec.called(key)
        return object.__new__(cls)

    def noop(self, *args, **kwargs):
        rec.called(key)

    body = {"__new__": new, "__init__": lambda self, *a, **k: None, "__setstate__": noop,
            "__call__": lambda self, *a, **k: (rec.called(key), _stub(rec, key)())[1],
            "append": noop, "extend": noop, "__setitem__": noop, "add": noop,
            "__reduce__": lambda self: (object, ()), "__module__": "oracle.stub"}
    return type("Stub", (), body)


def recorder_unpickler(rec: Record, base=pickle.Unpickler):
    class Recorder(base):  # the C unpickler unless a loader hands its own class
        def find_class(self, module, name):
            return rec.imported(module, name)

        def persistent_load(self, pid):
            rec.called(("<persistent_load>", type(pid).__name__))
            return _stub(rec, ("<persistent_load>", "id"))()
    return Recorder


def recorder_module(rec: Record) -> types.ModuleType:
    """A stand-in for the `pickle` module, for loaders that take one (torch, numpy)."""
    mod = types.ModuleType("oracle_pickle")
    mod.__dict__.update({k: getattr(pickle, k) for k in dir(pickle) if not k.startswith("__")})
    unpickler = recorder_unpickler(rec)
    mod.Unpickler = unpickler
    mod.load = lambda f, **kw: unpickler(f, **_kw(kw)).load()
    mod.loads = lambda b, **kw: unpickler(io.BytesIO(b), **_kw(kw)).load()
    return mod


def _kw(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if k in ("fix_imports", "encoding", "errors", "buffers")}


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
        seen = len(rec.imports) + len(rec.calls)
        try:
            recorder_unpickler(rec)(f, encoding="latin1").load()
        except Exception as exc:  # noqa: BLE001 - every failure is a fact about the stream
            f.seek(start)
            head = f.read(2)
            if i == 0 and (len(rec.imports) + len(rec.calls) > seen or _PROTO_HEADER.match(head)):
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


def via_numpy(rec: Record, path: str) -> None:
    import importlib
    import numpy as np
    patched = []
    for name in ("numpy.lib._format_impl", "numpy.lib.format", "numpy.lib._npyio_impl", "numpy.lib.npyio"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if isinstance(getattr(mod, "pickle", None), types.ModuleType):
            patched.append((mod, mod.pickle))
            mod.pickle = recorder_module(rec)
    try:
        obj = np.load(path, allow_pickle=True, encoding="latin1")
        if hasattr(obj, "files"):
            for k in obj.files:
                obj[k]
        rec.loaders.append("numpy.load")
    except Exception as exc:  # noqa: BLE001
        if rec.imports:
            rec.notes.append(f"numpy.load: {type(exc).__name__}")
    finally:
        for mod, saved in patched:
            mod.pickle = saved


def via_joblib(rec: Record, path: str) -> None:
    import joblib.numpy_pickle as jnp
    saved = jnp.NumpyUnpickler.find_class
    jnp.NumpyUnpickler.find_class = lambda self, module, name: rec.imported(module, name)
    try:
        jnp.load(path)
        rec.loaders.append("joblib.load")
    except Exception as exc:  # noqa: BLE001
        if rec.imports:
            rec.notes.append(f"joblib.load: {type(exc).__name__}")
    finally:
        jnp.NumpyUnpickler.find_class = saved


def via_torch(rec: Record, path: str) -> None:
    import torch
    if int(torch.__version__.split(".")[0]) < 2:
        # torch 1.x (Debian 12's 1.13) lets a checkpoint's globals past pickle_module's find_class: a
        # payload ran.  walk_bytes already reads every zip member and legacy pickle with the recorder.
        rec.notes.append("torch.load not run: torch 1.x does not route every global through the recorder")
        return
    try:
        torch.load(path, map_location="cpu", weights_only=False, pickle_module=recorder_module(rec))
        rec.loaders.append("torch.load")
    except Exception as exc:  # noqa: BLE001
        if rec.imports:
            rec.notes.append(f"torch.load: {type(exc).__name__}: {str(exc)[:80]}")


def judge(path: str) -> dict:
    rec = Record()
    with open(path, "rb") as f:
        data = f.read()
    walk_bytes(rec, data, "")
    for loader in (via_numpy, via_joblib, via_torch):
        try:
            loader(rec, path)
        except ImportError:
            pass
    return {"path": path, "imports": [".".join(k) for k in rec.imports],
            "calls": [".".join(k) for k in rec.calls], "errors": rec.errors[:5], "notes": rec.notes[:5],
            "loaders": rec.loaders}


def main() -> None:
    import warnings
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(json.dumps(judge(path)), flush=True)


if __name__ == "__main__":
    main()
