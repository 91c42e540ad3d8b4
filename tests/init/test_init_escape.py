"""The escaping filters and the template sandbox of `mlmodel init`."""
from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
import yaml
from debian import deb822
from hypothesis import given, settings, strategies as st

from dh_mlmodel.bootstrap import escape, render

HOSTILE = ["apache-2.0\nDepends: evil", "x\r\nProvides: y", "${shell}`id`$(id)", "a\u2028b", "\u202egnp.exe",
           "trailing \\", "#comment", " .", "line\n.\nDepends: z"]


@pytest.mark.parametrize("value", HOSTILE)
def test_deb822_value_stays_in_its_field(value):
    text = f"Source: x\nHomepage: {escape.deb822(value)}\nSection: misc\n"
    para = deb822.Deb822(io.StringIO(text))
    assert list(para) == ["Source", "Homepage", "Section"]
    assert "\n" not in para["Homepage"]
    assert "$" not in para["Homepage"].replace("${}", "")


def test_dollar_is_the_substvars_literal():
    assert escape.deb822("${shell}") == "${}{shell}"


@pytest.mark.parametrize("value", HOSTILE)
def test_description_body_is_continuation_lines_only(value):
    body = escape.deb822_body(["Intro " + value * 5, value])
    para = deb822.Deb822(io.StringIO(f"Package: x\nDescription: synopsis\n{body}\nArchitecture: all\n"))
    assert list(para) == ["Package", "Description", "Architecture"]
    for line in body.splitlines():
        assert line.startswith(" ") and line.strip() != ""


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_yaml_scalar_round_trips(value):
    assert yaml.safe_load("key: " + escape.yaml_scalar(value)) == {"key": value}


@pytest.mark.parametrize("value", ["${HOME}", "`id`", "$(id)", "a'b\"c", "--x", "*", "$$"])
def test_make_shell_word_reaches_the_shell_unchanged(tmp_path, value):
    if not shutil.which("make"):
        pytest.skip("make not installed")
    (tmp_path / "Makefile").write_text(f"all:\n\t@printf '%s' {escape.make_shell(value)}\n")
    # Clean of an outer make's variables (this runs inside debian/rules at package build time too).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(tmp_path)], capture_output=True, text=True,
                         check=True, env=env).stdout
    assert out == value


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b"])
def test_shell_refuses_control_characters(value):
    with pytest.raises(escape.EscapeError):
        escape.shell(value)


def _templates(tmp_path, text):
    (tmp_path / "debian").mkdir()
    (tmp_path / "debian" / "x.j2").write_text(text)
    return tmp_path


def test_a_value_without_filter_is_refused(tmp_path):
    root = _templates(tmp_path, "Field: {{ value }}\n")
    with pytest.raises(render.RenderError, match="without an escaping filter"):
        render.render_all({"value": "x\nDepends: y"}, root)


def test_filtered_value_renders(tmp_path):
    root = _templates(tmp_path, "Field: {{ value|deb822 }}\n")
    assert render.render_all({"value": "x\nDepends: y"}, root) == {"x": "Field: x\\nDepends: y\n"}


def test_sandbox_blocks_python_internals(tmp_path):
    root = _templates(tmp_path, "{{ value.__class__.__mro__[1].__subclasses__()|comment }}\n")
    with pytest.raises(render.RenderError):
        render.render_all({"value": "x"}, root)


def test_undefined_is_an_error(tmp_path):
    root = _templates(tmp_path, "{{ missing|deb822 }}\n")
    with pytest.raises(render.RenderError):
        render.render_all({}, root)


def test_empty_render_writes_no_file(tmp_path):
    root = _templates(tmp_path, "{% if value %}x{% endif %}\n")
    assert render.render_all({"value": ""}, root) == {}
