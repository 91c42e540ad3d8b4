"""debian/copyright and the model files it must cover.

The check uses python-debian's DEP-5 parser, the same matching dak and
lintian apply (last matching Files: paragraph wins).
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Iterable

from debian import copyright as dep5

from ..model import MLModelError


class CopyrightError(MLModelError):
    """debian/copyright cannot be read or does not cover what is shipped."""


def read_copyright(path: Path) -> dep5.Copyright | None:
    """The parsed file, or None when it is not machine-readable (DEP-5)."""
    try:
        with open(path, encoding="utf-8") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dep5.Copyright(fh, strict=False)
    except FileNotFoundError:
        raise CopyrightError(path, "missing (every Debian package needs one)") from None
    except dep5.NotMachineReadableError:
        return None
    except (ValueError, UnicodeDecodeError, dep5.Error) as exc:
        raise CopyrightError(path, f"cannot parse: {exc}") from None


def uncovered(copyright_file: dep5.Copyright, source_paths: Iterable[str],
              path: Path = Path("debian/copyright")) -> list[str]:
    """The source-tree paths no Files: paragraph matches.

    python-debian compiles a Files: pattern only when it matches with it, so
    a pattern it refuses (a backslash before anything but `\\`, `*`, `?`)
    fails here, not at parse time: a one-line error naming the pattern.
    """
    try:
        return sorted(p for p in source_paths if copyright_file.find_files_paragraph(p) is None)
    except dep5.Error as exc:
        bad = next((g for para in copyright_file.all_files_paragraphs() for g in para.files
                    if not _compiles(g)), "?")
        raise CopyrightError(path, f"Files: pattern {bad!r} is not DEP-5 ({exc})") from None


def _compiles(glob: str) -> bool:
    try:
        dep5.globs_to_re([glob])
        return True
    except dep5.Error:
        return False


# DEP-5 (copyright-format 1.0, "Files" field): a backslash takes the magic from the next character, and
# only `\*`, `\?` and `\\` are allowed; the field is whitespace-separated.
_GLOB_ESCAPES = {"\\": "\\\\", "*": "\\*", "?": "\\?"}


def check_name_utf8(relpath: str, where: Path | str | None = None) -> None:
    """Refuse a file name that is not UTF-8 (a filesystem name decoded with surrogateescape).

    debian/copyright, the records and dpkg's file lists are UTF-8 text; no
    pattern in them can name such a file, and lintian rejects it
    (file-name-is-not-valid-UTF-8).
    """
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(relpath).decode("utf-8", "backslashreplace")
        what = f"file name '{shown}'" if where else "the file name"
        raise CopyrightError(where or shown, f"{what} is not valid UTF-8; Debian file names must be "
                             "(rename the file)") from None


def dep5_pattern(relpath: str) -> str:
    """The DEP-5 Files: pattern matching RELPATH: `\\`, `*` and `?` escaped, whitespace and control
    characters (which the whitespace-separated field cannot hold) as `?`, one character."""
    check_name_utf8(relpath)
    return "".join(_GLOB_ESCAPES.get(c) or ("?" if c.isspace() or not c.isprintable() else c) for c in relpath)


# -- generating stanzas (`mlmodel copyright`) -----------------------------------------
#
# The stanzas are made with python-debian's copyright module; merging them into
# a file a human wrote is done on the text, paragraph by paragraph, because
# every human paragraph and comment must survive byte for byte, and a parse
# and dump cycle does not promise that across python-debian versions.

MANAGED_MARK = "Managed by mlmodel copyright"
COMMON_LICENSES = Path("/usr/share/common-licenses")
LICENSE_FILE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "LICENCE.txt", "COPYING")
# The DEP-5 short names whose text Debian ships in /usr/share/common-licenses under that file name.
COMMON_LICENSE_FILES = {"Apache-2.0": "Apache-2.0", "CC0-1.0": "CC0-1.0", "GPL-2": "GPL-2", "GPL-2+": "GPL-2",
                        "GPL-3": "GPL-3", "GPL-3+": "GPL-3", "LGPL-2.1": "LGPL-2.1", "LGPL-2.1+": "LGPL-2.1",
                        "LGPL-3": "LGPL-3", "LGPL-3+": "LGPL-3", "MPL-2.0": "MPL-2.0", "Artistic": "Artistic",
                        "GFDL-1.3": "GFDL-1.3"}
EXPAT_TEXT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


from dataclasses import dataclass as _dataclass  # noqa: E402  (kept beside the generator it serves)


@_dataclass(frozen=True)
class ModelCopyright:
    """What a Files: stanza says about one model."""

    name: str
    files: tuple[str, ...]  # DEP-5 Files: patterns, relative to the source root
    holders: tuple[str, ...]
    license: str  # DEP-5 short name or expression
    license_text: str | None  # full text for a standalone paragraph, when known
    comment: tuple[str, ...]  # lines
    non_main: str | None  # the ML-Policy line for the header's Disclaimer, when not main


def _field_lines(lines: Iterable[str]) -> str:
    """Continuation lines of a formatted DEP-5 field: blank lines become ' .'."""
    return "\n".join(f" {line}" if line.strip() else " ." for line in lines)


def license_text(dep5_name: str, model_dir: Path | None) -> str | None:
    """The full text for `License: NAME`: a pointer to common-licenses, the model's LICENSE file, or None."""
    common = COMMON_LICENSE_FILES.get(dep5_name)
    if common and (COMMON_LICENSES / common).exists():
        return (f"On Debian systems, the complete text of the {dep5_name} licence can be found in\n"
                f'"/usr/share/common-licenses/{common}".')
    if dep5_name == "Expat":
        return EXPAT_TEXT
    for name in LICENSE_FILE_NAMES if model_dir else ():
        candidate = model_dir / name
        if candidate.is_file() and not candidate.is_symlink():
            try:
                return candidate.read_text(encoding="utf-8").strip("\n")
            except (OSError, UnicodeDecodeError):
                return None
    return None


