"""What the review page shows, gathered once from the pipeline (`mlmodel report`).

Everything here comes from the stages `mlmodel classify` and `dh_mlmodel`
already run: pipeline.analyse (discover, inspect with sha256, declare,
decide), pipeline.verdicts_under (the same reports decided under every
profile), deliver.split (the binary package of each file), deliver.copyright
(coverage and training-input notices) and risk.apply_allowlist (accepted
pickle imports).  Nothing is rendered here and nothing is escaped: every
string from a model file stays hostile until a renderer escapes it.
"""
from __future__ import annotations

import email.utils
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import __version__, pipeline, risk
from ..model import Finding, MLModelError, Verdict
from ..policy import ALWAYS, PROFILE_NAMES

# What a file's metadata summary shows (as `mlmodel inspect` does), in this order.
SUMMARY_KEYS = ("name", "architecture", "license", "tensors", "parameters", "quantization", "producer", "opset",
                "vocab_size", "pieces", "ggml_model")
SECTION_ORDER = ("main", "contrib", "non-free", None)  # None: rejected, not placed


class ReviewError(MLModelError):
    """The source tree cannot be reviewed."""


@dataclass(frozen=True)
class FileRow:
    path: str  # relative to the source root
    format: str
    role: str
    size: int
    sha256: str | None
    package: str | None  # the binary package dh_mlmodel would put it in; None: not installed / unknown
    covered_by: str | None  # the License: of the debian/copyright paragraph that covers it
    summary: tuple[tuple[str, str], ...]  # metadata key, value (hostile)
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class ProfileVerdict:
    profile: str
    title: str  # PROFILE_NAMES
    verdict: Verdict
    condition: str  # the decision-table row's condition (docs/policy.md §3)
    reason: str  # why this profile's cell of that row says what it says
    own_reasons: tuple[str, ...]  # the further reasons no other profile gives (where the readings diverge)

    @property
    def placed(self) -> str:
        return self.verdict.section or "reject"


