"""The stages wired together for one source tree: models in, decisions out.

dh_mlmodel and the `mlmodel` subcommands call this instead of repeating the
order of the stages.  Nothing here prints or writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import discover
from .model import ArtifactFacts, Finding, MLModelError, Verdict

DECLARATION = Path("debian/mlmodel.yaml")


@dataclass(frozen=True)
class ModelPlan:
    """One model of the source: where it is, what is in it, what policy says."""

    name: str
    directory: Path  # relative to the source root
    files: tuple[ArtifactFacts, ...]
    verdict: Verdict | None
    findings: tuple[Finding, ...]
    decl: object | None  # declaration.ModelDecl, when declared


def declared_models(source_dir: Path):
    """The Declaration, or None when the source has no debian/mlmodel.yaml."""
    from .declaration import load_declaration

    path = source_dir / DECLARATION
    return load_declaration(path) if path.exists() else None


def undeclared_models(source_dir: Path, source_name: str) -> list[tuple[str, Path]]:
    """(name, directory) of each model directory found without a declaration."""
    out = []
    for d in discover.find_model_dirs(source_dir):
        rel = d.relative_to(source_dir)
        name = source_name if rel == Path(".") else _safe_name(rel.name)
        out.append((name, rel))
    return out


def _safe_name(text: str) -> str:
    import re

    name = re.sub(r"[^a-z0-9.+-]+", "-", text.lower()).strip("-.+")
    return name or "model"


def inspect_model(source_dir: Path, directory: Path, exclude=(), *, hash: bool = True,
                  progress: Callable | None = None):
    from .inspect import inspect_model_dir

    return inspect_model_dir(source_dir / directory, exclude=tuple(exclude), hash=hash, progress=progress)


def decide_model(decl, report, profile: str) -> tuple[Verdict | None, tuple[Finding, ...]]:
    """Merge the declaration with what the files say and apply the policy profile."""
    from . import policy, provenance

    if decl is None:
        return None, ()
    prov = provenance.merge(decl, report)
    verdict = policy.decide(prov, profile)
    return verdict, tuple(getattr(prov, "findings", ()))


__all__ = ["ModelPlan", "declared_models", "undeclared_models", "inspect_model", "decide_model", "MLModelError"]
