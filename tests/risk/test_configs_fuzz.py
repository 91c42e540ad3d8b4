"""Mutated Keras zips, .h5 bytes, SavedModel graphs, keras_metadata.pb, npy headers and templates never crash the checks.

Seeds are the hostile samples of the other issue 13 tests; hypothesis truncates them, flips bytes and
splices in runs of JSON and protobuf punctuation.  Every result must be findings, never an exception.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dh_mlmodel.inspect import inspect_model_dir

from .test_keras_tf import LAMBDA, ORDERS, SAVER_OPS, keras_metadata, keras_zip, saved_model, sequential, DENSE

SEEDS = {
    "m.keras": keras_zip(sequential(DENSE)),
    "saved_model.pb": saved_model(SAVER_OPS + ["ReadFile"], ["PyFunc"]),
    "keras_metadata.pb": keras_metadata([LAMBDA]),
    "m.h5": b"\x89HDF\r\n\x1a\n" + b"\x00" * 64 + ORDERS["reversed and escaped"].encode() + b"\x00" * 64,
    "a.npy": b"\x93NUMPY\x01\x00v\x00" + repr({"descr": [("a", "O")], "fortran_order": False,
                                                "shape": (1,)}).encode().ljust(118) + b"\n\x80\x02N.",
    "tokenizer_config.json": json.dumps({"chat_template": [{"name": "a", "template": "{% set n = x|join %}"
                                                                                     "{{ ''[n] }}"}],
                                         "auto_map": {"AutoTokenizer": ["a/b--t.T", None]}}).encode(),
}
PUNCT = st.sampled_from([b'{"', b'":', b"\\", b"\x0a\x08", b"\x12\xff\xff\xff\xff\x0f", b"[", b"{%", b"%}", b"'",
                         b"PK\x05\x06", b"\x80"])


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "splice"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = draw(PUNCT) * draw(st.integers(1, 64))
    return name, bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_give_findings_not_exceptions(case):
    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / name).write_bytes(data)
        report = inspect_model_dir(Path(tmp), hash=False)
    for f in report.findings:
        assert f.severity in ("error", "warning", "info", "pedantic") and "\n" not in f.message
