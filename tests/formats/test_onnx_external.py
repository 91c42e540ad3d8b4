"""Issue 13 class 8: ONNX external data wherever a tensor sits, with onnx's own helper as the oracle.

Models are written with the onnx package (helper, numpy_helper,
external_data_helper.convert_model_to_external_data / set_external_data).
"""
from __future__ import annotations

import numpy as np
import pytest

from dh_mlmodel.formats.onnx import read_model
from dh_mlmodel.inspect import inspect_model_dir
from pbwrite import field

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx import external_data_helper as edh  # noqa: E402


def _const(name: str, value) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value, np.float32)))


def _model(with_sparse: bool = True) -> onnx.ModelProto:
    """Tensors in every place: initializer, sparse initializer, Constant, If branches, Loop body, a function."""
    then_g = helper.make_graph([_const("t", [1.0] * 4)], "then", [], [helper.make_tensor_value_info("t", 1, [4])],
                               initializer=[numpy_helper.from_array(np.ones(4, np.float32), "then_init")])
    inner = helper.make_graph([_const("deep", [2.0] * 4)], "inner", [], [helper.make_tensor_value_info("deep", 1, [4])])
    else_g = helper.make_graph([helper.make_node("If", ["c"], ["e"], then_branch=inner, else_branch=inner)], "else",
                               [], [helper.make_tensor_value_info("e", 1, [4])])
    body = helper.make_graph([_const("b", [3.0] * 4), helper.make_node("Identity", ["cond_in"], ["cond_out"])],
                             "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                                      helper.make_tensor_value_info("cond_in", TensorProto.BOOL, [])],
                             [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
                              helper.make_tensor_value_info("b", 1, [4])])
    fn = helper.make_function("local", "F", ["x"], ["y"], [_const("fc", [4.0] * 4),
                                                           helper.make_node("Add", ["x", "fc"], ["y"])],
                              [helper.make_opsetid("", 17)])
    nodes = [helper.make_node("If", ["c"], ["o"], then_branch=then_g, else_branch=else_g),
             helper.make_node("Loop", ["n", "c"], ["lo"], body=body),
             helper.make_node("F", ["o"], ["f"], domain="local"), _const("top", [5.0] * 4)]
    sparse = []
    if with_sparse:
        sparse = [helper.make_sparse_tensor(numpy_helper.from_array(np.ones(2, np.float32), "sp"),
                                            numpy_helper.from_array(np.array([0, 3], np.int64), "sp_idx"), [4])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                                           helper.make_tensor_value_info("n", TensorProto.INT64, [])],
                              [helper.make_tensor_value_info("f", 1, [4])],
                              initializer=[numpy_helper.from_array(np.zeros(4, np.float32), "w")],
                              sparse_initializer=sparse)
    return helper.make_model(graph, functions=[fn], opset_imports=[helper.make_opsetid("", 17),
                                                                   helper.make_opsetid("local", 1)])


def _externalise(model, location_of) -> None:
    """Point every tensor onnx's helper knows (and the sparse ones it does not) at an external file."""
    tensors = list(edh._get_all_tensors(model))
    for s in model.graph.sparse_initializer:
        tensors += [s.values, s.indices]
    for i, t in enumerate(tensors):
        t.ClearField("float_data")
        t.ClearField("int64_data")
        edh.set_external_data(t, location=location_of(i, t), offset=0, length=4)
        t.data_location = TensorProto.EXTERNAL


def _location(t) -> str:
    return next(e.value for e in t.external_data if e.key == "location")  # ExternalDataInfo refuses '..'


def test_every_external_location_is_found(tmp_path):
    model = _model()
    _externalise(model, lambda i, t: f"../escape_{i}.bin")
    p = tmp_path / "m.onnx"
    p.write_bytes(model.SerializeToString())  # onnx.save would also write (and refuse) the data files
    loaded = onnx.load(p, load_external_data=False)
    oracle = {_location(t) for t in edh._get_all_tensors(loaded) if edh.uses_external_data(t)}
    oracle |= {_location(t) for s in loaded.graph.sparse_initializer for t in (s.values, s.indices)}
    # w; sp, sp_idx (sparse); then_init, t (If branch); deep twice (nested If); b (Loop); top; fc (function)
    assert len(oracle) == 10
    assert set(read_model(p, "m.onnx")["external_data"]) == oracle


@pytest.mark.parametrize("where", ["sparse", "constant", "if-branch", "nested-if", "loop-body", "function"])
def test_escaping_location_in_each_place_is_an_error(tmp_path, where):
    model = _model()
    pick = {"sparse": lambda t: t.name in ("sp", "sp_idx"), "if-branch": lambda t: t.name == "then_init"}

    def location(i, t):
        names = {"constant": "", "nested-if": "", "loop-body": "", "function": ""}
        return "../../etc/passwd" if pick.get(where, lambda t: False)(t) else f"ok_{i}.bin"
    _externalise(model, location)
    # the Constant nodes' tensors have no name: find them by their graph
    # (make_node sorts attributes: an If's else_branch comes first)
    target = {"constant": lambda: model.graph.node[3].attribute[0].t,
              "nested-if": lambda: model.graph.node[0].attribute[0].g.node[0].attribute[0].g.node[0].attribute[0].t,
              "loop-body": lambda: model.graph.node[1].attribute[0].g.node[0].attribute[0].t,
              "function": lambda: model.functions[0].node[0].attribute[0].t}.get(where)
    if target is not None:
        edh.set_external_data(target(), location="../../etc/passwd", offset=0, length=4)
    p = tmp_path / "m.onnx"
    p.write_bytes(model.SerializeToString())  # onnx.save would also write (and refuse) the data files
    for i in range(12):
        (tmp_path / f"ok_{i}.bin").write_bytes(b"\x00" * 4)
    report = inspect_model_dir(tmp_path)
    errors = [f for f in report.findings if f.severity == "error" and f.path == "m.onnx"]
    assert any(f.tag == "onnx-external-data-outside-model" and f.member == "../../etc/passwd" for f in errors), errors


def test_subgraph_depth_is_bounded(tmp_path):
    """Deeper than protobuf lets onnx parse (so encoded by hand): an error, not a recursion crash."""
    g = b""
    for _ in range(200):  # GraphProto.node 1 -> NodeProto.attribute 5 -> AttributeProto.g 6 -> GraphProto
        g = field(1, field(5, field(6, g)))
    p = tmp_path / "deep.onnx"
    p.write_bytes(b"\x08\x08" + field(7, g))  # ir_version 8, graph
    facts = inspect_model_dir(tmp_path).files[0]
    assert facts.artifact.format == "onnx"
    assert [f.tag for f in facts.findings if f.severity == "error"] == ["malformed-model-file"]
