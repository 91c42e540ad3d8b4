"""ONNX: producer, opset, metadata_props and external data, from the protobuf.

Field numbers: onnx/onnx.proto (ModelProto, GraphProto, TensorProto,
OperatorSetIdProto, StringStringEntryProto).  Initializer bytes (raw_data)
are skipped by seeking; only the `external_data` entries of each
initializer are read, because they name files a loader will open, and a
name that leaves the model directory is a known attack (CVE-2022-25882,
CVE-2024-27318).
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from ..model import Finding
from . import protobuf as pb
from .binio import BoundedReader, FormatError

# ModelProto field -> expected wire type
MODEL_FIELDS = {1: pb.VARINT, 2: pb.LEN, 3: pb.LEN, 4: pb.LEN, 5: pb.VARINT, 6: pb.LEN, 7: pb.LEN,
                8: pb.LEN, 14: pb.LEN, 20: pb.LEN, 25: pb.LEN, 26: pb.LEN}
GRAPH_INITIALIZER, GRAPH_NODE, GRAPH_SPARSE_INITIALIZER = 5, 1, 15
TENSOR_NAME, TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 8, 13, 14
MAX_SNIFF_FIELDS = 64


def looks_like_onnx(path: Path, size: int) -> bool:
    """A ModelProto walks cleanly to the end of the file with an ir_version and a graph."""
    try:
        with open(path, "rb") as f:
            r = BoundedReader(f, size, path)
            seen: set[int] = set()
            for count, (number, wire, _value) in enumerate(pb.fields(r, size, "ModelProto")):
                if MODEL_FIELDS.get(number) != wire or count > MAX_SNIFF_FIELDS:
                    return False
                seen.add(number)
            return 1 in seen and 7 in seen
    except (FormatError, OSError):
        return False


def _opsets(r: BoundedReader, span: tuple[int, int]) -> dict[str, int]:
    domain, version = "", None
    for number, wire, value in pb.sub_fields(r, span, "opset_import"):
        if number == 1 and wire == pb.LEN:
            domain = pb.read_string(r, value, "opset domain")
        elif number == 2 and wire == pb.VARINT:
            version = value
    return {domain or "ai.onnx": version} if version is not None else {}


def _string_pair(r: BoundedReader, span: tuple[int, int], what: str) -> tuple[str, str]:
    key = val = ""
    for number, wire, value in pb.sub_fields(r, span, what):
        if wire == pb.LEN and number == 1:
            key = pb.read_string(r, value, what)
        elif wire == pb.LEN and number == 2:
            val = pb.read_string(r, value, what)
    return key, val


# Where TensorProtos sit (onnx.proto): GraphProto initializer 5, sparse_initializer 15, node 1;
# NodeProto attribute 5; AttributeProto t 5, g 6, tensors 10, graphs 11, sparse_tensor 22,
# sparse_tensors 23; SparseTensorProto values 1, indices 2; FunctionProto node 7, attribute_proto 11;
# TrainingInfoProto initialization 1, algorithm 2.
NODE_ATTRIBUTE, FUNCTION_NODE, FUNCTION_ATTRIBUTE = 5, 7, 11
ATTR_TENSORS, ATTR_GRAPHS, ATTR_SPARSE = (5, 10), (6, 11), (22, 23)
MAX_GRAPH_DEPTH = 32  # If/Loop/Scan bodies inside bodies


def _tensor_locations(r: BoundedReader, span: tuple[int, int], out: list[str]) -> None:
    entries: dict[str, str] = {}
    for number, wire, value in pb.sub_fields(r, span, "tensor"):
        if number == TENSOR_EXTERNAL_DATA and wire == pb.LEN:
            key, val = _string_pair(r, value, "external_data")
            entries[key] = val
    if "location" in entries:  # with or without data_location = EXTERNAL: say what a loader could open
        out.append(entries["location"])


def _sparse_locations(r: BoundedReader, span: tuple[int, int], out: list[str]) -> None:
    for number, wire, value in pb.sub_fields(r, span, "sparse tensor"):
        if number in (1, 2) and wire == pb.LEN:
            _tensor_locations(r, value, out)


def _attribute_locations(r: BoundedReader, span: tuple[int, int], out: list[str], depth: int) -> None:
    for number, wire, value in pb.sub_fields(r, span, "attribute"):
        if wire != pb.LEN:
            continue
        if number in ATTR_TENSORS:
            _tensor_locations(r, value, out)
        elif number in ATTR_SPARSE:
            _sparse_locations(r, value, out)
        elif number in ATTR_GRAPHS:
            _graph(r, value, out, depth + 1)


def _node_locations(r: BoundedReader, span: tuple[int, int], out: list[str], depth: int) -> None:
    for number, wire, value in pb.sub_fields(r, span, "node"):
        if number == NODE_ATTRIBUTE and wire == pb.LEN:
            _attribute_locations(r, value, out, depth)


def _function_locations(r: BoundedReader, span: tuple[int, int], out: list[str]) -> None:
    for number, wire, value in pb.sub_fields(r, span, "function"):
        if number == FUNCTION_NODE and wire == pb.LEN:
            _node_locations(r, value, out, 1)
        elif number == FUNCTION_ATTRIBUTE and wire == pb.LEN:
            _attribute_locations(r, value, out, 1)


def _graph(r: BoundedReader, span: tuple[int, int], locations: list[str], depth: int = 0) -> tuple[int, int, str]:
    """(initializers, nodes, graph name); every external data location in it, subgraphs included, goes to LOCATIONS."""
    if depth > MAX_GRAPH_DEPTH:
        raise r.fail(f"subgraphs nested more than {MAX_GRAPH_DEPTH} deep")
    initializers = nodes = 0
    name = ""
    for number, wire, value in pb.sub_fields(r, span, "graph"):
        if wire != pb.LEN:
            continue
        if number == GRAPH_INITIALIZER:
            initializers += 1
            _tensor_locations(r, value, locations)
        elif number == GRAPH_SPARSE_INITIALIZER:
            initializers += 1
            _sparse_locations(r, value, locations)
        elif number == GRAPH_NODE:
            nodes += 1
            _node_locations(r, value, locations, depth)
        elif number == 2:
            name = pb.read_string(r, value, "graph name")
    return initializers, nodes, name


def read_model(path: Path, relpath: str) -> dict[str, Any]:
    size = path.stat().st_size
    meta: dict[str, Any] = {}
    opsets: dict[str, int] = {}
    props: dict[str, str] = {}
    locations: list[str] = []
    with open(path, "rb") as f:
        r = BoundedReader(f, size, relpath)
        for number, wire, value in pb.fields(r, size, "ModelProto"):
            if MODEL_FIELDS.get(number, wire) != wire:
                raise r.fail(f"ModelProto field {number} has wire type {wire}")
            if number == 1:
                meta["ir_version"] = value
            elif number in (2, 3, 4, 6):
                key = {2: "producer", 3: "producer_version", 4: "domain", 6: "doc_string"}[number]
                meta[key] = pb.read_string(r, value, key)
            elif number == 5:
                meta["model_version"] = value
            elif number == 8:
                opsets.update(_opsets(r, value))
            elif number == 14:
                k, v = _string_pair(r, value, "metadata_props")
                props[k] = v
            elif number == 7:
                initializers, nodes, name = _graph(r, value, locations)
                meta.update(initializers=initializers, nodes=nodes, graph_name=name)
            elif number == 25 and wire == pb.LEN:  # functions: their bodies' Constant nodes
                _function_locations(r, value, locations)
            elif number == 20 and wire == pb.LEN:  # training_info: initialization and algorithm graphs
                for n, w, v in pb.sub_fields(r, value, "training_info"):
                    if n in (1, 2) and w == pb.LEN:
                        _graph(r, v, locations, 1)
    if locations:
        meta["external_data"] = list(dict.fromkeys(locations))
    if "ir_version" not in meta:
        raise FormatError(relpath, "ONNX model without ir_version")
    meta["opsets"] = opsets
    if "ai.onnx" in opsets:
        meta["opset"] = opsets["ai.onnx"]
    meta["metadata_props"] = props
    for key in ("license", "name", "author"):
        if key in props:
            meta[key] = props[key]
    if "initializers" in meta:
        meta["tensors"] = meta["initializers"]
    return meta


def external_data_findings(path: Path, relpath: str, locations: list[str]) -> list[Finding]:
    """A location must be a plain relative name in the model's directory, and present."""
    out = []
    for loc in locations:
        norm = posixpath.normpath(loc.replace("\\", "/"))
        if loc.startswith(("/", "\\")) or norm.startswith("..") or (len(loc) > 1 and loc[1] == ":"):
            out.append(Finding("onnx-external-data-unsafe-path", "error", f"external data location {loc!r} leaves the model directory", relpath, loc))
            continue
        target = path.parent / norm
        if os.path.islink(target):
            out.append(Finding("onnx-external-data-unsafe-path", "error", f"external data location {loc!r} is a symlink", relpath, loc))
        elif not target.is_file():
            out.append(Finding("onnx-external-data-missing", "error", f"external data file {loc!r} is missing", relpath, loc))
    return out


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    meta = read_model(path, relpath)
    return meta, external_data_findings(path, relpath, meta.get("external_data", []))


