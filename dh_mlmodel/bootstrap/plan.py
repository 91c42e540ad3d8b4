"""What `mlmodel init` writes for one model: packages, sections, declaration prefill.

Input: the ModelReport of the model (inspection, headers only) and what the
user gave on the command line.  Output: a frozen `InitPlan` the renderer
turns into files.  Nothing here writes or prints.

- Packages follow dh_mlmodel's split rules (spec §5, deliver.split): NAME
  holds the weights and configuration; NAME-tokenizer, NAME-doc and
  NAME-code appear when such files exist beside weights; with weights in
  several formats, each of safetensors / GGUF / ONNX gets NAME-<format>
  (the formats without a suffix rule, or else the first of safetensors,
  GGUF, ONNX, stay in NAME).  The plan runs deliver.split.assign on these
  packages, so what init proposes is what dh_mlmodel will install.
- Section: the policy verdict (ml-policy) on what is known before the
  maintainer declares anything.  With training data and code not yet
  declared, a free licence is ToxicCandy (non-free); the maintainer's
  declaration can only improve that, and dh_mlmodel only refuses a Section
  *better* than its verdict, so the proposal never breaks a build.
- Declaration prefill: licence, datasets and base models from the card and
  the files' own metadata, each with where it came from; everything the
  files cannot say (data availability, training code, a base's category, a
  licence we cannot name) is a TODO for the maintainer.

Every value from the model is hostile: values with control characters are
refused (noted, never written), the rest is escaped by the templates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .. import licenses, policy, provenance, risk
from ..declaration import DEFAULT_PROFILE, ModelDecl, unsafe_char
from ..deliver import split
from ..formats import modelcard
from ..model import ArtifactFacts, Finding, Verdict
from . import names, watch as watches

# Files of a Hugging Face checkout that are not part of the model.
DEFAULT_EXCLUDES = (".gitattributes", ".gitignore", ".cache")
# Weights format -> the family that a -<suffix> package can claim (deliver.split.FORMAT_SUFFIXES).
FAMILY = {"safetensors": "safetensors", "safetensors-index": "safetensors", "gguf": "gguf", "onnx": "onnx"}
FAMILY_ORDER = ("safetensors", "gguf", "onnx")
# Debian sections (Policy 2.4): models are data for science; the model card goes to doc.
MODEL_SECTION, DOC_SECTION = "science", "doc"
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,40}")
MAX_VALUE = 200  # a dataset or base name longer than this is not a name
PART_LABEL = {
    "weights": "weights and configuration", "tokenizer": "tokenizer", "docs": "model card and documentation",
    "code": "Python code shipped with the model", "safetensors": "safetensors weights", "gguf": "GGUF weights",
    "onnx": "ONNX weights",
}


@dataclass(frozen=True)
class Value:
    """A prefilled declaration value and where it was read."""

    text: str
    source: str


@dataclass(frozen=True)
class BinaryPlan:
    name: str
    part: str  # a key of PART_LABEL
    section: str | None  # None: the source's Section applies
    files: tuple[str, ...]
    carries_weights: bool


@dataclass(frozen=True)
class InitPlan:
    source: str
    name_source: str
    upstream_version: str
    version_source: str
    source_section: str
    binaries: tuple[BinaryPlan, ...]
    verdict: Verdict
    exclude: tuple[str, ...]
    license: Value | None
    datasets: tuple[Value, ...]
    bases: tuple[Value, ...]
    hub_id: str | None
    upstream_url: str | None
    formats: tuple[str, ...]
    pipeline_tag: str | None
    architecture: str | None
    watch: watches.Watch | None = None  # what debian/watch follows
    notes: tuple[str, ...] = ()  # refused or doubtful values, said to the user
    findings: tuple[Finding, ...] = ()  # inspection errors dh_mlmodel will stop on, provenance warnings
    pickle_allow: str | None = None  # the pickle-allow block dh_mlmodel will ask for (risk.pickle_allow_block)
    license_sources: tuple[str, ...] = ()  # what each licence source says (provenance.LicenseEvidence.line)

    @property
    def version(self) -> str:
        return f"{self.upstream_version}-1"


def safe_text(value: Any, what: str, source: str, notes: list[str]) -> str | None:
    """`value` when it is a usable one-line string; otherwise None and a note saying why."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    if not text:
        return None
    bad = unsafe_char(text)
    if bad is not None:
        notes.append(f"{what} from {source} refused: it holds the control character {bad!r}")
        return None
    if len(text) > MAX_VALUE:
        notes.append(f"{what} from {source} refused: longer than {MAX_VALUE} characters")
        return None
    return text


# ---------------------------------------------------------------- what the files say

