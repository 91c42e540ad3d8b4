"""Issue 13 class 7: containers and configs we did not open.

Keras and TensorFlow are not installed for the tests (hundreds of MB); the
files are written in the shape they write them: .keras zips with zipfile as
keras/src/saving/saving_lib.py lays them out, legacy .h5 with h5py (as
keras/src/legacy/saving/legacy_h5_format.py: a `model_config` attribute of
the root group holding JSON), SavedModel and keras_metadata.pb protobufs
encoded field by field from tensorflow/core/protobuf/saved_model.proto,
meta_graph.proto, graph.proto, function.proto and Keras' saved_metadata.proto.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dh_mlmodel.inspect import inspect_model_dir
from pbwrite import field

REPO = Path(__file__).resolve().parents[2]


def errors(tmp_path, name=None, hash=True):
    report = inspect_model_dir(tmp_path, hash=hash)
    return [f for f in report.findings if f.severity == "error" and (name is None or f.path == name)]


# ---------------------------------------------------------------- protobuf by hand


def node_def(name: str, op: str) -> bytes:
    return field(1, name) + field(2, op) + field(3, "input:0")


def saved_model(graph_ops: list[str], function_ops: list[str]) -> bytes:
    """SavedModel{schema 1, meta_graphs{graph_def{node*, library{function{signature{name}, node_def*}}}}}."""
    fn = field(1, field(1, "__inference_f_12")) + b"".join(field(3, node_def(f"n{i}", op))
                                                           for i, op in enumerate(function_ops))
    graph = b"".join(field(1, node_def(f"g{i}", op)) for i, op in enumerate(graph_ops)) + field(2, field(1, fn))
    meta_graph = field(1, field(4, "serve")) + field(2, graph)
    return field(1, 1) + field(2, meta_graph)


SAVER_OPS = ["Placeholder", "Const", "VarHandleOp", "SaveV2", "RestoreV2", "MergeV2Checkpoints", "StatefulPartitionedCall"]


def _savedmodel_dir(d: Path, graph_ops, function_ops) -> None:
    (d / "variables").mkdir(parents=True)
    (d / "saved_model.pb").write_bytes(saved_model(graph_ops, function_ops))
    (d / "variables" / "variables.index").write_bytes(b"\x00" * 16)


@pytest.mark.parametrize("op,where", [("ReadFile", "graph"), ("WriteFile", "function"), ("PyFunc", "graph"),
                                       ("EagerPyFunc", "function"), ("MatchingFiles", "function")])
def test_savedmodel_unsafe_ops(tmp_path, op, where):
    _savedmodel_dir(tmp_path, SAVER_OPS + ([op] if where == "graph" else []), ["Identity"] + (
        [op] if where == "function" else []))
    found = errors(tmp_path, "saved_model.pb")
    assert [(f.tag, f.member) for f in found] == [("tf-savedmodel-unsafe-op", op)]


def test_savedmodel_saver_graph_is_clean(tmp_path):
    _savedmodel_dir(tmp_path, SAVER_OPS, ["Identity", "MatMul"])
    assert errors(tmp_path) == []


def test_savedmodel_truncated_graph_is_not_scanned(tmp_path):
    _savedmodel_dir(tmp_path, SAVER_OPS + ["ReadFile"], [])
    p = tmp_path / "saved_model.pb"
    p.write_bytes(p.read_bytes()[:-3])
    assert "config-not-scanned" in {f.tag for f in errors(tmp_path, "saved_model.pb")}


def keras_metadata(layers: list[dict]) -> bytes:
    """SavedMetadata{nodes{node_id 2, node_path 3, identifier 4, metadata 5 (JSON)}}."""
    return b"".join(field(1, field(2, i) + field(3, f"root.layer-{i}") + field(4, "_tf_keras_layer")
                            + field(5, json.dumps(m))) for i, m in enumerate(layers))


LAMBDA = {"class_name": "Lambda", "name": "lambda", "config": {"name": "lambda", "function": {
    "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkA"}}}}


@pytest.mark.parametrize("with_saved_model", [True, False])
def test_keras_metadata_lambda_is_found_not_taken_for_sentencepiece(tmp_path, with_saved_model):
    if with_saved_model:
        _savedmodel_dir(tmp_path, SAVER_OPS, [])
    (tmp_path / "keras_metadata.pb").write_bytes(keras_metadata([{"class_name": "Dense", "config": {}}, LAMBDA]))
    report = inspect_model_dir(tmp_path)
    facts = next(f for f in report.files if f.artifact.relpath == "keras_metadata.pb")
    assert facts.artifact.format == "tf-savedmodel"
    assert "keras-lambda-layer" in {f.tag for f in facts.findings if f.severity == "error"}


# ---------------------------------------------------------------- .keras zips

def keras_zip(config: dict | bytes, *, metadata: bool = True, weights: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if metadata:
            z.writestr("metadata.json", json.dumps({"keras_version": "3.10.0", "date_saved": "2025-06-01@00:00:00"}))
        z.writestr("config.json", config if isinstance(config, bytes) else json.dumps(config))
        if weights:
            z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
    return buf.getvalue()


def sequential(*layers: dict) -> dict:
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": list(layers)},
            "registered_name": None}


DENSE = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}, "registered_name": None}
KERAS_LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "config": {"function": {
    "class_name": "__lambda__", "config": {"code": "4wEAAAA"}}}, "registered_name": None}


@pytest.mark.parametrize("metadata,weights", [(False, True), (False, False)])
def test_keras_zip_without_metadata_json(tmp_path, metadata, weights):
    (tmp_path / "model.keras").write_bytes(keras_zip(sequential(DENSE, KERAS_LAMBDA), metadata=metadata,
                                                     weights=weights))
    assert "keras-lambda-layer" in {f.tag for f in errors(tmp_path, "model.keras")}


UNSAFE = [
    # CVE-2025-9905 class: the config turns safe_mode off, a Lambda after it then loads
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": {
        "module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization",
        "registered_name": "enable_unsafe_deserialization"}}, "registered_name": None},
    # CVE-2025-8747 class: keras.utils.get_file named as a function object
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "kernel_initializer": {
        "module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "get_file"}}},
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2,
                                                                 "activation": "keras.src.utils.file_utils.get_file"}},
]


@pytest.mark.parametrize("layer", UNSAFE)
def test_keras_unsafe_calls(tmp_path, layer):
    (tmp_path / "model.keras").write_bytes(keras_zip(sequential(DENSE, layer)))
    assert "keras-config-unsafe-call" in {f.tag for f in errors(tmp_path, "model.keras")}


def test_tf_keras_get_file_is_an_error(tmp_path):
    layer = {"module": "tf.keras.utils", "class_name": "function", "config": "get_file"}
    (tmp_path / "model.keras").write_bytes(keras_zip(sequential(DENSE, layer)))
    assert {"keras-config-unsafe-call", "keras-config-arbitrary-module"} <= {
        f.tag for f in errors(tmp_path, "model.keras")}


def test_plain_keras_model_is_clean(tmp_path):
    relu = {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "relu"}
    (tmp_path / "model.keras").write_bytes(keras_zip(sequential(DENSE, dict(DENSE, config={"activation": relu}))))
    assert errors(tmp_path) == []


def test_keras_config_over_the_limit_is_not_scanned(tmp_path):
    from dh_mlmodel.risk.configs import JSON_LIMIT
    big = json.dumps(sequential(KERAS_LAMBDA)).encode()
    big = big[:-1] + b" " * (JSON_LIMIT + 1) + b"}"
    (tmp_path / "model.keras").write_bytes(keras_zip(big))
    assert "config-not-scanned" in {f.tag for f in errors(tmp_path, "model.keras", hash=False)}


# ---------------------------------------------------------------- legacy .h5 (h5py)

h5py = pytest.importorskip("h5py")


def _h5(path: Path, model_config: str, *, vlen: bool = False, libver=None, weights: bool = True) -> None:
    import numpy as np
    with h5py.File(path, "w", libver=libver) as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = model_config if vlen else model_config.encode()
        if weights:
            f.create_dataset("model_weights/dense/kernel:0", data=np.arange(64, dtype=np.float32))


LEGACY_LAMBDA = '{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAA", null, null]}}'
ORDERS = {
    "keys reversed": '{"config": {"layers": [%s], "name": "s"}, "class_name": "Sequential"}' % LEGACY_LAMBDA,
    "escaped name": ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lamb\\u0064a", '
                     '"config": {"name": "l"}}]}}'),
    "spaces": '{ "class_name" : "Sequential" , "config" : { "layers" : [ %s ] } }' % LEGACY_LAMBDA,
    "reversed inner": ('{"config": {"layers": [{"config": {"name": "l"}, "class_name": "Lambda"}]}, '
                       '"class_name": "Sequential"}'),
    # no `{"class_name": ` and no `"class_name": "Lambda"` bytes anywhere: a fixed pattern sees nothing
    "reversed and escaped": ('{"config": {"layers": [{"config": {"name": "l"}, "class_name": "Lamb\\u0064a"}]}, '
                             '"class_name": "Sequential"}'),
    "reversed and spaced": ('{"config": {"layers": [{"config": {"name": "l"}, "class_name" : "Lambda"}]}, '
                            '"class_name" : "Sequential"}'),
}


@pytest.mark.parametrize("spelling", sorted(ORDERS))
@pytest.mark.parametrize("vlen", [False, True])
def test_legacy_h5_lambda_in_any_order_or_escaping(tmp_path, spelling, vlen):
    config = ORDERS[spelling]
    assert "Lambda" in json.dumps(json.loads(config))  # the JSON really holds a Lambda layer
    _h5(tmp_path / "model.h5", config, vlen=vlen)
    assert "keras-lambda-layer" in {f.tag for f in errors(tmp_path, "model.h5")}


def test_legacy_h5_large_config_in_dense_attribute_storage(tmp_path):
    layers = [{"class_name": "Dense", "config": {"name": f"d{i}", "units": 4}} for i in range(3000)]
    layers.insert(1500, json.loads(LEGACY_LAMBDA))
    config = json.dumps({"config": {"layers": layers}, "class_name": "Sequential"})
    assert len(config) > 64 << 10  # past the object header: HDF5 stores it in a fractal heap
    _h5(tmp_path / "model.h5", config, libver="latest")
    assert "keras-lambda-layer" in {f.tag for f in errors(tmp_path, "model.h5")}


def test_legacy_h5_clean_and_unreadable(tmp_path):
    _h5(tmp_path / "ok.h5", ORDERS["keys reversed"].replace("Lambda", "Dense"))
    _h5(tmp_path / "bad.h5", '{"class_name": "Sequential", "config": ')
    found = errors(tmp_path)
    assert [(f.path, f.tag) for f in found] == [("bad.h5", "config-not-scanned")]


# ---------------------------------------------------------------- 7z and the CLI

SEVEN_Z = bytes.fromhex("377abcaf271c0004") + b"\x00" * 24  # signature header (7zFormat.txt), empty archive


def test_7z_archive_cannot_be_scanned(tmp_path):
    (tmp_path / "weights.pt").write_bytes(SEVEN_Z)
    assert [f.tag for f in errors(tmp_path, "weights.pt")] == ["archive-not-scanned"]


CLI_CASES = {
    "7z": lambda d: (d / "model.7z").write_bytes(SEVEN_Z),
    "savedmodel": lambda d: _savedmodel_dir(d, SAVER_OPS + ["ReadFile"], []),
    "keras-metadata": lambda d: (d / "keras_metadata.pb").write_bytes(keras_metadata([LAMBDA])),
    "keras-zip": lambda d: (d / "m.keras").write_bytes(keras_zip(sequential(UNSAFE[0]), metadata=False)),
    "h5": lambda d: _h5(d / "m.h5", ORDERS["reversed and escaped"]),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_inspect_exits_non_zero(tmp_path, case):
    CLI_CASES[case](tmp_path)
    proc = subprocess.run([sys.executable, str(REPO / "bin" / "mlmodel"), "inspect", str(tmp_path)], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert proc.stderr == "" or "Traceback" not in proc.stderr
