"""`dh_mlmodel`: the debhelper adapter over the pipeline (spec §2).

Everything is computed and checked before the first byte is written, so an
error leaves no partly filled package tree; then each selected package gets
its files, lintian overrides, substvars and record.
"""
from __future__ import annotations

import argparse
import email.utils
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import pipeline, risk
from .debhelper import (DhContext, DhError, addsubstvar, append_lintian_overrides, define_substvar, lintian_supports_brackets,
                        run_tool, write_log)
from .deliver import copyright as copyright_check
from .deliver import compression, cyclonedx, hubview, md5sums, overrides, signature, spdx, split, substvars
from .deliver import record as records
from .deliver.install import Transaction
from .model import ArtifactFacts, Finding, MLModelError

TOOL = "dh_mlmodel"
MODEL_ROOT = "usr/share/mlmodel"


def add_tool_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", choices=pipeline.PROFILES, default=None,
                   help="policy profile (default: the declaration's, else ml-policy)")
    p.add_argument("--section-check", choices=("error", "warn", "off"), default="error",
                   help="what a Section that disagrees with the policy verdict is")
    p.add_argument("--warn-only", action="append", default=[], metavar="TAG[,TAG…]",
                   help="report error findings with these tags as warnings (recorded in the package record)")


@dataclass(frozen=True)
class PlannedModel:
    analysed: pipeline.AnalysedModel
    placements: tuple[split.Placement, ...]
    downgraded: tuple[Finding, ...]
    accepted: tuple[dict, ...] = ()  # pickle imports the declaration accepted, with its reasons

    name = property(lambda self: self.analysed.name)
    directory = property(lambda self: self.analysed.directory)
    files = property(lambda self: self.analysed.files)
    verdict = property(lambda self: self.analysed.verdict)


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
    # md5 too, in the same read: dh_mlmodel_builddeb writes these files' DEBIAN/md5sums lines, so
    # dh_md5sums need not read every weight file a second time.
    analysis = pipeline.analyse(Path("."), policy=ctx.opts.policy, hash=True, md5=True)
    if not analysis.models:
        ctx.warning("no model files found in the source tree")
        return []
    if analysis.declaration is None:
        ctx.warning("debian/mlmodel.yaml is missing: nothing was declared about licence, training data or "
                    "training code; placing the models found as undeclared")
    overrides = dict(getattr(analysis.declaration, "packages", {}) or {})
    packages = [split.PackageInfo(b.name, b.arch_all) for b in ctx.control.binaries]
    warn_only = {t for arg in ctx.opts.warn_only for t in arg.split(",") if t}
    planned = []
    for m in analysis.models:
        findings, accepted = risk.apply_allowlist([f for facts in m.files for f in facts.findings],
                                                  getattr(m.decl, "pickle_allow", ()))
        for a in accepted:
            ctx.verbose_print(f"{a['file']}: {a['callable']} accepted by debian/mlmodel.yaml ({a['reason']})")
        downgraded = _check_findings(ctx, findings, warn_only, m.name)
        for f in m.findings:
            ctx.warning(f"{m.name}: {f.message}")
        placements = tuple(split.assign(m.name, [(f.artifact.relpath, f.artifact.role, f.artifact.format)
                                                 for f in m.files], packages, overrides))
        ctx.verbose_print(f"{m.name}: {m.verdict.category} -> {m.verdict.section} "
                          f"({m.verdict.profile}, rule {m.verdict.rule})")
        _check_sections(ctx, m.verdict, placements)
        for problem in split.misplaced(placements, packages, overrides):
            ctx.error(problem)
        planned.append(PlannedModel(m, placements, downgraded, tuple(accepted)))
    _check_empty_packages(ctx, planned, packages)
    _check_hub_views(ctx, planned)
    _check_copyright(ctx, planned)
    _check_training_notices(ctx, planned)
    return planned


