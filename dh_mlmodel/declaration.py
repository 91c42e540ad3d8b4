"""debian/mlmodel.yaml, format 1 (spec §3): schema, loader and validator.

The file is parsed with PyYAML's SafeLoader, but only as far as the node
graph (`yaml.compose`): walking nodes instead of constructed objects keeps
line numbers for every message, lets us refuse duplicate keys (which
`safe_load` silently merges) and refuse every explicit tag (`!!python/object`
and friends) before anything is constructed.

Every problem is a `DeclarationError(path, "line N: key 'k': reason")`.
Values that can end up in a debian/ file (names, licences, copyright, URLs,
dataset names) are refused when they hold a newline or another control
character; `safe_field_value` / `safe_substvar_value` are the escaping side
for writers that take text from elsewhere (model cards).
"""
from __future__ import annotations

import difflib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from . import hub
from .model import MLModelError

DECLARATION_NAME = "debian/mlmodel.yaml"
MAX_DECLARATION_SIZE = 1 << 20  # refuse to parse more than this (hostile or mistaken input)
FORMAT_VERSION = 1

# The fifth profile reads Glaser's counter-proposal (docs/policy.md §2); it is named for what it requires.
TRAINING_INPUTS_HONOURED = "training-inputs-honoured"
PROFILES = ("ml-policy", "gr-a", "model-is-source", "osaid", TRAINING_INPUTS_HONOURED)
DEFAULT_PROFILE = "ml-policy"

AVAILABILITIES = ("public", "on-request", "restricted", "unavailable")
COMPLETENESS = ("complete", "partial", "missing")
REPRODUCIBLE = ("rebuilt", "documented", "no", "unknown")
BASE_CATEGORIES = ("free", "toxic-candy", "non-free", "unknown")
SECTIONS = ("main", "contrib", "non-free")
COMPRESSIONS = ("auto", "xz", "gzip", "zstd", "none")
PACKAGE_ROLES = ("weights", "tokenizer", "config", "docs", "code", "license", "other")
# `weights:gguf` style keys in `packages:` name a weights format (spec §5 -gguf/-onnx/-safetensors).
WEIGHT_FORMATS = ("safetensors", "gguf", "onnx")

MODEL_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.+-]*\Z")
# Debian package names (Policy 5.6.7).
PACKAGE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.+-]+\Z")


class DeclarationError(MLModelError):
    """debian/mlmodel.yaml cannot be used: names the file, the line and the key."""


# ---------------------------------------------------------------- dataclasses

@dataclass(frozen=True)
class Upstream:
    url: str | None = None
    revision: str | None = None
    hub_id: str | None = None  # ORG/NAME on the Hugging Face Hub: dh_mlmodel ships a Hub view (docs/installed.md)


@dataclass(frozen=True)
class BaseModelDecl:
    """One base model a model was derived from (fine-tune, distillation, quantisation)."""

    name: str | None = None
    license: str | None = None
    category: str | None = None  # one of BASE_CATEGORIES, None when not declared
    package: str | None = None  # a Debian binary package shipping the base
    section: str | None = None  # where the base is, when the maintainer knows it
    replaceable: bool = False  # other bases work as well (Hartman Choice 2)
    line: int = 0


@dataclass(frozen=True)
class DatasetDecl:
    name: str
    license: str | None = None
    availability: str = "unavailable"  # one of AVAILABILITIES
    url: str | None = None
    # Upstream holds the data but does not publish it.  Only meaningful when
    # availability is `unavailable`; None = not declared (policy assumes yes).
    withheld: bool | None = None
    # The training input's copyright notices, for debian/copyright (training-inputs-honoured).
    copyright: tuple[str, ...] = ()
    # A Debian package already ships this input, and its copyright file carries the notices.
    package: str | None = None
    line: int = 0


@dataclass(frozen=True)
class TrainingCode:
    url: str | None = None
    license: str | None = None
    completeness: str = "missing"  # one of COMPLETENESS
    non_free_toolchain: bool = False
    # Upstream changes the model by incremental fine-tuning (Hartman Choice 2, policy row 11).
    upstream_fine_tunes: bool = False
    line: int = 0


@dataclass(frozen=True)
class PickleAllow:
    file: str  # glob relative to the model path
    callables: tuple[str, ...]
    reason: str
    line: int = 0


UNDECLARED = "undeclared"