@dataclass(frozen=True)
class ModelView:
    name: str
    directory: str
    declared: bool
    decl: Any  # declaration.ModelDecl
    chosen: Verdict  # under the package's profile
    profiles: tuple[ProfileVerdict, ...]  # in PROFILES order
    shared_reasons: tuple[str, ...]  # the reasons every profile gives (inputs, notes, the caveat)
    inputs: Mapping[str, Any]
    card: Any  # formats.modelcard.ModelCard or None
    files: tuple[FileRow, ...]
    provenance_findings: tuple[Finding, ...]
    risk_findings: tuple[Finding, ...]  # after the declaration's pickle-allow
    accepted: tuple[Mapping[str, str], ...]  # pickle imports debian/mlmodel.yaml accepted, with the reason
    missing_notices: tuple[str, ...]  # training inputs whose copyright notice debian/copyright lacks

    @property
    def divergence(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(placement, profiles) from the best placement to reject; one entry when all readings agree."""
        by: dict[str | None, list[str]] = {}
        for p in self.profiles:
            by.setdefault(p.verdict.section, []).append(p.profile)
        return tuple((s or "reject", tuple(by[s])) for s in SECTION_ORDER if s in by)


@dataclass(frozen=True)
class Review:
    source: str
    profile: str  # the package's profile (--policy, else the declaration's)
    profile_title: str
    declared: bool
    models: tuple[ModelView, ...]
    copyright_state: str  # "machine-readable", "not machine-readable", "missing", or a one-line error
    uncovered: tuple[str, ...]
    package_note: str | None  # why binary packages could not be worked out, when they could not
    date: str | None  # from SOURCE_DATE_EPOCH, else debian/changelog; never the clock
    version: str = __version__
    caveat: str = ALWAYS

    @property
    def worst_section(self) -> str:
        """The package's area under its profile: the worst model decides (reject worst of all)."""
        sections = [m.chosen.section for m in self.models]
        return max(sections, key=SECTION_ORDER.index, default="main") or "reject"

    @property
    def headline(self) -> str:
        """The README.source sentence the DFSG team asks for: "Why this package is in non-free:"."""
        where = self.worst_section
        if where == "reject":
            return "Why this package cannot be placed in an archive area automatically:"
        return f"Why this package is in {where}:"


def collect(source_dir: Path, policy: str | None = None, progress: Callable | None = None) -> Review:
    """The review of one source tree: inspect (with sha256) once, decide under every profile."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise ReviewError(source_dir, "not a directory")
    analysis = pipeline.analyse(source_dir, policy=policy, hash=True, progress=progress)
    if not analysis.models:
        raise ReviewError(source_dir, "no model files found (nothing to review)")
    every = pipeline.verdicts_under(source_dir, analysis)
    packages, package_note = _placements(source_dir, analysis)
    coverage, state, uncovered = _coverage(source_dir, analysis, packages)
    copyright_text = _read(source_dir / "debian/copyright")
    models = tuple(_model_view(m, every[m.name], packages, coverage, copyright_text) for m in analysis.models)
    return Review(analysis.source_name, analysis.profile, PROFILE_NAMES[analysis.profile],
                  analysis.declaration is not None, models, state, tuple(uncovered), package_note,
                  _date(source_dir))


def _model_view(m: pipeline.AnalysedModel, verdicts: Mapping[str, Verdict], packages: Mapping[str, str],
                coverage: Mapping[str, str | None], copyright_text: str | None) -> ModelView:
    kept, accepted = risk.apply_allowlist([f for facts in m.files for f in facts.findings],
                                          getattr(m.decl, "pickle_allow", ()))
    shared, profiles = _split_reasons(verdicts)
    files = tuple(_file_row(m, facts, packages, coverage, kept) for facts in m.files)
    data = m.decl.training_data if isinstance(m.decl.training_data, tuple) else ()
    missing: tuple[str, ...] = ()
    if copyright_text is not None:
        from ..deliver.copyright import missing_training_notices

        missing = tuple(missing_training_notices(copyright_text, data))
    return ModelView(m.name, m.directory.as_posix(), m.declared, m.decl, m.verdict, profiles, shared,
                     dict(m.verdict.inputs), m.report.card, files, tuple(m.findings) + tuple(m.verdict.findings),
                     tuple(kept), tuple(dict({"member": ""}, **a) for a in accepted), missing)


def _split_reasons(verdicts: Mapping[str, Verdict]) -> tuple[tuple[str, ...], tuple[ProfileVerdict, ...]]:
    """The reasons all profiles share, and each profile's rule, reason and the reasons only it gives."""
    lists = [verdicts[p].reasons[1:] for p in pipeline.PROFILES]
    shared = tuple(r for r in lists[0] if all(r in other for other in lists[1:]))
    return shared, tuple(_profile_verdict(p, verdicts[p], shared) for p in pipeline.PROFILES)


def _profile_verdict(profile: str, v: Verdict, shared: tuple[str, ...]) -> ProfileVerdict:
    from ..policy import TABLE

    condition = next((row.condition for row in TABLE if row.number == v.rule), "")
    # policy.decide's first reason: "rule N (condition) under PROFILE [title]: reason"
    prefix = f"rule {v.rule} ({condition}) under {profile} [{PROFILE_NAMES[profile]}]: "
    first = v.reasons[0] if v.reasons else ""
    reason = first[len(prefix):] if first.startswith(prefix) else first
    return ProfileVerdict(profile, PROFILE_NAMES[profile], v, condition, reason,
                          tuple(r for r in v.reasons[1:] if r not in shared))


def _file_row(m: pipeline.AnalysedModel, facts, packages: Mapping[str, str], coverage: Mapping[str, str | None],
              kept: list[Finding]) -> FileRow:
    a = facts.artifact
    path = _source_path(m.directory, a.relpath)
    meta = dict(facts.metadata)
    summary = tuple((k, str(meta[k])) for k in SUMMARY_KEYS if meta.get(k) not in (None, "", [], {}))
    own = tuple(f for f in kept if f.path == a.relpath)
    return FileRow(path, a.format, a.role, a.size, facts.sha256, packages.get(path), coverage.get(path), summary, own)


def _source_path(directory: Path, relpath: str) -> str:
    return (directory / relpath).as_posix().removeprefix("./")


def _placements(source_dir: Path, analysis) -> tuple[dict[str, str], str | None]:
    """source path -> binary package, as dh_mlmodel would split; and why not, when it cannot be said."""
    from ..debhelper import DhError, read_control
    from ..deliver import split

    try:
        control = read_control(source_dir / "debian/control")
    except DhError as exc:
        return {}, str(exc)
    packages = [split.PackageInfo(b.name, b.arch_all) for b in control.binaries]
    overrides = dict(getattr(analysis.declaration, "packages", {}) or {})
    out = {}
    try:
        for m in analysis.models:
            for p in split.assign(m.name, [(f.artifact.relpath, f.artifact.role, f.artifact.format) for f in m.files],
                                  packages, overrides):
                out[_source_path(m.directory, p.relpath)] = p.package
    except MLModelError as exc:
        return {}, exc.one_line()
    return out, None


def _coverage(source_dir: Path, analysis, packages: Mapping[str, str]) -> tuple[dict[str, str | None], str, list[str]]:
    """source path -> the covering paragraph's licence; the file's state; the installed paths not covered."""
    from debian import copyright as d5

    from ..deliver import copyright as dep5

    paths = [_source_path(m.directory, f.artifact.relpath) for m in analysis.models for f in m.files]
    try:
        parsed = dep5.read_copyright(source_dir / "debian/copyright")
    except MLModelError as exc:
        return {}, "missing" if "missing" in exc.reason else exc.one_line(), []
    if parsed is None:
        return {}, "not machine-readable", []
    try:
        found = {p: parsed.find_files_paragraph(p) for p in paths}
    except d5.Error as exc:  # a Files: pattern python-debian cannot compile (it compiles them on first use)
        return {}, f"debian/copyright: {exc}".replace("\n", "\\n"), []
    coverage = {p: (para.license.synopsis if para is not None and para.license else
                    ("(no License:)" if para is not None else None)) for p, para in found.items()}
    uncovered = sorted(p for p in paths if found[p] is None and (p in packages or not packages))
    return coverage, "machine-readable", uncovered


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _date(source_dir: Path) -> str | None:
    """The page's date: SOURCE_DATE_EPOCH, else the top debian/changelog entry; None when neither is there."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return email.utils.formatdate(int(epoch), usegmt=True)
    from debian.changelog import Changelog, ChangelogParseError

    try:
        with open(source_dir / "debian/changelog", encoding="utf-8") as fh:
            date = Changelog(fh, max_blocks=1).date
        return email.utils.formatdate(email.utils.parsedate_to_datetime(date).timestamp(), usegmt=True)
    except (OSError, UnicodeDecodeError, ValueError, TypeError, ChangelogParseError):
        return None  # no changelog, or one without a date we can read: the page simply has no date
