"""smoke (installed): load each installed model with Debian's runtime for its format and run it once.

`mlmodel smoke PKG…` reads the records PKG installed
(/usr/share/mlmodel/*/.mlmodel/PKG.json), and for each weights file whose
format has a runtime loads it the weights-only way, synthesises an input from
the model's own signature, runs one forward pass and checks that the outputs
are finite and shaped as declared.  Nothing is fetched; nothing is unpickled
beyond what a weights-only loader (or, for joblib, the callables the record
says the maintainer accepted) admits.  A model whose runtime is missing is
reported as skipped, never as passed.  docs/smoke.md says what runs where.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .deliver.record import installed_records
from .detect import WEIGHT_FORMATS
from .formats import onnx as onnx_format
from .model import MLModelError

# The Debian packages that load each format: the smoke test's Depends (commands/autopkgtest.py).
RUNTIME_PACKAGES: dict[str, tuple[str, ...]] = {
    "onnx": ("python3-numpy", "python3-onnxruntime"),
    "safetensors": ("python3-safetensors", "python3-torch"),
    "pytorch-zip": ("python3-torch",),
    "pytorch-legacy": ("python3-torch",),
    "joblib": ("python3-joblib", "python3-sklearn"),
}
# Where a runtime is not in the archive: shown when its module cannot be imported (checked 2026-12-02).
NOT_PACKAGED = {
    "python3-onnxruntime": "Debian 12 does not package it (Debian 13 does)",
    "python3-safetensors": "Debian 12 does not package it (Debian 13 does)",
}
NO_RUNTIME = {
    "gguf": "llama.cpp is not packaged in Debian 12 or 13 (no GGUF runtime to load it with)",
    "torchscript": "TorchScript archives run the model's own code when loaded; not loaded",
    "pickle": "a plain pickle has no weights-only loader; not loaded",
    "tflite": "no TensorFlow Lite runtime is packaged in Debian; not loaded",
}
# torch.load(weights_only=True) before 2.6 could still run code (CVE-2025-32434; Debian 12 has 1.13).
TORCH_WEIGHTS_ONLY_SAFE = (2, 6)
MAX_INPUT_ELEMENTS = 1 << 24  # a declared input larger than this is not synthesised (the shape is hostile metadata)
# An ONNX input's symbolic dims: 1 for a batch (the leading dim, or a name with "batch" in it), and for the
# others the first of these that runs: 32, then 512 (an audio model's STFT needs a window, 32 samples are too few).
# One name, one value across all inputs (silero's h and c share "batch" with its input).
SYMBOLIC_BATCH, SYMBOLIC_SIZES = 1, (32, 512)
CONFIG_LIMIT = 1 << 20
EXIT_OK, EXIT_FAILED, EXIT_SKIPPED = 0, 1, 77  # 77: autopkgtest's "skippable" exit status


class SmokeError(MLModelError):
    """A package has no installed record to smoke-test."""


class Skip(Exception):
    """This file cannot be loaded here (runtime missing, format without a safe loader)."""


class Fail(Exception):
    """The file was loaded (or tried) and is broken."""


@dataclass(frozen=True)
class Result:
    status: str  # ok | skipped | failed
    detail: str


# --- the runtimes --------------------------------------------------------------

def _import(module: str, package: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        why = NOT_PACKAGED.get(package, "install it")
        raise Skip(f"{module} cannot be imported ({package} is not installed; {why}): {exc}") from None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:2])


def _check_array(name: str, array: Any, np) -> None:
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        raise Fail(f"{name}: {int((~np.isfinite(array)).sum())} non-finite value(s)")


# ONNX -----------------------------------------------------------------------

ONNX_TYPES = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
              "tensor(int64)": "int64", "tensor(int32)": "int32", "tensor(int16)": "int16", "tensor(int8)": "int8",
              "tensor(uint8)": "uint8", "tensor(uint16)": "uint16", "tensor(uint32)": "uint32",
              "tensor(uint64)": "uint64", "tensor(bool)": "bool"}


def _onnx_shape(meta, size: int, named: dict) -> list[int]:
    """META's declared shape, each symbolic dim given a value (the same for the same dim_param name)."""
    shape = []
    for i, d in enumerate(meta.shape or []):
        if isinstance(d, int) and d >= 0:
            shape.append(d)
            continue
        value = SYMBOLIC_BATCH if i == 0 or (isinstance(d, str) and "batch" in d.lower()) else size
        shape.append(named.setdefault(d, value) if isinstance(d, str) and d else value)
    return shape


