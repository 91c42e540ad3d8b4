"""`mlmodel init [--name NAME] [--maintainer "Name <email>"] [--force] MODEL_DIR`: debian/ in one command.

MODEL_DIR is a Hugging Face style snapshot, a directory of GGUF / ONNX / …
files, or a single model file (which gets a source tree NAME-VERSION/ of
its own beside it).  The steps, in order, each undone on failure:

1. inspect the model (headers only) and plan packages, sections and the
   declaration prefill (dh_mlmodel.bootstrap.plan);
2. refuse an existing debian/ unless --force, which moves it to a backup;
3. run apt's debmake for the skeleton, then render templates/debian/*.j2
   over it (control, rules, mlmodel.yaml, changelog, watch, …);
4. `mlmodel copyright --update`, `mlmodel overrides --update` and
   `mlmodel autopkgtest --update` on a declaration without the TODO markers
   (they need a declaration the loader accepts), then the final
   mlmodel.yaml with its TODOs;
5. the upstream tarball ../NAME_VERSION.orig.tar.gz, reproducibly.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import time
from pathlib import Path

from ..bootstrap import InitError, debmake, layout, render
from ..bootstrap.context import template_context
from ..bootstrap.plan import InitPlan, excludes_for, make_plan
from ..declaration import unsafe_char
from ..deliver.copyright import check_name_utf8
from ..inspect import ModelReport, inspect_files, inspect_model_dir

HELP = "write a complete debian/ for a model directory or file (debmake skeleton + dh-mlmodel templates)"
MAINTAINER_RE = re.compile(r"(?P<name>[^<>,]+?)\s*<(?P<email>[^<>\s@,]+@[^<>\s,]+)>\Z")
URL_RE = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!&'()*+;=%-]+\Z")
TODO_RE = re.compile(r"\bTODO\b")
WRITTEN_BY = {"copyright": "copyright", "overrides": "source/lintian-overrides", "autopkgtest": "tests/control"}
MODEL_ROLES = ("weights", "tokenizer")  # a directory with none of these is not a model


class InitUsageError(InitError):
    """A command-line value cannot be used."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", help="source and main binary package name (default: from the card, "
                                       "config.json or the directory name, sanitised)")
    parser.add_argument("--maintainer", metavar='"NAME <EMAIL>"',
                        help="Maintainer field and changelog signature (default: $DEBFULLNAME <$DEBEMAIL>)")
    parser.add_argument("--upstream-version", metavar="VERSION",
                        help="upstream version (default: the card's version:, else 0~YYYYMMDD of SOURCE_DATE_EPOCH)")
    parser.add_argument("--upstream-url", metavar="URL", help="upstream repository URL (default: the Hugging Face "
                                                                 "repository config.json names)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing debian/ (moved to <tree>.debian.bak-<n> first)")
    parser.add_argument("--no-orig", action="store_true", help="do not write ../NAME_VERSION.orig.tar.gz")
    parser.add_argument("--update-sections", action="store_true",
                        help="only move the Section fields of MODEL_DIR/debian/control to the area of the "
                             "current verdict (run after filling in debian/mlmodel.yaml)")
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="model directory, or a single model file")


# ---------------------------------------------------------------- inputs

def parse_maintainer(text: str | None) -> tuple[str, str]:
    """(full name, email) from --maintainer, else DEBFULLNAME / DEBEMAIL (as dch reads them)."""
    if text is None:
        email = os.environ.get("DEBEMAIL", "")
        match = MAINTAINER_RE.match(email.strip())
        if match:
            text = email
        elif os.environ.get("DEBFULLNAME") and email:
            text = f"{os.environ['DEBFULLNAME']} <{email}>"
        else:
            raise InitUsageError(None, 'no maintainer: pass --maintainer "Name <email>" or set DEBFULLNAME and DEBEMAIL')
    bad = unsafe_char(text)
    match = MAINTAINER_RE.match(text.strip())
    if bad is not None or not match:
        raise InitUsageError(None, f"--maintainer {text!r} is not of the form \"Full Name <email@example.org>\" "
                                   "(one line, no commas)")
    return match["name"].strip(), match["email"]


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else int(time.time())