def files_stanza(m: ModelCopyright) -> str:
    para = dep5.FilesParagraph.create(list(m.files), m.holders[0] + "".join(f"\n {h}" for h in m.holders[1:]),
                                      dep5.License(m.license))
    comment = [f"{MANAGED_MARK} for model {m.name}; `mlmodel copyright --update` rewrites this paragraph.",
               *m.comment]
    para.comment = comment[0] + "\n" + _field_lines(comment[1:])
    return para.dump().rstrip("\n") + "\n"


LICENSE_MARK = f"{MANAGED_MARK}: the text of a licence its model paragraphs name"


def license_stanza(name: str, text: str | None, managed: bool = True) -> str:
    """A standalone License: paragraph, marked as ours (copyright-format 1.0 allows Comment: there)."""
    body = text if text is not None else (f"TODO: the full text of {name}: no copy was found in "
                                          "/usr/share/common-licenses or in the model directory.")
    lines = body.splitlines()
    para = dep5.LicenseParagraph.create(dep5.License(name, "\n".join(line.rstrip() or "." for line in lines)))
    if managed:
        para.comment = f"{LICENSE_MARK}; `mlmodel copyright --update` rewrites or removes this paragraph."
    return para.dump().rstrip("\n") + "\n"


# -- merging into an existing file --------------------------------------------------

def split_paragraphs(text: str) -> list[str]:
    """The file as alternating paragraph and separator chunks; "".join() gives it back exactly."""
    chunks: list[str] = []
    current: list[str] = []
    blank = None
    for line in text.splitlines(keepends=True):
        is_blank = not line.strip()
        if blank is None or is_blank != blank:
            if current:
                chunks.append("".join(current))
            current = []
            blank = is_blank
        current.append(line)
    if current:
        chunks.append("".join(current))
    return chunks


def _fields(chunk: str) -> dict:
    from debian import deb822

    try:
        return dict(deb822.Deb822(chunk.splitlines()))
    except Exception:  # a malformed human paragraph is not ours to judge here
        return {}


