"""TF SavedModel graphs: ops that reach the file system or run Python when the graph runs.

saved_model.pb is a SavedModel message (tensorflow/core/protobuf/saved_model.proto):
meta_graphs 2 -> MetaGraphDef (meta_graph.proto) graph_def 2 -> GraphDef
(graph.proto) node 1 -> NodeDef op 2, and library 2 -> FunctionDefLibrary
function 1 -> FunctionDef (function.proto) node_def 3 -> NodeDef.  Every node
of the graph and of every function is read; tensor constants are skipped by
seeking.  The op list follows modelscan's and ModelAudit's TensorFlow rules
and tf.raw_ops: the ones a saver graph uses (SaveV2, RestoreV2,
MergeV2Checkpoints) are normal and not listed.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

from ..formats import protobuf as pb
from ..formats.binio import BoundedReader, FormatError
from ..model import ArtifactFacts, Finding
from .configs import finding, read_capped

UNSAFE_OPS = {
    "PyFunc": "runs a Python function", "PyFuncStateless": "runs a Python function",
    "EagerPyFunc": "runs a Python function",
    "ReadFile": "reads any file", "WriteFile": "writes any file", "MatchingFiles": "lists the file system",
    "ImmutableConst": "maps a file named in the graph", "CreateSummaryFileWriter": "writes files",
    "CreateSummaryDbWriter": "writes a database file",
}
_TEXT_OP = re.compile(r"""\bop\s*:\s*(["'])((?:[^"'\\]|\\.)*)\1""")


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    a = facts.artifact
    base = posixpath.basename(a.relpath).lower()
    if base == "saved_model.pb":
        return _findings(graph_ops(a.path, a.relpath), a.relpath)
    if base == "saved_model.pbtxt":
        text, out = read_capped(a.path, a.relpath, "SavedModel text graph")
        if text is None:
            return out
        ops = {m.group(2) for m in _TEXT_OP.finditer(text)}
        if any("\\" in op for op in ops):
            return [finding("config-not-scanned", f"{a.relpath}: escaped op names: not scanned", a.relpath)]
        return _findings(ops, a.relpath)
    return []


def _findings(ops: set[str] | str, relpath: str) -> list[Finding]:
    if isinstance(ops, str):  # the graph could not be walked
        return [finding("config-not-scanned", f"{relpath}: SavedModel graph not readable ({ops}): not scanned",
                        relpath)]
    return [finding("tf-savedmodel-unsafe-op", f"graph uses the op {op}, which {UNSAFE_OPS[op]} when the "
                    "model runs", relpath, op) for op in sorted(ops & set(UNSAFE_OPS))]


def graph_ops(path: Path, relpath: str) -> set[str] | str:
    """Every op name in the SavedModel's graphs and function library, or the reason the walk failed."""
    ops: set[str] = set()
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            r = BoundedReader(f, size, relpath)
            for number, wire, value in pb.fields(r, size, "SavedModel"):
                if number == 2 and wire == pb.LEN:
                    for n, w, v in pb.sub_fields(r, value, "MetaGraphDef"):
                        if n == 2 and w == pb.LEN:
                            _graph_def(r, v, ops)
    except FormatError as exc:
        return exc.reason
    return ops


def _graph_def(r: BoundedReader, span: tuple[int, int], ops: set[str]) -> None:
    for number, wire, value in pb.sub_fields(r, span, "GraphDef"):
        if wire != pb.LEN:
            continue
        if number == 1:
            _node(r, value, ops)
        elif number == 2:
            for n, w, v in pb.sub_fields(r, value, "FunctionDefLibrary"):
                if n == 1 and w == pb.LEN:
                    for fn, fw, fv in pb.sub_fields(r, v, "FunctionDef"):
                        if fn == 3 and fw == pb.LEN:
                            _node(r, fv, ops)


def _node(r: BoundedReader, span: tuple[int, int], ops: set[str]) -> None:
    for number, wire, value in pb.sub_fields(r, span, "NodeDef"):
        if number == 2 and wire == pb.LEN:
            ops.add(pb.read_string(r, value, "NodeDef.op", limit=4096))