def _onnx_input(meta, np, rng, size: int = SYMBOLIC_SIZES[0], named: dict | None = None) -> Any:
    """A value for one graph input: its declared shape (symbolic dims small), deterministic contents."""
    dtype = ONNX_TYPES.get(meta.type)
    if dtype is None:
        raise Skip(f"input {meta.name!r} is of type {meta.type}, which the smoke test does not synthesise")
    shape = _onnx_shape(meta, size, {} if named is None else named)
    count = 1
    for d in shape:
        count *= d
    if count > MAX_INPUT_ELEMENTS:
        raise Skip(f"input {meta.name!r} declares {count} elements, more than the smoke test synthesises")
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 0.5).astype(dtype)
    return np.zeros(shape, dtype=dtype) if dtype == "bool" else np.ones(shape, dtype=dtype)


def _onnx_output(meta, value, declared, np) -> None:
    """VALUE as the file declares it (DECLARED dims, META's element type): rank, every fixed dimension; finite."""
    if not hasattr(value, "shape"):
        return  # a sequence or map output: nothing declared to compare with
    if ONNX_TYPES.get(meta.type) not in (None, str(value.dtype)):
        raise Fail(f"output {meta.name!r} is {value.dtype}, declared {meta.type}")
    if declared is not None and (len(declared) != value.ndim or any(
            isinstance(d, int) and d >= 0 and d != n for d, n in zip(declared, value.shape))):
        raise Fail(f"output {meta.name!r} has shape {list(value.shape)}, declared {declared}")
    _check_array(f"output {meta.name!r}", value, np)


def _onnx_forward(session, np) -> tuple[dict, list]:
    """(the feeds, the outputs) of the first symbolic size that runs; Fail with the last error when none does."""
    error = ""
    for size in SYMBOLIC_SIZES:
        named: dict = {}
        rng = np.random.default_rng(0)
        feeds = {m.name: _onnx_input(m, np, rng, size, named) for m in session.get_inputs()}
        try:
            return feeds, session.run(None, feeds)
        except Exception as exc:  # onnxruntime's own exception types
            error = _short(exc)
            if not any(not (isinstance(d, int) and d >= 0) for m in session.get_inputs() for d in (m.shape or [])):
                break  # no symbolic dim: another size would feed the same input
    raise Fail(f"the forward pass on inputs synthesised from its signature failed: {error}")


def run_onnx(path: Path, _context: dict) -> str:
    ort = _import("onnxruntime", "python3-onnxruntime")
    np = _import("numpy", "python3-numpy")
    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: a shape mismatch is ours to report
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
        raise Fail(f"onnxruntime cannot load it: {_short(exc)}") from None
    feeds, outputs = _onnx_forward(session, np)
    declared = onnx_format.declared_outputs(path)  # not session.get_outputs(): that merges in inferred shapes
    for meta, value in zip(session.get_outputs(), outputs):
        _onnx_output(meta, value, declared.get(meta.name), np)
    shapes = ", ".join(f"{m.name}{list(getattr(v, 'shape', []))}" for m, v in zip(session.get_outputs(), outputs))
    return f"onnxruntime {ort.__version__}: {len(feeds)} input(s) -> {shapes}, finite"


# torch and safetensors ----------------------------------------------------------