# Our mark opens the Comment: a maintainer's comment that only mentions it ("not Managed by mlmodel
# copyright for model X; hand-written") is a human paragraph, never rewritten or dropped.
_FILES_MARK = re.compile(re.escape(MANAGED_MARK) + r" for model (\S+);")


def _is_managed(chunk: str, model: str | None = None) -> bool:
    """A Files: paragraph we wrote (for MODEL, or for any model)."""
    found = _managed_model(chunk)
    return found is not None and (model is None or found == model)


def _managed_model(chunk: str) -> str | None:
    m = _FILES_MARK.match(_fields(chunk).get("Comment", "").lstrip())
    return m.group(1) if m else None


def _our_license(chunk: str) -> str | None:
    """The licence name of a standalone License: paragraph we wrote, else None.

    Marked ones carry LICENSE_MARK; a TODO paragraph of an older init or
    update (written before the mark) is recognised by being exactly our text.
    """
    fields = _fields(chunk)
    if not fields or "Files" in fields or "Format" in fields or "License" not in fields:
        return None
    name = fields["License"].partition("\n")[0].strip()
    if fields.get("Comment", "").lstrip().startswith(LICENSE_MARK):  # opens it, as for _FILES_MARK
        return name
    normalised = chunk.replace("\r\n", "\n").strip("\n") + "\n"
    return name if normalised == license_stanza(name, None, managed=False) else None


def _defines_license(chunks: list[str], name: str) -> bool:
    """Some human paragraph already gives NAME's text (standalone License paragraph or Files paragraph with text)."""
    for chunk in chunks:
        if _our_license(chunk) is not None:
            continue
        lic = _fields(chunk).get("License", "")
        first, _, rest = lic.partition("\n")
        if first.strip() == name and rest.strip():
            return True
    return False


def header_stanza(upstream_name: str, source_url: str | None) -> str:
    header = dep5.Header()
    header.upstream_name = upstream_name
    if source_url:
        header.source = source_url
    return header.dump().rstrip("\n") + "\n"


_OUR_DISCLAIMER = re.compile(r"^(?:Disclaimer:\s*)?ML-Policy: \S+ is placed ")


def _with_disclaimer(header: str, lines: list[str], eol: str = "\n") -> str:
    """The header paragraph with our ML-Policy lines in Disclaimer: (ML-Policy's marking proposal).

    Lines we wrote before are replaced (a verdict changes when the declaration
    does); what a human wrote in the field stays as it was, line ends included.
    """
    hl = header.splitlines(keepends=True)
    start = next((i for i, line in enumerate(hl) if line.lower().startswith("disclaimer:")), None)
    if start is None and not lines:
        return header
    hl = [_ended(line, eol) for line in hl]
    if start is None:
        at, kept = len(hl), []
    else:
        end = start + 1
        while end < len(hl) and hl[end][:1] in (" ", "\t"):
            end += 1
        kept = [line for line in hl[start:end] if not _OUR_DISCLAIMER.match(line.strip())]
        if kept and not kept[0].lower().startswith("disclaimer:"):
            kept = []  # the field was all ours: rebuild it
        while len(kept) > 1 and kept[-1].strip() == ".":
            kept.pop()
        at = start
        del hl[start:end]
    if kept and lines:
        field = [*kept, " ." + eol, *(f" {line}{eol}" for line in lines)]
    elif lines:
        field = [f"Disclaimer: {lines[0]}{eol}", *(f" {line}{eol}" for line in lines[1:])]
    else:
        field = kept
    hl[at:at] = field
    return "".join(hl)


def _ended(chunk: str, eol: str) -> str:
    """CHUNK with a line end after its last line (its own, or EOL when the file ended without one)."""
    return chunk if chunk.endswith(("\n", "\r")) else chunk + eol


def line_end(text: str | None) -> str:
    """The file's line end, from its first line: CRLF files get our paragraphs in CRLF too."""
    return "\r\n" if text and text.split("\n", 1)[0].endswith("\r") else "\n"


