"""Merge what the maintainer declared with what the files say (architecture: `declare`).

Inputs: one `ModelDecl` (debian/mlmodel.yaml), the `ModelReport` of its
directory (model card, in-file metadata, config.json) and, where present,
the licence of the Python wheel / sdist / npm package that carries it.
Output: a frozen `Provenance` holding the inputs of the decision table
(policy.md §6: L, D, D_withheld, DI, C, C_nonfree_toolchain, R, B,
B_replaceable, G) and a Finding for every disagreement.

The declaration wins, always: a model card or a GGUF key never changes a
declared value, it only produces a finding.  Where nothing is declared the
table input is the conservative one (`undeclared`, `missing`, `unclear`):
the tool does not guess in the maintainer's favour.

Base models: a declared base gets its category from, in order, (1) a
sibling model of the same debian/mlmodel.yaml whose name matches (decided
first, recursively, by the caller through `base_lookup`), (2) the
per-package record (/usr/share/mlmodel/*/.mlmodel/<package>.json) of a
declared `package:` that is installed at build time (Build-Depends on it),
(3) the declared `category` / `section`, (4) its declared licence when that
is non-free.  A base with none of these is `unknown`.
"""
from __future__ import annotations

import email.parser
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from . import licenses
from .declaration import UNDECLARED, BaseModelDecl, DatasetDecl, ModelDecl, safe_field_value, unsafe_char
from .model import Finding, MLModelError

RECORD_ROOTS = (Path("/usr/share/mlmodel"),)

# The section a base category implies when the maintainer gives no section.
CATEGORY_SECTION = {"free": "main", "toxic-candy": "non-free", "non-free": "non-free", "unknown": None}

# Hub pipeline tags whose output is generated content (for the G note only; G changes no placement).
GENERATIVE_TAGS = frozenset({
    "text-generation", "text2text-generation", "text-to-image", "image-to-image", "text-to-speech",
    "text-to-audio", "text-to-video", "image-text-to-text", "any-to-any", "summarization", "translation",
    "conversational", "image-to-text", "unconditional-image-generation", "image-to-video", "audio-to-audio",
})

# Package metadata file names that carry a licence (wheel/sdist, npm).
PACKAGE_METADATA_NAMES = ("METADATA", "PKG-INFO", "package.json")
PACKAGE_SOURCE_SUFFIX = " (package metadata)"


class ProvenanceError(MLModelError):
    """Package metadata that cannot be read."""


@dataclass(frozen=True)
class BaseInfo:
    """A base model as the decision table sees it."""

    name: str
    category: str  # free | toxic-candy | non-free | unknown
    section: str | None  # main | contrib | non-free; None when not known / not packaged
    package: str | None = None
    replaceable: bool = False
    source: str = "declaration"  # where the category came from

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "category": self.category, "section": self.section,
                "package": self.package, "replaceable": self.replaceable, "source": self.source}


@dataclass(frozen=True)
class Provenance:
    """The inputs of policy.md §6 for one model, with where each came from."""

    model: str
    license: str | None  # the licence expression used for L
    license_source: str  # "declaration", "model card", a file path, "wheel metadata …", "none"
    L: str  # free | non-free | unclear (licenses.STATUSES)
    license_reason: str
    D: str  # free-available | available-nonfree | unavailable | undeclared
    D_withheld: bool
    DI: bool
    C: str  # free | partial | missing
    C_nonfree_toolchain: bool
    C_upstream_fine_tunes: bool
    R: str  # rebuilt | documented | no | unknown
    B: tuple[BaseInfo, ...]
    B_replaceable: bool
    G: bool
    datasets: tuple[DatasetDecl, ...] = ()
    notes: tuple[str, ...] = ()  # how inputs were derived, for the verdict's reasons
    findings: tuple[Finding, ...] = ()
    license_evidence: tuple["LicenseEvidence", ...] = ()  # every source, in precedence order

    def inputs(self) -> dict[str, Any]:
        """The table inputs as plain data (Verdict.inputs, JSON output)."""
        return {
            "L": self.L, "license": self.license, "license_source": self.license_source,
            "D": self.D, "D_withheld": self.D_withheld, "DI": self.DI, "C": self.C,
            "C_nonfree_toolchain": self.C_nonfree_toolchain, "C_upstream_fine_tunes": self.C_upstream_fine_tunes,
            "R": self.R, "B": [b.to_json() for b in self.B], "B_replaceable": self.B_replaceable, "G": self.G,
        }


