"""The recorder: real loaders (CPython's unpicklers, torch.load, joblib.load, numpy.load) with find_class
replaced, run in a child process by tests/risk/oracle.py.  It never resolves a real callable.

Why it cannot run a payload (docs/security.md, "The differential oracle"):
- every GLOBAL, STACK_GLOBAL, INST and EXT goes through `find_class`, which only records the name and
  returns a fresh subclass of `Stub`; nothing is imported.  Names that no import could resolve raise, as
  the real import would (so the recorder stops where the real loader stops);
- REDUCE, NEWOBJ(_EX), OBJ, INST and BUILD can only call what is on the stack: pickle's own values
  (str, int, tuple, list, dict, bytes, None, bool; none is callable) or stubs.  A stub's __new__,
  __init__, __call__, __setstate__, __setitem__, append, extend, add and any attribute do nothing but
  note that a call got through and return another stub;
- pickle.load has no persistent_load (PERSID fails, as in the real loader); torch.load sets its
  own, which only reads its zip's records (under torch 1.x ours does what torch's does: returns an
  inert Storage or the class a legacy "module" record names, calls nothing);
- copyreg's extension registry is emptied before any load, so EXT1/2/4 fail instead of naming a real
  callable; `pickle.loads` of nested bytes inside a payload can only happen through a stub, i.e. never.
The child reads [loader name, bytes] pairs from stdin and writes one JSON line per input.  The same
module is bench/pickle_oracle.py's recorder (the peer-suite truth): one recorder for both.
"""
from __future__ import annotations

import copyreg
import io
import json
import pickle
import re
import struct
import sys
import types

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
LOG: dict = {}


class Stub:
    """Inert: every operation a loader applies to an object records a call and returns another stub.

    `_dotted` is the global a stub class stands for; instances keep it, so a call on a call's result
    is still charged to the global that made it."""

    _dotted = "?"

    def __new__(cls, *args, **kwargs):
        LOG["calls"].append(cls._dotted)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass  # __new__ recorded the call

    def __call__(self, *args, **kwargs):
        LOG["calls"].append(self._dotted)
        return _instance(self._dotted)

    def __setstate__(self, state):
        LOG["calls"].append(self._dotted)

    def __setitem__(self, key, value):
        LOG["calls"].append(self._dotted)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # no real protocol is reached through a stub
        return _instance(self._dotted)

    def __reduce__(self):
        raise TypeError("stubs are not pickled")


def _instance(dotted: str) -> Stub:
    obj = object.__new__(Stub)
    object.__setattr__(obj, "_dotted", dotted)
    return obj


def find_class(self, module, name):
    dotted = f"{module}.{name}"
    LOG["globals"].append(dotted)
    if not (isinstance(module, str) and isinstance(name, str) and IDENT.match(module) and IDENT.match(name)):
        raise ImportError(f"No module named {module!r}")  # what __import__/getattr do for such a name
    return type("Stub_" + re.sub(r"\W", "_", name), (Stub,), {"_dotted": dotted})


class Storage:
    """What torch's persistent_load returns for a storage record: data.  Not callable, no __setstate__."""
    __slots__ = ("__dict__",)


def _torch_persistent_load(pid, fields: int):
    """torch.serialization's persistent_load (1.13 and 2.x), without torch: it asserts a tuple, decodes
    the type name, returns the class a legacy "module" record names (find_class made it) and a
    storage for a "storage" record after unpacking its fields; it calls nothing a pickle gave it."""
    LOG["persid"] = True
    assert isinstance(pid, tuple), "persistent id is not a tuple"
    typename = pid[0].decode("ascii") if isinstance(pid[0], (bytes, bytearray)) else pid[0]
    data = pid[1:]
    if typename == "module" and fields == 5:  # only the legacy format has module records
        return data[0]
    assert typename == "storage", f"unknown typename for persistent_load: {typename!r}"
    storage_type, *_rest = data
    if len(data) != fields:
        raise ValueError(f"expected {fields} values to unpack, got {len(data)}")
    if not (isinstance(storage_type, type) and issubclass(storage_type, Stub)):
        storage_type.dtype  # torch reads it: a str or number raises; a class from find_class has one
    return Storage()


class CUnpickler(pickle.Unpickler):  # pickle.load: no persistent_load (torch.load sets its own)
    find_class = find_class


class PyUnpickler(pickle._Unpickler):
    find_class = find_class