def merge_copyright(existing: str | None, models: list[ModelCopyright], header: str) -> str:
    """EXISTING with the models' managed stanzas replaced or added; human paragraphs kept byte for byte.

    EXISTING must be read without newline translation (open(..., newline="")):
    a CRLF file keeps its CRLF, and what we add is written with its line end.
    """
    eol = line_end(existing)
    ours = (lambda text: text.replace("\n", eol)) if eol != "\n" else (lambda text: text)
    chunks = split_paragraphs(existing) if existing else [header]
    paras = [i for i, c in enumerate(chunks) if c.strip()]
    if not paras:
        chunks, paras = [header], [0]
    disclaimer = [m.non_main for m in models if m.non_main]
    chunks[paras[0]] = _with_disclaimer(chunks[paras[0]], disclaimer, eol)
    names = {m.name for m in models}
    # The paragraphs we wrote for a model no longer declared go.
    chunks = _drop(chunks, [i for i in paras[1:] if _is_managed(chunks[i]) and _managed_model(chunks[i]) not in names])
    paras = [i for i, c in enumerate(chunks) if c.strip()]
    for m in models:
        stanza = ours(files_stanza(m))
        managed = [i for i in paras if _is_managed(chunks[i], m.name)]
        if managed:
            chunks[managed[0]] = stanza
            continue
        # After `Files: *` (last match wins, so ours beats the catch-all) but before any other human
        # Files paragraph, which then keeps the last word for the files it names.
        star = [i for i in paras if _fields(chunks[i]).get("Files", "").split() == ["*"]]
        at = star[0] if star else paras[0]
        chunks[at:at + 1] = [_ended(chunks[at], eol), eol, stanza]
        paras = [i for i, c in enumerate(chunks) if c.strip()]
    return _merge_license_texts(chunks, models, eol, ours)


def _named_by_humans(chunks: list[str]) -> set[str]:
    """Licence names the paragraphs we did not write use without giving the text (init's `Files: debian/*`)."""
    out = set()
    for chunk in chunks:
        fields = _fields(chunk)
        if "Files" not in fields or _is_managed(chunk):
            continue
        first, _, body = fields.get("License", "").partition("\n")
        if not body.strip():
            out |= {w for w in re.split(r"[\s,()]+", first) if w and w.lower() not in ("and", "or", "with")}
    return out


def _merge_license_texts(chunks: list[str], models: list[ModelCopyright], eol: str, ours) -> str:
    """Our standalone License: paragraphs: one per licence a model paragraph (or a human paragraph
    without the text) names, unless a human paragraph gives that text; the rest go."""
    wanted = dict(sorted({(m.license, m.license_text) for m in models if " " not in m.license}))
    kept_for_humans = _named_by_humans(chunks)
    placed, drop = set(), []
    for i, chunk in enumerate(chunks):
        name = _our_license(chunk)
        if name is None:
            continue
        if name in placed or _defines_license(chunks, name):
            drop.append(i)
        elif name in wanted:
            if wanted[name] is not None or _TODO.search(_fields(chunk).get("License", "")):
                chunks[i] = ours(license_stanza(name, wanted[name]))
            # else: we have no copy of the text and the maintainer pasted one into our paragraph: kept.
            placed.add(name)
        elif name in kept_for_humans:
            placed.add(name)
        else:
            drop.append(i)
    chunks = _drop(chunks, drop)
    for name, text in wanted.items():
        if name not in placed and not _defines_license(chunks, name):
            chunks[-1] = _ended(chunks[-1], eol) if chunks[-1].strip() else chunks[-1]
            chunks += [eol, ours(license_stanza(name, text))]
    return "".join(chunks)


def _drop(chunks: list[str], indices: list[int]) -> list[str]:
    """CHUNKS without the paragraphs at INDICES, each with the separator before it."""
    gone = set(indices) | {i - 1 for i in indices if i > 0 and not chunks[i - 1].strip()}
    return [c for i, c in enumerate(chunks) if i not in gone]


# -- placeholders left in a finished file (mlmodel-copyright-placeholder) ------------------

