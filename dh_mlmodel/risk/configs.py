"""What the non-pickle checks share: bounded reading of configs, and findings whose severity is the tag's.

A config a loader reads in full but we read only in part is not scanned:
that is said (`config-not-scanned`, an error by default), never passed over
in silence.  Severities come from the tag files (dh_mlmodel/lint/tags/).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..lint.tagdata import tag_info
from ..model import Finding

JSON_LIMIT = 16 << 20  # a config, tokenizer_config or template larger than this is not scanned


def finding(tag: str, message: str, relpath: str, member: str = "") -> Finding:
    return Finding(tag, tag_info(tag).severity, message, relpath, member)


def not_scanned(relpath: str, member: str, what: str, size: int, limit: int = JSON_LIMIT) -> Finding:
    return finding("config-not-scanned",
                   f"{member or relpath}: {what} of {size} bytes is over the {limit}-byte limit: not scanned, "
                   "and a loader would read all of it", relpath, member)


def read_capped(path: Path, relpath: str, what: str, limit: int = JSON_LIMIT) -> tuple[str | None, list[Finding]]:
    """The whole text of a file, or None and a `config-not-scanned` finding when it is too large."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                return None, [not_scanned(relpath, "", what, size, limit)]
            return f.read(size).decode("utf-8", "replace"), []
    except OSError:
        return None, []  # the describe stage reports unreadable files


def json_file(path: Path, relpath: str, what: str) -> tuple[Any, list[Finding]]:
    """A JSON file's value (None when it is not JSON: describe says so), or the not-scanned finding."""
    text, out = read_capped(path, relpath, what)
    if text is None:
        return None, out
    try:
        return json.loads(text), out
    except (ValueError, RecursionError):
        return None, out


def yaml_file(path: Path, relpath: str, what: str) -> tuple[Any, list[Finding]]:
    """A YAML file's value by yaml.safe_load (None when it is not YAML), or the not-scanned finding."""
    import yaml
    text, out = read_capped(path, relpath, what)
    if text is None:
        return None, out
    try:
        return yaml.safe_load(text), out
    except (yaml.YAMLError, RecursionError, ValueError):
        return None, out


def walk_dicts(node: Any):
    """Every dict inside a JSON value, without recursion (configs can nest deeper than Python's stack)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            yield cur
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def head(path: Path, n: int) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""
