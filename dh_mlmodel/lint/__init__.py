"""mlmodel lint: lintian-like checks of built model packages (spec §7).

`run_lint(paths) -> LintResult` reads each input set (a .changes, or the loose
.debs and .dscs given), checks it and applies the override files.  The stages
are inputs (reading .changes/.deb/.dsc as streams), scan (one pass over each
.deb), checks (the hints), overrides and output; tags are data in tags/.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import MLModelError
from .checks import Hint, InputGroup, run_checks
from .inputs import InputSet, read_dsc, resolve
from .overrides import Judged, Override, apply, parse
from .scan import OVERRIDES_DIR, scan_deb

__all__ = ["run_lint", "lint_set", "LintResult", "Hint", "Judged"]


@dataclass
class LintResult:
    groups: list[tuple[str, list[Judged]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # inputs that could not be read (exit 2)


def _overrides(group: InputGroup) -> list[Override]:
    out: list[Override] = []
    for scan in group.packages:
        if scan.overrides is not None:
            out += parse(scan.overrides, package=scan.package, type="binary",
                         file=OVERRIDES_DIR + scan.package)[0]
    for source in group.sources:
        if source.overrides is not None:
            out += parse(source.overrides, package=source.source, type="source",
                         file="debian/source/lintian-overrides")[0]
    return out


def lint_set(input_set: InputSet) -> list[Judged]:
    """Raises LintInputError when one of the set's files cannot be read."""
    group = InputGroup(input_set.origin, tuple(scan_deb(p) for p in input_set.debs),
                       tuple(read_dsc(p) for p in input_set.dscs), input_set if input_set.source else None)
    hints = run_checks(group)
    judged, extra = apply(hints, _overrides(group), {s.package: s.control.architecture for s in group.packages})
    return judged + [Judged(h) for h in extra]


def run_lint(paths: list[Path]) -> LintResult:
    result = LintResult()
    try:
        sets = resolve([str(p) for p in paths])
    except MLModelError as exc:
        result.errors.append(exc.one_line())
        return result
    for input_set in sets:
        try:
            result.groups.append((input_set.origin, lint_set(input_set)))
        except MLModelError as exc:
            result.errors.append(exc.one_line())
    return result
