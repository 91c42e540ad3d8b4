"""Which imported callables a pickle may name: the allowlist, and a deny set for messages.

The verdict is by allowlist: a callable that is not listed here (or accepted
per file in debian/mlmodel.yaml) is an error.  The deny set only lets the
message say *why* a callable is bad; leaving a name out of it changes nothing.

Sources:
- torch 2.13 `torch/_weights_only_unpickler.py`, `_get_allowed_globals()`
  (dumped from the installed wheel; docs/formats.md §4.4).
- NumPy entries: the safe lists of picklescan (`scanner.py`, `_safe_globals`)
  and fickling (`fickling/ml.py`, `ML_ALLOWLIST`); docs/formats.md §4.4.
- NumPy `numpy/_core/numeric.py` (`_frombuffer`, protocol-5 arrays).
- joblib `joblib/numpy_pickle.py`: `NumpyArrayWrapper` is how joblib stores
  arrays; it only reads array bytes that follow it in the stream.
"""
from __future__ import annotations

from itertools import product


def _expand(prefix: str, names: str) -> frozenset[str]:
    return frozenset(f"{prefix}{n}" for n in names.split())


_STORAGE_KINDS = ("BFloat16 Bool Byte Char ComplexDouble ComplexFloat Double Float Half Int Long Short "
                  "QInt32 QInt8 QUInt2x4 QUInt4x2 QUInt8")
_TENSOR_KINDS = "Byte Char Short Int Long Half Float Double BFloat16 Bool"
_DTYPES = ("float16 float32 float64 bfloat16 complex32 complex64 complex128 bool "
           "int1 int2 int3 int4 int5 int6 int7 int8 int16 int32 int64 "
           "uint1 uint2 uint3 uint4 uint5 uint6 uint7 uint8 uint16 uint32 uint64 "
           "float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu float4_e2m1fn_x2 "
           "bits16 bits1x8 bits2x4 bits4x2 bits8 qint8 qint32 quint8 quint2x4 quint4x2")
_REBUILDERS = ("tensor tensor_v2 tensor_v3 parameter parameter_with_state qtensor sparse_tensor "
               "nested_tensor device_tensor_from_cpu_tensor device_tensor_from_numpy "
               "meta_tensor_no_storage wrapper_subclass")

# torch 2.13 _get_allowed_globals(): what torch.load(weights_only=True) resolves.
TORCH_ALLOWED = frozenset().union(
    {"collections.OrderedDict", "collections.Counter", "builtins.set", "builtins.bytearray",
     "builtins.complex", "_codecs.encode", "torch.Size", "torch.Tensor", "torch.device",
     "torch.nn.parameter.Parameter", "torch.serialization._get_layout",
     "torch.storage.TypedStorage", "torch.storage.UntypedStorage",
     "torch._tensor._rebuild_from_type_v2"},
    {f"torch.{k}Storage" for k in _STORAGE_KINDS.split()},
    {f"torch.cuda.{k}Storage" for k in _STORAGE_KINDS.split() if not k.startswith("Q")},
    {f"{p}{k}Tensor" for p, k in product(("torch.", "torch.cuda.", "torch.sparse.", "torch.cuda.sparse."),
                                         _TENSOR_KINDS.split()) if not (k == "Bool" and "sparse" in p)},
    _expand("torch.", _DTYPES),
    _expand("torch.per_", "tensor_affine tensor_symmetric channel_affine channel_symmetric "
                          "channel_affine_float_qparams"),
    _expand("torch._utils._rebuild_", _REBUILDERS),
)

# ndarray pickles (np.save of object arrays, joblib, plain pickle.dump of arrays).
NUMPY_ALLOWED = frozenset({
    "numpy.dtype", "numpy.ndarray",
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    # protocol 5 arrays: ndarray.__reduce_ex__ names numpy's frombuffer wrapper
    # (numpy/_core/numeric.py, `_frombuffer`), which only views a byte buffer.
    "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
})

# TorchScript pickles are read by torch's C++ unpickler, which resolves only
# TorchScript classes (`__torch__.*`) and its own helpers, never Python imports
# (torch/csrc/jit/serialization/unpickler.cpp, readGlobal).  `__torch__` is the
# one prefix: it is no Python module (a Python unpickler fails to import it),
# only the namespace of the archive's own compiled classes; the helpers are exact.
TORCHSCRIPT_ALLOWED_PREFIXES = ("__torch__.",)
TORCHSCRIPT_HELPERS = frozenset(f"torch.jit._pickle.{n}" for n in (
    "build_intlist", "build_tensorlist", "build_doublelist", "build_boollist", "build_tensor_from_id",
    "restore_type_tag"))