def inspect_target(target: Path) -> tuple[ModelReport, str]:
    """The report and a fallback name (directory or file stem) for MODEL_DIR."""
    if target.is_symlink() and target.is_file():
        raise InitUsageError(target, "is a symlink; give the model file itself")
    if target.is_file():
        files = inspect_files(target.parent, [(target, target.name)], hash=False)
        return ModelReport(path=target.parent, files=files, card=None, config={}), target.name.split(".")[0]
    if not target.is_dir():
        raise InitUsageError(target, "no such model directory or file")
    report = inspect_model_dir(target, exclude=excludes_for(target), hash=False)
    for f in report.files:  # before anything is written: debian/copyright could not name it
        check_name_utf8(f.artifact.relpath, target)
    if not any(f.artifact.role in MODEL_ROLES for f in report.files):
        raise InitUsageError(target, "holds no model files (no weights or tokenizer found by content)")
    return report, target.resolve().name


# ---------------------------------------------------------------- the other commands

def command_available(name: str) -> bool:
    return importlib.util.find_spec(f"dh_mlmodel.commands.{name}") is not None


def run_command(name: str, source_dir: Path) -> bool:
    """`mlmodel NAME --update SOURCE_DIR` in-process; False when that command is not installed."""
    if not command_available(name):
        return False
    module = importlib.import_module(f"dh_mlmodel.commands.{name}")
    parser = argparse.ArgumentParser(prog=f"mlmodel {name}")
    module.add_arguments(parser)
    status = module.run(parser.parse_args(["--update", str(source_dir)]))
    if status not in (0, None):
        raise InitError(source_dir / "debian", f"mlmodel {name} --update failed (exit {status})")
    return True


def todo_lines(text: str) -> list[int]:
    """Line numbers of the values still marked TODO (comment lines that only explain are not counted)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if TODO_RE.search(line) and not line.lstrip().startswith("#")]


# ---------------------------------------------------------------- run

def _write_debian(tree: Path, plan: InitPlan, fullname: str, email: str, epoch: int, origin: str,
                  license_note: str) -> tuple[list[str], dict[str, str], list[str]]:
    """debmake skeleton + templates + copyright + overrides; (written, final files, missing commands)."""
    maintainer = f"{fullname} <{email}>"
    debian = tree / "debian"
    skeleton = debmake.skeleton(plan.source, plan.upstream_version, fullname, email)
    for rel, data in skeleton.items():
        path = debian / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # `mlmodel autopkgtest` writes the real test (sha256 of every installed file); our template's
    # superficial test is the fallback when that command is not installed.
    autopkgtest = command_available("autopkgtest")
    settled = render.render_all(template_context(plan, maintainer=maintainer, epoch=epoch, origin=origin,
                                                 settled=True, license_note=license_note, autopkgtest=autopkgtest))
    render.write(debian, settled)
    if autopkgtest:
        (debian / "tests/control").unlink(missing_ok=True)  # debmake's commented-out example
    missing = [name for name in ("copyright", "overrides", "autopkgtest") if not run_command(name, tree)]
    final = render.render_all(template_context(plan, maintainer=maintainer, epoch=epoch, origin=origin,
                                               settled=False, license_note=license_note),
                              only=lambda rel: rel == "mlmodel.yaml")
    render.write(debian, final)
    for rel in ("watch", "upstream/metadata"):
        if rel not in settled and rel in skeleton:
            (debian / rel).unlink()  # debmake's template text; README.source says why there is none
    written = sorted(p.relative_to(tree).as_posix() for p in debian.rglob("*") if p.is_file())
    return written, {**settled, **final}, missing


def run_update_sections(tree: Path) -> int:
    """--update-sections: the verdict of the filled declaration decides every Section's area."""
    from ..bootstrap import escape, sections
    from .classify import classify_source

    control = tree / "debian/control"
    if not control.is_file():
        raise InitUsageError(control, "missing: run mlmodel init first")
    verdicts = [v for v, _ in classify_source(tree)]
    area = sections.worst_area([v.section for v in verdicts])
    rules = ", ".join(f"{v.model}: {v.profile} rule {v.rule}, {v.category}" for v in verdicts)
    text, changes = sections.update_sections(control.read_text(encoding="utf-8"), area,
                                             escape.comment(f"{area} from the declaration ({rules}); see mlmodel classify"))
    control.write_text(text, encoding="utf-8")
    for old, new in changes:
        print(f"mlmodel init: Section: {old} -> {new}")
    if not changes:
        print(f"mlmodel init: every Section is already in {area}")
    return 0