BaseLookup = Callable[[BaseModelDecl], "BaseInfo | None"]

# ---------------------------------------------------------------- licence


@dataclass(frozen=True)
class _Claim:
    """A licence some source states, for comparison with the others."""

    source: str
    expression: str
    kind: str = "declaration"  # declaration | model card | in-file metadata | licence text, … | package metadata
    raw: str = ""  # what the source says, as it says it (in-file strings before normalising)


@dataclass(frozen=True)
class LicenseEvidence:
    """What one source says about the licence, for `classify` and init's TODO."""

    source: str  # "declaration", "model card", a file path
    kind: str
    raw: str  # as written there (escaped when it could break a line)
    expression: str | None  # the SPDX expression it maps to; None when it maps to none
    status: str  # free | non-free | unclear of that expression
    wins: bool = False  # the one the verdict uses

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "raw": self.raw, "expression": self.expression,
                "status": self.status, "wins": self.wins}

    def line(self) -> str:
        if self.raw == REFUSED:
            return f"{_show(self.source)} ({self.kind}): {REFUSED}"
        said = self.expression or "no licence we can map"
        shown = f"{_show(self.raw)!r} -> {said}" if self.raw and self.raw != self.expression else said
        return f"{_show(self.source)} ({self.kind}): {shown}" if self.source != self.kind else f"{self.kind}: {shown}"


REFUSED = "(refused: it holds a control character)"

# Sources that name a licence but never decide it alone (they may cover other files than the weights).
WEAK_KINDS = ("package metadata", "licence text")


def _license_claims(decl: ModelDecl, report: Any, package_licenses: Iterable[tuple[str, str]],
                    texts: Iterable[tuple[str, str | None, str]] = ()) -> tuple[list[_Claim], list[_Claim]]:
    """(claims, unmapped): every licence the sources state, in precedence order (declaration, card,
    in-file metadata, LICENSE text, package metadata), and the in-file strings no licence id matches."""
    claims, unmapped = [], []
    if decl.license:
        claims.append(_Claim("declaration", decl.license, "declaration", decl.license))
    card = getattr(report, "card", None)
    if card is not None and card.license:
        text = card.license
        if text.lower() == "other" and card.license_name:
            text = f"LicenseRef-{card.license_name}" if re.match(r"[A-Za-z0-9.-]+\Z", card.license_name) else "other"
        claims.append(_Claim("model card", text, "model card", card.license))
    for facts in _files(report):
        lic = facts.metadata.get("license")
        if isinstance(lic, str) and lic.strip() and facts.artifact.format != "model-card":
            # Hostile values: one that could break a line is kept only escaped, which no id matches.
            raw = REFUSED if unsafe_char(lic) else lic.strip()
            spdx = licenses.normalise(raw) if not unsafe_char(lic) else None
            (claims if spdx else unmapped).append(_Claim(facts.artifact.relpath, spdx or raw, "in-file metadata", raw))
    for source, spdx, said in texts:
        if spdx:
            claims.append(_Claim(source, spdx, "licence text, licensecheck", said))
    for source, text in package_licenses:
        name = source.removesuffix(PACKAGE_SOURCE_SUFFIX)
        claims.append(_Claim(name + PACKAGE_SOURCE_SUFFIX, text, "package metadata", text))
    # A value that could break a line is kept only escaped (no licence id matches it, so it is `unclear`),
    # and the evidence shows that it was refused, not the value.
    claims = [_Claim(c.source, safe_field_value(c.expression), c.kind, REFUSED) if unsafe_char(c.expression) else c
              for c in claims]
    return claims, unmapped


def _evidence(claims: list[_Claim], unmapped: list[_Claim], texts) -> tuple[LicenseEvidence, ...]:
    out = []
    for i, c in enumerate(claims):
        refused = c.raw == REFUSED
        out.append(LicenseEvidence(c.source.removesuffix(PACKAGE_SOURCE_SUFFIX), c.kind, c.raw or c.expression,
                                   None if refused else c.expression, licenses.classify(c.expression).status,
                                   wins=i == 0))
    out += [LicenseEvidence(c.source, c.kind, c.raw, None, licenses.UNCLEAR) for c in unmapped]
    out += [LicenseEvidence(source, "licence text", said, None, licenses.UNCLEAR) for source, spdx, said in texts
            if not spdx]
    return tuple(out)