ALLOWED = TORCH_ALLOWED | NUMPY_ALLOWED

# Unlisted, but data-only classes seen in real checkpoints: a warning, so a
# maintainer looks and accepts them per file.  Exact names only, never a
# prefix: a module re-exports what it imports (`omegaconf._utils` holds
# stdlib callables under its own name), so "omegaconf." would admit them.
_OMEGACONF = "omegaconf config containers (Hydra/Lightning hyper-parameters)"
_NUMPY_DTYPES = ("Bool Int8 UInt8 Int16 UInt16 Int32 UInt32 Int64 UInt64 Byte UByte Short UShort Int UInt Long "
                 "ULong LongLong ULongLong Float16 Float32 Float64 LongDouble Complex64 Complex128 CLongDouble "
                 "Object Bytes Str Void DateTime64 TimeDelta64 String")
BENIGN_UNLISTED: dict[str, str] = {
    **{f"omegaconf.{n}": _OMEGACONF for n in (
        "dictconfig.DictConfig", "listconfig.ListConfig", "base.ContainerMetadata", "base.Metadata",
        "nodes.AnyNode", "nodes.StringNode", "nodes.IntegerNode", "nodes.FloatNode", "nodes.BooleanNode",
        "nodes.EnumNode", "nodes.BytesNode", "nodes.PathNode")},
    **{f"numpy.dtypes.{n}DType": "a NumPy dtype class" for n in _NUMPY_DTYPES.split()},
    "argparse.Namespace": "a plain attribute bag (training arguments)",
    "numpy.core.multiarray.scalar": "a NumPy scalar built from dtype and bytes",
    "numpy._core.multiarray.scalar": "a NumPy scalar built from dtype and bytes",
    "builtins.dict": "a builtin container", "builtins.list": "a builtin container",
    "builtins.tuple": "a builtin container", "builtins.frozenset": "a builtin container",
    "builtins.int": "a builtin number", "builtins.float": "a builtin number",
    "builtins.str": "a builtin string", "builtins.bytes": "a builtin bytes",
    "builtins.slice": "a builtin slice", "builtins.bool": "a builtin bool",
    "collections.defaultdict": "a dict whose default factory is itself checked",
    "torch.torch_version.TorchVersion": "a version string",
    "pathlib.PosixPath": "a path value (constructing it touches no file)",
    "pathlib.WindowsPath": "a path value (constructing it touches no file)",
}

