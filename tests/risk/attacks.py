"""Issue 13's bypass classes as byte builders: tricks that walked past the old gate.

Each attack is a stream a pickle-consuming loader runs code from, dressed so
that a scanner judging "is this a pickle?" by looks says no.  Nothing here is
ever loaded by the tests, except by the recorder of tests/risk/oracle.py,
which cannot resolve a real callable.
"""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from .samples import g, torch_zip, u

# os.system('echo pwned') in protocol 0: an import and a call, no PROTO, no STOP.
CALL_P0 = g("os", "system") + b"(S'echo pwned'\ntR"
# The same with protocol-4 opcodes (STACK_GLOBAL, SHORT_BINUNICODE) and no PROTO header.
CALL_P4_NOPROTO = u("os") + u("system") + b"\x93" + u("echo pwned") + b"\x85R"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class Attack:
    name: str  # file name on disk, as an attacker would choose it
    klass: int  # the class number
    build: Callable[[], bytes]
    needle: str = "os.system"  # what an error message must name


def _pad_to(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (size - len(data))


def proto_after(call: bytes = CALL_P0) -> bytes:
    """The call, then PROTO 6: the load fails at PROTO, after the call has run."""
    return call + b"\x80\x06."


def broken(call: bytes = CALL_P0) -> bytes:
    """The call, then a GLOBAL no import resolves, no STOP ("broken pickle": runs, then fails)."""
    return call + b"cnot a module\nnor a name\n"


def hdf5_polyglot(at: int) -> bytes:
    """A protocol-0 pickle from byte 0, and an HDF5 superblock signature at `at` (HDF5's user block)."""
    return _pad_to(CALL_P0 + b".", at) + HDF5_MAGIC + b"\x00" * 64


def tflite_polyglot() -> bytes:
    """`S'abTFL3'` puts TFL3 at offset 4, where a TFLite flatbuffer has its identifier; POP drops it."""
    data = b"S'abTFL3'\n0" + CALL_P0 + b"."
    assert data[4:8] == b"TFL3"
    return data


def bz2_polyglot() -> bytes:
    """`BZh1` + NUL is BINBYTES of 0x31685a bytes: a bytes literal, POPped, then the call."""
    (n,) = struct.unpack("<I", b"Zh1\x00")
    return b"BZh1\x00" + b"\x00" * n + b"0" + CALL_P0 + b"."


def safetensors_polyglot() -> bytes:
    """`\\x80\\x02G` + 8 bytes: PROTO, BINFLOAT whose bytes also make a safetensors header length + `{`."""
    head = b"\x80\x02G\x00\x00\x00\x00\x00{\"a"
    (n,) = struct.unpack("<Q", head[:8])
    body = head + b"0" + CALL_P4_NOPROTO + b"."
    return _pad_to(body, 8 + n)


def frame(payload: bytes, delta: int) -> bytes:
    """A protocol-4 pickle whose first FRAME length is off by `delta`."""
    i = payload.index(b"\x95")
    (n,) = struct.unpack("<Q", payload[i + 1:i + 9])
    return payload[:i + 1] + struct.pack("<Q", n + delta) + payload[i + 9:]


BENIGN_P4 = pickle.dumps(OrderedDict(a=1, b=[1, 2, 3]), protocol=4)


def short_frame(payload: bytes) -> bytes:
    """The first FRAME made to end inside the body of its first string: pickle.loads (C) reads on,
    pickle._Unpickler (joblib's base) fails "pickle exhausted before end of frame"."""
    assert payload[11:12] == b"\x8c"  # SHORT_BINUNICODE right after the frame header
    (n,) = struct.unpack("<Q", payload[3:11])
    return frame(payload, 7 - n)  # the frame ends 5 bytes into the string


def zlib_joblib(data: bytes) -> bytes:
    return zlib.compress(data)


CLASS1 = [
    Attack("proto-after.pkl", 1, lambda: proto_after()),
    Attack("proto-after-p4.bin", 1, lambda: proto_after(CALL_P4_NOPROTO)),
    Attack("no-proto-p4.pkl", 1, lambda: CALL_P4_NOPROTO + b"."),
    Attack("no-stop.pkl", 1, lambda: CALL_P0),
    Attack("broken.pkl", 1, lambda: broken()),
    Attack("broken-stop.pkl", 1, lambda: broken() + b"."),
    Attack("proto-after-torch.pt", 1, lambda: torch_zip(proto_after())),
    Attack("broken-torch.pt", 1, lambda: torch_zip(broken())),
    Attack("proto-after.joblib", 1, lambda: zlib_joblib(proto_after())),
    Attack("broken.joblib", 1, lambda: zlib_joblib(broken())),
    Attack("broken-gz.joblib", 1, lambda: gzip.compress(broken(), mtime=0)),
]
CLASS2 = [
    Attack("userblock512.h5", 2, lambda: hdf5_polyglot(512)),
    Attack("userblock1024.h5", 2, lambda: hdf5_polyglot(1024)),
    Attack("model.tflite", 2, tflite_polyglot),
    Attack("weights.bz2", 2, bz2_polyglot),
    Attack("model.safetensors", 2, safetensors_polyglot),
    Attack("inner-h5.pt", 2, lambda: torch_zip(hdf5_polyglot(512))),
]
CLASS3 = [  # benign content: the only thing wrong is the frame, and that is the error
    Attack("frame-short.pkl", 3, lambda: short_frame(BENIGN_P4), "FRAME"),
    Attack("frame-long.pkl", 3, lambda: frame(BENIGN_P4, +40), "FRAME"),
    Attack("frame-past-stop.pkl", 3, lambda: frame(BENIGN_P4 + b"N" * 8, +8), "FRAME"),
    Attack("frame-nested.pkl", 3, lambda: BENIGN_P4[:2] + b"\x95" + struct.pack("<Q", 4) + b"\x95"
           + struct.pack("<Q", 1) + b"N" + b"0" + BENIGN_P4[11:], "FRAME"),
]
CLASS5 = [
    Attack("omegaconf-reexport.ckpt", 5, lambda: b"\x80\x02" + g("omegaconf._utils", "io") + b".",
           "omegaconf._utils.io"),
    Attack("dtype-reexport.pkl", 5, lambda: b"\x80\x02" + g("numpy.dtypes", "_add_dtype_helper") + b".",
           "numpy.dtypes._add_dtype_helper"),
]
CLASS6 = [  # each is one the loaders refuse too; we cannot walk it to its end, so it is an error
    Attack("underflow.pkl", 6, lambda: b"\x80\x020.", "underflow"),
    Attack("mark-fence.pkl", 6, lambda: b"\x80\x02](a.", "underflow"),
    Attack("no-mark.pkl", 6, lambda: b"\x80\x02Nt.", "MARK"),
    Attack("memo-miss.pkl", 6, lambda: b"\x80\x02h\x05.", "memo"),
    Attack("memoize-flood.pkl", 6, lambda: b"\x80\x04N" + b"\x94" * 1_100_000 + b".", "memo entries"),
    Attack("op-flood.pkl", 6, lambda: b"\x80\x04" + b"N0" * 600_000 + b".", "opcodes"),
    Attack("flood.joblib", 6, lambda: zlib.compress(b"\x80\x04" + b"N0" * 600_000 + b"."), "opcodes"),
]
ALL = CLASS1 + CLASS2 + CLASS3 + CLASS5 + CLASS6


def buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