def _card_file(files: Iterable[ArtifactFacts]) -> ArtifactFacts | None:
    cards = [f for f in files if f.artifact.format == "model-card" and "/" not in f.artifact.relpath]
    return cards[0] if cards else None


def _card_extra(files: tuple[ArtifactFacts, ...]) -> tuple[dict[str, Any], str]:
    """The raw front matter (for model_name and version, which ModelCard does not keep)."""
    facts = _card_file(files)
    if facts is None:
        return {}, ""
    try:
        data = modelcard.front_matter(modelcard.read_text(facts.artifact.path))
    except (modelcard.CardError, OSError):
        return {}, facts.artifact.relpath
    return data or {}, facts.artifact.relpath


def _license(report: Any, notes: list[str]) -> Value | None:
    """The card's licence, else the first file that names one, as an SPDX id when we know it."""
    candidates = []
    card = getattr(report, "card", None)
    card_file = _card_file(report.files)
    if card is not None and card.license:
        candidates.append((card.license, f"{card_file.artifact.relpath if card_file else 'the model card'} (model card)"))
    for facts in report.files:
        if facts.metadata.get("license"):
            candidates.append((facts.metadata["license"], facts.artifact.relpath))
    for raw, source in candidates:
        text = safe_text(raw, "licence", source, notes)
        if text is None:
            continue
        row = licenses.lookup(text)
        if row is not None and row.dep5 is not None and not row.spdx.startswith("LicenseRef-Other"):
            return Value(row.spdx, source)
        status = licenses.classify(text)
        if status.ids and all(licenses.lookup(i) is not None for i in status.ids):
            return Value(text, source)
        notes.append(f"licence {text!r} from {source} names no licence we can identify: declare license:")
        return None
    return None


def _names_from(report: Any, key: str, card_values: tuple[str, ...], what: str, notes: list[str]) -> tuple[Value, ...]:
    out: list[Value] = []
    seen: set[str] = set()
    card_file = _card_file(report.files)
    sources = [(v, f"{card_file.artifact.relpath if card_file else 'the model card'} (model card)") for v in card_values]
    for facts in report.files:
        for item in facts.metadata.get(key) or ():
            value = item.get("name") if isinstance(item, dict) else item
            sources.append((value, facts.artifact.relpath))
    for raw, source in sources:
        text = safe_text(raw, what, source, notes)
        if text is not None and text.lower() not in seen:
            seen.add(text.lower())
            out.append(Value(text, source))
    return tuple(out)


def _first_metadata(report: Any, key: str) -> Any:
    for facts in report.files:
        if key in facts.metadata:
            return facts.metadata[key]
    return None


# ---------------------------------------------------------------- packages

def _weight_families(files: Iterable[ArtifactFacts]) -> list[str | None]:
    """The weight families present, in FAMILY_ORDER, None standing for the formats without a suffix."""
    present = {FAMILY.get(f.artifact.format) for f in files if f.artifact.role == "weights"}
    return [fam for fam in (None,) + FAMILY_ORDER if fam in present]


def _candidate_packages(name: str, files: tuple[ArtifactFacts, ...]) -> list[tuple[str, str]]:
    """(package, part) before the split is checked."""
    roles = {f.artifact.role for f in files}
    families = _weight_families(files)
    out = [(name, "weights")]
    if len(families) > 1:
        kept = None if None in families else families[0]
        out += [(f"{name}-{fam}", fam) for fam in families if fam is not None and fam != kept]
    if "weights" in roles:
        if "tokenizer" in roles:
            out.append((f"{name}-tokenizer", "tokenizer"))
        if "code" in roles:
            out.append((f"{name}-code", "code"))
    if "docs" in roles and len(roles - {"docs", "license"}) > 0:
        out.append((f"{name}-doc", "docs"))
    return out


def _binaries(name: str, files: tuple[ArtifactFacts, ...], area: str) -> tuple[BinaryPlan, ...]:
    candidates = _candidate_packages(name, files)
    placements = split.assign(name, [(f.artifact.relpath, f.artifact.role, f.artifact.format) for f in files],
                              [split.PackageInfo(p, True) for p, _ in candidates])
    by_pkg: dict[str, list[split.Placement]] = {}
    for p in placements:
        by_pkg.setdefault(p.package, []).append(p)
    out = []
    for pkg, part in candidates:
        got = by_pkg.get(pkg, [])
        if not got and pkg != name:
            continue  # a package that would stay empty is not proposed
        section = _section(area, DOC_SECTION) if part == "docs" else None
        out.append(BinaryPlan(pkg, part, section, tuple(p.relpath for p in got),
                              any(p.role == "weights" for p in got)))
    return tuple(out)


def _section(area: str, section: str) -> str:
    return section if area == "main" else f"{area}/{section}"


# ---------------------------------------------------------------- the plan