_UNKNOWN_NAMES = frozenset({"unknown", "noassertion", "other", "none"})
_TODO = re.compile(r"\bTODO\b", re.IGNORECASE)


def placeholders(text: str) -> list[str]:
    """What still stands in for a licence or holder in a DEP-5 file: a TODO in a License: or
    Copyright: field, or a licence named `unknown`/`NOASSERTION`/`other`.  [] when there is none
    or the file is not machine-readable (another check says so)."""
    chunks = [c for c in split_paragraphs(text) if c.strip()]
    if not chunks or "Format" not in _fields(chunks[0]):
        return []
    out = []
    for chunk in chunks[1:]:
        fields = _fields(chunk)
        first, _, body = fields.get("License", "").partition("\n")
        names = [w for w in re.split(r"[\s,()]+", first) if w and w.lower() not in ("and", "or", "with")]
        if _TODO.search(first) or any(w.lower() in _UNKNOWN_NAMES for w in names):
            out.append(f"License: {first.strip()}")
        elif _TODO.search(body):
            out.append(f"License: {first.strip()} (its text is a TODO)")
        if _TODO.search(fields.get("Copyright", "")):
            out.append(f"Copyright: {' '.join(fields['Copyright'].split())}")
    return out


# -- from the pipeline's results to stanzas -------------------------------------------------

_DEP5_OPERATORS = {"AND": "and", "OR": "or", "WITH": "with"}


def dep5_expression(expression: str) -> tuple[str, tuple[str, ...]]:
    """An SPDX or HF expression in DEP-5 spelling (mit -> Expat, OR -> or), and its licence names."""
    from .. import licenses

    words, atoms = [], []
    for token in expression.replace("(", " ( ").replace(")", " ) ").split():
        if token.upper() in _DEP5_OPERATORS:
            words.append(_DEP5_OPERATORS[token.upper()])
        elif token in "()":
            words.append(token)
        else:
            name = licenses.dep5_name(token) or token
            words.append(name)
            atoms.append(name)
    return " ".join(words).replace("( ", "(").replace(" )", ")"), tuple(atoms)


def _patterns(directory: str, relpaths: Iterable[str], excluded: bool) -> tuple[str, ...]:
    relpaths = list(relpaths)
    for p in relpaths:
        check_name_utf8(p)
    if directory not in ("", ".") and not excluded:
        return (f"{dep5_pattern(directory)}/*",)
    prefix = "" if directory in ("", ".") else f"{directory}/"
    return tuple(sorted(dep5_pattern(prefix + p) for p in relpaths))


def _summary_lines(decl, verdict) -> list[str]:
    lines = []
    up = getattr(decl, "upstream", None)
    if up is not None and (up.url or up.revision):
        lines.append("Upstream: " + (up.url or "") + (f" (revision {up.revision})" if up.revision else ""))
    if verdict is not None:
        lines.append(f"Placement: {verdict.category} ({verdict.section or 'not placed'}) under the "
                     f"{verdict.profile} profile, rule {verdict.rule}; advice only, the ftpmasters decide.")
    data = getattr(decl, "training_data", None)
    if data is None or isinstance(data, str):
        lines.append("Training data: undeclared.")
    else:
        lines.append("Training data: " + "; ".join(
            f"{d.name} ({d.license or 'licence unknown'}, {d.availability})" for d in data) + ".")
    code = getattr(decl, "training_code", None)
    lines.append(f"Training code: {code.completeness}" + (f" ({code.url})" if code.url else "") + "."
                 if code is not None else "Training code: undeclared.")
    for base in getattr(decl, "base_models", ()) or ():
        lines.append(f"Base model: {base.name or base.package} ({base.category or 'category undeclared'}).")
    return lines


