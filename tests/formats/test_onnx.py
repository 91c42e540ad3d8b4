"""ONNX: our protobuf walk against onnx's own reader, external data included."""
from __future__ import annotations

from pathlib import Path

import pytest

from dh_mlmodel.formats import onnx as ours

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

pytestmark = pytest.mark.reference


def _model(initializer_size: int = 4096):
    weight = numpy_helper.from_array(np.arange(initializer_size, dtype=np.float32), name="w")
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "graph-name",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [initializer_size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [initializer_size])],
                              initializer=[weight])
    model = helper.make_model(graph, producer_name="unit-test", producer_version="1.2",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    helper.set_model_props(model, {"license": "apache-2.0", "author": "someone"})
    model.doc_string = "a doc string"
    return model


def test_inline_model_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(_model(), str(path))
    meta, findings = ours.describe(path, "m.onnx")
    assert findings == []
    assert meta["producer"] == "unit-test" and meta["producer_version"] == "1.2"
    assert meta["opsets"] == {"ai.onnx": 17, "ai.onnx.ml": 3} and meta["opset"] == 17
    assert meta["metadata_props"] == {"license": "apache-2.0", "author": "someone"}
    assert meta["license"] == "apache-2.0" and meta["doc_string"] == "a doc string"
    assert meta["initializers"] == 1 and meta["nodes"] == 1 and meta["graph_name"] == "graph-name"
    assert "external_data" not in meta


def test_external_data_locations(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(_model(), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.onnx.data", size_threshold=0)
    meta, findings = ours.describe(path, "m.onnx")
    assert meta["external_data"] == ["m.onnx.data"] and findings == []
    (tmp_path / "m.onnx.data").unlink()
    _, findings = ours.describe(path, "m.onnx")
    assert [f.tag for f in findings] == ["onnx-external-data-missing"]


@pytest.mark.parametrize("location", ["../../etc/passwd", "/etc/passwd", "C:\\x", "sub/../../x"])
def test_external_data_that_leaves_the_directory(tmp_path: Path, location: str) -> None:
    model = _model()
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    meta, findings = ours.describe(path, "m.onnx")
    assert meta["external_data"] == [location]
    assert [f.tag for f in findings] == ["onnx-external-data-unsafe-path"]


def test_large_initializer_is_skipped_not_read(tmp_path: Path) -> None:
    """A 64 MB initializer: the walk seeks over it (it reads and allocates a small part of it)."""
    from conftest import Cost
    path = tmp_path / "big.onnx"
    onnx.save(_model(16 << 20), str(path))
    with Cost() as cost:
        meta, _ = ours.describe(path, "big.onnx")
    assert cost.peak < 2 << 20, cost.peak
    if cost.read is not None:
        assert cost.read < 2 << 20, cost.read
    assert meta["initializers"] == 1
