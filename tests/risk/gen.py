"""Generated and mutated inputs for the differential tests and bench/pickle_explore.py.

`generate(rnd)` returns (file name, bytes, loader) from a `random.Random`:
a stream of opcode snippets (imports of valid and unimportable names,
calls, stack and memo operations, frames, PROTO anywhere, junk), wrapped
in a container or polyglot (plain, PROTO header, torch zip data.pkl,
zlib/gzip joblib, HDF5 user block, TFL3 at 4, npy object payload, zip
appended), then mutated (byte flips, cuts, inserted snippets).  The loader
is the one that file would be handed to (oracle_child.LOADERS).
"""
from __future__ import annotations

import gzip
import random
import struct
import zlib

from .samples import torch_zip

MODULES = [("os", "system"), ("builtins", "eval"), ("collections", "OrderedDict"), ("torch._utils",
           "_rebuild_tensor_v2"), ("subprocess", "Popen"), ("not a module", "x"), ("os", "path.join"),
           ("omegaconf._utils", "io"), ("numpy", "dtype"), ("__future__", "annotations"),
           ("posix", "system"), ("x", "y z"), ("_codecs", "encode"), ("torch", "FloatStorage")]


def _u(s: str) -> bytes:
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def _snippets(rnd: random.Random) -> bytes:
    m, n = rnd.choice(MODULES)
    k = rnd.randrange(6)
    return rnd.choice([
        b"c" + m.encode() + b"\n" + n.encode() + b"\n",
        _u(m) + _u(n) + b"\x93",
        b"(" + b"i" + m.encode() + b"\n" + n.encode() + b"\n",
        b"S'echo'\n", _u("echo"), b"X" + struct.pack("<I", 2) + b"hi", b"U\x02hi", b"C\x02hi", b"B\x02\x00\x00\x00hi",
        b"\x85R", b"R", b"\x86", b"\x87", b"t", b")", b"(", b"b", b"\x81", b"\x92", b"o", b"}", b"]", b"e", b"a",
        b"s", b"u", b"2", b"0", b"1", b"N", b"\x88", b"K" + bytes([k]), b"I0x10\n", b"I1\n", b"L5L\n",
        b"\x94", b"q" + bytes([k]), b"h" + bytes([k]), b"p1\n", b"g1\n", b"r\x01\x00\x00\x00", b"j\x01\x00\x00\x00",
        b"\x80" + bytes([rnd.choice([2, 4, 5, 6, 9])]),
        b"\x95" + struct.pack("<Q", rnd.randrange(0, 40)),
        b"\x82" + bytes([rnd.randrange(1, 4)]), b"Pabc\n", b"Q", b"F1.5\n", b"V\\u0041\n",
        b".", bytes([rnd.randrange(256)]),
    ])


def stream(rnd: random.Random) -> bytes:
    out = [_snippets(rnd) for _ in range(rnd.randrange(1, 14))]
    if rnd.random() < 0.6:  # most generated streams make a call: the interesting case
        m, n = rnd.choice(MODULES[:5] + MODULES[10:11])
        at = rnd.randrange(len(out) + 1)
        out.insert(at, b"c" + m.encode() + b"\n" + n.encode() + b"\n" + _u("x") + b"\x85R")
    if rnd.random() < 0.7:
        out.append(b".")
    return b"".join(out)


def wrap(rnd: random.Random, body: bytes) -> tuple[str, bytes, str]:
    w = rnd.randrange(11)
    if w == 0:
        return "m.pkl", body, "pickle"
    if w == 1:
        return "m.pkl", b"\x80\x02" + body, rnd.choice(["pickle", "python"])
    if w == 2:
        return "m.pkl", b"\x80\x04" + b"\x95" + struct.pack("<Q", len(body)) + body, "python"
    if w == 3:
        return "pytorch_model.bin", torch_zip(b"\x80\x02" + body if rnd.random() < 0.7 else body), "torch"
    if w == 4:
        return "m.joblib", zlib.compress(b"\x80\x04" + body if rnd.random() < 0.5 else body), "joblib"
    if w == 5:
        return "m.joblib", gzip.compress(body, mtime=0), "joblib"
    if w == 6:
        at = rnd.choice([512, 1024])
        return "m.h5", (body + b"\x00" * at)[:at] + b"\x89HDF\r\n\x1a\n" + b"\x00" * 32, "pickle"
    if w == 7:
        return "m.tflite", b"S'abTFL3'\n0" + body, "pickle"
    if w == 8:
        header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
        header += " " * (63 - (10 + len(header)) % 64) + "\n"
        return "m.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + body, "numpy"
    if w == 9:
        return "m.bin", body + b"PK\x05\x06" + b"\x00" * 18, "pickle"
    return "m.pkl", body, "python"


def mutate(rnd: random.Random, data: bytes) -> bytes:
    if rnd.random() < 0.5 or not data:
        return data
    b = bytearray(data)
    for _ in range(rnd.randrange(1, 4)):
        r = rnd.random()
        if r < 0.4 and b:
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        elif r < 0.6:
            del b[rnd.randrange(len(b) + 1):]
        else:
            at = rnd.randrange(len(b) + 1)
            b[at:at] = _snippets(rnd)
    return bytes(b)


def generate(rnd: random.Random) -> tuple[str, bytes, str]:
    name, data, loader = wrap(rnd, stream(rnd))
    if loader in ("pickle", "python"):  # containers are mutated inside (a flipped zip byte tests zipfile)
        data = mutate(rnd, data)
    return name, data, loader
