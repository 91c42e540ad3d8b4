"""Cost of the non-pickle checks (risk/keras.py, templates.py, savedmodel.py, formats/numpy.py) on hostile inputs.

Each case is a file under 10 MB built to make one check work hard; each is
assessed in a fresh subprocess, and its wall time and peak RSS
(ru_maxrss of the child) are printed.  Issue 13's bound: 2 s and 300 MB.
Run: /work/main/.venv/bin/python bench/configs_bench.py
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOP / "tests"))
from pbwrite import field  # noqa: E402  (the tests' protobuf writer)
MB = 1 << 20


def cases(d: Path) -> dict[str, Path]:
    out = {}

    def put(name: str, data: bytes) -> None:
        (d / name).mkdir()
        (d / name / NAMES.get(name, name)).write_bytes(data)
        out[name] = d / name

    h5 = b"\x89HDF\r\n\x1a\n"
    put("h5-json-starts", h5 + b'{"' * (5 * MB))  # 5 M candidates that fail at once
    put("h5-unterminated", h5 + (b'{"a": "' + b"x" * 40000) * 250)  # strings cut by every window
    put("h5-nested-open", h5 + b'{"a":' * (2 * MB))  # nesting until the decoder's recursion limit
    put("h5-model-config", h5 + json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": f"d{i}", "units": 4}} for i in range(90000)]}}).encode())
    put("template-deep", ("{{ " + "(" * 5000 + "x" + ")" * 5000 + " }}").encode())
    put("template-many-sets", "".join(f"{{% set v{i} = v{i - 1} ~ 'a' %}}" for i in range(1, 20000)).encode()
        + b"{{ ''[v19999] }}")
    put("template-wide", ("{{ x[" + "~".join(f"'_{i}'" for i in range(100000)) + "] }}").encode())
    put("keras-deep-json", _zip("config.json", b"[" * (4 * MB) + b"]" * (4 * MB)))
    put("savedmodel-many-nodes", _saved_model(200000))
    put("savedmodel-walked", _saved_model(200000, b"ReadFile"))  # an unsafe op name: the whole graph is walked
    put("npy-descr-nested", b"\x93NUMPY\x01\x00" + _npy_header(repr({"descr": _nest(30), "fortran_order": False,
                                                                            "shape": (1,)})))
    return out


NAMES = {"template-deep": "chat_template.jinja", "template-many-sets": "chat_template.jinja",
         "template-wide": "chat_template.jinja", "keras-deep-json": "m.keras", "savedmodel-many-nodes": "saved_model.pb",
         "savedmodel-walked": "saved_model.pb",
         "npy-descr-nested": "a.npy", **{k: "m.h5" for k in ("h5-json-starts", "h5-unterminated", "h5-nested-open",
                                                              "h5-model-config")}}


def _zip(name: str, data: bytes) -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
        z.writestr("metadata.json", "{}")
    return buf.getvalue()


def _saved_model(nodes: int, last: bytes = b"Identity") -> bytes:
    graph = b"".join(field(1, field(1, b"n%d" % i) + field(2, b"Identity")) for i in range(nodes))
    graph += field(1, field(1, b"last") + field(2, last))
    return field(2, field(2, graph))


def _nest(depth: int):
    d = "<f4"
    for _ in range(depth):
        d = [("a", d)]
    return d


def _npy_header(text: str) -> bytes:
    import struct
    text += " " * ((64 - (len(text) + 11) % 64) % 64) + "\n"
    return struct.pack("<H", len(text)) + text.encode()


CHILD = """
import sys, time, resource
from pathlib import Path
from dh_mlmodel.inspect import inspect_model_dir
t = time.perf_counter()
r = inspect_model_dir(Path(sys.argv[1]), hash=False)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
      sorted({f.tag for f in r.findings if f.severity == "error"}))
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, d in cases(Path(tmp)).items():
            size = sum(p.stat().st_size for p in d.iterdir())
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", CHILD, str(d)], cwd=TOP, capture_output=True, text=True)
            wall = time.perf_counter() - start
            line = out.stdout.strip() or out.stderr.strip().splitlines()[-1]
            print(f"{name:24} {size / MB:6.2f} MB  wall {wall:5.2f} s  (scan s, peak RSS MB, errors): {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