def model_copyright(decl, directory: str, relpaths: Iterable[str], verdict, license_expr: str | None,
                    model_dir: Path) -> ModelCopyright:
    """The Files: stanza data for one model, from its declaration, files and verdict."""
    relpaths = list(relpaths)
    holders = tuple(getattr(decl, "copyright", ()) or ()) or (
        f"TODO: the copyright holders of {decl.name} (declare `copyright:` in debian/mlmodel.yaml)",)
    license_name, atoms = dep5_expression(license_expr) if license_expr else ("TODO-unknown-licence", ())
    text = license_text(atoms[0], model_dir) if len(atoms) == 1 else None
    non_main = None
    if verdict is not None and verdict.section != "main":
        non_main = (f"ML-Policy: {decl.name} is placed {verdict.category} ({verdict.section or 'not placed'}) "
                    f"under the {verdict.profile} profile, rule {verdict.rule}.")
    return ModelCopyright(decl.name, _patterns(directory, relpaths, bool(getattr(decl, "exclude", ()))), holders,
                          license_name, text, tuple(_summary_lines(decl, verdict)), non_main)


def read_text_exact(path: Path) -> str | None:
    """The file's text with its line ends as they are (CRLF stays CRLF), or None when there is none."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CopyrightError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def check_parses(text: str, path: Path) -> None:
    """Refuse to write what python-debian cannot read back."""
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dep5.Copyright(io.StringIO(text), strict=False)
    except (ValueError, dep5.Error) as exc:
        raise CopyrightError(path, f"the merged file would not parse ({exc}); nothing written") from None


# -- training-input notices (training-inputs-honoured, docs/policy.md §2) ----------------------
#
# Glaser's counter-proposal asks that the copyright file "include copyright notices from all
# training inputs", except inputs already separately packaged.  A notice counts as present when
# its words appear in the file as whole words in the same order, whatever the punctuation, the line
# breaks, the DEP-5 continuation dots, the case, or a leading "Copyright"/"(C)"/"©".

_NOTICE_PREFIX = re.compile(r"^(?:copyright\b|\(c\)|©|:|\s)+", re.IGNORECASE)


def _notice_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def notice_present(copyright_text: str, notice: str) -> bool:
    """Whether `notice` (without its "Copyright" prefix) appears in the copyright file's text."""
    wanted = _notice_words(_NOTICE_PREFIX.sub("", notice.strip()))
    return bool(wanted) and f" {wanted} " in f" {_notice_words(copyright_text)} "


def _input_field(ds, key: str):
    return ds.get(key) if isinstance(ds, dict) else getattr(ds, key, None)


def missing_training_notices(copyright_text: str, datasets) -> list[str]:
    """One line per declared training input whose notice debian/copyright lacks ([] = all present).

    `datasets` are DatasetDecl or the record's dicts (name, copyright, package); inputs with a
    `package` are exempt (their own copyright file carries the notices).
    """
    out = []
    for ds in datasets:
        name, notices, package = (_input_field(ds, k) for k in ("name", "copyright", "package"))
        notices = notices if isinstance(notices, (list, tuple)) else ()
        if package:
            continue
        if not notices:
            out.append(f"training input {name}: no copyright notice declared (training-data: copyright:)")
            continue
        absent = [n for n in notices if not notice_present(copyright_text, str(n))]
        if absent:
            out.append(f"training input {name}: notice {'; '.join(map(str, absent))!r} is not in the copyright file")
    return out


def training_notice_lines(decl, verdict) -> list[str]:
    """Comment lines proposing the declared training inputs' notices (and, under
    training-inputs-honoured, a TODO for each input that declares none)."""
    from ..declaration import TRAINING_INPUTS_HONOURED

    data = getattr(decl, "training_data", None)
    strict = verdict is not None and verdict.profile == TRAINING_INPUTS_HONOURED
    lines = []
    for ds in data if isinstance(data, tuple) else ():
        if ds.package:
            lines.append(f"Training input {ds.name}: its notices are in the copyright file of package {ds.package}.")
        elif ds.copyright:
            lines += [f"Training input {ds.name}: Copyright {notice}" for notice in ds.copyright]
        elif strict:
            lines.append(f"TODO: the copyright notice of training input {ds.name} "
                         "(declare training-data: copyright: in debian/mlmodel.yaml)")
    return lines
