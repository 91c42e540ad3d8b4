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
