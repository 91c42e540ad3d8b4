"""lint tag data: one deb822 file per tag, in lintian's tag-file form.

dh_mlmodel/lint/tags/<name>.tag holds the fields Tag, Severity, Check,
See-Also and Explanation, as lintian's /usr/share/lintian/tags/*/*.tag do
(lintian's own documentation, "Tag files"); they are read with
python-debian's deb822 parser.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from debian import deb822

from ..model import SEVERITIES, MLModelError

TAG_DIR = Path(__file__).resolve().parent / "tags"
LETTERS = {"error": "E", "warning": "W", "info": "I", "pedantic": "P"}


class TagDataError(MLModelError):
    """A tag file is broken (a packaging bug, not a user error)."""


@dataclass(frozen=True)
class TagInfo:
    name: str
    severity: str
    check: str
    see_also: tuple[str, ...]
    explanation: str  # paragraphs separated by blank lines, continuation indentation removed


def _explanation(raw: str) -> str:
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        lines.append("" if line == "." else line)
    return "\n".join(lines).strip()


def _parse(path: Path) -> TagInfo:
    with open(path, encoding="utf-8") as fh:
        fields = deb822.Deb822(fh)
    name = fields.get("Tag", "")
    severity = fields.get("Severity", "")
    if name != path.stem or severity not in SEVERITIES or not fields.get("Explanation"):
        raise TagDataError(path, "needs Tag (the file's name), Severity and Explanation")
    see_also = tuple(s.strip() for s in fields.get("See-Also", "").replace("\n", " ").split(",") if s.strip())
    return TagInfo(name, severity, fields.get("Check", ""), see_also, _explanation(fields["Explanation"]))


@lru_cache(maxsize=1)
def all_tags() -> dict[str, TagInfo]:
    return {path.stem: _parse(path) for path in sorted(TAG_DIR.glob("*.tag"))}


def tag_info(name: str, fallback_severity: str = "warning") -> TagInfo:
    """The tag's record; a tag without one (a new stage finding) keeps the stage's severity."""
    info = all_tags().get(name)
    if info is not None:
        return info
    severity = fallback_severity if fallback_severity in SEVERITIES else "warning"
    return TagInfo(name, severity, "", (), "No description of this tag yet.")


# Tags whose hint must not be silenced: the package is unsafe or broken for every user.
NEVER_OVERRIDE = frozenset({"chat-template-sandbox-escape", "onnx-external-data-outside-model",
                            "pickle-imports-dangerous-callable", "lfs-pointer-instead-of-model",
                            "mlmodel-file-checksum-mismatch", "mlmodel-unsafe-member-path",
                            "mlmodel-changes-checksum-mismatch", "mlmodel-data-limit-exceeded"})

MARKDOWN_HEAD = """# mlmodel lint tags

Generated from dh_mlmodel/lint/tags/*.tag by `python3 -m dh_mlmodel.lint.tagdata > docs/tags.md`
(a test keeps the two in sync).  Each tag file has lintian's fields: Tag, Severity, Check, See-Also,
Explanation.  A stage finding that lint passes through keeps the severity its stage gave when the stage
gives one (for example `pickle-opcode-not-allowed` is an error for crafted opcodes and a warning for a
newer pickle protocol); the Severity below is the tag's usual one.

**Overriding.** Lint reads lintian's override files, with lintian's syntax: a binary package's
`usr/share/lintian/overrides/<package>` (installed by dh_lintian from `debian/<package>.lintian-overrides`)
and the source package's `debian/source/lintian-overrides`.  A line is
`[<package>[ [<archs>]][ binary|source]: ]<tag>[ <context>]`; the context is the hint's note and its
`[pointer]`, `*` matches anything, and a comment right above the line is shown as `N:` next to the `O:`
line.  Lint reports an override of one of its tags that matched nothing as `mlmodel-unused-override`.

**Lintian and these overrides.** Lintian 2.116 reports an override of a tag it does not know as
`E: alien-tag`, which cannot itself be overridden.  Lintian reads every `*.tag` file under
`/usr/share/lintian/tags/` (and under `--include-dir DIR/tags/`), so dh-mlmodel installs copies of
these tag files in `/usr/share/lintian/tags/mlmodel/`: where dh-mlmodel is installed (a developer's
machine, a chroot that built with dh_mlmodel) lintian knows the tags and ignores their overrides
quietly.  Lintian does not follow a symlinked directory there, hence copies
(tests/lint/test_lintian_compat.py).

How lint reads packages: it streams each .deb's data.tar once (through `dpkg-deb --fsys-tarfile`),
hashes every file, and inspects each model file with dh_mlmodel's own stages (detect, describe, risk)
on a temporary copy of that one file; for safetensors and GGUF only the header is copied (the rest of the
temporary file is a hole), other formats are copied whole, one file at a time.  Two checks the build
makes across files are not repeated from the package: the shard headers behind a sharded index
(`safetensors-index-key-mismatch`, `safetensors-index-unreadable-shard`) are checked by dh_mlmodel at
build time only; lint checks that each shard is shipped.  Every other regular file of the package,
wherever it is installed, is copied the same way and run through detect and the risk stage's pickle
scanner, so a pickle or model outside `/usr/share/mlmodel/<model>/` is found
(`mlmodel-model-file-outside-model-root`); findings inside a container point at
`<path in the package>:<member>`.  Reading stops with `mlmodel-data-limit-exceeded` past 200,000 members
or past 200 times the compressed data.tar plus 64 MiB; sparse members are never expanded.  A .changes's
Files, Checksums-Sha1 and Checksums-Sha256 are checked against the files beside it.

"""


def markdown() -> str:
    out = [MARKDOWN_HEAD, "| Tag | Severity | Check |\n|---|---|---|\n"]
    tags = all_tags()
    out += [f"| [`{t.name}`](#{t.name}) | {t.severity} | {t.check} |\n" for t in tags.values()]
    for t in tags.values():
        out.append(f"\n## {t.name}\n\nSeverity: **{t.severity}**; check: {t.check}.\n\n")
        out.append("\n\n".join(" ".join(p.split()) for p in t.explanation.split("\n\n")) + "\n\n")
        if t.see_also:
            out.append(f"See also: {', '.join(t.see_also)}.\n\n")
        if t.name in NEVER_OVERRIDE:
            out.append("To override: do not; fix the package.\n")
        else:
            out.append(f"To override (debian/PKG.lintian-overrides): `{t.name} [<path in the package>]`\n")
    return "".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
