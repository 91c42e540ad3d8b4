"""Odd file names in debian/copyright (issue 13, class 12).

DEP-5 (copyright-format 1.0, Files field): patterns are whitespace-separated,
`*` and `?` are wildcards, a backslash escapes `*`, `?` and itself, and any
other character after a backslash is an error.  python-debian's copyright
module is the reader the tests trust: every generated pattern must parse and
match exactly the name it was made for.  A name that is not UTF-8 cannot be
written into debian/copyright at all: it is refused in one line, by `mlmodel
init` before anything is written and by `mlmodel copyright`.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from debian import copyright as dep5
from hypothesis import given, settings
from hypothesis import strategies as st

from dh_mlmodel import cli
from dh_mlmodel.deliver import copyright as dep5gen
from dh_mlmodel.deliver.copyright import CopyrightError, uncovered

TOP = Path(__file__).resolve().parents[2]
DEMO = TOP / "examples" / "demo"
ODD = ['we"ird.json', "it's.json", "back\\slash.json", "star*.json", "what?.json", "two  spaces.json",
       "tab\there.json", "trail\\", "[brackets].json", "comma,semi;colon.json", "ünï.json", "\\*\\?.json"]
HEADER = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"


def parse(text: str) -> dep5.Copyright:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dep5.Copyright(io.StringIO(text), strict=False)


def stanza(patterns: list[str]) -> str:
    return HEADER + dep5.FilesParagraph.create(patterns, "2026 X", dep5.License("CC0-1.0")).dump()


@pytest.mark.parametrize("name", ODD)
def test_pattern_matches_exactly_its_name(name):
    parsed = parse(stanza([f"model/{dep5gen.dep5_pattern(name)}"]))
    assert parsed.find_files_paragraph(f"model/{name}") is not None
    assert parsed.find_files_paragraph(f"model/{name}x") is None  # an escaped * or ? is not a wildcard
    assert parsed.find_files_paragraph("model/other.json") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.\\*?\"' \t[]{}$`%\u00e9\u2028\x7f")), min_size=1, max_size=12))
def test_any_name_gives_a_pattern_python_debian_reads_and_matches(name):
    parsed = parse(stanza([dep5gen.dep5_pattern(name)]))
    para = parsed.find_files_paragraph(name)
    assert para is not None and para.license.synopsis == "CC0-1.0"
    assert parsed.find_files_paragraph(name + "z") is None


def test_non_utf8_name_is_refused_in_one_line():
    name = os.fsdecode(b"extra\xff.safetensors")
    with pytest.raises(CopyrightError) as caught:
        dep5gen.dep5_pattern(name)
    assert caught.value.one_line() == ("extra\\xff.safetensors: the file name is not valid UTF-8; "
                                       "Debian file names must be (rename the file)")


def test_a_pattern_python_debian_refuses_is_one_error_at_build():
    """A human's `Files: model/a\\b` parses, and python-debian fails only when it matches: one line."""
    parsed = parse(HEADER + "Files: *\nCopyright: 2026 X\nLicense: CC0-1.0\n\n"
                            "Files: model/a\\b.json\nCopyright: 2026 Y\nLicense: CC0-1.0\n")
    with pytest.raises(CopyrightError, match=r"Files: pattern 'model/a\\\\b.json' is not DEP-5 "
                                             r"\(invalid escape sequence: \\b\)"):
        uncovered(parsed, ["model/config.json"])


def _demo(tmp_path: Path, directory: str, exclude: bool) -> Path:
    src = tmp_path / "src"
    shutil.copytree(DEMO, src, symlinks=True)
    (src / "model").rename(src / directory)
    yaml_path = src / "debian" / "mlmodel.yaml"
    text = yaml_path.read_text().replace("    path: model\n", f"    path: '{directory}'\n" +
                                         ('    exclude: ["notes-not-here.txt"]\n' if exclude else ""))
    yaml_path.write_text(text)
    for name in ODD[:5]:
        shutil.copy(src / directory / "config.json", src / directory / name)
    return src


@pytest.mark.parametrize("directory, exclude", [("model", True), ('mo*d? "x"', False)])
def test_copyright_update_covers_odd_names(tmp_path, capsys, directory, exclude):
    """`mlmodel copyright --update` (per-file patterns with exclude:, a directory pattern without):
    python-debian reads the result and finds a paragraph for every model file."""
    src = _demo(tmp_path, directory, exclude)
    assert cli.main(["copyright", "--update", str(src)]) == 0, capsys.readouterr().err
    parsed = parse((src / "debian/copyright").read_text())
    model_files = sorted(p.relative_to(src).as_posix() for p in (src / directory).iterdir())
    assert [p for p in model_files if parsed.find_files_paragraph(p) is None] == []
    ours = [p for p in parsed.all_files_paragraphs() if "Managed by mlmodel" in (p.comment or "")]
    assert [ours[0] is parsed.find_files_paragraph(p) for p in model_files] == [True] * len(model_files)


def test_copyright_refuses_a_non_utf8_name_and_writes_nothing(tmp_path, capsys):
    src = _demo(tmp_path, "model", True)
    before = (src / "debian/copyright").read_bytes()
    shutil.copy(src / "model/config.json", os.fsencode(src / "model") + b"/bad\xff.json")
    assert cli.main(["copyright", "--update", str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad\\xff.json" in err[0] and "not valid UTF-8" in err[0] and "Traceback" not in err[0]
    assert (src / "debian/copyright").read_bytes() == before


@pytest.mark.skipif(not shutil.which("dh_testdir"), reason="debhelper not installed")
def test_dh_mlmodel_refuses_a_non_utf8_name_before_installing(tmp_path):
    """dh_mlmodel run by hand in the demo tree: one error line naming the file, nothing installed."""
    from conftest import intree_env

    src = tmp_path / "demo-embed-1.0"
    shutil.copytree(DEMO, src, symlinks=True)
    shutil.copy(src / "model/config.json", os.fsencode(src / "model") + b"/bad\xff.json")
    proc = subprocess.run(["dh_mlmodel"], cwd=src, env=intree_env(), capture_output=True, text=True)
    assert (proc.returncode, proc.stderr.splitlines()) == (255, [
        "dh_mlmodel: error: model/bad\\xff.json: the file name is not valid UTF-8; Debian file names must be "
        "(rename the file)"])
    assert not [p for p in (src / "debian").iterdir() if p.is_dir() and p.name.startswith("demo-embed")]


@pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed (apt install debmake)")
def test_init_refuses_a_non_utf8_name_before_writing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    model = tmp_path / "demo-embed"
    shutil.copytree(DEMO / "model", model)
    shutil.copy(model / "model.safetensors", os.fsencode(model) + b"/extra\xff.safetensors")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "init", "--maintainer",
                           "Jane Doe <jane@example.org>", str(model)], capture_output=True, text=True, cwd=TOP, env=env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"mlmodel: error: {model}: file name 'extra\\xff.safetensors' is not valid "
                                        "UTF-8; Debian file names must be (rename the file)"]
    assert not (model / "debian").exists()