def _unmapped_findings(unmapped: list[_Claim], chosen: _Claim | None) -> list[Finding]:
    from .lint.tagdata import tag_info

    used = f"the {_show(chosen.source)}'s {_show(chosen.expression)} is used" if chosen else "no licence is used"
    return [Finding("mlmodel-license-unmapped", tag_info("mlmodel-license-unmapped").severity,
                    f"{_show(c.source)} names the licence {_show(c.raw)!r}, which the licence table cannot map; "
                    f"{used} (if the file means another licence, correct license: in debian/mlmodel.yaml)",
                    path=c.source) for c in unmapped]


def license_texts(report: Any) -> list[tuple[str, str | None, str]]:
    """(path, SPDX or None, what licensecheck said) for each licence file of the model directory."""
    from . import licensetext

    return [(f.artifact.relpath, *licensetext.identify(f.artifact.path)) for f in _files(report)
            if f.artifact.role == "license" and f.artifact.path.is_file()]


def _same_license(a: str, b: str) -> bool:
    ca, cb = licenses.classify(a), licenses.classify(b)
    if ca.ids and cb.ids:
        return sorted(ca.ids) == sorted(cb.ids)
    return a.strip().lower() == b.strip().lower()


def _license_findings(claims: list[_Claim]) -> list[Finding]:
    out = []
    if not claims:
        return out
    chosen = claims[0]
    for other in claims[1:]:
        if not _same_license(chosen.expression, other.expression):
            out.append(Finding(
                "mlmodel-license-mismatch", "warning",
                f"licence {_show(other.expression if other.raw == REFUSED else other.raw or other.expression)} "
                f"in {_show(other.source)} differs from "
                f"{_show(chosen.expression)} in the {_show(chosen.source)}, which is the one used",
                path=other.source if other.source not in ("declaration", "model card") else ""))
    return out


def _show(text: str) -> str:
    """A value from a hostile file, safe inside a one-line message."""
    text = safe_field_value(str(text))
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------- data

_D_ORDER = ("free-available", "available-nonfree", "unavailable")


def _dataset_state(ds: DatasetDecl) -> tuple[str, str]:
    """(D value for this dataset, why)."""
    status = licenses.classify(ds.license)
    if ds.availability == "unavailable":
        return "unavailable", f"dataset {ds.name}: not available"
    if ds.availability == "public" and status.status == licenses.FREE:
        return "free-available", f"dataset {ds.name}: public under a DFSG-free licence ({ds.license})"
    if ds.availability != "public":
        return "available-nonfree", (f"dataset {ds.name}: obtainable only {ds.availability}, "
                                     "not publicly available to anonymous users")
    return "available-nonfree", f"dataset {ds.name}: public, but its licence is {status.status} ({ds.license or 'not declared'})"


def _training_data(decl: ModelDecl) -> tuple[str, bool, tuple[DatasetDecl, ...], list[str]]:
    """D, D_withheld, the datasets and notes."""
    if decl.training_data is None:
        return "undeclared", False, (), ["training-data not declared"]
    if decl.training_data == UNDECLARED:
        return "undeclared", False, (), ["training-data declared as undeclared"]
    datasets = tuple(decl.training_data)
    states = [_dataset_state(ds) for ds in datasets]
    worst = max((s for s, _ in states), key=_D_ORDER.index)
    # Upstream holding back data it has is the common case; only an explicit
    # `withheld: false` says it never existed or was deleted (policy row 11).
    withheld = any(ds.availability == "unavailable" and ds.withheld is not False for ds in datasets)
    return worst, withheld, datasets, [why for _, why in states]


# ---------------------------------------------------------------- code

