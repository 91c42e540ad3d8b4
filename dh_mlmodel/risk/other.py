"""Code-execution risks that are not pickles: Keras configs, remote code, chat templates, ONNX external data.

Sources: keras-team/keras `keras/src/saving/saving_lib.py` and
`serialization_lib.py` (how .keras configs name classes and lambdas);
CVE-2025-1550 (arbitrary module in config.json), CVE-2024-3660 (legacy .h5
Lambda bytecode); transformers' `dynamic_module_utils.py` (auto_map and
trust_remote_code); Jinja2's sandbox docs (`jinja2.sandbox`, underscore
attributes); onnx `external_data_helper.py` and CVE-2024-27318 (external data
paths).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

from ..model import Finding
from .containers import ContainerError, member_stream, zip_entries

# Modules a .keras config may name for built-in objects (Keras 3 serialization_lib).
KERAS_MODULE_PREFIXES = ("keras", "keras_hub", "keras_nlp", "keras_cv", "tf_keras")
H5_SCAN_LIMIT = 64 << 20  # legacy .h5: model_config is written before the weights
JSON_LIMIT = 16 << 20


def _walk(node: Any) -> Iterator[dict]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            yield cur
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def keras_config_findings(config: Any, relpath: str, member: str) -> list[Finding]:
    out = []
    for node in _walk(config):
        cls = node.get("class_name")
        if cls in ("Lambda", "__lambda__"):
            name = node.get("config", {}).get("name", "?") if isinstance(node.get("config"), dict) else "?"
            out.append(Finding("keras-lambda-layer", "error",
                               f"{member or relpath}: {cls} layer {name!r} holds Python code that runs on load",
                               relpath, member))
        module = node.get("module")
        if isinstance(module, str) and isinstance(cls, str) and not module.split(".")[0] in KERAS_MODULE_PREFIXES:
            out.append(Finding("keras-config-arbitrary-module", "error",
                               f"{member or relpath}: config names `{module}.{cls}`, outside Keras: loading imports "
                               "it (CVE-2025-1550)", relpath, member))
        registered = node.get("registered_name")
        if isinstance(registered, str) and ">" in registered:
            out.append(Finding("keras-custom-object", "warning",
                               f"{member or relpath}: custom object {registered!r} needs user code to load",
                               relpath, member))
    return out


def scan_keras_zip(path: Path, relpath: str) -> list[Finding]:
    out: list[Finding] = []
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        try:
            entries = zip_entries(f, 0, size)
        except (ContainerError, OSError):
            return out
        for e in entries:
            if e.name != "config.json" or e.usize > JSON_LIMIT:
                continue
            data = member_stream(f, e, size).read(JSON_LIMIT)
            try:
                config = json.loads(data)
            except (ValueError, RecursionError):
                out.append(Finding("keras-config-unreadable", "warning", "config.json is not JSON", relpath, e.name))
                continue
            out.extend(keras_config_findings(config, relpath, e.name))
    return out


def scan_h5(path: Path, relpath: str) -> list[Finding]:
    """Legacy Keras .h5: find the `model_config` JSON without h5py by a bounded scan for its start."""
    out: list[Finding] = []
    with open(path, "rb") as f:
        data = f.read(H5_SCAN_LIMIT)
    seen_lambda = False
    covered = 0  # end of the last parsed config: nested class_name objects are inside it
    for m in re.finditer(rb'\{"class_name": ?"', data):
        if m.start() < covered:
            continue
        config, covered = _json_at(data, m.start())
        if config is None:
            continue
        found = keras_config_findings(config, relpath, "model_config")
        seen_lambda |= any(x.tag == "keras-lambda-layer" for x in found)
        out.extend(found)
    if not seen_lambda and re.search(rb'"class_name": ?"Lambda"', data):
        out.append(Finding("keras-lambda-layer", "error",
                           "model_config mentions a Lambda layer (marshalled bytecode runs on load, CVE-2024-3660)",
                           relpath, "model_config"))
    return out


def _json_at(data: bytes, start: int):
    decoder = json.JSONDecoder()
    try:
        text = data[start:start + JSON_LIMIT].decode("utf-8", "replace")
        value, end = decoder.raw_decode(text)
        return value, start + len(text[:end].encode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None, start


# ---------------------------------------------------------------- remote code

def auto_map_findings(auto_map: Any, relpath: str, model_dir: Path, base: Path) -> list[Finding]:
    if not isinstance(auto_map, dict) or not auto_map:
        return []
    refs = []
    for value in auto_map.values():
        refs.extend(value if isinstance(value, list) else [value])
    modules = sorted({r.split("--")[-1].rsplit(".", 1)[0] for r in refs if isinstance(r, str) and "." in r})
    remote = sorted({r.split("--")[0] for r in refs if isinstance(r, str) and "--" in r})
    missing = [m for m in modules if not (base / (m.replace(".", "/") + ".py")).is_file()]
    text = f"auto_map names {', '.join(modules) or '?'}: loading needs trust_remote_code=True, which runs that code"
    if remote:
        text += f"; fetched from other repositories: {', '.join(remote)}"
    if missing:
        text += f"; not shipped here: {', '.join(m + '.py' for m in missing)}"
    return [Finding("remote-code-required", "warning", text, relpath, "auto_map")]


# ---------------------------------------------------------------- chat templates

# Names a template reaches interpreter internals through, beyond the `_` prefix rule.
_ESCAPE_ATTRS = frozenset({"mro", "func_globals", "gi_frame", "f_globals", "f_builtins", "co_code", "tb_frame"})


def chat_template_findings(template: str, relpath: str, member: str) -> list[Finding]:
    """Look for sandbox escapes in a Jinja chat template by walking its AST (never rendering it)."""
    import jinja2
    from jinja2 import nodes
    try:
        ast = jinja2.Environment().parse(template)
    except jinja2.TemplateSyntaxError as exc:
        return [Finding("chat-template-unparsable", "warning", f"{member}: {exc.message} (line {exc.lineno})",
                        relpath, member)]
    bad: list[str] = []
    built_types = _built_types(nodes)
    built = _names_set_to_built_strings(ast, nodes, built_types)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Const)):
        if isinstance(node, nodes.Getattr):
            key = node.attr
        elif isinstance(node, nodes.Getitem):
            key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            if isinstance(node.arg, built_types) or (isinstance(node.arg, nodes.Name) and node.arg.name in built):
                bad.append(f"computed subscript at line {node.lineno}")
        elif isinstance(node, nodes.Filter):
            key = None
            if node.name == "attr":
                arg = node.args[0] if node.args else None
                if not isinstance(arg, nodes.Const):
                    bad.append(f"|attr with a computed name at line {node.lineno}")
                else:
                    key = arg.value
        else:
            key = None
            if isinstance(node.value, str) and "__" in node.value and re.search(r"__\w+__", node.value):
                bad.append(f"string {node.value[:40]!r} at line {node.lineno}")
        if isinstance(key, str) and (key.startswith("_") or key in _ESCAPE_ATTRS):
            bad.append(f"attribute {key!r} at line {node.lineno}")
    if not bad:
        return []
    return [Finding("chat-template-sandbox-escape", "error",
                    f"{member}: template reaches for interpreter internals ({'; '.join(sorted(set(bad))[:5])}); "
                    "outside a Jinja sandbox this runs code", relpath, member)]


def _built_types(nodes) -> tuple:
    """The expressions that build a string: ~, +, % and filters (jinja2 is imported only to check a template)."""
    return (nodes.Concat, nodes.Add, nodes.Filter, nodes.Mod)


def _names_set_to_built_strings(ast, nodes, built_types: tuple) -> set[str]:
    """Variables assigned a string built by ~, +, % or a filter: `{% set n = '__cla' ~ 'ss__' %}`."""
    built = set()
    for node in ast.find_all(nodes.Assign):
        if isinstance(node.target, nodes.Name) and isinstance(node.node, built_types):
            built.add(node.target.name)
    return built


# ---------------------------------------------------------------- ONNX external data

def onnx_external_findings(locations: Any, path: Path, relpath: str, model_dir: Path) -> list[Finding]:
    out = []
    if not isinstance(locations, list):
        return out
    root = os.path.realpath(model_dir)
    for loc in locations:
        if not isinstance(loc, str):
            continue
        target = path.parent / loc
        real = os.path.realpath(target)
        if os.path.isabs(loc) or not (real == root or real.startswith(root + os.sep)):
            out.append(Finding("onnx-external-data-outside-model", "error",
                               f"external data location {loc!r} leaves the model directory "
                               "(CVE-2024-27318 class)", relpath, loc))
        elif _has_symlink(path.parent, loc):
            out.append(Finding("onnx-external-data-symlink", "error",
                               f"external data location {loc!r} is or passes through a symlink", relpath, loc))
        elif not target.is_file():
            out.append(Finding("onnx-external-data-missing", "warning",
                               f"external data {loc!r} is not in the model directory", relpath, loc))
    return out


def _has_symlink(parent: Path, loc: str) -> bool:
    cur = parent
    for part in Path(loc).parts:
        cur = cur / part
        if cur.is_symlink():
            return True
    return False


def read_text_capped(path: Path, limit: int = JSON_LIMIT) -> str | None:
    try:
        with open(path, "rb") as f:
            # Ask only for what the file holds: read(n) allocates n bytes up front.
            return f.read(min(limit, os.fstat(f.fileno()).st_size)).decode("utf-8", "replace")
    except OSError:
        return None

