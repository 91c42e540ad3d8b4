"""Keras configs: the JSON that names the classes and functions a Keras loader builds.

Sources: keras-team/keras `keras/src/saving/saving_lib.py` (a .keras file is
a zip; `load_model` reads its `config.json` and does not need
`metadata.json`), `serialization_lib.py` (how configs name modules, classes,
functions and lambdas), `legacy/saving/legacy_h5_format.py` (a legacy .h5
keeps the model as JSON in the root attribute `model_config`),
`legacy/saved_model` (keras_metadata.pb: one JSON config per layer).
CVE-2024-3660 (Lambda bytecode), CVE-2025-1550 (arbitrary module), the 2025
safe_mode bypasses (CVE-2025-8747: `keras.utils.get_file` named as a
function in a config downloads to a path the config chooses;
CVE-2025-9905/9906: `enable_unsafe_deserialization` called from a config,
after which Lambda layers load).
"""
from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any, BinaryIO

from ..formats import protobuf as pb
from ..formats.binio import BoundedReader, FormatError
from ..model import ArtifactFacts, Finding
from .configs import JSON_LIMIT, finding, head, not_scanned, walk_dicts
from .containers import ContainerError, member_stream, zip_entries

# Modules a .keras config may name for built-in objects (Keras 3 serialization_lib).
KERAS_MODULE_PREFIXES = ("keras", "keras_hub", "keras_nlp", "keras_cv", "tf_keras")
# Keras functions that no model needs to name and that undo the loader's protections.
UNSAFE_FUNCTIONS = {
    "enable_unsafe_deserialization": "turns safe_mode off for the rest of the load (CVE-2025-9905 class)",
    "get_file": "downloads a file to a path the config chooses (CVE-2025-8747 class)",
    "load_model": "loads another model, outside this one's checks",
    "load_weights": "reads weights from a path the config chooses",
    "save_model": "writes a file", "save": "writes a file",
}
_UNSAFE_NAME = re.compile(r"(?:^|[.>/])(" + "|".join(UNSAFE_FUNCTIONS) + r")$")
H5_CHUNK = 8 << 20
_JSON_START = re.compile(rb"\{\s*\"")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    a = facts.artifact
    base = posixpath.basename(a.relpath).lower()
    if a.format == "keras" or head(a.path, 4) in _ZIP_MAGIC:
        return scan_keras_zip(a.path, a.relpath)  # any zip with a config.json: keras.saving needs nothing else
    if a.format == "hdf5":
        return scan_h5(a.path, a.relpath)
    if base == "keras_metadata.pb":
        return scan_keras_metadata(a.path, a.relpath)
    return []


def keras_config_findings(config: Any, relpath: str, member: str) -> list[Finding]:
    out = []
    where = member or relpath
    for node in walk_dicts(config):
        cls = node.get("class_name")
        if cls in ("Lambda", "__lambda__"):
            cfg = node.get("config")
            name = cfg.get("name", "?") if isinstance(cfg, dict) else "?"
            out.append(finding("keras-lambda-layer", f"{where}: {cls} layer {name!r} holds Python code that runs "
                               "on load", relpath, member))
        module = node.get("module")
        if isinstance(module, str) and isinstance(cls, str) and module.split(".")[0] not in KERAS_MODULE_PREFIXES:
            out.append(finding("keras-config-arbitrary-module",
                               f"{where}: config names `{module}.{cls}`, outside Keras: loading imports it "
                               "(CVE-2025-1550)", relpath, member))
        registered = node.get("registered_name")
        if isinstance(registered, str) and ">" in registered:
            out.append(finding("keras-custom-object", f"{where}: custom object {registered!r} needs user code "
                               "to load", relpath, member))
        out.extend(_unsafe_calls(node, relpath, member))
    return out


def _unsafe_calls(node: dict, relpath: str, member: str) -> list[Finding]:
    """A function object (`class_name: function`) or any string naming one of UNSAFE_FUNCTIONS."""
    module = node.get("module") if isinstance(node.get("module"), str) else ""
    names = [v for v in (node.get("config"), node.get("registered_name"), node.get("class_name"))
             if isinstance(v, str)]
    names += [v for v in node.values() if isinstance(v, str)]
    hits = sorted({m.group(1) for v in names for m in [_UNSAFE_NAME.search(v)] if m and (
        "." in v or ">" in v or module or node.get("class_name") == "function")})
    return [finding("keras-config-unsafe-call",
                    f"{member or relpath}: config names `{module + '.' if module else ''}{h}`, which "
                    f"{UNSAFE_FUNCTIONS[h]}", relpath, member) for h in hits]