def _training_code(decl: ModelDecl) -> tuple[str, bool, bool, list[str]]:
    """C, C_nonfree_toolchain, C_upstream_fine_tunes and notes."""
    code = decl.training_code
    if code is None:
        return "missing", False, False, ["training-code not declared: treated as missing"]
    c = {"complete": "free", "partial": "partial", "missing": "missing"}[code.completeness]
    notes = [f"training code: {code.completeness}"]
    nonfree = code.non_free_toolchain
    if c != "missing":
        status = licenses.classify(code.license)
        if status.status != licenses.FREE:
            # Training that needs non-free (or unreviewed) software is the contrib case of Policy 2.2.3.
            nonfree = True
            notes.append(f"training code licence {code.license or 'not declared'} is {status.status}: "
                         "treated as software outside main")
    if code.non_free_toolchain:
        notes.append("training needs a non-free toolchain")
    return c, nonfree, code.upstream_fine_tunes, notes


# ---------------------------------------------------------------- bases

def _declared_base(base: BaseModelDecl, lookup: BaseLookup | None) -> tuple[BaseInfo, list[Finding]]:
    name = base.name or base.package or "?"
    found = lookup(base) if lookup is not None else None
    findings = []
    if found is not None:
        info = BaseInfo(name, found.category, found.section, base.package or found.package,
                        base.replaceable, found.source)
        if base.category and base.category != found.category:
            findings.append(Finding("mlmodel-base-category-mismatch", "warning",
                                    f"base {_show(name)} is declared {base.category} but {found.source} says "
                                    f"{found.category}; using {found.category}"))
    elif base.category:
        section = base.section or CATEGORY_SECTION[base.category]
        info = BaseInfo(name, base.category, section, base.package, base.replaceable, "declaration")
    else:
        info = BaseInfo(name, "unknown", base.section, base.package, base.replaceable, "nothing declared")
    if base.license:
        status = licenses.classify(base.license).status
        if status == licenses.NON_FREE and info.category != "non-free":
            findings.append(Finding("mlmodel-base-category-mismatch", "warning",
                                    f"base {_show(name)} has the non-free licence {_show(base.license)}: "
                                    f"placed as non-free, not {info.category}"))
            info = BaseInfo(name, "non-free", "non-free", info.package, info.replaceable, "base licence")
    return info, findings


def record_lookup(roots: Iterable[Path] = RECORD_ROOTS) -> BaseLookup:
    """A base lookup that reads installed per-package records of dh-mlmodel packages."""

    def lookup(base: BaseModelDecl) -> BaseInfo | None:
        if not base.package:
            return None
        for root in roots:
            for record in sorted(Path(root).glob(f"*/.mlmodel/{base.package}.json")):
                info = _record_base(record, base)
                if info is not None:
                    return info
        return None

    return lookup


def _record_base(record: Path, base: BaseModelDecl) -> BaseInfo | None:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    category = data.get("category") if isinstance(data, dict) else None
    section = data.get("section")
    if category not in CATEGORY_SECTION or section not in (None, "main", "contrib", "non-free"):
        return None
    return BaseInfo(base.name or str(data.get("model") or base.package), category, section, base.package,
                    base.replaceable, f"record {record}")


def chain_lookups(*lookups: BaseLookup | None) -> BaseLookup:
    """The first lookup that knows the base wins."""

    def lookup(base: BaseModelDecl) -> BaseInfo | None:
        for one in lookups:
            if one is not None and (found := one(base)) is not None:
                return found
        return None

    return lookup


def _mentioned_bases(report: Any) -> list[tuple[str, str, str]]:
    """(name, where, severity) of the bases the card and files name."""
    out = []
    card = getattr(report, "card", None)
    if card is not None:
        out += [(b, "model card", "warning") for b in card.base_model]
    for facts in _files(report):
        if facts.artifact.format == "model-card":
            continue
        for entry in facts.metadata.get("base_models") or ():
            if isinstance(entry, dict):
                name = entry.get("name") or entry.get("organization") or entry.get("url")
                if isinstance(name, str) and name:
                    out.append((name, facts.artifact.relpath, "warning"))
        nop = facts.metadata.get("name_or_path")
        if isinstance(nop, str) and nop and not nop.startswith(("/", ".")):
            # _name_or_path is often the model's own hub id or a trainer's local path: a hint only.
            out.append((nop, facts.artifact.relpath + " (_name_or_path)", "info"))
    return out


def _norm(name: str) -> str:
    return name.strip().lower().rstrip("/")