class TorchZipUnpickler(pickle.Unpickler):
    """torch 1.13's zip loader (_load): persistent_load reads ('storage', type, key, location, numel)."""
    find_class = find_class

    def persistent_load(self, pid):
        return _torch_persistent_load(pid, 4)


class TorchLegacyUnpickler(pickle.Unpickler):
    """torch 1.13's legacy loader (_legacy_load): 'module' records and 5-field storage records."""
    find_class = find_class

    def persistent_load(self, pid):
        return _torch_persistent_load(pid, 5)


def _recorder_module(cls) -> types.ModuleType:
    """A stand-in for the `pickle` module whose Unpickler and load are the recorder."""
    m = types.ModuleType("recorder_pickle")
    m.__dict__.update({k: getattr(pickle, k) for k in dir(pickle) if not k.startswith("__")})
    m.Unpickler = cls
    m.load = lambda f, **kw: cls(f, **kw).load()
    m.loads = lambda b, **kw: cls(io.BytesIO(b), **kw).load()
    m.__version__ = "recorder"
    return m


def load_pickle(data):
    return CUnpickler(io.BytesIO(data)).load()


def load_python(data):
    return PyUnpickler(io.BytesIO(data)).load()


def load_torch(data):
    import torch
    torch.set_num_threads(1)  # no thread pool per load (the explore run makes hundreds of thousands)
    if int(torch.__version__.split(".")[0]) < 2:
        return _load_torch1(data)
    return torch.load(io.BytesIO(data), pickle_module=_recorder_module(CUnpickler), weights_only=False,
                      map_location="cpu")


def _load_torch1(data):
    """torch 1.x (Debian 12's 1.13) does not send every global of a zip checkpoint through
    pickle_module's find_class: a payload ran through it.  Read the checkpoint as its loader
    does instead: data.pkl of the zip, or the legacy file's pickles, with persistent_load."""
    import zipfile
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = next(n for n in z.namelist() if n == "data.pkl" or n.endswith("/data.pkl"))
            return TorchZipUnpickler(io.BytesIO(z.read(name))).load()
    f = io.BytesIO(data)
    for _ in range(3):  # magic number, protocol version, system info
        CUnpickler(f).load()
    return TorchLegacyUnpickler(f).load()


def load_joblib(data):
    import joblib.numpy_pickle as jnp
    saved = jnp.Unpickler.find_class
    jnp.Unpickler.find_class = find_class  # NumpyUnpickler subclasses pickle._Unpickler
    try:
        return jnp.load(io.BytesIO(data))
    finally:
        jnp.Unpickler.find_class = saved


def load_numpy(data):
    import numpy as np
    try:
        from numpy.lib import _format_impl, _npyio_impl
    except ImportError:  # numpy < 2 (Debian 12's 1.24)
        from numpy.lib import format as _format_impl, npyio as _npyio_impl
    rec = _recorder_module(CUnpickler)
    saved = _format_impl.pickle, _npyio_impl.pickle
    _format_impl.pickle = _npyio_impl.pickle = rec
    try:
        obj = np.load(io.BytesIO(data), allow_pickle=True)
        if hasattr(obj, "files"):  # an npz loads its members when they are read
            return [obj[k] for k in obj.files]
        return obj
    finally:
        _format_impl.pickle, _npyio_impl.pickle = saved


LOADERS = {"pickle": load_pickle, "python": load_python, "torch": load_torch, "joblib": load_joblib,
           "numpy": load_numpy}


def reset() -> None:
    """A fresh log, and copyreg's extension registry emptied (EXT1/2/4 then name no real callable)."""
    for reg in (copyreg._extension_registry, copyreg._inverted_registry, copyreg._extension_cache):
        reg.clear()
    LOG.clear()
    LOG.update(globals=[], calls=[], persid=False)


def _read(f, n):
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data


def main() -> None:
    import warnings
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(10_000)
    inp, out = sys.stdin.buffer, sys.stdout
    while True:
        try:
            (ln,) = struct.unpack("<I", _read(inp, 4))
        except EOFError:
            return
        loader = _read(inp, ln).decode()
        (n,) = struct.unpack("<Q", _read(inp, 8))
        data = _read(inp, n)
        reset()
        error = None
        try:
            LOADERS[loader](data)
        except BaseException as exc:  # noqa: BLE001 - every way a load ends is an observation
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
        out.write(json.dumps({"globals": LOG["globals"], "calls": LOG["calls"], "error": error}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
