"""`mlmodel inspect [--json | --format text|json|sarif] [--no-hash] PATH…`: what each model file is (spec §6)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..detect import DetectError
from ..hashing import ProgressBar
from ..inspect import InspectError, ModelReport, inspect_files, inspect_model_dir, total_size
from ..model import ArtifactFacts

HELP = "show the format, role, metadata, findings and sha256 of model files (header-only reads)"
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SUMMARY_KEYS = ("wrapper", "inner_format", "license", "name", "architecture", "tensors", "parameters", "quantization", "producer", "opset",
                "vocab_size", "pieces", "trainer_input", "ggml_model")
SEVERITY_LETTER = {"error": "E", "warning": "W", "info": "I", "pedantic": "P"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_const", const="json", dest="format",
                        help="print one JSON object (spec §6); same as --format json")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                        help="the table (default), one JSON object, or a SARIF 2.1.0 log of the findings")
    parser.add_argument("--bom", choices=("spdx", "cyclonedx"),
                        help="print an SPDX 3.0.1 or CycloneDX 1.6 document for one model directory instead")
    parser.add_argument("--no-hash", action="store_true", help="read headers only; skip the sha256 of each file")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="model files or directories")


def _inspect_path(path: Path, hash: bool, bar: ProgressBar | None) -> ModelReport:
    if path.is_dir():
        return inspect_model_dir(path, hash=hash, progress=bar)
    if path.is_file():
        files = inspect_files(path.parent, [(path, path.name)], hash=hash, progress=bar)
        return ModelReport(path=path.parent, files=files, card=None, config={})
    raise InspectError(path, "no such file or directory" if not path.exists() else "not a regular file or directory")


def _shown_path(arg: Path, report: ModelReport, facts: ArtifactFacts, single_dir: bool) -> str:
    if single_dir:
        return facts.artifact.relpath
    if arg.is_dir():
        return (arg / facts.artifact.relpath).as_posix()
    return arg.as_posix()


def _human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _summary(meta: dict[str, Any]) -> str:
    parts = []
    for key in SUMMARY_KEYS:
        if key in meta and meta[key] not in (None, "", []):
            parts.append(f"{key}={meta[key]}")
    if "lfs" in meta:
        parts.append(f"lfs-oid={meta['lfs']['oid']}")
    if isinstance(meta.get("inner"), dict):  # a compressed file: the inner file's own summary
        parts.append(_summary(meta["inner"]))
    return " ".join(p for p in parts if p)


def _print_table(rows: list[tuple[str, ArtifactFacts]], reports: list[ModelReport]) -> None:
    width = max((len(r[1].artifact.format) for r in rows), default=6)
    for shown, facts in rows:
        a = facts.artifact
        line = f"{a.format:<{width}}  {a.role:<9}  {_human_size(a.size):>10}  {shown}"
        summary = _summary(dict(facts.metadata))
        print(f"{line}  {summary}".rstrip())
        if facts.sha256:
            print(f"    sha256 {facts.sha256}")
        for f in facts.findings:
            member = f" [{f.member}]" if f.member else ""
            print(f"    {SEVERITY_LETTER.get(f.severity, '?')}: {f.tag}{member}: {f.message}".replace("\n", "\\n"))
    for report in reports:
        if report.card is not None:
            card = {k: v for k, v in report.card.to_json().items() if v}
            if not card:  # a README without front matter says nothing a maintainer can use
                continue
            print(f"model card of {report.path}: {json.dumps(card, ensure_ascii=False)}")


def _print_sarif(rows: list[tuple[str, ArtifactFacts]]) -> None:
    from ..lint.output import SarifFinding, sarif_document

    found = [SarifFinding(f.tag, f.severity, f.message, uri=shown, member=f.member) for shown, facts in rows
             for f in facts.findings]
    json.dump(sarif_document(found), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _print_bom(kind: str, path: Path, report: ModelReport) -> None:
    """The document dh_mlmodel would install, from what the directory alone says (card, config, files)."""
    import os

    from .. import licenses
    from ..deliver import cyclonedx, spdx

    card = report.card
    files = [{"path": f.artifact.relpath, "sha256": f.sha256} for f in report.files]
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    name = path.resolve().name
    inputs = {"model": name, "package": name, "version": "NOASSERTION",
              "epoch": int(epoch) if epoch.isdigit() else max((int(f.artifact.path.stat().st_mtime)
                                                              for f in report.files), default=0),
              "license_expr": (licenses.spdx_id(card.license) or card.license) if card and card.license else None,
              "files": files,
              "datasets": [{"name": d} for d in (card.datasets if card is not None else ())],
              "base_models": list(card.base_model) if card is not None else [], "upstream_url": None,
              "maintainer": "NOASSERTION"}
    if kind == "spdx":
        sys.stdout.write(spdx.dump_spdx(spdx.spdx_document(**inputs)).decode())
    else:
        doc = cyclonedx.cyclonedx_document(**inputs, card=cyclonedx.card_facts(report))
        sys.stdout.write(cyclonedx.dump_cyclonedx(doc).decode())


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            raise InspectError(p, "no such file or directory")
    if args.bom and (len(paths) != 1 or not paths[0].is_dir() or args.no_hash):
        raise InspectError(paths[0], "--bom takes one model directory, and needs the sha256 (no --no-hash)")
    hash = not args.no_hash
    bar = None
    if hash:
        total = sum(total_size(p) if p.is_dir() else p.stat().st_size for p in paths)
        bar = ProgressBar(total, sys.stderr)
    try:
        reports = [_inspect_path(p, hash, bar) for p in paths]
    except DetectError:
        raise
    finally:
        if bar is not None:
            bar.close()
    single_dir = len(paths) == 1 and paths[0].is_dir()
    rows = [(_shown_path(arg, rep, facts, single_dir), facts) for arg, rep in zip(paths, reports) for facts in rep.files]
    if args.bom:
        _print_bom(args.bom, paths[0], reports[0])
    elif args.format == "sarif":
        _print_sarif(rows)
    elif args.format == "json":
        files = []
        for shown, facts in rows:
            record = facts.to_json()
            record["path"] = shown
            files.append(record)
        models = [{"path": rep.path.as_posix() if arg.is_dir() else arg.as_posix(), "card": rep.card_json()}
                  for arg, rep in zip(paths, reports) if arg.is_dir()]
        json.dump({"files": files, "models": models}, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        _print_table(rows, reports)
    has_errors = any(f.severity == "error" for _, facts in rows for f in facts.findings)
    return EXIT_FINDINGS if has_errors else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python3 -m dh_mlmodel.commands.inspect …`: the subcommand alone, without the other commands' imports."""
    from ..model import MLModelError

    parser = argparse.ArgumentParser(prog="mlmodel inspect", description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except MLModelError as exc:
        print(f"mlmodel: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mlmodel: error: {exc.filename or ''}: {exc.strerror or exc}".replace("\n", "\\n"), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