# Deny set, for messages only.  Keys are module prefixes (a trailing dot
# covers submodules) or exact callables; values say what the callable can do.
_SHELL = "runs programs"
_IMPORT = "imports or resolves arbitrary code"
_CALL = "calls or builds arbitrary callables"
_FILES = "reads or writes files"
_NET = "opens network connections"
_UNPICKLE = "unpickles nested data (runs its imports)"
DANGEROUS: dict[str, str] = {
    "os.": _SHELL, "posix.": _SHELL, "nt.": _SHELL, "subprocess.": _SHELL, "pty.": _SHELL,
    "multiprocessing.": _SHELL, "_posixsubprocess.": _SHELL, "asyncio.": _SHELL,
    "builtins.eval": "evaluates Python source", "builtins.exec": "executes Python source",
    "builtins.compile": "compiles Python source", "builtins.__import__": _IMPORT,
    "builtins.getattr": "reaches any attribute of any object", "builtins.setattr": "changes objects",
    "builtins.open": _FILES, "builtins.breakpoint": "starts a debugger", "builtins.input": "reads stdin",
    "builtins.globals": "exposes the interpreter", "builtins.vars": "exposes the interpreter",
    "builtins.apply": _CALL, "__builtin__.": "Python 2 builtins (eval, exec, getattr …)",
    "builtins.type": "creates classes", "builtins.object": "a base for arbitrary construction",
    "importlib.": _IMPORT, "pkgutil.": _IMPORT, "pydoc.": _IMPORT, "runpy.": "runs modules",
    "code.": "an interactive interpreter", "codeop.": "compiles Python source",
    "marshal.": "loads bytecode", "types.": "builds code and function objects",
    "ctypes.": "calls native code", "_ctypes.": "calls native code",
    "sys.": "the interpreter itself", "inspect.": "the interpreter itself",
    "pickle.": _UNPICKLE, "_pickle.": _UNPICKLE, "dill.": _UNPICKLE, "cloudpickle.": _UNPICKLE,
    "joblib.load": _UNPICKLE, "joblib.numpy_pickle.load": _UNPICKLE, "shelve.": _UNPICKLE,
    "torch.load": _UNPICKLE, "torch.serialization.load": _UNPICKLE, "torch.jit.load": "loads TorchScript code",
    "torch.hub.": "downloads and runs code", "torch.utils.collect_env.": _SHELL,
    "torch._C.": "native torch internals", "torch.ops.": "arbitrary registered operators",
    "numpy.load": _UNPICKLE, "numpy.f2py.": "compiles and runs code", "numpy.testing.": _SHELL,
    "numpy.distutils.": _SHELL, "numpy.ctypeslib.": "calls native code",
    "operator.": _CALL, "_operator.": _CALL, "functools.": _CALL, "copyreg.": _CALL, "copy_reg.": _CALL,
    "shutil.": _FILES, "tempfile.": _FILES, "io.": _FILES, "_io.": _FILES, "glob.": _FILES,
    "pathlib.Path": _FILES, "zipimport.": _IMPORT, "imp.": _IMPORT,
    "socket.": _NET, "ssl.": _NET, "http.": _NET, "httplib.": _NET, "urllib.": _NET, "urllib2.": _NET,
    "requests.": _NET, "aiohttp.": _NET, "webbrowser.": "opens a browser", "ftplib.": _NET,
    "smtplib.": _NET, "telnetlib.": _NET, "xmlrpc.": _NET,
    "pdb.": "starts a debugger", "bdb.": "starts a debugger", "timeit.": "executes Python source",
    "profile.": "executes Python source", "cProfile.": "executes Python source",
    "trace.": "executes Python source", "doctest.": "executes Python source",
    "mailcap.": _SHELL, "venv.": _SHELL, "pip.": "installs packages", "ensurepip.": "installs packages",
    "pandas.read_": "reads files or URLs", "pandas.io.": "reads files or URLs",
    "mlflow.": "loads and runs models", "keras.": "loads models", "tensorflow.": "runs graphs",
    "yaml.": "unsafe YAML loading", "jinja2.": "renders templates", "logging.config.": "loads config code",
    "linecache.": _FILES, "fileinput.": _FILES, "uuid._": _SHELL, "platform.": _SHELL,
    "_thread.": "starts threads", "threading.": "starts threads", "signal.": "changes signal handlers",
    "gc.": "the interpreter itself", "atexit.": "registers code to run at exit",
}


def _match(table, dotted: str):
    """The value of the longest key of `table` that covers `dotted`, else None."""
    best = None
    for key, value in table.items():
        hit = dotted.startswith(key) if key.endswith(".") or key.endswith("_") else dotted == key
        if hit and (best is None or len(key) > len(best[0])):
            best = (key, value)
    return best[1] if best else None


def classify(module: str, name: str, *, torchscript: bool = False) -> tuple[str, str]:
    """("allowed" | "dangerous" | "benign" | "unlisted", why) for one import.

    Protocol 4+ lets `name` be a dotted attribute path ("os.system" reached
    through another module), so every component is checked, and a dunder
    anywhere (`__builtins__`, `__globals__`) is dangerous.
    """
    dotted = f"{module}.{name}"
    if dotted in ALLOWED:
        return "allowed", "on the torch/NumPy weights-only allowlist"
    if torchscript and (dotted in TORCHSCRIPT_HELPERS or (
            dotted.startswith(TORCHSCRIPT_ALLOWED_PREFIXES) and "__" not in name)):
        return "allowed", "TorchScript class (resolved by torch's C++ unpickler)"
    parts = dotted.split(".")
    for i in range(len(parts)):
        why = _match(DANGEROUS, ".".join(parts[i:]))
        if why:
            return "dangerous", why
    dunder = next((p for p in name.split(".") if p.startswith("__") and p.endswith("__")), None)
    if dunder:  # in the attribute path, not the module: `__future__` is a plain stdlib module
        return "dangerous", f"reaches interpreter internals through the dunder attribute `{dunder}`"
    if module.split(".")[0] == "__main__":
        return "dangerous", "resolves a global of whatever program runs the loader (`__main__`)"
    why = BENIGN_UNLISTED.get(dotted)  # exact: see BENIGN_UNLISTED
    if why:
        return "benign", why
    return "unlisted", "not on the allowlist"