# GraphProto.output -> ValueInfoProto{name 1, type 2} -> TypeProto{tensor_type 1} -> {elem_type 1, shape 2}
# -> TensorShapeProto{dim 1} -> Dimension{dim_value 1, dim_param 2}.  For `mlmodel smoke`: a runtime reports
# the shapes it inferred, merged over these, so "shaped as declared" must read the declaration itself.
GRAPH_OUTPUT, MODEL_GRAPH = 12, 7
MAX_DECLARED_OUTPUTS = 4096


def _dims(r: BoundedReader, span: tuple[int, int]) -> list[int | str | None]:
    dims: list[int | str | None] = []
    for number, wire, value in pb.sub_fields(r, span, "shape"):
        if number == 1 and wire == pb.LEN:
            dim: int | str | None = None
            for n, w, v in pb.sub_fields(r, value, "dim"):
                if n == 1 and w == pb.VARINT:
                    dim = v - (1 << 64) if v >= 1 << 63 else v  # int64: -1 is written as 2**64 - 1
                elif n == 2 and w == pb.LEN:
                    dim = pb.read_string(r, v, "dim_param")
            dims.append(dim)
    return dims


def _value_info(r: BoundedReader, span: tuple[int, int]) -> tuple[str, list[int | str | None] | None]:
    """(name, declared dims; None when the shape is not declared)."""
    name, dims = "", None
    for number, wire, value in pb.sub_fields(r, span, "value_info"):
        if number == 1 and wire == pb.LEN:
            name = pb.read_string(r, value, "value_info name")
        elif number == 2 and wire == pb.LEN:
            for n, w, v in pb.sub_fields(r, value, "type"):
                if n == 1 and w == pb.LEN:
                    for n2, w2, v2 in pb.sub_fields(r, v, "tensor_type"):
                        if n2 == 2 and w2 == pb.LEN:
                            dims = _dims(r, v2)
    return name, dims


def declared_outputs(path: Path) -> dict[str, list[int | str | None] | None]:
    """The main graph's outputs as the file declares them: name -> dims (int, dim_param name or None)."""
    size = path.stat().st_size
    outputs: dict[str, list[int | str | None] | None] = {}
    with open(path, "rb") as f:
        r = BoundedReader(f, size, str(path))
        for number, wire, value in pb.fields(r, size, "ModelProto"):
            if number == MODEL_GRAPH and wire == pb.LEN:
                for n, w, v in pb.sub_fields(r, value, "graph"):
                    if n == GRAPH_OUTPUT and w == pb.LEN and len(outputs) < MAX_DECLARED_OUTPUTS:
                        name, dims = _value_info(r, v)
                        outputs[name] = dims
    return outputs