def _check_hub_views(ctx: DhContext, planned: list[PlannedModel]) -> None:
    """usr/share/mlmodel/hub is the Hub views' directory, and one Hub id has one view."""
    from .hub import HUB_DIR

    seen: dict[str, str] = {}
    for m in planned:
        if m.name == HUB_DIR:
            ctx.error(f"model name '{HUB_DIR}' is reserved: {MODEL_ROOT}/{HUB_DIR} holds the Hub views; "
                      "give the model another `name:` in debian/mlmodel.yaml")
        hub_id = getattr(getattr(m.analysed.decl, "upstream", None), "hub_id", None)
        if hub_id and hub_id in seen:
            ctx.error(f"models {seen[hub_id]} and {m.name} both declare hub-id {hub_id}: one Hub id, one view")
        if hub_id:
            seen[hub_id] = m.name


def _check_empty_packages(ctx: DhContext, planned: list[PlannedModel], packages) -> None:
    """A -tokenizer/-doc/-gguf… package nothing goes into would ship empty (lintian: empty-binary-package)."""
    placements = [p for m in planned for p in m.placements]
    for pkg in split.split_packages_without_files(placements, packages):
        if pkg in ctx.packages and not _has_own_files(ctx.tmpdir_for(pkg), pkg):
            ctx.error(f"{pkg} would be empty: no model file has the role its name claims; remove it from "
                      "debian/control, or map a role to it under `packages:` in debian/mlmodel.yaml")


def _has_own_files(root: Path, package: str) -> bool:
    """Files other than what dh_installdocs/dh_installchangelogs put in every package."""
    boilerplate = {f"usr/share/doc/{package}/copyright", f"usr/share/doc/{package}/changelog.gz",
                   f"usr/share/doc/{package}/changelog.Debian.gz", f"usr/share/doc/{package}/changelog",
                   f"usr/share/doc/{package}/changelog.Debian"}
    return any(p.relative_to(root).as_posix() not in boilerplate for p in root.rglob("*")
               if p.is_file() or p.is_symlink()) if root.is_dir() else False


def _wrapper_fields(facts) -> dict:
    """A compressed model file's record names its wrapper and the format inside (formats/compressed.py)."""
    meta = facts.metadata or {}
    return {k: meta[k] for k in ("wrapper", "inner_format") if isinstance(meta.get(k), str)}


# Warnings the build says aloud: a file installed without being validated is never silent.
SHOWN_AT_BUILD = frozenset({"model-file-not-validated"})


def _check_findings(ctx: DhContext, findings: list[Finding], warn_only: set[str], model: str) -> tuple[Finding, ...]:
    """Error findings stop the build unless the maintainer downgraded their tag.

    Every blocking finding is shown (a scikit-learn pickle imports a dozen
    classes; stopping at the first hides the rest), then the `pickle-allow:`
    block that would accept the callables a maintainer may accept.
    """
    downgraded, blocking = [], []
    for f in findings:
        where = (f.path or "model") + (f" [{f.member}]" if f.member else "")
        if f.severity != "error":
            if f.tag in SHOWN_AT_BUILD:
                ctx.warning(f"{where}: {f.message} ({f.tag})")
            continue
        if f.tag in warn_only:
            ctx.warning(f"{where}: {f.message} ({f.tag}; downgraded by --warn-only)")
            downgraded.append(f)
        else:
            blocking.append(f"{where}: {f.message} ({f.tag})")
    if not blocking:
        return tuple(downgraded)
    # Warnings of the same tags (unlisted classes that look benign) too: one paste clears them all.
    block = risk.pickle_allow_block(f for f in findings if f.tag not in warn_only)
    if len(blocking) == 1 and block is None:
        ctx.error(blocking[0])
    for line in blocking:
        ctx.error_line(line)
    if block:
        print(f"{ctx.tool}: after reviewing each callable, accept them under model {model} in debian/mlmodel.yaml "
              "(write the reason):", file=sys.stderr)
        sys.stderr.write("".join(f"    {line}\n" for line in block.splitlines()))
    ctx.error(f"{len(blocking)} finding(s) in the files of model {model} stop the build (listed above)"
              + ("; the pickle-allow block above, with its reason written, goes in debian/mlmodel.yaml" if block else ""))


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
    paths = [(m.directory / p.relpath).as_posix() for m in planned for p in m.placements]
    for path in paths:  # before anything is installed: no record, md5sums or copyright can name it
        copyright_check.check_name_utf8(path)
    parsed = copyright_check.read_copyright(Path("debian/copyright"))
    if parsed is None:
        ctx.warning("debian/copyright is not machine-readable (DEP-5): cannot check it covers the model files")
        return
    missing = copyright_check.uncovered(parsed, [p.removeprefix("./") for p in paths])
    if missing:
        ctx.error("debian/copyright has no Files: paragraph covering " + ", ".join(missing))
    _check_placeholders(ctx)


