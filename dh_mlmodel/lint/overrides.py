"""lint overrides: lintian's override files, same syntax, same matching.

Binary packages ship usr/share/lintian/overrides/<package>; a source package
has debian/source/lintian-overrides.  A line is
`[[<package>][ [<archlist>]][ <type>]: ]<tag>[ <context>]`, where `*` in the
context matches anything and the context must match the hint's whole
context (its note and its [pointer]); comment lines right above an override
are its justification (lintian's manual, "Overrides", /usr/share/doc/lintian/
lintian.rst.gz §2.4).  Overrides that match none of our hints are reported
for our own tags only: the same file also holds lintian's tags.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .checks import Hint
from .tagdata import all_tags

_LINE = re.compile(
    r"^(?:(?P<pkg>[a-z0-9][a-z0-9+.-]*)?\s*(?:\[(?P<arch>[^\]]*)\])?\s*(?P<type>binary|source|udeb)?\s*:\s+)?"
    r"(?P<tag>[A-Za-z0-9][A-Za-z0-9+._/-]*)(?:\s+(?P<ctx>.*?))?\s*$")


@dataclass(frozen=True)
class Override:
    file: str  # where it was read (for unused-override pointers)
    line: int
    package: str  # the package (or source) it applies to
    type: str  # binary | source
    archs: tuple[str, ...]
    tag: str
    context: str  # "" = any context
    justification: str  # the comment lines above it

    def matches(self, hint: Hint, architecture: str = "") -> bool:
        if hint.tag != self.tag or hint.package != self.package or hint.type != self.type:
            return False
        if self.archs and architecture and not _arch_matches(self.archs, architecture):
            return False
        return not self.context or _pattern(self.context).fullmatch(hint.context) is not None


def _arch_matches(archs: tuple[str, ...], architecture: str) -> bool:
    negated = [a[1:] for a in archs if a.startswith("!")]
    if negated:
        return architecture not in negated
    return architecture in archs or "any" in archs


def _pattern(context: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in context.split("*")), re.DOTALL)


def parse(text: str, *, package: str, type: str, file: str) -> tuple[list[Override], list[int]]:
    """The overrides of one file, and the numbers of the lines that are not overrides."""
    out, bad, comments = [], [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            comments = []
            continue
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
            continue
        m = _LINE.match(line)
        if m is None:
            bad.append(number)
            comments = []
            continue
        line_type = m.group("type") or type
        if line_type == "udeb":
            line_type = "binary"
        archs = tuple((m.group("arch") or "").split())
        out.append(Override(file, number, m.group("pkg") or package, line_type, archs, m.group("tag"),
                            (m.group("ctx") or "").strip(), " ".join(c for c in comments if c)))
        comments = []
    return out, bad


@dataclass(frozen=True)
class Judged:
    hint: Hint
    override: Override | None = None


def apply(hints: list[Hint], overrides: list[Override],
          architectures: dict[str, str]) -> tuple[list[Judged], list[Hint]]:
    """Each hint with the override that silences it, and hints about unused overrides of our tags."""
    used: set[Override] = set()
    judged = []
    for hint in hints:
        match = next((o for o in overrides if o.matches(hint, architectures.get(hint.package, ""))), None)
        if match is not None:
            used.add(match)
        judged.append(Judged(hint, match))
    ours = all_tags()
    extra = []
    for o in overrides:
        if o in used or o.tag not in ours:
            continue
        note = f"{o.tag} {o.context}".strip()
        same_tag = any(h.tag == o.tag and h.package == o.package and h.type == o.type for h in hints)
        extra.append(Hint("mlmodel-mismatched-override" if same_tag else "mlmodel-unused-override", o.package,
                          o.type, note=note, pointer=f"{o.file}:{o.line}"))
    return judged, extra