def scan_keras_zip(path: Path, relpath: str) -> list[Finding]:
    out: list[Finding] = []
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        try:
            entries = zip_entries(f, 0, size)
        except (ContainerError, OSError, ValueError):
            return out  # the pickle scan reports an unreadable zip
        for e in entries:
            if e.name != "config.json":
                continue
            if e.usize > JSON_LIMIT or e.csize > JSON_LIMIT:
                out.append(not_scanned(relpath, e.name, "Keras config", max(e.usize, e.csize)))
                continue
            try:
                data = member_stream(f, e, size).read(JSON_LIMIT + 1)
            except Exception as exc:  # noqa: BLE001 - a hostile member; the pickle scan names the error
                out.append(finding("config-not-scanned", f"{e.name}: unreadable ({type(exc).__name__})",
                                   relpath, e.name))
                continue
            if len(data) > JSON_LIMIT:
                out.append(not_scanned(relpath, e.name, "Keras config", len(data)))
                continue
            try:
                config = json.loads(data)
            except (ValueError, RecursionError):
                out.append(finding("keras-config-unreadable", "config.json is not JSON", relpath, e.name))
                continue
            out.extend(keras_config_findings(config, relpath, e.name))
    return out


# ---------------------------------------------------------------- legacy .h5

def scan_h5(path: Path, relpath: str) -> list[Finding]:
    """Legacy Keras .h5: every JSON object in the file is parsed, wherever it sits and whatever its key order.

    The `model_config` attribute is a JSON string stored whole (HDF5 never
    filters attributes written by h5py), so each `{"` starts a candidate.
    A file that names `model_config` but holds no readable config is not scanned.
    """
    out: list[Finding] = []
    configs = 0
    named = False
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        decoder = _Decoder(f, size)
        pos = 0
        while pos < size and not decoder.gave_up:
            f.seek(pos)
            chunk = f.read(H5_CHUNK + 64)
            named |= b"model_config" in chunk
            for m in _JSON_START.finditer(chunk, 0, H5_CHUNK):
                at = pos + m.start()
                if at < decoder.covered:
                    continue
                value = decoder.decode_at(at, chunk, m.start())
                if isinstance(value, dict) and "class_name" in value:
                    configs += 1
                    out.extend(keras_config_findings(value, relpath, "model_config"))
                if decoder.gave_up:
                    break
            pos += H5_CHUNK
    if decoder.gave_up:
        out.append(finding("config-not-scanned", f"{relpath}: too many JSON-like runs to parse: the Keras "
                           "model_config is not scanned", relpath, "model_config"))
    elif named and not configs:
        out.append(finding("config-not-scanned", f"{relpath}: names a model_config attribute, but no Keras "
                           "config in it could be read", relpath, "model_config"))
    return out


class _Decoder:
    """JSON at a file offset, read through windows that grow from 256 bytes up to JSON_LIMIT.

    A candidate that fails at once costs its first window; wider windows are
    paid from a budget (a few times JSON_LIMIT plus the file's size), so runs
    of unterminated JSON cannot make the scan quadratic.
    """

    def __init__(self, f: BinaryIO, size: int):
        self.f, self.size = f, size
        self.covered = 0  # end of the last parsed object: nested objects are inside it
        self.budget = 4 * JSON_LIMIT + size
        self.gave_up = False
        self.json = json.JSONDecoder()

    def decode_at(self, at: int, chunk: bytes, i: int) -> Any:
        window = 256
        while True:
            if i + window <= len(chunk):
                data = chunk[i:i + window]
            else:
                self.f.seek(at)
                data = self.f.read(window)
            text = data.decode("latin-1")  # one char per byte: offsets stay exact; Keras writes ASCII JSON
            try:
                value, end = self.json.raw_decode(text)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(text) - 8 or exc.msg.startswith("Unterminated string")
                if not cut or len(data) < window or window >= JSON_LIMIT:
                    return None  # not JSON, or not JSON that the window's end cut
                window = min(window * 16, JSON_LIMIT)
                self.budget -= window
                if self.budget < 0:
                    self.gave_up = True
                    return None
                continue
            except RecursionError:
                return None
            self.covered = at + end
            return value


# ---------------------------------------------------------------- keras_metadata.pb

def scan_keras_metadata(path: Path, relpath: str) -> list[Finding]:
    """SavedMetadata (keras/protobuf/saved_metadata.proto): nodes 1 -> SavedObject, metadata 5 is a layer's JSON."""
    out: list[Finding] = []
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            r = BoundedReader(f, size, relpath)
            for number, wire, value in pb.fields(r, size, "SavedMetadata"):
                if number != 1 or wire != pb.LEN:
                    continue
                for n, w, v in pb.sub_fields(r, value, "SavedObject"):
                    if n == 5 and w == pb.LEN:
                        out.extend(_metadata_json(r, v, relpath))
    except FormatError as exc:
        out.append(finding("config-not-scanned", f"{relpath}: not a readable keras_metadata.pb ({exc.reason})",
                           relpath))
    return out


def _metadata_json(r: BoundedReader, span: tuple[int, int], relpath: str) -> list[Finding]:
    if span[1] > JSON_LIMIT:
        return [not_scanned(relpath, "metadata", "layer metadata", span[1])]
    text = pb.read_string(r, span, "SavedObject.metadata", limit=JSON_LIMIT)
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        return [finding("keras-config-unreadable", "a layer's metadata is not JSON", relpath, "metadata")]
    return keras_config_findings(config, relpath, "keras_metadata")