def _check_placeholders(ctx: DhContext) -> None:
    """A TODO or unknown licence left in debian/copyright: as `mlmodel lint` judges it (the tag's severity)."""
    from .lint.tagdata import tag_info

    found = copyright_check.placeholders(Path("debian/copyright").read_text(encoding="utf-8", errors="replace"))
    if not found:
        return
    message = (f"debian/copyright still holds {'; '.join(found)} (mlmodel-copyright-placeholder): declare license: "
               "and copyright: in debian/mlmodel.yaml and run `mlmodel copyright --update`")
    (ctx.error if tag_info("mlmodel-copyright-placeholder").severity == "error" else ctx.warning)(message)


def _check_training_notices(ctx: DhContext, planned: list[PlannedModel]) -> None:
    """Under training-inputs-honoured, every declared training input's notice must be in debian/copyright."""
    from .declaration import TRAINING_INPUTS_HONOURED

    chosen = [m for m in planned if m.analysed.verdict.profile == TRAINING_INPUTS_HONOURED]
    if not chosen:
        return
    text = Path("debian/copyright").read_text(encoding="utf-8", errors="replace")
    problems = []
    for m in chosen:
        data = getattr(m.analysed.decl, "training_data", None)
        problems += [f"model {m.name}: {p}" for p in
                     copyright_check.missing_training_notices(text, data if isinstance(data, tuple) else ())]
    if problems:
        ctx.error(f"debian/copyright: {'; '.join(problems)}; {TRAINING_INPUTS_HONOURED} requires the notices of all "
                  "training inputs (`mlmodel copyright --update` adds the declared ones)")


# -- deliver: install, overrides, substvars, record ------------------------------

def destination(ctx: DhContext, model: str, placement: split.Placement) -> Path:
    root = ctx.tmpdir_for(placement.package)
    if placement.role == "docs":
        return root / "usr/share/doc" / placement.package / placement.relpath
    return root / MODEL_ROOT / model / placement.relpath


def deliver(ctx: DhContext, plans: list[PlannedModel]) -> None:
    """Files, records, SPDX documents and compression choices go in as one transaction; then substvars and
    overrides."""
    selected = set(ctx.packages)
    meta = _package_meta(ctx)
    choices = _compression_choices(plans, selected)
    signed = {m.name: _verify_signature(ctx, m) for m in plans}  # before anything is written
    txn = Transaction()
    installed: dict[str, list[str]] = {}
    md5_lines: dict[str, list[str]] = {}
    try:
        for m in plans:
            for pkg, paths in _install_model(ctx, m, selected, txn, meta, choices, md5_lines, signed[m.name]).items():
                installed.setdefault(pkg, []).extend(paths)
        for pkg, choice in sorted(choices.items()):
            txn.write(compression.decision_path(pkg), compression.decision_bytes(choice))
        for pkg, lines in sorted(md5_lines.items()):
            txn.write(md5sums.generated_path(pkg), "".join(sorted(lines)).encode())
    except BaseException:
        txn.rollback()
        raise
    for m in plans:
        for pkg, pairs in substvars.substvars_for(m.name, m.placements, m.verdict.category).items():
            for var, value in pairs if pkg in selected else ():
                addsubstvar(ctx, pkg, var, value)
    for pkg in sorted(selected):
        for var in substvars.DOCUMENTED:
            define_substvar(ctx, pkg, var)
    brackets = lintian_supports_brackets()
    for pkg in sorted(installed):
        entries = overrides.binary_overrides(installed[pkg], brackets)
        none_override = compression.override_for(choices[pkg]) if pkg in choices else None
        append_lintian_overrides(ctx, pkg, entries + ([none_override] if none_override else []))
    _report_compression(ctx, choices)


