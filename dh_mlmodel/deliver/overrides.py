"""Lintian overrides for tags that really fire on a model package's layout.

Only tags lintian would emit get an override (an override that never fires is
itself reported as unused), so the conditions below mirror lintian's own
checks, as of lintian 2.116 (Debian 12); both are data, with their source:

- binary: `package-contains-documentation-outside-usr-share-doc`
  (Lintian/Check/Documentation.pm): a file whose base name matches one of the
  documentation patterns, outside usr/share/doc, usr/share/help and etc/, and
  not under a `template(s)(.d)/` directory. Tokenizer data such as vocab.txt
  and merges.txt trips it; it is data the loader reads from the model
  directory, so it must stay there.
- source: `very-long-line-length-in-source-file`
  (Lintian/Check/Files/Contents/LineLength.pm): a file whose name has none of
  the binary, compressed or xml/sgml/svg/json(l) extensions and that has a
  line over 512 characters. Weight files are binary but their extensions are
  not on lintian's list.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Iterable

from ..model import MLModelError

GENERATED_MARK = "mlmodel:"  # first word of the comment above each line we write

# Lintian/Check/Documentation.pm, @DOCUMENTATION_FILE_REGEXES (matched on the base name, case-insensitive)
DOCUMENTATION_PATTERNS = tuple(re.compile(p, re.I) for p in (
    r"[.]docx?$", r"[.]html?$", r"[.]info$", r"[.]latex$", r"[.]markdown$", r"[.]md$", r"[.]odt$", r"[.]pdf$",
    r"[.]readme$", r"[.]rmd$", r"[.]rst$", r"[.]rtf$", r"[.]tex$", r"[.]txt$", r"^code[-_]of[-_]conduct$",
    r"^contribut(?:e|ing)$", r"^copyright$", r"^licen[sc]es?$", r"^howto$", r"^patents?$",
    r"^readme(?:[.]?first|[.]1st|[.]debian|[.]source)?$", r"^todos?$",
))
DOCUMENTATION_EXEMPT_DIRS = re.compile(r"^(?:etc/|usr/share/(?:doc|help)/)")
DOCUMENTATION_EXEMPT_PARENT = re.compile(r"templates?(?:[.]d)?/")

# /usr/share/lintian/data/files/binary-file-extensions and compressed-file-extensions, plus the
# extensions LineLength.pm adds itself.
LINE_LENGTH_SKIPPED_EXTENSIONS = frozenset("""
3g2 3gp ttf aac aif ani asf aps avi avif avifs bmp cb7 cbr cbt cbz chm dbf der djvu dll dmg doc docx emf epub exe
flac gif gmo gpg icc icm icns ico jar jpeg jpg jsonlz4 kbx m4a m4s mjpg mkv mo mov mp3 mp4 mpg odg odp ods odt oga
ogg ogv opus otf otp p12 pdf pfx pgp png ppt pptx psd qix sbn sbx shp shx spx sqlite sqlite3 suo svgz swf tar tga
tgz tbz2 txz tif tiff woff woff2 wav webp webm wv xcf xls xlsx xpi xv zip
bz bz2 gz xz z
xml sgml svg json jsonl
""".split())
VERY_LONG = 512
READ_CHUNK = 1 << 20


class OverridesError(MLModelError):
    """An overrides file cannot be read or written."""


def is_documentation_outside_doc(installed_path: str) -> bool:
    """Would lintian call this installed file documentation outside /usr/share/doc?"""
    base = posixpath.basename(installed_path)
    if not any(p.search(base) for p in DOCUMENTATION_PATTERNS):
        return False
    if DOCUMENTATION_EXEMPT_DIRS.match(installed_path):
        return False
    return not DOCUMENTATION_EXEMPT_PARENT.search(posixpath.dirname(installed_path) + "/")


def has_very_long_line(path: Path) -> bool:
    """Would lintian report a line over 512 characters in this source file?

    Streams the file and stops at the first such line, so a multi-GB weight
    file costs one partial read.  Lengths are counted in code points when the
    line is valid UTF-8, in bytes otherwise, as lintian does.
    """
    ext = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    if ext in LINE_LENGTH_SKIPPED_EXTENSIONS:
        return False
    pending = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(READ_CHUNK)
            if not chunk:
                return _too_long(pending, newline=False)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            if any(_too_long(line, newline=True) for line in lines):
                return True
            if len(pending) > 4 * (VERY_LONG + 1):  # over 512 code points however it decodes
                return True


def _too_long(line: bytes, newline: bool) -> bool:
    """Perl's `<$fd>` keeps the newline, and lintian's length() counts it."""
    extra = 1 if newline else 0
    if len(line) + extra <= VERY_LONG:
        return False
    try:
        return len(line.decode("utf-8")) + extra > VERY_LONG
    except UnicodeDecodeError:
        return True


def pointer(path: str, brackets: bool, line: str | None = None) -> str:
    """A context as the installed lintian writes it: `[path]` since 2.115, bare before."""
    target = f"{path}:{line}" if line else path
    return f"[{target}]" if brackets else target


def binary_overrides(installed_paths: Iterable[str], brackets: bool = True) -> list[tuple[str, str]]:
    """(comment, override) for the installed model files lintian would call documentation."""
    out = []
    for path in sorted(set(installed_paths)):
        if is_documentation_outside_doc(path):
            out.append((f"{GENERATED_MARK} {posixpath.basename(path)} is model data the loader reads from the "
                        "model directory, not documentation",
                        f"package-contains-documentation-outside-usr-share-doc {pointer(path, brackets)}"))
    return out


def source_overrides(source_dir: Path, model_paths: Iterable[str], brackets: bool = True) -> list[tuple[str, str]]:
    """(comment, override) for model files of the source that trip lintian's line-length check."""
    out = []
    for rel in sorted(set(model_paths)):
        if has_very_long_line(source_dir / rel):
            ctx = pointer(rel, brackets, "*") if brackets else f"{rel}:*"
            out.append((f"{GENERATED_MARK} {posixpath.basename(rel)} is a binary model file; its bytes are not "
                        "lines of text", f"very-long-line-length-in-source-file * {ctx}"))
    return out


def merge_overrides(existing: str, generated: list[tuple[str, str]]) -> str:
    """EXISTING with our previous lines replaced by GENERATED; every other line kept as it was."""
    kept: list[str] = []
    lines = existing.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(f"# {GENERATED_MARK}") and i + 1 < len(lines) and not lines[i + 1].startswith("#"):
            i += 2  # our comment and the override under it
            continue
        kept.append(line)
        i += 1
    while kept and not kept[-1].strip():
        kept.pop()
    out = [*kept, *(x for comment, line in generated for x in (f"# {comment}", line))]
    return "".join(f"{line}\n" for line in out)