def run(args: argparse.Namespace) -> int:
    target = Path(args.model_dir)
    if args.update_sections:
        return run_update_sections(target)
    fullname, email = parse_maintainer(args.maintainer)
    if args.upstream_url is not None and not URL_RE.match(args.upstream_url):
        raise InitUsageError(None, f"--upstream-url {args.upstream_url!r} is not an http(s) URL")
    epoch = source_date_epoch()
    report, fallback = inspect_target(target)
    plan = make_plan(report, name=args.name, version=args.upstream_version, epoch=epoch,
                     fallback_name=fallback, upstream_url=args.upstream_url)
    single = target.is_file()
    if single:
        tree = target.parent / f"{plan.source}-{plan.upstream_version}"
        layout.check_no_debian(tree, args.force)
        tree = layout.single_file_tree(target, plan.source, plan.upstream_version)
    else:
        tree = target
        layout.check_no_debian(tree, args.force)
    backup = layout.backup_debian(tree) if args.force else None
    origin = f"the model file {target.name}" if single else f"the model directory {target.resolve().name}"
    license_note = next((n for n in plan.notes if n.startswith("licence")), "")
    try:
        written, files, missing = _write_debian(tree, plan, fullname, email, epoch, origin, license_note)
    except BaseException:
        layout.restore_debian(tree, backup)
        raise
    orig = None if args.no_orig else layout.orig_tarball(tree, plan.source, plan.upstream_version, epoch)
    _report(plan, tree, backup, written, files, orig, missing, single)
    return 0 if not set(missing) & {"copyright", "overrides"} else 1


def _report(plan: InitPlan, tree: Path, backup: Path | None, written: list[str], files: dict[str, str],
            orig: tuple[Path, bool] | None, missing: list[str], single: bool) -> None:
    v = plan.verdict
    if single:
        print(f"mlmodel init: source tree {tree} (the model file linked into it)")
    if backup is not None:
        print(f"mlmodel init: the previous debian/ was moved to {backup}")
    print(f"mlmodel init: {plan.source} {plan.version} (name from {plan.name_source}, "
          f"version from {plan.version_source}) in {tree / 'debian'}")
    for b in plan.binaries:
        print(f"  package {b.name}: {len(b.files)} file(s), Section: {b.section or plan.source_section}")
    print(f"  policy {v.profile} rule {v.rule}: {v.category} -> {v.section or 'cannot be placed yet'} "
          "(before training data and code are declared; run mlmodel classify after filling the TODOs)")
    for rel in written:
        print(f"  wrote {rel}")
    if orig is not None:
        print(f"  {'wrote' if orig[1] else 'kept existing'} {orig[0]}")
    for note in plan.notes:
        print(f"mlmodel init: warning: {note}")
    for f in plan.findings:
        where = f"{f.path}: " if f.path else ""
        print(f"mlmodel init: {f.severity}: {where}{f.message} ({f.tag})")
    for name in missing:
        print(f"mlmodel init: warning: `mlmodel {name}` is not available here: debian/{WRITTEN_BY[name]} "
              f"was not {'generated' if name != 'autopkgtest' else 'given its model test'}")
    todos = todo_lines(files.get("mlmodel.yaml", ""))
    if todos:
        print(f"mlmodel init: debian/mlmodel.yaml has TODO markers on lines {', '.join(map(str, todos))}: "
              "dh_mlmodel refuses to build until they are filled in")