def _compression_choices(plans: list[PlannedModel], selected: set[str]) -> dict[str, compression.Choice]:
    """One choice per selected package that receives weights, from a sample of those weights."""
    weights: dict[str, list[Path]] = {}
    declared: dict[str, str | None] = {}
    for m in plans:
        by_path = {f.artifact.relpath: f.artifact.path for f in m.files}
        for p in m.placements:
            if p.role == "weights" and p.package in selected:
                weights.setdefault(p.package, []).append(by_path[p.relpath])
                declared.setdefault(p.package, getattr(m.analysed.decl, "compression", None))
    return {pkg: compression.choose(declared[pkg], files) for pkg, files in weights.items()}


def _report_compression(ctx: DhContext, choices: dict[str, compression.Choice]) -> None:
    for pkg, choice in sorted(choices.items()):
        if choice.compressor == "default":
            ctx.verbose_print(f"{pkg}: dpkg-deb default compression ({choice.reason})")
            continue
        ctx.nonquiet_print(f"{pkg}: dpkg-deb {' '.join(choice.dpkg_args)}: {choice.reason}")
        if os.environ.get("DH_MLMODEL_BUILDDEB") == "0":
            ctx.warning(f"{pkg}: debian/rules runs dh_builddeb itself (override or hook target), so the chosen "
                        f"{' '.join(choice.dpkg_args)} is not applied; pass it to dh_builddeb there")


def _install_model(ctx: DhContext, m: PlannedModel, selected: set[str], txn: Transaction,
                   meta: dict, choices: dict[str, compression.Choice],
                   md5_lines: dict[str, list[str]], signed: signature.Verified | None = None) -> dict[str, list[str]]:
    facts_by_path = {f.artifact.relpath: f for f in m.files}
    files_by_pkg: dict[str, list[dict]] = {}
    for p in m.placements:
        if p.package not in selected or ctx.excluded(p.relpath):
            continue
        dest = destination(ctx, m.name, p)
        facts = facts_by_path[p.relpath]
        how = _place(ctx, txn, facts, dest, m.name, p)
        ctx.verbose_print(f"{how} {facts.artifact.path} {dest}")
        rel_dest = dest.relative_to(ctx.tmpdir_for(p.package)).as_posix()
        if facts.md5 and rel_dest.startswith(MODEL_ROOT + "/"):
            md5_lines.setdefault(p.package, []).append(md5sums.line(facts.md5, rel_dest))
        files_by_pkg.setdefault(p.package, []).append({
            "path": rel_dest,
            "source": (m.directory / p.relpath).as_posix().removeprefix("./"),
            "role": p.role, "format": p.format, "size": facts.artifact.size, "sha256": facts.sha256,
            **_wrapper_fields(facts)})
    if signed and signed.outside:
        _keep_signed_docs(ctx, m, txn, signed, files_by_pkg, md5_lines)
    verdict = m.verdict.to_json()
    hub_extra = _install_hub_view(ctx, m, selected, txn, md5_lines)
    for pkg in sorted(files_by_pkg):
        extra = {"downgraded": [f.to_json() for f in m.downgraded]} if m.downgraded else {}
        extra.update(hub_extra)
        if pkg in choices:
            extra["compression"] = choices[pkg].to_json()
        if m.accepted:
            extra["accepted"] = list(m.accepted)
        has_weights = any(f["role"] == "weights" for f in files_by_pkg[pkg])
        sig_rel = signature_relpath(m.name) if signed and has_weights else None
        if sig_rel:
            extra["signature"] = signed.to_json("/" + sig_rel)
        rec = records.build_record(model=m.name, package=pkg, verdict=verdict, files=files_by_pkg[pkg], extra=extra)
        root = ctx.tmpdir_for(pkg)
        written = {records.record_relpath(m.name, pkg): records.dump_record(rec)}
        if sig_rel:
            written[sig_rel] = (Path(m.analysed.decl.signature.file)).read_bytes()
        if has_weights:
            doc = spdx.spdx_document(model=m.name, package=pkg, files=files_by_pkg[pkg],
                                     signature=extra.get("signature"), **_spdx_inputs(m, meta))
            written[spdx.spdx_relpath(m.name, pkg)] = spdx.dump_spdx(doc)
            bom = cyclonedx.cyclonedx_document(model=m.name, package=pkg, files=files_by_pkg[pkg],
                                               signature=extra.get("signature"),
                                               card=cyclonedx.card_facts(m.analysed.report, verdict),
                                               **_spdx_inputs(m, meta))
            written[cyclonedx.cyclonedx_relpath(m.name, pkg)] = cyclonedx.dump_cyclonedx(bom)
        for rel, data in written.items():
            txn.write(root / rel, data)
            md5_lines.setdefault(pkg, []).append(md5sums.line(hashlib.md5(data, usedforsecurity=False).hexdigest(), rel))
    return {pkg: [f["path"] for f in files] for pkg, files in files_by_pkg.items()}


