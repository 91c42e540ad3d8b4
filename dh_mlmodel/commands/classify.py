"""`mlmodel classify [--policy P] [--json] [SOURCE_DIR]`: where each declared model belongs (spec §6).

Reads SOURCE_DIR/debian/mlmodel.yaml, inspects each model directory
(headers only, no hashing), merges declaration and files, and applies the
policy profile.  Exit 0 when every model is placed, 1 when any is
`reject`, 2 on usage, I/O or declaration errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .. import pipeline
from ..declaration import PROFILES, ModelDecl, find_declaration, load_declaration
from ..inspect import inspect_model_dir
from ..model import Finding, MLModelError, Verdict
from ..policy import decide_models
from ..provenance import Provenance, record_lookup

HELP = "decide main / contrib / non-free for each declared model, with the rule and the reasons"
EXIT_OK, EXIT_REJECT, EXIT_USAGE = 0, 1, 2
SEVERITY_LETTER = {"error": "E", "warning": "W", "info": "I", "pedantic": "P"}


class ClassifyError(MLModelError):
    """The source tree cannot be classified (no declaration, missing model directory, base cycle)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", choices=PROFILES, default=None,
                        help="policy profile (default: the declaration's policy:, else ml-policy)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (spec §6)")
    parser.add_argument("source_dir", nargs="?", default=".", metavar="SOURCE_DIR",
                        help="the unpacked source package (default: .)")


def _model_dir(source: Path, m: ModelDecl) -> Path:
    d = source / m.path
    if not d.is_dir():
        raise ClassifyError(d, f"model {m.name}: path {m.path!r} is not a directory")
    # The loader refuses '..' and absolute paths; a symlinked path may still point out of the tree.
    if not d.resolve().is_relative_to(source.resolve()):
        raise ClassifyError(d, f"model {m.name}: path {m.path!r} leaves the source tree")
    return d


def classify_source(source: Path, profile: str | None = None,
                    record_roots: tuple[Path, ...] | None = None) -> list[tuple[Verdict, Provenance]]:
    """The verdict and provenance of every declared model, bases before the models built on them."""
    return next(iter(decide_under(source, (profile,), record_roots).values()))


def decide_under(source: Path, profiles: tuple[str | None, ...],
                 record_roots: tuple[Path, ...] | None = None) -> dict[str | None, list[tuple[Verdict, Provenance]]]:
    """`classify_source` under each of `profiles` (None: the declaration's), inspecting each model once."""
    path = find_declaration(source)
    if path is None:
        raise ClassifyError(source / "debian/mlmodel.yaml", "no declaration (write one; `mlmodel init` starts it)")
    declaration = load_declaration(path)
    for m in declaration.models:
        _model_dir(source, m)  # every path checked before any work
    reports: dict[str, Any] = {}

    def report_for(m: ModelDecl):
        if m.name not in reports:
            reports[m.name] = inspect_model_dir(_model_dir(source, m), exclude=m.exclude, hash=False)
        return reports[m.name]

    out = {}
    for profile in profiles:
        results = decide_models(declaration, report_for, profile,
                                base_lookup=record_lookup(record_roots) if record_roots is not None else None,
                                package_metadata=lambda m: pipeline.package_metadata(source, m),
                                identify_texts=True)
        out[profile] = [results[m.name] for m in declaration.models]
    return out


def every_profile(results: dict[str | None, list[tuple[Verdict, Provenance]]]) -> list[dict[str, dict[str, Any]]]:
    """Per model (in declaration order), each profile's category, section and rule."""
    by_profile = {p: results[p] for p in PROFILES if p in results}
    count = len(next(iter(results.values())))
    return [{p: {"category": r[i][0].category, "section": r[i][0].section, "rule": r[i][0].rule}
             for p, r in by_profile.items()} for i in range(count)]


def to_json(results: list[tuple[Verdict, Provenance]], every: list[dict] | None = None) -> dict[str, Any]:
    models = []
    for i, (verdict, prov) in enumerate(results):
        entry = verdict.to_json()
        entry["findings"] = [f.to_json() for f in prov.findings + verdict.findings]
        entry["license_sources"] = [e.to_json() for e in prov.license_evidence]
        if every is not None:
            entry["profiles"] = every[i]
        models.append(entry)
    return {"models": models}


def _print_text(results: list[tuple[Verdict, Provenance]], every: list[dict] | None = None) -> None:
    for i, (verdict, prov) in enumerate(results):
        placed = f"{verdict.category} -> {verdict.section}" if verdict.section else "reject (cannot be placed automatically)"
        print(f"{verdict.model}: {placed} ({verdict.profile}, rule {verdict.rule})")
        for reason in verdict.reasons:
            print(f"  {reason}")
        print("  licence sources:" + ("" if prov.license_evidence else " none (declare license:)"))
        for e in prov.license_evidence:
            print(f"    {e.line()}{' (used)' if e.wins else ''}".replace("\n", "\\n"))
        findings: tuple[Finding, ...] = prov.findings + verdict.findings
        for f in findings:
            where = f" [{f.path}]" if f.path else ""
            print(f"  {SEVERITY_LETTER.get(f.severity, '?')}: {f.tag}{where}: {f.message}".replace("\n", "\\n"))
        if every is not None:
            print("  every profile: " + "; ".join(
                f"{p}: {c['category']} -> {c['section']} (rule {c['rule']})" if c["section"] else
                f"{p}: reject (rule {c['rule']})" for p, c in every[i].items()))


def run(args: argparse.Namespace) -> int:
    source = Path(args.source_dir)
    if not source.is_dir():
        raise ClassifyError(source, "not a directory")
    # The chosen profile's verdict in full, and one line with the verdict under every profile beside it.
    decided = decide_under(source, (args.policy, *PROFILES))
    results, every = decided[args.policy], every_profile(decided)
    if args.json:
        json.dump(to_json(results, every), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_text(results, every)
    return EXIT_REJECT if any(v.category == "reject" for v, _ in results) else EXIT_OK
