"""Hugging Face side files: config.json, tokenizer files, chat templates.

These are small JSON or text files recognised by name and confirmed by
content (huggingface/transformers conventions; digest §3.7).  What matters
for packaging: `_name_or_path` (where the model came from), `auto_map`
(repository code that `trust_remote_code` would run) and chat templates
(Jinja that a runtime renders).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import FormatError

MAX_JSON_SIZE = 64 << 20  # tokenizer.json of a 250k vocabulary is ~20 MB
MAX_TEXT_SIZE = 64 << 20


def load_json(path: Path, relpath: str) -> Any:
    size = path.stat().st_size
    if size > MAX_JSON_SIZE:
        raise FormatError(relpath, f"JSON file of {size} bytes is larger than {MAX_JSON_SIZE}")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FormatError(relpath, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise FormatError(relpath, f"not valid JSON ({str(exc)[:120]})") from None


def _auto_map_targets(auto_map: Any) -> list[str]:
    values = auto_map.values() if isinstance(auto_map, dict) else []
    out: list[str] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                out.append(item)
    return out


def _common(data: dict[str, Any], relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    meta: dict[str, Any] = {}
    findings: list[Finding] = []
    if isinstance(data.get("_name_or_path"), str) and data["_name_or_path"]:
        meta["name_or_path"] = data["_name_or_path"]
    if isinstance(data.get("auto_map"), dict) and data["auto_map"]:
        meta["auto_map"] = data["auto_map"]
        targets = ", ".join(_auto_map_targets(data["auto_map"])[:5])
        findings.append(Finding("remote-code-auto-map", "warning",
                                f"auto_map names repository code that trust_remote_code would run ({targets})", relpath))
    if isinstance(data.get("chat_template"), str):
        meta["chat_template"] = data["chat_template"]
    elif isinstance(data.get("chat_template"), list):  # [{"name":…, "template":…}, …]
        named = {t.get("name"): t.get("template") for t in data["chat_template"]
                 if isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("template"), str)}
        if named:
            meta["chat_templates"] = named
            meta["chat_template"] = named.get("default", next(iter(named.values())))
    return meta, findings


def describe_config(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    data = load_json(path, relpath)
    if not isinstance(data, dict):
        raise FormatError(relpath, "not a JSON object")
    meta, findings = _common(data, relpath)
    archs = data.get("architectures")
    if isinstance(archs, list) and archs and isinstance(archs[0], str):
        meta["architecture"] = archs[0]
    for key in ("model_type", "torch_dtype", "dtype", "transformers_version"):
        if isinstance(data.get(key), str):
            meta[key] = data[key]
    if isinstance(data.get("quantization_config"), dict):
        method = data["quantization_config"].get("quant_method")
        if isinstance(method, str):
            meta["quantization"] = method
    return meta, findings


def describe_tokenizer_json(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    data = load_json(path, relpath)
    if not isinstance(data, dict):
        raise FormatError(relpath, "not a JSON object")
    meta: dict[str, Any] = {}
    model = data.get("model")
    if isinstance(model, dict):
        if isinstance(model.get("type"), str):
            meta["tokenizer_model"] = model["type"]
        vocab = model.get("vocab")
        if isinstance(vocab, (dict, list)):
            meta["vocab_size"] = len(vocab)
    if isinstance(data.get("added_tokens"), list):
        meta["added_tokens"] = len(data["added_tokens"])
    return meta, []


def describe_json_object(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    """tokenizer_config.json, special_tokens_map.json, generation_config.json and the like."""
    data = load_json(path, relpath)
    if not isinstance(data, dict):
        raise FormatError(relpath, "not a JSON object")
    meta, findings = _common(data, relpath)
    if isinstance(data.get("tokenizer_class"), str):
        meta["tokenizer_class"] = data["tokenizer_class"]
    return meta, findings


def describe_chat_template(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    if relpath.endswith(".json"):
        data = load_json(path, relpath)
        if not isinstance(data, dict):
            raise FormatError(relpath, "not a JSON object")
        meta, _ = _common(data, relpath)
        return meta, []
    return {"chat_template": read_text(path, relpath)}, []


def read_text(path: Path, relpath: str) -> str:
    size = path.stat().st_size
    if size > MAX_TEXT_SIZE:
        raise FormatError(relpath, f"text file of {size} bytes is larger than {MAX_TEXT_SIZE}")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(relpath, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None


def describe_lines(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    """vocab.txt / merges.txt: count the entries without keeping them."""
    lines = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            lines += chunk.count(b"\n")
    return {"entries": lines}, []