def provisional_verdict(name: str, license: Value | None, exclude: tuple[str, ...], report: Any) -> Verdict:
    """The ml-policy verdict on what is known before anything is declared."""
    decl = ModelDecl(name=name, path=".", exclude=exclude, license=license.text if license else None)
    return policy.decide(provenance.merge(decl, report), DEFAULT_PROFILE)


def license_sources(name: str, exclude: tuple[str, ...], report: Any) -> tuple[str, ...]:
    """One line per licence source (card, in-file, LICENSE text, package metadata) of an undeclared model,
    the one `classify` would use first; the same lines `mlmodel classify` prints."""
    directory = Path(getattr(report, "path", "."))
    prov = provenance.merge(ModelDecl(name=name, path=".", exclude=exclude), report, identify_texts=True,
                            package_metadata=provenance.find_package_metadata(directory))
    return tuple(e.line() + (" (used first)" if e.wins else "") for e in prov.license_evidence)


def make_plan(report: Any, *, name: str | None = None, version: str | None = None, epoch: int,
              fallback_name: str, upstream_url: str | None = None) -> InitPlan:
    """The plan for the model `report` describes; `fallback_name` is the directory or file name."""
    notes: list[str] = []
    files = tuple(f for f in report.files)
    front, card_rel = _card_extra(files)
    hub = names.hub_id(getattr(report, "config", {}) or {})
    if name is not None:
        source, name_source = names.check_package_name(name), "--name"
    else:
        card_name = safe_text(front.get("model_name"), "model_name", card_rel or "model card", notes)
        source, name_source = names.derive_package_name([
            (card_name or "", f"{card_rel} (model_name)"),
            (hub.split("/", 1)[1] if hub else "", "config.json (_name_or_path)"),
            (fallback_name, "the directory or file name"),
        ])
    if version is not None:
        upstream_version, version_source = names.check_version(version), "--upstream-version"
    else:
        upstream_version, version_source = names.derive_version([
            (front.get("version"), f"{card_rel} (version)"),
            (_first_metadata(report, "version"), "file metadata (version)"),
        ], epoch)
    exclude = excludes_for(Path(report.path))
    license = _license(report, notes)
    card = getattr(report, "card", None)
    datasets = _names_from(report, "datasets", card.datasets if card else (), "dataset name", notes)
    bases = _names_from(report, "base_models", card.base_model if card else (), "base model name", notes)
    verdict = provisional_verdict(source, license, exclude, report)
    area = verdict.section or "non-free"
    if verdict.section is None:
        notes.append(f"policy cannot place the model yet ({policy.short_reason(verdict)}); "
                     "Section proposes non-free until the declaration is complete")
    formats = tuple(sorted({f.artifact.format for f in files if f.artifact.role == "weights"}))
    pipeline_tag = safe_text(card.pipeline_tag if card else None, "pipeline_tag", "model card", notes)
    architecture = safe_text(_first_metadata(report, "architecture"), "architecture", "file metadata", notes)
    watch = _watch(upstream_url, hub, Path(report.path))
    if upstream_url is None and hub:
        upstream_url = f"https://huggingface.co/{hub}"
    errors = tuple(f for facts in files for f in facts.findings if f.severity == "error")
    return InitPlan(
        source=source, name_source=name_source, upstream_version=upstream_version, version_source=version_source,
        source_section=_section(area, MODEL_SECTION), binaries=_binaries(source, files, area), verdict=verdict,
        exclude=exclude, license=license, datasets=datasets, bases=bases, hub_id=hub, upstream_url=upstream_url,
        formats=formats, pipeline_tag=_word(pipeline_tag), architecture=_word(architecture), watch=watch,
        notes=tuple(notes), findings=errors + tuple(verdict.findings),
        pickle_allow=risk.pickle_allow_block(f for facts in files for f in facts.findings),
        license_sources=license_sources(source, exclude, report),
    )


def _watch(upstream_url: str | None, hub: str | None, tree: Path) -> watches.Watch | None:
    """--upstream-url first, then the Hub id config.json names, then the package metadata in the tree."""
    if upstream_url is not None:
        return watches.from_url(upstream_url)
    if hub:
        return watches.from_hub_id(hub)
    return watches.from_tree(tree)


def excludes_for(directory: Path) -> tuple[str, ...]:
    """The DEFAULT_EXCLUDES present in `directory` (declared, so the maintainer sees them)."""
    return tuple(sorted(pat for pat in DEFAULT_EXCLUDES if (Path(directory) / pat).exists()))


def _word(text: str | None) -> str | None:
    """A tag or architecture name goes into a Description only when it is one plain word."""
    return text if text and WORD_RE.fullmatch(text) else None


def part_label(part: str) -> str:
    return PART_LABEL[part]