def _tensors(obj: Any, torch, prefix: str = "") -> dict[str, Any]:
    """The tensors of a state dict, nested dicts flattened ("a.b")."""
    if isinstance(obj, torch.Tensor):
        return {prefix or "tensor": obj}
    out = {}
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.update(_tensors(value, torch, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            out.update(_tensors(value, torch, f"{prefix}.{i}" if prefix else str(i)))
    return out


def _check_tensors(tensors: dict[str, Any], torch) -> None:
    if not tensors:
        raise Fail("no tensors in it")
    for name, t in tensors.items():
        if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all()):
            raise Fail(f"tensor {name!r}: non-finite value(s)")


def _config(path: Path) -> dict:
    """config.json beside the weights (transformers layout), {} when absent or unreadable.

    Only a regular file, and at most CONFIG_LIMIT bytes of it: a FIFO (or a link to /dev/zero, whose size
    is 0) would block the test or never end.  O_NONBLOCK: opening a FIFO does not wait for a writer.
    """
    try:
        fd = os.open(path.parent / "config.json", os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return {}
        raw = fh.read(CONFIG_LIMIT + 1)
    try:
        data = json.loads(raw.decode("utf-8")) if len(raw) <= CONFIG_LIMIT else {}
    except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return {}
    return data if isinstance(data, dict) else {}


def _positive(value: Any) -> bool:
    return type(value) is int and value > 0  # not bool: config.json is hostile metadata too


def _embedding_pass(tensors: dict[str, Any], config: dict, torch, sole: bool = True) -> str:
    """With config.json's vocab_size and hidden size: look up tokens in the (vocab, hidden) embedding matrix.

    Not SOLE (one shard of several): the matrix may be in another shard, so its absence here is no failure.
    """
    vocab = config.get("vocab_size")
    hidden = next((config[k] for k in ("hidden_size", "d_model", "n_embd", "dim") if _positive(config.get(k))), None)
    if not _positive(vocab) or hidden is None:
        return ""
    name = next((n for n, t in sorted(tensors.items()) if tuple(t.shape) == (vocab, hidden)), None)
    if name is None and not sole:
        return ""
    if name is None:
        raise Fail(f"config.json declares vocab_size {vocab} and hidden size {hidden}, no tensor is {vocab}x{hidden}")
    ids = torch.tensor([0, 1, vocab - 1])
    out = torch.nn.functional.embedding(ids, tensors[name].float())
    if tuple(out.shape) != (3, hidden) or not bool(torch.isfinite(out).all()):
        raise Fail(f"embedding lookup in {name!r} gave {tuple(out.shape)} or non-finite values")
    return f"; embedding {name} {vocab}x{hidden} looked up"


def _declared_safetensors(path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    from .formats.safetensors import read_header
    header = read_header(path)
    return {t.name: (t.dtype, tuple(t.shape)) for t in header.tensors}


TORCH_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
                "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def run_safetensors(path: Path, context: dict) -> str:
    torch = _import("torch", "python3-torch")
    st = _import("safetensors.torch", "python3-safetensors")
    try:
        tensors = st.load_file(str(path), device="cpu")
    except Exception as exc:
        raise Fail(f"safetensors cannot load it: {_short(exc)}") from None
    for name, (dtype, shape) in _declared_safetensors(path).items():
        t = tensors.get(name)
        if t is None or tuple(t.shape) != shape or TORCH_DTYPES.get(dtype, str(t.dtype)[6:]) != str(t.dtype)[6:]:
            raise Fail(f"tensor {name!r} loaded as {None if t is None else (str(t.dtype), tuple(t.shape))}, "
                       f"declared {dtype} {list(shape)}")
    _check_tensors(tensors, torch)
    return f"safetensors with torch {torch.__version__}: {len(tensors)} tensor(s) finite" + _embedding_pass(
        tensors, context["config"], torch, context["sole"])


def run_torch(path: Path, context: dict) -> str:
    torch = _import("torch", "python3-torch")
    if _version(torch.__version__) < TORCH_WEIGHTS_ONLY_SAFE:
        raise Skip(f"torch {torch.__version__} has no safe weights-only loader (torch.load(weights_only=True) "
                   f"before 2.6 could run code, CVE-2025-32434); not loaded")
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise Fail(f"torch.load(weights_only=True) refused or failed: {_short(exc)}") from None
    tensors = _tensors(state, torch)
    _check_tensors(tensors, torch)
    return f"torch {torch.__version__} weights-only: {len(tensors)} tensor(s) finite" + _embedding_pass(
        tensors, context["config"], torch, context["sole"])


# joblib (scikit-learn) --------------------------------------------------------------

def _accepted_callables(record: dict, entry: dict) -> set[str]:
    """What the maintainer accepted (pickle-allow) for this file, which the record names in the model directory."""
    in_model = entry.get("path", "").removeprefix(f"usr/share/mlmodel/{record.get('model')}/")
    return {a["callable"] for a in record.get("accepted", [])
            if a.get("file") in (in_model, entry.get("source")) and isinstance(a.get("callable"), str)}


# The record is read back from the installed package, as hostile as the model: its accepted list admits here
# only classes of the estimator stack, never a function (the stdlib's _osx_support._read_output calls
# os.system and no deny entry names it) nor a class of another module (zipfile.ZipFile(path, "w") writes).
SMOKE_CLASS_MODULES = ("sklearn", "scipy.sparse")


def _in_stack(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in SMOKE_CLASS_MODULES)


def _estimator_class(found: Any) -> bool:
    return isinstance(found, type) and _in_stack(getattr(found, "__module__", None) or "")


def run_joblib(path: Path, context: dict) -> str:
    accepted = context["accepted"]
    if not accepted:
        raise Skip("its pickle imports were not accepted with pickle-allow in the record; not loaded")
    _import("sklearn", "python3-sklearn")
    np = _import("numpy", "python3-numpy")
    numpy_pickle = _import("joblib.numpy_pickle", "python3-joblib")
    estimator = _restricted_joblib_load(path, accepted, numpy_pickle)
    _check_fitted(estimator)
    n = getattr(estimator, "n_features_in_", None)
    if not isinstance(n, int) or not hasattr(estimator, "predict"):
        return f"joblib: {type(estimator).__name__} loaded (no predict or n_features_in_ to run)"
    try:
        out = np.asarray(estimator.predict(np.zeros((1, n))))
    except Exception as exc:
        raise Fail(f"{type(estimator).__name__}.predict failed: {_short(exc)}") from None
    if out.shape[:1] != (1,):
        raise Fail(f"predict on 1 row gave shape {list(out.shape)}")
    _check_array("prediction", out, np)
    return f"joblib: {type(estimator).__name__}.predict on {n} feature(s) -> {list(out.shape)}, finite"


def _check_fitted(estimator: Any) -> None:
    """An estimator that was never fitted cannot predict: a broken model, not one to pass for lack of inputs."""
    if not hasattr(estimator, "predict") or not hasattr(estimator, "get_params"):
        return  # not a scikit-learn estimator: nothing to ask
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise Fail(f"{type(estimator).__name__} was never fitted (scikit-learn's check_is_fitted)") from None
    except (TypeError, ValueError):  # check_is_fitted refuses what it does not know as an estimator
        return


def _restricted_joblib_load(path: Path, accepted: set[str], numpy_pickle) -> Any:
    """joblib.load, its unpickler resolving only the weights-only allowlist and the record's accepted callables.

    joblib's own paths around a restricted find_class are closed too: an object-dtype array, which
    joblib reads with a plain pickle.load, and the joblib < 0.10 format (load_compatibility, another
    unpickler).  joblib.load looks both up in its module at call time: swapped for this call only.
    """
    from .risk.allowlist import classify

    base = numpy_pickle.NumpyUnpickler

    class Unpickler(base):
        def find_class(self, module, name):
            kind, _ = classify(module, name)
            if kind == "allowed":
                return super().find_class(module, name)
            if kind == "dangerous" or f"{module}.{name}" not in accepted:
                raise pickle.UnpicklingError(f"{module}.{name} is not accepted in the record")
            # the module is checked before it is imported: importing one can run code (`antigravity`)
            found = super().find_class(module, name) if kind == "benign" or _in_stack(module) else None
            if kind != "benign" and not _estimator_class(found):
                raise pickle.UnpicklingError(f"{module}.{name} is accepted in the record, but the smoke test "
                                             f"resolves only {' and '.join(SMOKE_CLASS_MODULES)} classes")
            return found

        def load_build(self):
            obj, state = self.stack[-2], self.stack[-1]
            wrapped = isinstance(obj, numpy_pickle.NumpyArrayWrapper) and isinstance(state, dict)
            dtype = state.get("dtype") if wrapped else None
            if getattr(dtype, "hasobject", False):
                raise pickle.UnpicklingError("an object-dtype array, which joblib unpickles unrestricted")
            base.load_build(self)

        dispatch = dict(base.dispatch)
        dispatch[pickle.BUILD[0]] = load_build

    def refuse_compat(*_args, **_kwargs):
        raise pickle.UnpicklingError("the joblib < 0.10 format, which joblib reads with another unpickler")

    saved = numpy_pickle.NumpyUnpickler, numpy_pickle.load_compatibility
    numpy_pickle.NumpyUnpickler, numpy_pickle.load_compatibility = Unpickler, refuse_compat
    try:
        return numpy_pickle.load(str(path))
    except Exception as exc:
        raise Fail(f"joblib cannot load it: {_short(exc)}") from None
    finally:
        numpy_pickle.NumpyUnpickler, numpy_pickle.load_compatibility = saved


RUNNERS: dict[str, Callable[[Path, dict], str]] = {
    "onnx": run_onnx, "safetensors": run_safetensors, "pytorch-zip": run_torch, "pytorch-legacy": run_torch,
    "joblib": run_joblib,
}


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


# --- records -------------------------------------------------------------------------

def _installed_path(root: Path, record: dict, entry: dict) -> Path | None:
    """The file a record entry names, only inside its model's directory (a record is read, not trusted)."""
    rel = str(entry.get("path", ""))
    model = str(record.get("model", ""))
    inside = rel.startswith(f"usr/share/mlmodel/{model}/") and "/" not in model and model not in ("", ".", "..")
    if not inside or ".." in rel.split("/"):
        return None
    return root / rel


def smoke_file(root: Path, record: dict, entry: dict, sole: bool = True) -> Result:
    path = _installed_path(root, record, entry)
    if path is None:
        return Result("failed", f"{entry.get('path')!r}: outside /usr/share/mlmodel/{record.get('model')}/")
    fmt = entry.get("format")
    runner = RUNNERS.get(fmt)
    if runner is None:
        return Result("skipped", f"{path.name}: {NO_RUNTIME.get(fmt, f'no runtime for {fmt} files')}")
    if not path.is_file():
        return Result("failed", f"{path.name}: missing")
    context = {"config": _config(path), "accepted": _accepted_callables(record, entry), "sole": sole}
    try:
        return Result("ok", f"{path.name}: {runner(path, context)}")
    except Skip as exc:
        return Result("skipped", f"{path.name}: {exc}")
    except (Fail, MLModelError) as exc:
        return Result("failed", f"{path.name}: {exc}")
    except Exception as exc:  # a runtime's own error on a file it was given: that file's failure, not a traceback
        return Result("failed", f"{path.name}: {type(exc).__name__}: {_short(exc)}")


STATUS_ORDER = ("failed", "skipped", "ok")


def smoke_record(root: Path, record: dict) -> Result:
    """One result for a model in one package: the worst of its weights files'."""
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, list) or not all(isinstance(e, dict) and isinstance(e.get("path"), str) for e in files):
        return Result("failed", "the record is not a dh_mlmodel record (no list of files with paths)")
    weights = [e for e in files if e.get("role") == "weights"]
    if not weights:
        return Result("skipped", "no weights in this package: nothing to load")
    # A weights file in no model format (ONNX external data, say) is read by its model's loader, not alone.
    models = sorted((e for e in weights if e.get("format") in WEIGHT_FORMATS), key=lambda e: e["path"])
    if not models:
        formats = ", ".join(sorted({str(e.get("format")) for e in weights}))
        return Result("skipped", f"no weights file in a model format ({formats})")
    results = [smoke_file(root, record, e, sum(m.get("format") == e.get("format") for m in models) == 1)
               for e in models]
    status = next(s for s in STATUS_ORDER if any(r.status == s for r in results))
    return Result(status, "; ".join(r.detail for r in results))


def _records(root: Path, package: str) -> list:
    try:
        return installed_records(root, package)
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise SmokeError(package, f"an installed record is not JSON (or no regular file): {exc}") from None


def smoke_packages(root: Path, packages: list[str]) -> tuple[list[str], int]:
    """(one line per installed model of each package, exit status)."""
    found = {package: _records(root, package) for package in packages}
    for package, records in found.items():  # all named packages are installed, before anything is loaded
        if not records:
            raise SmokeError(package, f"no record under {root / 'usr/share/mlmodel'}/*/.mlmodel/ (is it installed?)")
    lines, statuses = [], set()
    for package, records in found.items():
        for path, record in records:
            result = smoke_record(root, record)
            statuses.add(result.status)
            lines.append(printable(f"{package}: {path.parent.parent.name}: {result.status}: {result.detail}"))
    code = EXIT_FAILED if "failed" in statuses else EXIT_SKIPPED if "skipped" in statuses else EXIT_OK
    return lines, code


def printable(line: str) -> str:
    """One line whatever the names in it hold (tensor and output names are the model's own metadata)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


def runtime_packages(formats) -> list[str]:
    """The Debian packages the smoke test of models in FORMATS needs, sorted."""
    return sorted({p for f in formats for p in RUNTIME_PACKAGES.get(f, ())})
