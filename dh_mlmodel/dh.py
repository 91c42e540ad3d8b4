"""`dh_mlmodel`: the debhelper adapter over the pipeline (spec §2).

Everything is computed and checked before the first byte is written, so an
error leaves no partly filled package tree; then each selected package gets
its files, lintian overrides, substvars and record.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from . import pipeline
from .debhelper import DhContext, DhError, addsubstvar, run_tool, write_log
from .deliver import copyright as copyright_check
from .deliver import record as records
from .deliver import split, substvars
from .deliver.install import Transaction
from .model import ArtifactFacts, Finding, MLModelError

TOOL = "dh_mlmodel"
PROFILES = ("ml-policy", "gr-a", "model-is-source", "osaid")
DEFAULT_PROFILE = "ml-policy"
MODEL_ROOT = "usr/share/mlmodel"


def add_tool_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", choices=PROFILES, default=None,
                   help="policy profile (default: the declaration's, else ml-policy)")
    p.add_argument("--section-check", choices=("error", "warn", "off"), default="error",
                   help="what a Section that disagrees with the policy verdict is")
    p.add_argument("--warn-only", action="append", default=[], metavar="TAG[,TAG…]",
                   help="report error findings with these tags as warnings (recorded in the package record)")


@dataclass(frozen=True)
class PlannedModel:
    name: str
    directory: Path
    files: tuple[ArtifactFacts, ...]
    placements: tuple[split.Placement, ...]
    verdict: object | None
    downgraded: tuple[Finding, ...]


def main(argv: list[str] | None = None) -> int:
    return run_tool(run, TOOL, sys.argv[1:] if argv is None else argv, add_tool_options)


def run(ctx: DhContext) -> None:
    _refuse_debputy_full_integration(ctx)
    try:
        plans = plan(ctx)
        if ctx.no_act:
            _describe(ctx, plans)
            return
        deliver(ctx, plans)
    except MLModelError as exc:
        raise DhError(exc.one_line()) from None
    write_log(ctx, ctx.packages)


def _refuse_debputy_full_integration(ctx: DhContext) -> None:
    deps = ctx.control.build_depends.replace(",", " ").split()
    if "dh-sequence-zz-debputy" in deps:
        ctx.error("debputy's full integration (dh-sequence-zz-debputy) installs packages itself and removes the "
                  "steps dh_mlmodel relies on; use dh-sequence-zz-debputy-rrr instead")


# -- plan: read, inspect, decide, split (no writes) --------------------------------

def plan(ctx: DhContext) -> list[PlannedModel]:
    source = Path(".")
    declaration = pipeline.declared_models(source)
    profile = ctx.opts.policy or getattr(declaration, "policy", None) or DEFAULT_PROFILE
    if declaration is None:
        models = [(name, d, (), None) for name, d in pipeline.undeclared_models(source, ctx.control.source)]
        if models:
            ctx.warning("debian/mlmodel.yaml is missing: nothing was declared about licence, training data or "
                        "training code; placing the models found as undeclared")
    else:
        models = [(m.name, Path(m.path), tuple(m.exclude), m) for m in declaration.models]
    if not models:
        ctx.warning("no model files found in the source tree")
        return []
    overrides = dict(getattr(declaration, "packages", {}) or {})
    packages = [split.PackageInfo(b.name, b.arch_all) for b in ctx.control.binaries]
    warn_only = {t for arg in ctx.opts.warn_only for t in arg.split(",") if t}
    planned = []
    for name, directory, exclude, decl in models:
        report = pipeline.inspect_model(source, directory, exclude)
        downgraded = _check_findings(ctx, report.files, warn_only)
        verdict, prov_findings = pipeline.decide_model(decl if decl is not None else _undeclared(name, directory),
                                                       report, profile)
        for f in prov_findings:
            ctx.warning(f"{name}: {f.message}")
        placements = tuple(split.assign(name, [(f.artifact.relpath, f.artifact.role, f.artifact.format)
                                               for f in report.files], packages, overrides))
        if verdict is not None:
            ctx.verbose_print(f"{name}: {verdict.category} -> {verdict.section} ({verdict.profile}, rule {verdict.rule})")
            _check_sections(ctx, verdict, placements)
        planned.append(PlannedModel(name, directory, report.files, placements, verdict, downgraded))
    _check_copyright(ctx, planned)
    return planned


def _undeclared(name: str, directory: Path):
    """A declaration that declares nothing: the policy then sees undeclared inputs."""
    from .declaration import ModelDecl

    return ModelDecl(name=name, path=directory.as_posix())


def _check_findings(ctx: DhContext, files, warn_only: set[str]) -> tuple[Finding, ...]:
    """Error findings stop the build unless the maintainer downgraded their tag."""
    downgraded = []
    for facts in files:
        for f in facts.findings:
            if f.severity != "error":
                continue
            where = facts.artifact.relpath + (f" [{f.member}]" if f.member else "")
            if f.tag in warn_only:
                ctx.warning(f"{where}: {f.message} ({f.tag}; downgraded by --warn-only)")
                downgraded.append(f)
            else:
                ctx.error(f"{where}: {f.message} ({f.tag})")
    return tuple(downgraded)


def _check_sections(ctx: DhContext, verdict, placements) -> None:
    from .policy import section_findings

    mode = ctx.opts.section_check
    if mode == "off":
        return
    sections = {ctx.control.source + " (source)": ctx.control.section or ""}
    for pkg in sorted({p.package for p in placements}):
        binary = ctx.control.binary(pkg)
        sections[pkg] = (binary.section if binary else None) or ctx.control.section or ""
    for f in section_findings(verdict, sections):
        if f.severity == "error" and mode == "error":
            ctx.error(f"{f.message} (use --section-check=warn to continue)")
        ctx.warning(f.message)


def _check_copyright(ctx: DhContext, planned: list[PlannedModel]) -> None:
    parsed = copyright_check.read_copyright(Path("debian/copyright"))
    if parsed is None:
        ctx.warning("debian/copyright is not machine-readable (DEP-5): cannot check it covers the model files")
        return
    paths = [(m.directory / p.relpath).as_posix() for m in planned for p in m.placements]
    missing = copyright_check.uncovered(parsed, [p.removeprefix("./") for p in paths])
    if missing:
        ctx.error("debian/copyright has no Files: paragraph covering " + ", ".join(missing))


# -- deliver: install, overrides, substvars, record ------------------------------

def destination(ctx: DhContext, model: str, placement: split.Placement) -> Path:
    root = ctx.tmpdir_for(placement.package)
    if placement.role == "docs":
        return root / "usr/share/doc" / placement.package / placement.relpath
    return root / MODEL_ROOT / model / placement.relpath


def deliver(ctx: DhContext, plans: list[PlannedModel]) -> None:
    selected = set(ctx.packages)
    txn = Transaction()
    try:
        for m in plans:
            _deliver_model(ctx, m, selected, txn)
    except BaseException:
        txn.rollback()
        raise


def _deliver_model(ctx: DhContext, m: PlannedModel, selected: set[str], txn: Transaction) -> None:
    facts_by_path = {f.artifact.relpath: f for f in m.files}
    files_by_pkg: dict[str, list[dict]] = {}
    for p in m.placements:
        if p.package not in selected or ctx.excluded(p.relpath):
            continue
        dest = destination(ctx, m.name, p)
        facts = facts_by_path[p.relpath]
        result = txn.install(facts.artifact.path, dest)
        ctx.verbose_print(f"{'ln' if result.linked else 'cp'} {facts.artifact.path} {dest}")
        files_by_pkg.setdefault(p.package, []).append({
            "path": dest.relative_to(ctx.tmpdir_for(p.package)).as_posix(), "source": (m.directory / p.relpath).as_posix().removeprefix("./"),
            "role": p.role, "format": p.format, "size": facts.artifact.size, "sha256": facts.sha256})
    verdict = m.verdict.to_json() if m.verdict is not None else None
    category = m.verdict.category if m.verdict is not None else None
    for pkg, pairs in substvars.substvars_for(m.name, m.placements, category).items():
        if pkg in selected:
            for var, value in pairs:
                addsubstvar(ctx, pkg, var, value)
    for pkg in sorted(files_by_pkg):
        extra = {"downgraded": [f.to_json() for f in m.downgraded]} if m.downgraded else None
        rec = records.build_record(model=m.name, package=pkg, verdict=verdict, files=files_by_pkg[pkg], extra=extra)
        txn.write(ctx.tmpdir_for(pkg) / records.record_relpath(m.name, pkg), records.dump_record(rec))


def _describe(ctx: DhContext, plans: list[PlannedModel]) -> None:
    """--no-act: say what would be installed, write nothing."""
    for m in plans:
        for p in m.placements:
            if p.package in ctx.packages:
                ctx.verbose_print(f"install {m.directory / p.relpath} -> {destination(ctx, m.name, p)}")


if __name__ == "__main__":
    sys.exit(main())
