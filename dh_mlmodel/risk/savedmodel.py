"""TF SavedModel graphs: ops that reach the file system or run Python when the graph runs.

saved_model.pb is a SavedModel message (tensorflow/core/protobuf/saved_model.proto):
meta_graphs 2 -> MetaGraphDef (meta_graph.proto) graph_def 2 -> GraphDef
(graph.proto) node 1 -> NodeDef op 2, and library 2 -> FunctionDefLibrary
function 1 -> FunctionDef (function.proto) node_def 3 -> NodeDef.  Every node
of the graph and of every function is read; tensor constants are skipped by
skipping.  The op list follows modelscan's and ModelAudit's TensorFlow rules
and tf.raw_ops: the ones a saver graph uses (SaveV2, RestoreV2,
MergeV2Checkpoints) are normal and not listed.
"""
from __future__ import annotations

import mmap
import os
import posixpath
import re
from pathlib import Path

from ..model import ArtifactFacts, Finding
from .configs import finding, read_capped

UNSAFE_OPS = {
    "PyFunc": "runs a Python function", "PyFuncStateless": "runs a Python function",
    "EagerPyFunc": "runs a Python function",
    "ReadFile": "reads any file", "WriteFile": "writes any file", "MatchingFiles": "lists the file system",
    "ImmutableConst": "maps a file named in the graph", "CreateSummaryFileWriter": "writes files",
    "CreateSummaryDbWriter": "writes a database file",
}
_UNSAFE_BYTES = re.compile(b"|".join(op.encode() for op in sorted(UNSAFE_OPS, key=len, reverse=True)))
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
    """Every op name in the SavedModel's graphs and function library, or the reason the walk failed.

    Protobuf strings are stored as raw bytes, so a file in which no unsafe
    op name occurs at all needs no walk; otherwise it is walked from a
    memory map, every NodeDef of every graph and function.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return set()
        if not _mentions_unsafe_op(f):
            return set()
        with mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) as buf:
            ops: set[str] = set()
            try:
                for number, value in _fields(buf, 0, size):
                    if number == 2 and value:
                        for n, v in _fields(buf, *value):
                            if n == 2 and v:
                                _graph_def(buf, v, ops)
            except (ValueError, IndexError) as exc:
                return str(exc) or "truncated"
            return ops


def _mentions_unsafe_op(f) -> bool:
    """Read in 16 MiB chunks (overlapping by the longest name) rather than mapping: RSS stays flat."""
    overlap = max(len(op) for op in UNSAFE_OPS)
    f.seek(0)
    tail = b""
    while chunk := f.read(16 << 20):
        if _UNSAFE_BYTES.search(tail + chunk):
            return True
        tail = chunk[-overlap:]
    return False


def _fields(buf, pos: int, end: int):
    """(field number, (start, end) of a LEN value or None) for each field of the message in buf[pos:end]."""
    while pos < end:
        key, pos = _varint(buf, pos)
        wire = key & 7
        if wire == 0:
            _, pos = _varint(buf, pos)
            yield key >> 3, None
        elif wire == 2:
            n, pos = _varint(buf, pos)
            if pos + n > end:
                raise ValueError(f"field {key >> 3} of {n} bytes runs past its message at offset {pos}")
            yield key >> 3, (pos, pos + n)
            pos += n
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            yield key >> 3, None
        else:
            raise ValueError(f"wire type {wire} at offset {pos}")
    if pos != end:
        raise ValueError("message overruns its length")


def _varint(buf, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError(f"varint too long at offset {pos}")


def _graph_def(buf, span: tuple[int, int], ops: set[str]) -> None:
    for number, value in _fields(buf, *span):
        if number == 1 and value:
            _node(buf, value, ops)
        elif number == 2 and value:
            for n, v in _fields(buf, *value):
                if n == 1 and v:
                    for fn, fv in _fields(buf, *v):
                        if fn == 3 and fv:
                            _node(buf, fv, ops)


def _node(buf, span: tuple[int, int], ops: set[str]) -> None:
    for number, value in _fields(buf, *span):
        if number == 2 and value:  # op; a repeated op field: the parser keeps the last, we keep all
            ops.add(bytes(buf[value[0]:min(value[1], value[0] + 4096)]).decode("utf-8", "replace"))