@dataclass(frozen=True)
class ModelDecl:
    name: str
    path: str = "."
    exclude: tuple[str, ...] = ()
    upstream: Upstream = field(default_factory=Upstream)
    license: str | None = None
    copyright: tuple[str, ...] = ()
    generative: bool | None = None
    base_models: tuple[BaseModelDecl, ...] = ()
    # tuple of datasets | "undeclared" (said so) | None (key absent)
    training_data: tuple[DatasetDecl, ...] | str | None = None
    data_information: bool | None = None
    training_code: TrainingCode | None = None
    reproducible: str = "unknown"
    pickle_allow: tuple[PickleAllow, ...] = ()
    compression: str | None = None
    signature: object | None = None  # deliver.signature.SignatureDecl: the upstream OMS signature
    line: int = 0


@dataclass(frozen=True)
class Declaration:
    path: Path
    format: int
    policy: str
    models: tuple[ModelDecl, ...]
    packages: Mapping[str, str] = field(default_factory=dict)  # role or role:format -> binary package

    def model(self, name: str) -> ModelDecl | None:
        for m in self.models:
            if m.name == name:
                return m
        return None


# ---------------------------------------------------------------- escaping

# Characters that must never reach a deb822 field or a substvars line: C0/C1
# controls, Unicode line and paragraph separators, and bidirectional controls
# (which make a field read differently from what it holds).
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_char(text: str) -> str | None:
    """The first character of `text` that may not appear in a one-line field, or None."""
    for ch in text:
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return ch
    return None


