"""Debian names for a model: the source/binary package name and the upstream version.

A name or version the user typed is checked and refused when invalid (they
can fix it); one derived from the model (a directory name, a card, a file's
metadata: hostile input) is sanitised to a valid Debian name, or skipped.

Package names: Debian Policy 5.6.1 / 5.6.7, lower-case `[a-z0-9][a-z0-9.+-]+`.
A name ending in a role suffix (`-doc`, `-tokenizer`, …) is refused because
dh_mlmodel's split (spec §5) would give that package only one role.
Upstream versions: Policy 5.6.12; we allow digits first and
`[A-Za-z0-9.+~]` after, so the version is also a safe file-name part
(`NAME_VERSION.orig.tar.gz`).
"""
from __future__ import annotations

import datetime
import re
from typing import Iterable

from ..declaration import PACKAGE_NAME_RE
from ..deliver.split import FORMAT_SUFFIXES, ROLE_SUFFIXES
from . import InitError

MAX_NAME = 60  # long names make long .deb file names; nothing in Policy, our own limit
RESERVED_SUFFIXES = tuple(ROLE_SUFFIXES) + tuple(FORMAT_SUFFIXES)
VERSION_RE = re.compile(r"[0-9][A-Za-z0-9.+~]*\Z")
# A Hugging Face repository id as config.json's _name_or_path holds it when the model came from the Hub.
HUB_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


class NameRefused(InitError):
    """A name or version given on the command line is not valid for Debian."""


def check_package_name(name: str, what: str = "--name") -> str:
    if not PACKAGE_NAME_RE.match(name) or len(name) > MAX_NAME:
        raise NameRefused(None, f"{what} {name!r} is not a Debian package name "
                                f"(lower-case letters, digits, '.', '+', '-'; at least 2 characters, at most {MAX_NAME})")
    suffix = next((s for s in RESERVED_SUFFIXES if name.endswith(s)), None)
    if suffix:
        raise NameRefused(None, f"{what} {name!r} ends in {suffix}, which dh_mlmodel reserves for a split package")
    return name


def sanitize_package_name(text: str) -> str | None:
    """A Debian package name made from free text, or None when nothing usable is left."""
    name = re.sub(r"[^a-z0-9.+]+", "-", text.lower())
    name = re.sub(r"[.+-]*-[.+-]*", "-", name)  # one separator, never ".-", "+-" or "--"
    name = re.sub(r"\.{2,}", ".", name)
    name = name.strip(".+-")[:MAX_NAME].rstrip(".+-")
    for suffix in RESERVED_SUFFIXES:
        if name.endswith(suffix):
            name = name + "-model"
    return name if PACKAGE_NAME_RE.match(name) else None


def derive_package_name(candidates: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(name, where it came from) from (text, source) candidates, best first."""
    tried = []
    for text, source in candidates:
        if not text:
            continue
        name = sanitize_package_name(text)
        if name:
            return name, source
        tried.append(source)
    raise NameRefused(None, "cannot derive a package name from " + (", ".join(tried) or "the model") + ": pass --name")


def hub_id(config: dict) -> str | None:
    """The Hub repository id config.json names, when it looks like one (not a local path)."""
    value = config.get("_name_or_path")
    if isinstance(value, str) and HUB_ID_RE.match(value) and not value.startswith((".", "/")):
        return value
    return None


def check_version(version: str) -> str:
    if not VERSION_RE.match(version):
        raise NameRefused(None, f"--upstream-version {version!r} is not an upstream version we can use "
                                "(a digit first, then letters, digits, '.', '+', '~')")
    return version


def sanitize_version(text: str) -> str | None:
    text = text.strip()
    if text[:1] in ("v", "V") and text[1:2].isdigit():
        text = text[1:]
    return text if VERSION_RE.match(text) and len(text) <= 40 else None


def snapshot_version(epoch: int) -> str:
    """0~YYYYMMDD: sorts before any real release of the model."""
    day = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return f"0~{day:%Y%m%d}"


def derive_version(candidates: Iterable[tuple[str, str]], epoch: int) -> tuple[str, str]:
    for text, source in candidates:
        if isinstance(text, str):
            version = sanitize_version(text)
            if version:
                return version, source
    return snapshot_version(epoch), "SOURCE_DATE_EPOCH" 