def _keep_signed_docs(ctx: DhContext, m: PlannedModel, txn: Transaction, signed: signature.Verified,
                      files_by_pkg: dict[str, list[dict]], md5_lines: dict[str, list[str]]) -> None:
    """Signed files that go to the -doc package (the card) are also installed in the model directory of each
    package with weights: `model_signing verify` on that directory needs every file its manifest lists."""
    facts_by_path = {f.artifact.relpath: f for f in m.files}
    formats = {p.relpath: p.format for p in m.placements}
    for pkg in sorted(files_by_pkg):
        if not any(f["role"] == "weights" for f in files_by_pkg[pkg]):
            continue
        for rel in signed.outside:
            facts = facts_by_path[rel]
            dest = ctx.tmpdir_for(pkg) / MODEL_ROOT / m.name / rel
            txn.install(facts.artifact.path, dest)
            rel_dest = dest.relative_to(ctx.tmpdir_for(pkg)).as_posix()
            if facts.md5:
                md5_lines.setdefault(pkg, []).append(md5sums.line(facts.md5, rel_dest))
            files_by_pkg[pkg].append({"path": rel_dest, "source": (m.directory / rel).as_posix().removeprefix("./"),
                                      "role": "docs", "format": formats.get(rel), "size": facts.artifact.size,
                                      "sha256": facts.sha256})


def _install_hub_view(ctx: DhContext, m: PlannedModel, selected: set[str], txn: Transaction,
                      md5_lines: dict[str, list[str]]) -> dict:
    """The Hub view when the declaration names the Hub id; the record's `hub` entry (empty without one)."""
    upstream = getattr(m.analysed.decl, "upstream", None)
    hub_id = getattr(upstream, "hub_id", None)
    if not hub_id:
        return {}
    facts = {f.artifact.relpath: f for f in m.files}
    # Planned over every package, selected or not, so each build of one package agrees on the rest.
    files = [hubview.ViewFile(p.relpath, p.package, p.role, facts[p.relpath].artifact.path,
                              facts[p.relpath].sha256) for p in m.placements if not ctx.excluded(p.relpath)]
    patterns = hubview.lfs_patterns_of(m.directory)
    for pkg, view in sorted(hubview.plan_view(m.name, hub_id, upstream.revision, files, patterns).items()):
        if pkg not in selected:
            continue
        root = ctx.tmpdir_for(pkg)
        for link in view.links:
            txn.symlink(root / link.path, link.target)
        for rel, data in view.files.items():
            txn.write(root / rel, data)
            md5_lines.setdefault(pkg, []).append(md5sums.line(hashlib.md5(data, usedforsecurity=False).hexdigest(), rel))
        ctx.verbose_print(f"{pkg}: Hub view {hub_id}@{upstream.revision}: {len(view.links)} links")
    return {"hub": {"id": hub_id, "revision": upstream.revision, "view": "/" + hubview.view_root(hub_id)}}


