"""Issue 13 classes 4 and 7-10 in a built package: `mlmodel lint` reports each, with the file (and member) it is in.

Bytes are written the way the real writers lay them out (see tests/risk/test_keras_tf.py); packages are
built with dpkg-deb, as the other lint tag tests do.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile

from pbwrite import field
from lintdebs import MODEL_DIR, build_deb, demo_spec, hints, needs_dpkg_deb, tags, with_record

pytestmark = needs_dpkg_deb


def _npy_object() -> bytes:
    header = repr({"descr": "(2,)O", "fortran_order": False, "shape": (1,)})
    header += " " * ((64 - (len(header) + 11) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\x80\x02N."


def _keras_without_metadata() -> bytes:
    buf = io.BytesIO()
    layer = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 1, "activation": {
        "module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization"}}}
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("config.json", json.dumps({"module": "keras", "class_name": "Sequential",
                                              "config": {"layers": [layer]}}))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    return buf.getvalue()


CASES = {
    "x.npy": (_npy_object(), "numpy-object-array"),
    "m.keras": (_keras_without_metadata(), "keras-config-unsafe-call"),
    "saved/saved_model.pb": (field(2, field(2, field(1, field(1, b"r") + field(2, b"ReadFile")))),
                             "tf-savedmodel-unsafe-op"),
    "saved/keras_metadata.pb": (field(1, field(5, json.dumps({"class_name": "Lambda", "config": {}}).encode())),
                                "keras-lambda-layer"),
    "weights.7z": (bytes.fromhex("377abcaf271c0004") + b"\x00" * 24, "archive-not-scanned"),
    "tokenizer_config.json": (json.dumps({"chat_template": [{"name": "default", "template": "{{ x }}"}, {
        "name": "tool_use", "template": "{% set d = {'k': '__cla' ~ 'ss__'} %}{{ ''[d['k']] }}"}]}).encode(),
        "chat-template-sandbox-escape"),
    "preprocessor_config.json": (json.dumps({"auto_map": {"AutoImageProcessor": "evil/repo--proc.P"}}).encode(),
                                 "remote-code-not-shipped"),
}


def test_each_class_is_reported_with_its_file(tmp_path):
    spec = demo_spec()
    for name, (data, _tag) in CASES.items():
        spec.files[f"{MODEL_DIR}/{name}"] = data
    found = hints(build_deb(with_record(spec), tmp_path))
    for name, (_data, tag) in CASES.items():
        pointers = [h.get("pointer", "") for h in found if h["tag"] == tag]
        assert any(p.startswith(f"{MODEL_DIR}/{name}") for p in pointers), (name, tag, pointers)
    clean = tags(build_deb(with_record(demo_spec()), tmp_path / "clean"))
    assert not clean & {tag for _d, tag in CASES.values()}