def _matches(mentioned: str, known: Iterable[str]) -> bool:
    m = _norm(mentioned)
    for k in known:
        k = _norm(k)
        if k and (m == k or m.endswith("/" + k) or k.endswith("/" + m) or m in k.split()):
            return True
    return False


def _base_findings(decl: ModelDecl, report: Any) -> list[Finding]:
    declared = [b.name for b in decl.base_models if b.name] + [b.package for b in decl.base_models if b.package]
    own = [decl.name] + ([decl.upstream.url] if decl.upstream.url else [])
    out = []
    for name, where, severity in _mentioned_bases(report):
        if _matches(name, declared) or _matches(name, own) or (decl.upstream.url and _norm(name) in _norm(decl.upstream.url)):
            continue
        out.append(Finding("mlmodel-base-model-undeclared", severity,
                           f"{_show(where)} names the base model {_show(name)}, which debian/mlmodel.yaml does not declare "
                           "(declare it under base-model: so the lineage is checked)",
                           path=where if where != "model card" else ""))
    return _dedupe(out)


# ---------------------------------------------------------------- datasets named elsewhere

def _dataset_findings(decl: ModelDecl, datasets: tuple[DatasetDecl, ...], report: Any) -> list[Finding]:
    known = [ds.name for ds in datasets] + [ds.url for ds in datasets if ds.url]
    mentioned: list[tuple[str, str]] = []
    card = getattr(report, "card", None)
    if card is not None:
        mentioned += [(d, "model card") for d in card.datasets]
    for facts in _files(report):
        if facts.artifact.format == "model-card":
            continue
        mentioned += [(d, facts.artifact.relpath) for d in facts.metadata.get("datasets") or () if isinstance(d, str)]
    out = []
    for name, where in mentioned:
        if _matches(name, known) or any(_norm(name) in _norm(k) for k in known):
            continue
        out.append(Finding("mlmodel-dataset-undeclared", "warning",
                           f"{_show(where)} lists the training dataset {_show(name)}, which debian/mlmodel.yaml does not declare",
                           path=where if where != "model card" else ""))
    return _dedupe(out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f.message not in seen:
            seen.add(f.message)
            out.append(f)
    return out


def _files(report: Any) -> tuple:
    return tuple(getattr(report, "files", ()) or ())


# ---------------------------------------------------------------- generative

def _generative(decl: ModelDecl, report: Any) -> tuple[bool, list[str]]:
    if decl.generative is not None:
        return decl.generative, []
    card = getattr(report, "card", None)
    if card is not None and card.pipeline_tag in GENERATIVE_TAGS:
        return True, [f"generative: not declared; the model card's pipeline_tag {card.pipeline_tag} says yes"]
    if any(f.metadata.get("chat_template") for f in _files(report)):
        return True, ["generative: not declared; a chat template says yes"]
    return False, []


# ---------------------------------------------------------------- package metadata

def package_license(path: Path) -> str | None:
    """The licence a wheel METADATA / sdist PKG-INFO or an npm package.json states; None when none."""
    path = Path(path)
    if path.name == "package.json":
        return _npm_license(path)
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError as exc:
        raise ProvenanceError(path, f"cannot read: {exc.strerror}") from None
    msg = email.parser.BytesHeaderParser().parsebytes(head)
    expr = msg.get("License-Expression")
    if expr and expr.strip():
        return expr.strip()
    lic = msg.get("License")
    if lic and lic.strip() and "\n" not in lic.strip() and len(lic) < 100 and lic.strip().upper() != "UNKNOWN":
        return lic.strip()
    for classifier in msg.get_all("Classifier") or ():
        if classifier.startswith("License ::"):
            name = classifier.split("::")[-1].strip()
            spdx = licenses.spdx_id(name) or licenses.spdx_id(name.replace(" License", ""))
            if spdx:
                return spdx
    return None


def _npm_license(path: Path) -> str | None:
    try:
        data = json.loads(path.read_bytes()[: 4 << 20])
    except OSError as exc:
        raise ProvenanceError(path, f"cannot read: {exc.strerror}") from None
    except ValueError:
        raise ProvenanceError(path, "not valid JSON") from None
    lic = data.get("license") if isinstance(data, dict) else None
    if isinstance(lic, dict):
        lic = lic.get("type")
    return lic.strip() if isinstance(lic, str) and lic.strip() else None


def find_package_metadata(*directories: Path) -> list[Path]:
    """METADATA (in *.dist-info), PKG-INFO and package.json directly in the given directories."""
    out = []
    for d in directories:
        d = Path(d)
        for name in ("PKG-INFO", "package.json", "METADATA"):
            if (d / name).is_file():
                out.append(d / name)
        out += sorted(p for p in d.glob("*.dist-info/METADATA") if p.is_file())
    return out


# ---------------------------------------------------------------- merge

def merge(decl: ModelDecl, report: Any = None, *, base_lookup: BaseLookup | None = None,
          package_metadata: Iterable[Path] = (), identify_texts: bool = False) -> Provenance:
    """Provenance of one model: the declaration, checked against the card, the files and the package.

    `report` is the ModelReport of inspect_model_dir (None: declaration only).
    `base_lookup` resolves declared bases (see the module docstring);
    `package_metadata` are METADATA / PKG-INFO / package.json files to read;
    `identify_texts` runs licensecheck on the model's LICENSE files (at the
    desk: classify, init, copyright; a build never depends on it).
    """
    pkg_claims = []
    for p in package_metadata:
        lic = package_license(p)
        if lic:
            pkg_claims.append((f"{p.name}{PACKAGE_SOURCE_SUFFIX}", lic))
    texts = license_texts(report) if identify_texts and report is not None else []
    claims, unmapped = _license_claims(decl, report, pkg_claims, texts)
    findings = _license_findings(claims) + _unmapped_findings(unmapped, claims[0] if claims else None)
    notes: list[str] = []
    if claims and claims[0].kind.startswith("licence text"):
        chosen = claims[0]
        status = licenses.LicenseStatus(chosen.expression, licenses.UNCLEAR,
                                        f"only the text of {_show(chosen.source)} names a licence "
                                        f"({_show(chosen.expression)}, by licensecheck), which may cover other files "
                                        "than the weights; declare license:")
        license, license_source = chosen.expression, chosen.source
        notes.append(f"licence not declared; {chosen.source} reads as {chosen.expression}")
    elif claims:
        chosen = claims[0]
        status = licenses.classify(chosen.expression)
        license, license_source = chosen.expression, chosen.source
        if chosen.source != "declaration":
            notes.append(f"licence not declared; taken from {chosen.source}")
        if chosen.source.endswith(PACKAGE_SOURCE_SUFFIX):
            # A wheel's or npm package's licence often covers only the code around the model
            # (corpus: llama-cpp-python's MIT over Llama/Gemma vocabularies): never enough on its own.
            status = licenses.LicenseStatus(chosen.expression, licenses.UNCLEAR,
                                            f"only the package metadata names a licence ({_show(chosen.expression)}), "
                                            "which may cover just the code that ships the model; declare license:")
            findings.append(Finding("mlmodel-license-from-package", "warning",
                                    f"the only licence found is {_show(chosen.expression)} in {_show(chosen.source)}; "
                                    "it may cover only the code that ships the model: declare license: in "
                                    "debian/mlmodel.yaml"))
    else:
        status = licenses.classify(None)
        license, license_source = None, "none"
        notes.append("no licence found in the declaration, card, files or package metadata")
    D, withheld, datasets, d_notes = _training_data(decl)
    C, nonfree_tc, fine_tunes, c_notes = _training_code(decl)
    bases = []
    for b in decl.base_models:
        info, fs = _declared_base(b, base_lookup)
        bases.append(info)
        findings += fs
    findings += _base_findings(decl, report)
    findings += _dataset_findings(decl, datasets, report)
    G, g_notes = _generative(decl, report)
    return Provenance(
        model=decl.name, license=license, license_source=license_source, L=status.status,
        license_reason=status.reason + ("; " + "; ".join(status.notes) if status.notes else ""),
        D=D, D_withheld=withheld, DI=bool(decl.data_information), C=C, C_nonfree_toolchain=nonfree_tc,
        C_upstream_fine_tunes=fine_tunes, R=decl.reproducible, B=tuple(bases),
        B_replaceable=bool(bases) and all(b.replaceable for b in bases), G=G, datasets=datasets,
        notes=tuple(notes + d_notes + c_notes + g_notes), findings=tuple(findings),
        license_evidence=_evidence(claims, unmapped, texts),
    )