def safe_field_value(text: str) -> str:
    """`text` made safe for one line of a deb822 field (debian/copyright, control).

    Control characters, line separators and bidi controls become visible
    escapes (\\n, \\x1b, \\u2028), so a value can neither start a new field
    nor a continuation line.  A value that is only spaces becomes empty.
    """
    out = []
    for ch in text:
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            code = ord(ch)
            if ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append(" ")
            elif code < 0x100:
                out.append(f"\\x{code:02x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out).strip()


def safe_substvar_value(text: str) -> str:
    """`text` made safe for a debian/*.substvars value.

    On top of `safe_field_value`, every `$` becomes `${}`: dpkg-gencontrol
    rescans substituted text for `${name}` (deb-substvars(5)) and turns the
    literal `${}` into a single `$` once it is done.
    """
    return safe_field_value(text).replace("$", "${}")


# ---------------------------------------------------------------- loader

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


class _Reader:
    """Walks the composed node graph of one file, raising DeclarationError."""

    def __init__(self, path: Path):
        self.path = path
        self.seen: set[int] = set()

    # -- errors
    def fail(self, node: yaml.Node | None, key: str, reason: str) -> DeclarationError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"line {line}: key '{key}': " if key else f"line {line}: "
        return DeclarationError(self.path, where + reason)

    # -- node kinds
    def visit(self, node: yaml.Node, key: str) -> None:
        if id(node) in self.seen:
            raise self.fail(node, key, "YAML aliases (*name) are not allowed")
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            allowed = node.tag in _SCALAR_TAGS
        elif isinstance(node, yaml.MappingNode):
            allowed = node.tag == _STD + "map"
        else:
            allowed = node.tag == _STD + "seq"
        if not allowed:
            tag = node.tag.replace(_STD, "!!")
            raise self.fail(node, key, f"YAML tag {tag} is not allowed (plain YAML only)")

    def mapping(self, node: yaml.Node, key: str, allowed: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The pairs of a mapping node by key text; unknown and duplicate keys are errors."""
        self.visit(node, key)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, f"expected a mapping, got {_kind(node)}")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            self.visit(knode, key)
            sub = f"{key}.{knode.value}" if key else str(knode.value)
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != _STD + "str":
                raise self.fail(knode, key or "(top level)", "keys must be plain strings")
            name = knode.value
            if name in out:
                first = out[name][0].start_mark.line + 1
                raise self.fail(knode, sub, f"duplicate key (first given on line {first})")
            if name not in allowed:
                raise self.fail(knode, sub, "unknown key" + _suggest(name, allowed))
            out[name] = (knode, vnode)
        return out

    def sequence(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        self.visit(node, key)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, key, f"expected a list, got {_kind(node)}")
        return list(node.value)

    def string(self, node: yaml.Node, key: str, *, one_line: bool = True) -> str:
        self.visit(node, key)
        if not isinstance(node, yaml.ScalarNode) or node.tag in (_STD + "null", _STD + "bool"):
            raise self.fail(node, key, f"expected a string, got {_kind(node)}")
        text = node.value
        bad = unsafe_char(text) if one_line else None
        if bad is not None:
            raise self.fail(node, key, f"control character {bad!r} not allowed (the value could reach a debian/ file)")
        if not text.strip():
            raise self.fail(node, key, "empty value")
        return text

    def boolean(self, node: yaml.Node, key: str) -> bool:
        self.visit(node, key)
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STD + "bool":
            raise self.fail(node, key, f"expected true or false, got {_kind(node)}")
        return node.value.lower() in ("true", "yes", "on", "y")

    def integer(self, node: yaml.Node, key: str) -> int:
        self.visit(node, key)
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STD + "int":
            raise self.fail(node, key, f"expected an integer, got {_kind(node)}")
        return int(node.value)

    def choice(self, node: yaml.Node, key: str, choices: tuple[str, ...]) -> str:
        if isinstance(node, yaml.ScalarNode) and node.tag == _STD + "bool":
            # `reproducible: no` parses as a YAML 1.1 boolean; take the word as written.
            self.visit(node, key)
            value = node.value.lower()
        else:
            value = self.string(node, key)
        if value not in choices:
            raise self.fail(node, key, f"{value!r} is not one of {', '.join(choices)}" + _suggest(value, choices, listed=True))
        return value

    def strings(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        """A string or a list of strings."""
        if isinstance(node, yaml.SequenceNode):
            items = self.sequence(node, key)
            return tuple(self.string(n, f"{key}[{i}]") for i, n in enumerate(items))
        return (self.string(node, key),)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    tag = node.tag.replace(_STD, "")
    if tag == "null":
        return "nothing (null)"
    return f"{tag} {node.value!r}"


def _suggest(word: str, choices: tuple[str, ...], *, listed: bool = False) -> str:
    """' (did you mean …?)' for the closest choice; the valid list when nothing is close."""
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return "" if listed else f" (valid: {', '.join(choices)})"


# ---- schema: one function per mapping

TOP_KEYS = ("format", "policy", "models", "packages")
MODEL_KEYS = ("name", "path", "exclude", "upstream", "license", "copyright", "generative", "base-model",
              "training-data", "data-information", "training-code", "reproducible", "pickle-allow",
              "compression", "signature")
UPSTREAM_KEYS = ("url", "hub-id", "revision")
BASE_KEYS = ("name", "license", "category", "package", "section", "replaceable")
DATASET_KEYS = ("name", "license", "availability", "url", "withheld", "copyright", "package")
CODE_KEYS = ("url", "license", "completeness", "non-free-toolchain", "upstream-fine-tunes")
PICKLE_KEYS = ("file", "callables", "reason")
SIGNATURE_KEYS = ("file", "method", "public-key", "ca", "ignore", "identity", "issuer", "trust-config")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _read_upstream(r: _Reader, node: yaml.Node, key: str) -> Upstream:
    m = r.mapping(node, key, UPSTREAM_KEYS)
    url = _url(r, m["url"][1], f"{key}.url") if "url" in m else None
    rev = r.string(m["revision"][1], f"{key}.revision") if "revision" in m else None
    hub_id = None
    if "hub-id" in m:
        knode, vnode = m["hub-id"]
        hub_id = r.string(vnode, f"{key}.hub-id")
        problem = hub.repo_id_problem(hub_id)
        if problem:
            raise r.fail(vnode, f"{key}.hub-id", f"{hub_id!r} is {problem}")
        if rev is None:
            raise r.fail(knode, f"{key}.revision", "hub-id needs the revision (the Hub commit) too")
        problem = hub.revision_problem(rev)
        if problem:
            raise r.fail(m["revision"][1], f"{key}.revision", f"{rev!r} is {problem}, as hub-id needs")
    return Upstream(url=url, revision=rev, hub_id=hub_id)


def _url(r: _Reader, node: yaml.Node, key: str) -> str:
    text = r.string(node, key)
    if " " in text or not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        raise r.fail(node, key, f"{text!r} is not a URL (scheme:… without spaces)")
    return text


def _read_base(r: _Reader, node: yaml.Node, key: str) -> BaseModelDecl:
    m = r.mapping(node, key, BASE_KEYS)
    if not m:
        raise r.fail(node, key, "empty base model: give at least name, package or category")
    out: dict[str, Any] = {"line": _line(node)}
    for k, attr in (("name", "name"), ("license", "license")):
        if k in m:
            out[attr] = r.string(m[k][1], f"{key}.{k}")
    if "category" in m:
        out["category"] = r.choice(m["category"][1], f"{key}.category", BASE_CATEGORIES)
    if "section" in m:
        out["section"] = r.choice(m["section"][1], f"{key}.section", SECTIONS)
    if "package" in m:
        pkg = r.string(m["package"][1], f"{key}.package")
        if not PACKAGE_NAME_RE.match(pkg):
            raise r.fail(m["package"][1], f"{key}.package", f"{pkg!r} is not a Debian package name")
        out["package"] = pkg
    if "replaceable" in m:
        out["replaceable"] = r.boolean(m["replaceable"][1], f"{key}.replaceable")
    if "name" not in out and "package" not in out:
        raise r.fail(node, key, "a base model needs a name or a package")
    return BaseModelDecl(**out)


def _read_dataset(r: _Reader, node: yaml.Node, key: str) -> DatasetDecl:
    m = r.mapping(node, key, DATASET_KEYS)
    if "name" not in m:
        raise r.fail(node, key, "a dataset needs a name")
    if "availability" not in m:
        raise r.fail(node, key, f"a dataset needs availability ({', '.join(AVAILABILITIES)})")
    out: dict[str, Any] = {
        "name": r.string(m["name"][1], f"{key}.name"),
        "availability": r.choice(m["availability"][1], f"{key}.availability", AVAILABILITIES),
        "line": _line(node),
    }
    if "license" in m:
        out["license"] = r.string(m["license"][1], f"{key}.license")
    if "url" in m:
        out["url"] = _url(r, m["url"][1], f"{key}.url")
    if "withheld" in m:
        out["withheld"] = r.boolean(m["withheld"][1], f"{key}.withheld")
        if out["availability"] != "unavailable":
            raise r.fail(m["withheld"][0], f"{key}.withheld", "only meaningful with availability: unavailable")
    if "copyright" in m:
        out["copyright"] = r.strings(m["copyright"][1], f"{key}.copyright")
    if "package" in m:
        pkg = r.string(m["package"][1], f"{key}.package")
        if not PACKAGE_NAME_RE.match(pkg):
            raise r.fail(m["package"][1], f"{key}.package", f"{pkg!r} is not a Debian package name")
        out["package"] = pkg
    return DatasetDecl(**out)


def _read_training_data(r: _Reader, node: yaml.Node, key: str) -> tuple[DatasetDecl, ...] | str:
    if isinstance(node, yaml.ScalarNode) and node.tag == _STD + "str":
        r.visit(node, key)
        if node.value == UNDECLARED:
            return UNDECLARED
        raise r.fail(node, key, f"expected a list of datasets or the word '{UNDECLARED}', got {node.value!r}")
    items = r.sequence(node, key)
    if not items:
        raise r.fail(node, key, f"empty list: name the datasets, or write '{UNDECLARED}'")
    return tuple(_read_dataset(r, n, f"{key}[{i}]") for i, n in enumerate(items))


def _read_code(r: _Reader, node: yaml.Node, key: str) -> TrainingCode:
    m = r.mapping(node, key, CODE_KEYS)
    if "completeness" not in m:
        raise r.fail(node, key, f"training-code needs completeness ({', '.join(COMPLETENESS)})")
    out: dict[str, Any] = {
        "completeness": r.choice(m["completeness"][1], f"{key}.completeness", COMPLETENESS),
        "line": _line(node),
    }
    if "url" in m:
        out["url"] = _url(r, m["url"][1], f"{key}.url")
    if "license" in m:
        out["license"] = r.string(m["license"][1], f"{key}.license")
    if "non-free-toolchain" in m:
        out["non_free_toolchain"] = r.boolean(m["non-free-toolchain"][1], f"{key}.non-free-toolchain")
    if "upstream-fine-tunes" in m:
        out["upstream_fine_tunes"] = r.boolean(m["upstream-fine-tunes"][1], f"{key}.upstream-fine-tunes")
    return TrainingCode(**out)


def _read_pickle_allow(r: _Reader, node: yaml.Node, key: str) -> PickleAllow:
    m = r.mapping(node, key, PICKLE_KEYS)
    for k in PICKLE_KEYS:
        if k not in m:
            raise r.fail(node, key, f"pickle-allow entries need {', '.join(PICKLE_KEYS)} (missing {k})")
    file = _relative_path(r, m["file"][1], f"{key}.file")
    callables = r.strings(m["callables"][1], f"{key}.callables")
    for i, c in enumerate(callables):
        if not re.match(r"[A-Za-z_][\w.]*\.[A-Za-z_*][\w*]*\Z", c):
            raise r.fail(m["callables"][1], f"{key}.callables[{i}]", f"{c!r} is not a module.name callable")
    return PickleAllow(file=file, callables=callables, reason=r.string(m["reason"][1], f"{key}.reason"), line=_line(node))


def _read_signature(r: _Reader, node: yaml.Node, key: str) -> object:
    """signature: {file, method: key | certificate | sigstore, public-key | ca | identity+issuer+trust-config,
    ignore} (docs/provenance.md)."""
    from .deliver.signature import METHODS, SignatureDecl

    m = r.mapping(node, key, SIGNATURE_KEYS)
    for k in ("file", "method"):
        if k not in m:
            raise r.fail(node, key, f"a signature needs file and method (missing {k})")
    method = r.choice(m["method"][1], f"{key}.method", METHODS)
    need = {"key": ("public-key",), "certificate": ("ca",), "sigstore": ("identity", "issuer", "trust-config")}[method]
    for k in need:
        if k not in m:
            raise r.fail(node, key, f"method {method} needs {' and '.join(need)} (missing {k})")
    for k in sorted(set(m) & {"public-key", "ca", "identity", "issuer", "trust-config"} - set(need)):
        raise r.fail(m[k][1], f"{key}.{k}", f"{k} does not apply to method {method}")
    paths = lambda k: tuple(_relative_path(r, n, f"{key}.{k}[{i}]") for i, n in enumerate(r.sequence(m[k][1], f"{key}.{k}"))) \
        if isinstance(m[k][1], yaml.SequenceNode) else (_relative_path(r, m[k][1], f"{key}.{k}"),)
    return SignatureDecl(file=_relative_path(r, m["file"][1], f"{key}.file"), method=method,
                         public_key=_relative_path(r, m["public-key"][1], f"{key}.public-key") if "public-key" in m else None,
                         ca=paths("ca") if "ca" in m else (), ignore=paths("ignore") if "ignore" in m else (),
                         identity=r.string(m["identity"][1], f"{key}.identity") if "identity" in m else None,
                         issuer=r.string(m["issuer"][1], f"{key}.issuer") if "issuer" in m else None,
                         trust_config=_relative_path(r, m["trust-config"][1], f"{key}.trust-config")
                         if "trust-config" in m else None,
                         line=_line(node))


def _relative_path(r: _Reader, node: yaml.Node, key: str) -> str:
    text = r.string(node, key)
    parts = text.split("/")
    if text.startswith("/") or ".." in parts or "\\" in text:
        raise r.fail(node, key, f"{text!r} must be a relative path inside the source tree (no leading /, no ..)")
    return text


def _read_model(r: _Reader, node: yaml.Node, key: str) -> ModelDecl:
    m = r.mapping(node, key, MODEL_KEYS)
    if "name" not in m:
        raise r.fail(node, key, "a model needs a name")
    name = r.string(m["name"][1], f"{key}.name")
    if not MODEL_NAME_RE.match(name):
        raise r.fail(m["name"][1], f"{key}.name", f"{name!r} must match [a-z0-9][a-z0-9.+-]*")
    out: dict[str, Any] = {"name": name, "line": _line(node)}
    readers: dict[str, tuple[str, Callable[[yaml.Node, str], Any]]] = {
        "path": ("path", lambda n, k: posixpath.normpath(_relative_path(r, n, k))),
        "exclude": ("exclude", lambda n, k: tuple(r.string(x, f"{k}[{i}]") for i, x in enumerate(r.sequence(n, k)))),
        "upstream": ("upstream", lambda n, k: _read_upstream(r, n, k)),
        "license": ("license", r.string),
        "copyright": ("copyright", r.strings),
        "generative": ("generative", r.boolean),
        "base-model": ("base_models", lambda n, k: _read_bases(r, n, k)),
        "training-data": ("training_data", lambda n, k: _read_training_data(r, n, k)),
        "data-information": ("data_information", r.boolean),
        "training-code": ("training_code", lambda n, k: _read_code(r, n, k)),
        "reproducible": ("reproducible", lambda n, k: r.choice(n, k, REPRODUCIBLE)),
        "pickle-allow": ("pickle_allow", lambda n, k: tuple(_read_pickle_allow(r, x, f"{k}[{i}]") for i, x in enumerate(r.sequence(n, k)))),
        "compression": ("compression", lambda n, k: r.choice(n, k, COMPRESSIONS)),
        "signature": ("signature", lambda n, k: _read_signature(r, n, k)),
    }
    for k, (knode, vnode) in m.items():
        if k == "name":
            continue
        attr, read = readers[k]
        out[attr] = read(vnode, f"{key}.{k}")
    return ModelDecl(**out)


def _read_bases(r: _Reader, node: yaml.Node, key: str) -> tuple[BaseModelDecl, ...]:
    if isinstance(node, yaml.SequenceNode):
        items = r.sequence(node, key)
        return tuple(_read_base(r, n, f"{key}[{i}]") for i, n in enumerate(items))
    return (_read_base(r, node, key),)


def _read_packages(r: _Reader, node: yaml.Node, key: str) -> dict[str, str]:
    allowed = PACKAGE_ROLES + tuple(f"weights:{f}" for f in WEIGHT_FORMATS)
    m = r.mapping(node, key, allowed)
    out = {}
    for role, (knode, vnode) in m.items():
        pkg = r.string(vnode, f"{key}.{role}")
        if not PACKAGE_NAME_RE.match(pkg):
            raise r.fail(vnode, f"{key}.{role}", f"{pkg!r} is not a Debian package name")
        out[role] = pkg
    return out


def _check_tabs(path: Path, text: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise DeclarationError(path, f"line {number}: tab character in indentation (YAML indents with spaces only)")


MAX_DEPTH = 16  # format 1 nests at most 5 levels (models > model > training-data > dataset)


def _check_depth(path: Path, text: str) -> None:
    """Refuse deep nesting from the event stream, before the recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise DeclarationError(path, f"line {line}: YAML nests too deeply (more than {MAX_DEPTH} levels)")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_declaration(text: str, path: Path) -> Declaration:
    """Validate the text of a debian/mlmodel.yaml; `path` is only used in messages."""
    _check_tabs(path, text)
    try:
        _check_depth(path, text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "malformed YAML"
        raise DeclarationError(path, f"line {line}: YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise DeclarationError(path, f"YAML syntax: {exc}") from None
    except RecursionError:
        raise DeclarationError(path, "YAML nests too deeply") from None
    if root is None:
        raise DeclarationError(path, "line 1: empty file (expected format: 1 and models:)")
    r = _Reader(path)
    top = r.mapping(root, "", TOP_KEYS)
    if "format" not in top:
        raise r.fail(root, "format", f"missing (write format: {FORMAT_VERSION})")
    fmt = r.integer(top["format"][1], "format")
    if fmt != FORMAT_VERSION:
        raise r.fail(top["format"][1], "format", f"format {fmt} is not supported (this dh-mlmodel reads format {FORMAT_VERSION})")
    policy = r.choice(top["policy"][1], "policy", PROFILES) if "policy" in top else DEFAULT_PROFILE
    if "models" not in top:
        raise r.fail(root, "models", "missing: list the models this source ships")
    model_nodes = r.sequence(top["models"][1], "models")
    if not model_nodes:
        raise r.fail(top["models"][1], "models", "empty list: declare at least one model")
    models = tuple(_read_model(r, n, f"models[{i}]") for i, n in enumerate(model_nodes))
    seen: dict[str, int] = {}
    for m in models:
        if m.name in seen:
            raise DeclarationError(path, f"line {m.line}: key 'name': model name {m.name!r} used twice (first on line {seen[m.name]})")
        seen[m.name] = m.line
    packages = _read_packages(r, top["packages"][1], "packages") if "packages" in top else {}
    return Declaration(path=path, format=fmt, policy=policy, models=models, packages=packages)


def load_declaration(path: Path) -> Declaration:
    """Read and validate a debian/mlmodel.yaml; raises DeclarationError (or OSError)."""
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read(MAX_DECLARATION_SIZE + 1)
    if len(raw) > MAX_DECLARATION_SIZE:
        raise DeclarationError(path, f"larger than {MAX_DECLARATION_SIZE // 1024} KiB; a declaration is a short file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeclarationError(path, f"not UTF-8 (byte {exc.start})") from None
    return parse_declaration(text, path)


def find_declaration(source_dir: Path) -> Path | None:
    """SOURCE_DIR/debian/mlmodel.yaml when it exists (a regular file), else None."""
    candidate = Path(source_dir) / DECLARATION_NAME
    return candidate if candidate.is_file() else None
