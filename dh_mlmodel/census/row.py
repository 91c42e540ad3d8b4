"""One census row per package: what it ships, its licence, any training-data statement, and the verdicts.

A package built with dh-mlmodel carries a record (.mlmodel/<package>.json):
its declared inputs are used.  Every other package says nothing in the
declaration's terms, so its inputs are the decision table's conservative
defaults (provenance.merge with an empty declaration: training data
`undeclared`, training code `missing`) and its licence is the one its
copyright file gives the model files; the row says "undeclared" beside
each verdict that rests on that.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import io
import posixpath
import re
from typing import Any, Iterable

from debian import deb822

from .. import licenses
from ..declaration import PROFILES, DatasetDecl, ModelDecl, safe_field_value
from ..policy import decide
from ..provenance import GENERATIVE_TAGS, BaseInfo, Provenance, merge
from . import rules
from .inspect import DebFacts, ModelFile
from .mirror import PackageEntry

STATEMENT_RE = re.compile(r"\b(?:trained|training|train(?:ed)? (?:on|with)|corpus|corpora|data ?sets?|recordings?)\b",
                          re.IGNORECASE)
MAX_STATEMENTS = 3
STATEMENT_CHARS = 300
# /usr/share/common-licenses/NAME in a free-text copyright file names the licence.
COMMON_LICENSE_RE = re.compile(r"/usr/share/common-licenses/([A-Za-z0-9.+-]+?)(?:[\s'\".,;)]|\Z)")
LATER_RE = re.compile(r"(?:any later version|or \(at your option\) any later)", re.IGNORECASE)


# ---------------------------------------------------------------- licence

def _dep5(text: str) -> list[deb822.Deb822] | None:
    try:
        paragraphs = list(deb822.Deb822.iter_paragraphs(io.StringIO(text)))
    except Exception:  # noqa: BLE001 - a hostile copyright file is "not machine-readable"
        return None
    if not paragraphs or "Format" not in paragraphs[0]:
        return None
    return paragraphs


def _synopsis(value: str) -> str:
    return safe_field_value(value.split("\n", 1)[0].strip())[:200]


_GLOB = re.compile(r"[*?\[]")


def _pattern_tails(pattern: str) -> list[str]:
    """PATTERN, and the same without leading directories while a literal directory remains.

    A Files: pattern names a source path (`data/voices/alan/*`), the package installs it elsewhere
    (`usr/share/RHVoice/voices/alan/…`): `voices/alan/*` and `alan/*` still say which files they
    mean; `*` alone (opencv's `data/*` without `data/`) says nothing and is never tried.
    """
    parts = pattern.split("/")
    out = [pattern]
    for k in range(1, len(parts) - 1):
        rest = parts[k:]
        if any(not _GLOB.search(p) for p in rest[:-1]):
            out.append("/".join(rest))
    return out


def _stanza_matches(patterns: str, path: str) -> bool:
    """A Files: pattern names a source path; an installed path matches when a tail of it does."""
    parts = path.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(fnmatch.fnmatchcase(tail, pat) for pattern in patterns.split() if pattern != "*"
               for pat in _pattern_tails(pattern) for tail in tails)


def _license_dep5(paragraphs: list[deb822.Deb822], models: list[ModelFile]) -> tuple[str | None, str]:
    header = paragraphs[0]
    stanzas = [p for p in paragraphs[1:] if "Files" in p and "License" in p]
    chosen: set[str] = set()
    for f in models:
        best = None
        for stanza in stanzas:  # DEP-5: the last matching stanza wins
            if stanza["Files"].split() == ["*"] or _stanza_matches(stanza["Files"], f.path):
                best = stanza
        if best is not None:
            chosen.add(_synopsis(best["License"]))
    if chosen:
        return " AND ".join(sorted(chosen)), "copyright file (machine-readable, the Files stanza of the model files)"
    if "License" in header:
        return _synopsis(header["License"]), "copyright file (machine-readable, header)"
    return None, "copyright file (machine-readable, no stanza covers the model files)"


def _license_free_text(text: str) -> tuple[str | None, str]:
    names = sorted({m.group(1).rstrip(".") for m in COMMON_LICENSE_RE.finditer(text)})
    if not names:
        return None, "copyright file (not machine-readable, names no licence in /usr/share/common-licenses)"
    later = LATER_RE.search(text) is not None
    names = [n + "+" if later and n.startswith(("GPL-", "LGPL-", "AGPL-")) and not n.endswith("+") else n
             for n in names]
    return " AND ".join(names), "copyright file (not machine-readable; its /usr/share/common-licenses references)"


def package_license(facts: DebFacts, models: list[ModelFile]) -> tuple[str | None, str]:
    """(licence expression, where it came from) for the model files of a package."""
    if facts.copyright is None:
        if facts.doc_link:
            return None, f"no copyright file (usr/share/doc/{facts.control.package} links to {safe_field_value(facts.doc_link)})"
        return None, "no copyright file"
    paragraphs = _dep5(facts.copyright)
    if paragraphs is not None:
        return _license_dep5(paragraphs, models)
    return _license_free_text(facts.copyright)


# ---------------------------------------------------------------- statements

def training_statements(facts: DebFacts) -> list[dict[str, str]]:
    """Lines of the copyright file and READMEs that speak of training data, corpora or recordings."""
    out = []
    sources = ([(f"usr/share/doc/{facts.control.package}/copyright", facts.copyright)] if facts.copyright else [])
    sources += sorted(facts.texts.items())
    for source, text in sources:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if STATEMENT_RE.search(line):
                joined = " ".join(l.strip() for l in lines[i:i + 2])
                out.append({"source": source, "text": safe_field_value(" ".join(joined.split()))[:STATEMENT_CHARS]})
                break  # the first statement of each file
        if len(out) >= MAX_STATEMENTS:
            break
    return out


# ---------------------------------------------------------------- verdicts

def _generative(models: list[ModelFile]) -> tuple[bool, str]:
    for f in models:
        task = rules.by_name(f.rule).task
        if task in GENERATIVE_TAGS:
            return True, f"{f.rule}: {task}"
        if f.metadata.get("chat_template"):
            return True, f"{f.path}: chat template"
    return False, ""


def _record_provenance(record: dict[str, Any], package: str) -> Provenance | None:
    """The inputs a dh-mlmodel record carries, as the decision table reads them (None when unusable)."""
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        return None
    try:
        bases = tuple(BaseInfo(**{k: b.get(k) for k in ("name", "category", "section", "package")})
                      for b in inputs.get("B") or ())
        datasets = tuple(DatasetDecl(name=str(d.get("name")), license=d.get("license"))
                         for d in inputs.get("training_inputs") or ())
        prov = Provenance(
            model=str(record.get("model") or package), license=inputs.get("license"),
            license_source="dh-mlmodel record", L=str(inputs["L"]), license_reason="", D=str(inputs["D"]),
            D_withheld=bool(inputs.get("D_withheld")), DI=bool(inputs.get("DI")), C=str(inputs["C"]),
            C_nonfree_toolchain=bool(inputs.get("C_nonfree_toolchain")),
            C_upstream_fine_tunes=bool(inputs.get("C_upstream_fine_tunes")), R=str(inputs.get("R", "unknown")),
            B=bases, B_replaceable=bool(inputs.get("B_replaceable")), G=bool(inputs.get("G")), datasets=datasets)
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    if prov.L not in licenses.STATUSES or prov.D not in ("free-available", "available-nonfree", "unavailable",
                                                         "undeclared") or prov.C not in ("free", "partial", "missing"):
        return None
    return prov


def undeclared_provenance(package: str, license: str | None, license_source: str, generative: bool) -> Provenance:
    """A package that declares nothing: the table's conservative inputs, and the copyright file's licence."""
    prov = merge(ModelDecl(name=package, generative=generative))
    status = licenses.classify(license)
    notes = tuple(n for n in prov.notes if not n.startswith("no licence found"))
    return dataclasses.replace(prov, license=license, license_source=license_source, L=status.status,
                               license_reason=status.reason, notes=notes)


def verdicts(prov: Provenance, declared: bool) -> dict[str, dict[str, Any]]:
    out = {}
    for profile in PROFILES:
        v = decide(prov, profile)
        out[profile] = {"category": v.category, "section": v.section, "rule": v.rule,
                        "basis": "declared" if declared else "undeclared",
                        "reason": v.reasons[0].split("]: ", 1)[-1][:300]}
    return out


def verdict_label(v: dict[str, Any]) -> str:
    """`non-free (toxic-candy, rule 4, undeclared)`, or `reject (rule 1, undeclared)`."""
    where = v["section"] or "reject"
    what = f"{v['category']}, " if v["section"] and v["category"] != "free" else ""
    return f"{where} ({what}rule {v['rule']}, {v['basis']})"


# ---------------------------------------------------------------- the row

def _units(models: Iterable[ModelFile]) -> dict[str, int]:
    """Model bytes per unit: a file, or the directory of a directory-unit rule (counted once)."""
    units: dict[str, int] = {}
    for f in models:
        if rules.by_name(f.rule).unit in ("dir", "tree"):
            units.setdefault(posixpath.dirname(f.path) + "/", f.unit_size or f.size)
        else:
            units[f.path] = f.size
    return units


def build_row(entry: PackageEntry, facts: DebFacts, contents_paths: list[str]) -> dict[str, Any]:
    models = [f for f in facts.files if f.is_model]
    license, license_source = package_license(facts, models or facts.files)
    generative, generative_why = _generative(models)
    records = [r for r in facts.records.values() if isinstance(r, dict)]
    declared = _record_provenance(records[0], entry.package) if records else None
    prov = declared or undeclared_provenance(entry.package, license, license_source, generative)
    units = _units(models)
    statements = training_statements(facts)
    if declared is not None and declared.D != "undeclared":
        statements.insert(0, {"source": "dh-mlmodel record", "text": f"training data declared: {declared.D}"})
    return {
        "package": entry.package, "version": entry.version, "architecture": entry.architecture,
        "section": entry.section or facts.control.section, "component": entry.component, "source": entry.source,
        "filename": entry.filename, "deb_size": entry.size, "deb_sha256": entry.sha256,
        "ships_model": bool(models),
        "formats": sorted({f.kind for f in models}),
        "unconfirmed": sorted({f.path for f in facts.files if f.evidence == "unconfirmed"})[:20],
        "model_count": len(units), "model_bytes": sum(units.values()),
        "largest_model": max(units.values(), default=0),
        "license": license, "license_source": license_source, "license_status": prov.L,
        "training_data": statements, "training_data_declared": prov.D,
        "generative": prov.G if declared is not None else generative,
        "generative_source": "dh-mlmodel record" if declared is not None else (generative_why or "no sign"),
        "declared": declared is not None,
        "verdicts": verdicts(prov, declared is not None) if models else {},
        "files": [f.to_json() for f in sorted(facts.files, key=lambda f: f.path)],
        "candidate_paths": sorted(contents_paths)[:50],
        "notes": [facts.limit] if facts.limit else [],
        "error": "",
    }


def error_row(entry: PackageEntry, error: str, contents_paths: list[str]) -> dict[str, Any]:
    """A package that could not be fetched or read: listed, with why, and counted nowhere else."""
    return {
        "package": entry.package, "version": entry.version, "architecture": entry.architecture,
        "section": entry.section, "component": entry.component, "source": entry.source, "filename": entry.filename,
        "deb_size": entry.size, "deb_sha256": entry.sha256, "ships_model": False, "formats": [], "unconfirmed": [], "model_count": 0,
        "model_bytes": 0, "largest_model": 0, "license": None, "license_source": "", "license_status": "",
        "training_data": [], "training_data_declared": "", "generative": False, "generative_source": "",
        "declared": False, "verdicts": {}, "files": [], "candidate_paths": sorted(contents_paths)[:50],
        "notes": [], "error": safe_field_value(error)[:500],
    }
