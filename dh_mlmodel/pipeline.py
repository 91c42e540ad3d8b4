"""The stages wired together for one source tree: models in, decisions out.

dh_mlmodel and the `mlmodel` subcommands call this instead of repeating the
order of the stages.  Nothing here prints or writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import discover
from .declaration import DEFAULT_PROFILE, PROFILES  # noqa: F401 (one list of profiles, re-exported)
from .model import ArtifactFacts, Finding, MLModelError, Verdict

DECLARATION = Path("debian/mlmodel.yaml")


class PipelineError(MLModelError):
    """The source tree cannot be analysed as it is."""


@dataclass(frozen=True)
class AnalysedModel:
    """One model of a source tree: where it is, what is in it, what policy says."""

    name: str
    directory: Path  # relative to the source root
    decl: object  # declaration.ModelDecl (an empty one when nothing was declared)
    declared: bool
    files: tuple[ArtifactFacts, ...]
    report: object  # inspect.ModelReport
    verdict: Verdict
    license: str | None  # the licence expression the verdict used
    findings: tuple[Finding, ...]  # provenance findings (conflicts between declaration, card, files)
    license_evidence: tuple = ()  # provenance.LicenseEvidence: what each source says, the used one first

    @property
    def settled_license(self) -> str | None:
        """The licence debian/copyright may state: the used one, unless only package metadata or a
        LICENSE text names it (they may cover other files; the verdict calls it unclear)."""
        from .provenance import WEAK_KINDS

        used = next((e for e in self.license_evidence if e.wins), None)
        return self.license if used is not None and used.kind.split(",")[0] not in WEAK_KINDS else None


@dataclass(frozen=True)
class SourceAnalysis:
    source_name: str
    profile: str
    declaration: object | None
    models: tuple[AnalysedModel, ...]


def source_name(source_dir: Path) -> str:
    """Source: of debian/control, or the directory name when there is none yet."""
    from debian import deb822

    control = source_dir / "debian/control"
    try:
        with open(control, encoding="utf-8") as fh:
            first = next(deb822.Deb822.iter_paragraphs(fh), None)
        if first and first.get("Source"):
            return first["Source"].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return safe_name(source_dir.resolve().name)


def safe_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9.+-]+", "-", text.lower()).strip("-.+")
    return name or "model"


def declared_models(source_dir: Path):
    """The Declaration, or None when the source has no debian/mlmodel.yaml."""
    from .declaration import load_declaration

    path = source_dir / DECLARATION
    return load_declaration(path) if path.exists() else None


def undeclared_models(source_dir: Path, name: str) -> list[tuple[str, Path]]:
    """(name, directory) of each model directory found without a declaration."""
    out = []
    for d in discover.find_model_dirs(source_dir):
        rel = d.relative_to(source_dir)
        out.append((name if rel == Path(".") else safe_name(rel.name), rel))
    return out


def empty_declaration(name: str, directory: Path):
    """A declaration that declares nothing: the policy then sees undeclared inputs."""
    from .declaration import ModelDecl

    return ModelDecl(name=name, path=directory.as_posix())


def inspect_model(source_dir: Path, directory: Path, exclude=(), *, hash: bool = True,
                  progress: Callable | None = None, md5: bool = False):
    from .inspect import inspect_model_dir

    return inspect_model_dir(source_dir / directory, exclude=tuple(exclude), hash=hash, progress=progress, md5=md5)


def package_metadata(source_dir: Path, decl) -> list[Path]:
    """The wheel/npm metadata whose licence provenance compares (the same files `mlmodel classify` reads)."""
    from .provenance import find_package_metadata

    # debian/upstream/ is where a maintainer keeps upstream metadata that is not in the tarball.
    return find_package_metadata(*dict.fromkeys([source_dir, source_dir / decl.path, source_dir / "debian/upstream"]))


def decide_model(decl, report, profile: str, source_dir: Path = Path(".")):
    """Merge the declaration with what the files say and apply the policy profile."""
    from . import policy, provenance

    prov = provenance.merge(decl, report, package_metadata=package_metadata(source_dir, decl))
    return prov, policy.decide(prov, profile)


def analyse(source_dir: Path, *, policy: str | None = None, require_declaration: bool = False,
            hash: bool = False, progress: Callable | None = None, md5: bool = False,
            identify_texts: bool = False) -> SourceAnalysis:
    """Discover, inspect and decide every model of a source tree (`identify_texts`: licensecheck on
    LICENSE files, at the desk only)."""
    source_dir = Path(source_dir)
    declaration = declared_models(source_dir)
    name = source_name(source_dir)
    if declaration is None:
        if require_declaration:
            raise PipelineError(source_dir / DECLARATION, "not found (write one, or run `mlmodel init`)")
        models = [(n, d, (), empty_declaration(n, d), False) for n, d in undeclared_models(source_dir, name)]
    else:
        models = [(m.name, Path(m.path), tuple(m.exclude), m, True) for m in declaration.models]
    profile = policy or getattr(declaration, "policy", None) or DEFAULT_PROFILE
    reports = {m[0]: inspect_model(source_dir, m[1], m[2], hash=hash, progress=progress, md5=md5) for m in models}
    decided = _decide(source_dir, declaration, [(m[0], m[3]) for m in models], reports, profile,
                      identify_texts=identify_texts)
    analysed = []
    for model_name, directory, _exclude, decl, declared in models:
        report = reports[model_name]
        prov, verdict = decided[model_name]
        analysed.append(AnalysedModel(model_name, directory, decl, declared, tuple(report.files), report, verdict,
                                      prov.license, tuple(prov.findings), prov.license_evidence))
    return SourceAnalysis(name, profile, declaration, tuple(analysed))


def _decide(source_dir: Path, declaration, models, reports, profile: str, *, identify_texts: bool = False) -> dict:
    """model name -> (Provenance, Verdict) under `profile`, from reports already read."""
    if declaration is not None:
        # Together, so a model that names another model of the same source as its base sees its verdict.
        from .policy import decide_models

        return {n: (prov, verdict) for n, (verdict, prov) in
                decide_models(declaration, lambda d: reports[d.name], profile,
                              package_metadata=lambda d: package_metadata(source_dir, d),
                              identify_texts=identify_texts).items()}
    return {name: decide_model(decl, reports[name], profile, source_dir) for name, decl in models}


def verdicts_under(source_dir: Path, analysis: SourceAnalysis, profiles=PROFILES) -> dict[str, dict[str, Verdict]]:
    """model name -> profile -> Verdict, from the files `analyse` already inspected (nothing is read again)."""
    reports = {m.name: m.report for m in analysis.models}
    models = [(m.name, m.decl) for m in analysis.models]
    out: dict[str, dict[str, Verdict]] = {m.name: {} for m in analysis.models}
    for profile in profiles:
        for name, (_prov, verdict) in _decide(Path(source_dir), analysis.declaration, models, reports, profile).items():
            out[name][profile] = verdict
    return out