def signature_relpath(model: str) -> str:
    """Where the upstream signature is installed: `model_signing verify --signature` takes this path."""
    return f"{MODEL_ROOT}/{model}/{records.RECORD_DIR}/{model}.sig"


def _verify_signature(ctx: DhContext, m: PlannedModel) -> signature.Verified | None:
    """The declared OMS signature checked against every model file installed under MODEL_ROOT (one line on failure)."""
    decl = getattr(m.analysed.decl, "signature", None)
    if decl is None:
        return None
    by_path = {f.artifact.relpath: f for f in m.files}
    placed = [p for p in m.placements if not ctx.excluded(p.relpath)]
    shipped = {p.relpath: by_path[p.relpath].sha256 for p in placed if p.role != "docs"}
    docs = {p.relpath: by_path[p.relpath].sha256 for p in placed if p.role == "docs"}
    verified = signature.verify(decl, shipped, elsewhere=docs)
    ctx.nonquiet_print(f"{m.name}: {decl.file}: the {len(shipped) + len(docs)} installed files match the signed "
                       f"manifest ({verified.method}, {verified.signer}, {verified.manifest_digest})")
    return verified


def _place(ctx: DhContext, txn: Transaction, facts: ArtifactFacts, dest: Path, model: str,
           placement: split.Placement) -> str:
    """Reuse what dh_install already put in place (same size and mtime), move it between packages, or link."""
    rel = Path(MODEL_ROOT) / model / placement.relpath
    st = facts.artifact.path.stat()
    for pkg in ctx.packages:
        placed = ctx.tmpdir_for(pkg) / rel
        if placed.is_file() and not placed.is_symlink():
            pst = placed.stat()
            if (pst.st_size, int(pst.st_mtime)) != (st.st_size, int(st.st_mtime)):
                continue
            if placed == dest:
                return "kept"
            txn.mkdirs(dest.parent)
            os.replace(placed, dest)
            return "mv"
    return "ln" if txn.install(facts.artifact.path, dest).linked else "cp"


def _package_meta(ctx: DhContext) -> dict:
    """Version, date and maintainer, for documents that must not read the clock."""
    from debian.changelog import Changelog

    with open("debian/changelog", encoding="utf-8") as fh:
        changelog = Changelog(fh, max_blocks=1)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.isdigit():
        epoch = str(int(email.utils.parsedate_to_datetime(changelog.date).timestamp()))
    return {"version": str(changelog.version), "epoch": int(epoch),
            "maintainer": ctx.control.maintainer or changelog.author or "unknown"}


def _spdx_inputs(m: PlannedModel, meta: dict) -> dict:
    decl = m.analysed.decl
    data = decl.training_data if isinstance(decl.training_data, tuple) else ()
    return {"version": meta["version"], "epoch": meta["epoch"], "maintainer": meta["maintainer"],
            "license_expr": m.analysed.license,
            "datasets": [{"name": d.name, "url": d.url, "availability": d.availability, "license": d.license}
                         for d in data],
            "base_models": [b.name or b.package for b in decl.base_models if b.name or b.package],
            "upstream_url": decl.upstream.url}


def _describe(ctx: DhContext, plans: list[PlannedModel]) -> None:
    """--no-act: say what would be installed, write nothing."""
    for m in plans:
        for p in m.placements:
            if p.package in ctx.packages:
                ctx.verbose_print(f"install {m.directory / p.relpath} -> {destination(ctx, m.name, p)}")


if __name__ == "__main__":
    sys.exit(main())
