"""Which binary package receives each file of a model (spec §5).

A dh tool cannot invent packages: the split follows the binary packages the
maintainer declared in debian/control, by name suffix, with the declaration's
`packages:` mapping taking precedence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ..model import MLModelError

# Package-name suffix -> the role it claims.
ROLE_SUFFIXES = {"-tokenizer": "tokenizer", "-doc": "docs", "-code": "code"}
# Package-name suffix -> the weight format it claims.
FORMAT_SUFFIXES = {"-gguf": ("gguf",), "-onnx": ("onnx",), "-safetensors": ("safetensors", "safetensors-index")}

NOT_INSTALLED_ROLES = frozenset({"license"})  # folded into debian/copyright


class SplitError(MLModelError):
    """The declared packages cannot receive the model's files as asked."""


@dataclass(frozen=True)
class PackageInfo:
    name: str
    arch_all: bool


@dataclass(frozen=True)
class Placement:
    relpath: str
    role: str
    format: str
    package: str


def _suffix_of(name: str, suffixes: Iterable[str]) -> str | None:
    return next((s for s in suffixes if name.endswith(s)), None)


def _pick(candidates: list[str], model: str) -> str | None:
    """Among several candidate packages, the one named after the model wins (several models per source)."""
    if not candidates:
        return None
    for named in ([c for c in candidates if c == model], [c for c in candidates if c.startswith(model + "-")],
                  [c for c in candidates if c.startswith(model)]):
        if named:
            return named[0]
    return candidates[0]


def _override_for(role: str, fmt: str, overrides: Mapping[str, str]) -> str | None:
    return overrides.get(f"{role}:{fmt}") or overrides.get(role)


def assign(model: str, files: Iterable[tuple[str, str, str]], packages: list[PackageInfo],
           overrides: Mapping[str, str] | None = None) -> list[Placement]:
    """Place each (relpath, role, format); license files are left out (not installed)."""
    overrides = dict(overrides or {})
    names = [p.name for p in packages]
    for key, pkg in sorted(overrides.items()):
        if pkg not in names:
            raise SplitError("debian/mlmodel.yaml", f"packages: {key} names {pkg}, which debian/control does not declare")
    by_role = {role: [n for n in names if n.endswith(sfx)] for sfx, role in ROLE_SUFFIXES.items()}
    by_format = {fmt: [n for n in names if n.endswith(sfx)] for sfx, fmts in FORMAT_SUFFIXES.items() for fmt in fmts}
    claimed = {n for n in names if _suffix_of(n, list(ROLE_SUFFIXES) + list(FORMAT_SUFFIXES))}
    remaining = [p.name for p in packages if p.name not in claimed and p.arch_all]
    default = _pick(remaining, model)
    single = names[0] if len(names) == 1 else None

    placements = []
    for relpath, role, fmt in files:
        if role in NOT_INSTALLED_ROLES:
            continue
        pkg = (_override_for(role, fmt, overrides) or single
               or (role == "weights" and _pick(by_format.get(fmt, []), model))
               or _pick(by_role.get(role, []), model) or default)
        if not pkg:
            raise SplitError(relpath, f"no binary package can receive this {role} file: declare an arch:all "
                                      f"package without a role suffix in debian/control, or map `{role}` under "
                                      f"`packages:` in debian/mlmodel.yaml")
        placements.append(Placement(relpath, role, fmt, pkg))
    return placements


def misplaced(placements: Iterable[Placement], packages: list[PackageInfo],
              overrides: Mapping[str, str] | None = None) -> list[str]:
    """Why some placements are wrong, each with the fix; empty when all is well."""
    arch_all = {p.name: p.arch_all for p in packages}
    problems = []
    for p in placements:
        if not arch_all.get(p.package, True):
            problems.append(f"{p.relpath} ({p.role}) would go to {p.package}, which is not Architecture: all; "
                            "model files do not depend on the architecture: make it Architecture: all")
    for key, pkg in sorted((overrides or {}).items()):
        role = key.split(":")[0]
        claimed = next((r for sfx, r in ROLE_SUFFIXES.items() if pkg.endswith(sfx)), None)
        if claimed and claimed != role:
            problems.append(f"packages: maps {key} to {pkg}, whose name claims the {claimed} role: map {role} to "
                            "another package, or rename it")
    return problems


def split_packages_without_files(placements: Iterable[Placement], packages: list[PackageInfo]) -> list[str]:
    """The packages whose name claims a role or format (-tokenizer, -gguf, …) that receive no model file."""
    used = {p.package for p in placements}
    suffixes = list(ROLE_SUFFIXES) + list(FORMAT_SUFFIXES)
    return [p.name for p in packages if _suffix_of(p.name, suffixes) and p.name not in used]
