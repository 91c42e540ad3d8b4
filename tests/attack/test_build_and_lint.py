"""Issue 13 acceptance: every class of the issue stops the build, and `mlmodel lint` on the .changes
names it with its callable and its member path.

Classes 1-10 are what a model file carries (one sample each, with a member inside a container
where the class has one).  Each goes into the demo source alone and `dh_mlmodel` must refuse with
an error line naming the file (and member).  All of them together go into one package built
with `dpkg-deb --build` (as a builder without dh_mlmodel, or an older one, would ship them) and
`mlmodel lint` on the .changes must report each as an error whose pointer is the package path
(plus the member) and whose note names the callable.  Classes 11-13 are about lint and file names
themselves: tests/lint/test_hostile_debs.py (11), tests/integration/test_odd_names_build.py and
tests/init (12), tests/deliver/test_copyright_merge.py (13).
"""
from __future__ import annotations

import io
import json
import pickle
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import TOP, intree_env, needs_debhelper
from pbwrite import field
from risk import attacks
from risk.samples import g, torch_zip

sys.path.insert(0, str(TOP / "tests" / "lint"))
from lintdebs import MODEL_DIR, build_deb, demo_spec, hints, needs_dpkg_deb, with_record, write_changes  # noqa: E402

CALL = g("os", "system") + b"(S'true'\ntR"
EVIL_TEMPLATE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"


def _npz_object_member() -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\x80\x02" + CALL + b"."
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("arr.npy", npy)
    return buf.getvalue()


def _saved_model_pyfunc() -> bytes:
    node = field(1, "g0") + field(2, "PyFunc") + field(3, "input:0")
    meta_graph = field(1, field(4, "serve")) + field(2, field(1, node))
    return field(1, 1) + field(2, meta_graph)


def _onnx_external(location: str) -> bytes:
    entry = field(1, "location") + field(2, location)
    tensor = field(1, 1) + field(2, 1) + field(8, "w") + field(13, entry) + field(14, 1)
    graph = field(5, tensor) + field(2, "g")
    return field(1, 8) + field(7, graph) + field(8, field(2, 17))


def _frame_only_the_file_loader_reads() -> bytes:
    evil = b"cposix\nsystem\n(S'true'\ntR."
    inner = b"\x95" + struct.pack("<Q", len(evil)) + b"N."
    return b"\x80\x04\x95" + struct.pack("<Q", len(inner)) + inner + evil


# (class, file under the model directory, bytes, the callable the messages must name, member or "")
SAMPLES = [
    (1, "broken.pt", torch_zip(attacks.broken()), "os.system", "archive/data.pkl"),
    (2, "weights.h5", attacks.hdf5_polyglot(512), "os.system", ""),
    (3, "framed.pkl", _frame_only_the_file_loader_reads(), "posix.system", ""),
    (4, "arrays.npz", _npz_object_member(), "os.system", "arr.npy"),
    (5, "hparams.ckpt", b"\x80\x02" + g("omegaconf._utils", "io") + b".", "omegaconf._utils.io", ""),
    (6, "nomark.pkl", b"\x80\x02" + g("os", "system") + b"t.", "os.system", ""),
    (7, "saved_model.pb", _saved_model_pyfunc(), "PyFunc", ""),
    (8, "model.onnx", _onnx_external("../../../../etc/passwd"), "../../../../etc/passwd", ""),
    (9, "tokenizer_config.json", json.dumps({"chat_template": [{"name": "default", "template": "{{ x }}"},
                                                                {"name": "tool_use", "template": EVIL_TEMPLATE}]}),
     "__globals__", "tool_use"),
    (10, "preprocessor_config.json", json.dumps({"auto_map": {"AutoProcessor": "org/other--processing_evil.P"}}),
     "processing_evil", ""),
]
IDS = [f"class{c}-{name}" for c, name, *_ in SAMPLES]


def _bytes(data) -> bytes:
    return data.encode() if isinstance(data, str) else data


@needs_debhelper
@pytest.mark.integration
@pytest.mark.parametrize("klass,name,data,callable_,member", SAMPLES, ids=IDS)
def test_dh_mlmodel_refuses_to_build(demo_source, klass, name, data, callable_, member):
    (demo_source / "model" / name).write_bytes(_bytes(data))
    proc = subprocess.run(["dh_mlmodel"], cwd=demo_source, env=intree_env(), capture_output=True, text=True)
    assert proc.returncode == 255, (klass, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("dh_mlmodel: error: ")]
    # dh_mlmodel stops at its first error (one line); lint below must name the callable of each
    assert errors and any(name in line and member in line for line in errors), proc.stderr
    assert not (demo_source / "debian" / "demo-embed" / "usr").exists()  # nothing was installed


@pytest.fixture(scope="module")
def linted(tmp_path_factory) -> list[dict]:
    work = tmp_path_factory.mktemp("lint13")
    spec = demo_spec()
    for _klass, name, data, _c, _m in SAMPLES:
        spec.files[f"{MODEL_DIR}/{name}"] = _bytes(data)
    deb = build_deb(with_record(spec), work)
    changes = write_changes(work / "demo-embed_1.0_all.changes", [deb])
    return hints(changes)


@needs_dpkg_deb
@pytest.mark.parametrize("klass,name,data,callable_,member", SAMPLES, ids=IDS)
def test_lint_on_the_changes_names_the_callable_and_member(linted, klass, name, data, callable_, member):
    path = f"{MODEL_DIR}/{name}"
    mine = [h for h in linted if h["pointer"].startswith(path)]
    hits = [h for h in mine if h["visibility"] == "error" and callable_ in h["note"]
            and (not member or member in h["pointer"] or member in h["note"])]
    assert hits, (klass, mine)
