"""Issue 13 classes 4, 8 and 9 through the command line: `mlmodel inspect DIR` exits non-zero, in one line per finding.

(Classes 7 and 10 have theirs in test_keras_tf.py and test_remote_code.py.)
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _npy(d: Path) -> str:
    header = repr({"descr": [("a", "<i4"), ("b", ("O", (2,)))], "fortran_order": False, "shape": (1,)})
    header += " " * ((64 - (len(header) + 11) % 64) % 64) + "\n"
    (d / "x.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\x80\x02N.")
    return "numpy-object-array"


def _onnx(d: Path) -> str:
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import helper, numpy_helper
    t = numpy_helper.from_array(np.zeros(4, np.float32))
    onnx.external_data_helper.set_external_data(t, location="../../../etc/shadow", offset=0, length=4)
    t.ClearField("raw_data")
    t.data_location = onnx.TensorProto.EXTERNAL
    node = helper.make_node("Constant", [], ["c"], value=t)
    graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("c", 1, [4])])
    (d / "m.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    return "onnx-external-data-outside-model"


def _template(d: Path) -> str:
    (d / "tokenizer_config.json").write_text(json.dumps({"chat_template": [
        {"name": "default", "template": "{{ messages[0]['content'] }}"},
        {"name": "rag", "template": "{% for k in ['__cla','ss__'] %}{% set ns.n = ns.n ~ k %}{% endfor %}"
                                    "{{ ''[ns.n] }}"}]}))
    return "chat-template-sandbox-escape"


@pytest.mark.parametrize("make", [_npy, _onnx, _template], ids=["numpy", "onnx", "template"])
def test_inspect_exits_non_zero(tmp_path, make):
    tag = make(tmp_path)
    proc = subprocess.run([sys.executable, str(REPO / "bin" / "mlmodel"), "inspect", str(tmp_path)], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert tag in proc.stdout and "Traceback" not in proc.stderr
