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
import mmap
import os
import posixpath
import re
from pathlib import Path
from typing import Any

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
_UNSAFE_ENDINGS = tuple(UNSAFE_FUNCTIONS)
_UNSAFE_NAME = re.compile(r"(?:^|[.>/])(" + "|".join(UNSAFE_FUNCTIONS) + r")$")
H5_STEP = 64 << 20  # mmap windows: each maps H5_STEP + JSON_LIMIT bytes
# The end of an object's first key: `"` then `:`.  Found in C (a run of `{"` in weight data has
# none), then walked back to its `{` by _object_start; far cheaper than trying every `{`.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_SPACE = b" \t\r\n"
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
    """A function object (`class_name: function`) or a dotted string naming one of UNSAFE_FUNCTIONS."""
    hits = set()
    for v in node.values():
        if type(v) is str and v.endswith(_UNSAFE_ENDINGS):  # str.endswith first: configs have many strings
            m = _UNSAFE_NAME.search(v)
            if m and ("." in v or ">" in v or isinstance(node.get("module"), str)
                      or node.get("class_name") == "function"):
                hits.add(m.group(1))
    if not hits:
        return []
    module = node.get("module") if isinstance(node.get("module"), str) else ""
    return [finding("keras-config-unsafe-call",
                    f"{member or relpath}: config names `{module + '.' if module else ''}{h}`, which "
                    f"{UNSAFE_FUNCTIONS[h]}", relpath, member) for h in sorted(hits)]


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

    The `model_config` attribute is a JSON string stored whole (h5py writes
    attributes unfiltered), so every `{"key":` starts a candidate.  The file
    is mapped in windows of H5_STEP bytes that overlap by JSON_LIMIT, so an
    object that a window's end cuts is whole in the next one.  A file that
    names `model_config` but holds no readable config is not scanned.
    """
    out: list[Finding] = []
    configs = 0
    named = False
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        decoder = _Decoder(size)
        for base in range(0, max(size, 1), H5_STEP):
            length = min(size - base, H5_STEP + JSON_LIMIT)
            if length <= 0:
                break
            with mmap.mmap(f.fileno(), length, offset=base, access=mmap.ACCESS_READ) as window:
                named |= window.find(b"model_config", 0, min(length, H5_STEP + 64)) >= 0
                for m in _KEY_END.finditer(window):
                    if base + m.start() < decoder.covered:
                        continue
                    start = _object_start(window, m.start())
                    if start is None or base + start < decoder.covered:
                        continue
                    if start >= H5_STEP:
                        break  # the next window starts here
                    value = decoder.decode_at(base + start, window, start)
                    if isinstance(value, dict) and "class_name" in value:
                        configs += 1
                        out.extend(keras_config_findings(value, relpath, "model_config"))
                    if decoder.gave_up:
                        break
            if decoder.gave_up:
                break
    if decoder.gave_up:
        out.append(finding("config-not-scanned", f"{relpath}: too many JSON-like runs to parse: the Keras "
                           "model_config is not scanned", relpath, "model_config"))
    elif named and not configs:
        out.append(finding("config-not-scanned", f"{relpath}: names a model_config attribute, but no Keras "
                           "config in it could be read", relpath, "model_config"))
    return out


def _object_start(buf, quote: int) -> int | None:
    """The `{` that opens the object whose first key ends with the quote at QUOTE, if it is one."""
    i = quote
    while True:  # the key's opening quote: the previous `"` not escaped by an odd run of backslashes
        i = buf.rfind(b'"', max(0, quote - JSON_LIMIT), i)
        if i < 0:
            return None
        slashes = 0
        while i - slashes - 1 >= 0 and buf[i - slashes - 1] == 0x5C:
            slashes += 1
        if slashes % 2 == 0:
            break
    j = i - 1
    while j >= 0 and buf[j] in _SPACE:
        j -= 1
    return j if j >= 0 and buf[j] == 0x7B else None


class _Decoder:
    """JSON at an offset of a window, read through slices that grow from 256 bytes up to JSON_LIMIT.

    A candidate that fails at once costs its first slice; wider slices are
    paid from a budget (a few times JSON_LIMIT plus the file's size), so runs
    of unterminated JSON cannot make the scan quadratic.
    """

    def __init__(self, size: int):
        self.covered = 0  # end of the last parsed object: nested objects are inside it
        self.budget = 4 * JSON_LIMIT + size
        self.gave_up = False
        self.json = json.JSONDecoder()

    def decode_at(self, at: int, window, i: int) -> Any:
        span = 256
        while True:
            data = window[i:i + span]
            text = data.decode("latin-1")  # one char per byte: offsets stay exact; Keras writes ASCII JSON
            try:
                value, end = self.json.raw_decode(text)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(text) - 8 or exc.msg.startswith("Unterminated string")
                if not cut or len(data) < span or span >= JSON_LIMIT:
                    return None  # not JSON, or not JSON that the slice's end cut
                span = min(span * 16, JSON_LIMIT)
                self.budget -= span
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
