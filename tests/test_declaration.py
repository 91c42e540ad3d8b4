"""debian/mlmodel.yaml format 1: the loader and its one-line errors."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dh_mlmodel.declaration import (
    UNDECLARED, DeclarationError, find_declaration, load_declaration, parse_declaration,
    safe_field_value, safe_substvar_value,
)

FULL = textwrap.dedent("""\
    format: 1
    policy: osaid
    models:
      - name: foo-embed
        path: upstream/
        exclude: ["*.onnx"]
        upstream: {url: "https://example.org/foo", revision: 1234abc}
        license: Apache-2.0
        copyright: "2024 Example Lab"
        generative: false
        base-model:
          name: example/foo-base
          license: Apache-2.0
          category: toxic-candy
        training-data:
          - name: wikitext-103
            license: CC-BY-SA-3.0
            availability: public
            url: "https://example.org/wikitext"
          - name: private-crawl
            availability: unavailable
            withheld: false
        data-information: true
        training-code:
          url: "https://example.org/train"
          license: MIT
          completeness: complete
          non-free-toolchain: true
        reproducible: no
        pickle-allow:
          - file: "*.pt"
            callables: [collections.OrderedDict, torch._utils._rebuild_tensor_v2]
            reason: plain state dict
        compression: xz
      - name: foo-gguf
        base-model:
          - {package: foo-embed-data, replaceable: true}
          - {name: other/base, category: free, section: contrib}
        training-data: undeclared
    packages:
      tokenizer: foo-embed-tokenizer
      weights:gguf: foo-embed-gguf
    """)


def parse(text: str):
    return parse_declaration(text, Path("debian/mlmodel.yaml"))


def error_of(text: str) -> str:
    with pytest.raises(DeclarationError) as info:
        parse(text)
    message = info.value.one_line()
    assert "\n" not in message and message.startswith("debian/mlmodel.yaml: ")
    return message


def test_full_example_loads_every_field():
    d = parse(FULL)
    assert d.format == 1 and d.policy == "osaid"
    assert dict(d.packages) == {"tokenizer": "foo-embed-tokenizer", "weights:gguf": "foo-embed-gguf"}
    foo, gguf = d.models
    assert foo.name == "foo-embed" and foo.path == "upstream" and foo.exclude == ("*.onnx",)
    assert foo.upstream.url == "https://example.org/foo" and foo.upstream.revision == "1234abc"
    assert foo.license == "Apache-2.0" and foo.copyright == ("2024 Example Lab",)
    assert foo.generative is False and foo.data_information is True
    assert foo.base_models[0].name == "example/foo-base" and foo.base_models[0].category == "toxic-candy"
    assert [(t.name, t.availability, t.withheld) for t in foo.training_data] == [
        ("wikitext-103", "public", None), ("private-crawl", "unavailable", False)]
    assert foo.training_code.completeness == "complete" and foo.training_code.non_free_toolchain is True
    assert foo.reproducible == "no"  # YAML 1.1 reads `no` as false; the loader keeps the word
    assert foo.pickle_allow[0].callables == ("collections.OrderedDict", "torch._utils._rebuild_tensor_v2")
    assert foo.compression == "xz" and foo.line == 4
    assert gguf.training_data == UNDECLARED and gguf.path == "."
    assert gguf.base_models[0].package == "foo-embed-data" and gguf.base_models[0].replaceable
    assert gguf.base_models[1].section == "contrib"
    assert d.model("foo-gguf") is gguf and d.model("nope") is None


def test_defaults_when_keys_absent():
    d = parse("format: 1\nmodels:\n  - name: m\n")
    m = d.models[0]
    assert d.policy == "ml-policy" and m.training_data is None and m.training_code is None
    assert m.reproducible == "unknown" and m.base_models == () and m.generative is None


def test_load_and_find(tmp_path: Path):
    assert find_declaration(tmp_path) is None
    (tmp_path / "debian").mkdir()
    f = tmp_path / "debian" / "mlmodel.yaml"
    f.write_text(FULL)
    assert find_declaration(tmp_path) == f
    assert load_declaration(f).path == f
    f.write_bytes(b"format: 1\nmodels: [{name: \xff}]\n")
    with pytest.raises(DeclarationError, match="not UTF-8"):
        load_declaration(f)
    f.write_bytes(b"# " + b"x" * (1 << 20) + b"\n")
    with pytest.raises(DeclarationError, match="a declaration is a short file"):
        load_declaration(f)


@pytest.mark.parametrize("change, expect", [
    (("availability: public", "availability: sometimes"),
     "line 18: key 'models[0].training-data[0].availability': 'sometimes' is not one of public, on-request, restricted, unavailable"),
    (("generative: false", "generative: 3"), "line 10: key 'models[0].generative': expected true or false, got int '3'"),
    (("generative: false", "generativ: false"), "line 10: key 'models[0].generativ': unknown key (did you mean 'generative'?)"),
    (("generative: false", "generative: false\n    generative: true"), "line 11: key 'models[0].generative': duplicate key (first given on line 10)"),
    (("    generative: false", "\tgenerative: false"), "line 10: tab character in indentation"),
    (('copyright: "2024 Example Lab"', 'copyright: !!python/object/apply:os.system ["id"]'),
     "line 9: key 'models[0].copyright': YAML tag !!python/object/apply:os.system is not allowed"),
    (('copyright: "2024 Example Lab"', "copyright: !!binary aGVsbG8="), "YAML tag !!binary is not allowed"),
    (("name: foo-embed", "name: Foo_Embed"), "line 4: key 'models[0].name': 'Foo_Embed' must match"),
    (("path: upstream/", "path: ../elsewhere"), "key 'models[0].path': '../elsewhere' must be a relative path"),
    (("path: upstream/", "path: /etc"), "key 'models[0].path': '/etc' must be a relative path"),
    (("completeness: complete", "completeness: most"), "'most' is not one of complete, partial, missing"),
    (("reproducible: no", "reproducible: maybe"), "'maybe' is not one of rebuilt, documented, no, unknown"),
    (("category: toxic-candy", "category: toxic"), "(did you mean 'toxic-candy'?)"),
    (("policy: osaid", "policy: debian"), "key 'policy': 'debian' is not one of ml-policy, gr-a, model-is-source, osaid"),
    (("format: 1", "format: 2"), "format 2 is not supported"),
    (("format: 1", "format: one"), "key 'format': expected an integer"),
    (("training-data: undeclared", "training-data: none"), "expected a list of datasets or the word 'undeclared'"),
    (("training-data: undeclared", "training-data: []"), "empty list"),
    (("- name: foo-gguf", "- name: foo-embed"), "model name 'foo-embed' used twice (first on line 4)"),
    (("weights:gguf: foo-embed-gguf", "weight: foo-embed-gguf"), "key 'packages.weight': unknown key (did you mean 'weights'?)"),
    (("tokenizer: foo-embed-tokenizer", "tokenizer: Foo Tok"), "'Foo Tok' is not a Debian package name"),
    (('url: "https://example.org/train"', 'url: "not a url"'), "is not a URL"),
    (("exclude: [\"*.onnx\"]", "exclude: \"*.onnx\""), "key 'models[0].exclude': expected a list"),
    (("license: Apache-2.0\n    copyright", "license: null\n    copyright"), "key 'models[0].license': expected a string, got nothing (null)"),
    (("withheld: false", "withheld: maybe"), "key 'models[0].training-data[1].withheld': expected true or false"),
])
def test_malformed_declarations_give_one_clear_line(change, expect):
    old, new = change
    assert old in FULL
    assert expect in error_of(FULL.replace(old, new, 1))


@pytest.mark.parametrize("text, expect", [
    ("", "empty file"),
    ("- a\n", "expected a mapping, got a list"),
    ("format: [1\n", "line 2: YAML syntax"),
    ("models: []\n", "key 'format': missing"),
    ("format: 1\n", "key 'models': missing"),
    ("format: 1\nmodels: []\n", "empty list: declare at least one model"),
    ("format: 1\nmodels: &a [*a]\n", "aliases"),
    ("format: 1\nbase: &b {name: m}\nmodels: [*b]\n", "key 'base': unknown key"),
    ("format: 1\nmodels:\n  - name: m\n    <<: {license: MIT}\n", "YAML tag !!merge is not allowed"),
    ("format: 1\nmodels:\n  - !!python/object:__main__.X {name: m}\n", "YAML tag !!python/object:__main__.X is not allowed"),
    ("format: 1\nmodels:\n  - {name: m, training-data: [{name: d}]}\n", "a dataset needs availability"),
    ("format: 1\nmodels:\n  - {name: m, training-data: [{name: d, availability: public, withheld: true}]}\n",
     "only meaningful with availability: unavailable"),
    ("format: 1\nmodels:\n  - {name: m, base-model: {license: MIT}}\n", "a base model needs a name or a package"),
    ("format: 1\nmodels:\n  - {name: m, training-code: {url: 'https://x'}}\n", "training-code needs completeness"),
    ("format: 1\nmodels:\n  - {name: m, pickle-allow: [{file: a.pt, callables: [os.system], reason: ''}]}\n", "empty value"),
    ("format: 1\nmodels:\n  - {name: m, pickle-allow: [{file: a.pt, callables: ['os.system; rm'], reason: x}]}\n", "not a module.name callable"),
    ("format: 1\n1: x\nmodels: [{name: m}]\n", "keys must be plain strings"),
])
def test_structural_errors(text, expect):
    assert expect in error_of(text)


def test_deep_nesting_is_an_error_not_a_recursion_crash():
    assert "nests too deeply" in error_of("format: 1\nmodels: " + "[" * 3000 + "]" * 3000 + "\n")


# -- injection: nothing from the declaration may start a new line or field in a debian/ file

@pytest.mark.parametrize("field", ["license", "copyright", "name"])
@pytest.mark.parametrize("payload", [
    '"MIT\\nDepends: evil"', '"MIT\\rX"', '"MIT\\u2028Depends: evil"', '"a\\x1b[31m"', '"a\\u202eb"', '"a\\x00"', '"a\\x85b"',
])
def test_control_characters_are_refused(field, payload):
    text = f"format: 1\nmodels:\n  - name: m\n    {field}: {payload}\n" if field != "name" else \
        f"format: 1\nmodels:\n  - name: m\n    training-data: [{{name: {payload}, availability: public}}]\n"
    assert "control character" in error_of(text)


def test_block_scalar_with_newline_is_refused():
    text = "format: 1\nmodels:\n  - name: m\n    copyright: |\n      2024 A\n      Files: *\n"
    assert "line 4: key 'models[0].copyright': control character '\\n'" in error_of(text)


def test_copyright_may_be_a_list_of_lines():
    d = parse("format: 1\nmodels:\n  - name: m\n    copyright: ['2024 A', '2023 B']\n")
    assert d.models[0].copyright == ("2024 A", "2023 B")


@pytest.mark.parametrize("hostile", ["${shell}", "`id`", "$(id)", "a${Newline}Depends: x", "${}{x}"])
def test_shell_and_substvar_syntax_in_dataset_name_is_escaped(hostile):
    d = parse(f"format: 1\nmodels:\n  - name: m\n    training-data: [{{name: '{hostile}', availability: public}}]\n")
    name = d.models[0].training_data[0].name
    assert name == hostile  # kept as written in the declaration ...
    escaped = safe_substvar_value(name)
    # ... but in a substvar every $ is the ${} escape, so dpkg-gencontrol expands nothing
    assert "$" not in escaped.replace("${}", "")
    assert escaped.replace("${}", "$") == hostile


@pytest.mark.parametrize("text, expect", [
    ("a\nDepends: evil", "a\\nDepends: evil"),
    ("a\r\n b", "a\\r\\n b"),
    ("x\u2028y", "x\\u2028y"),
    ("bell\x07", "bell\\x07"),
    ("tab\there", "tab here"),
    ("plain Apache-2.0", "plain Apache-2.0"),
])
def test_safe_field_value(text, expect):
    out = safe_field_value(text)
    assert out == expect
    assert "\n" not in out and "\r" not in out


def test_safe_field_value_is_one_line_for_any_text():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=100, deadline=None)
    @given(st.text())
    def check(text):
        out = safe_substvar_value(text)
        assert len(out.splitlines()) <= 1
        assert "$" not in out.replace("${}", "")

    check()


# ---------------------------------------------------------------- the same errors from dh_mlmodel in a build tree

@pytest.mark.integration
@pytest.mark.parametrize("change, expect", [
    (("    path: model", "\tpath: model"), "tab character in indentation"),
    (("    license: CC0-1.0", "    license: CC0-1.0\n    license: MIT"), "duplicate key"),
    (("    generative: false", "    generative: 7"), "expected true or false"),
    (("availability: public", "availability: sometimes"), "'sometimes' is not one of"),
    (('    copyright: "2026 dh-mlmodel developers"', "    copyright: !!python/object/apply:os.system [touch /tmp/pwned]"),
     "YAML tag !!python/object/apply:os.system is not allowed"),
    (("    generative: false", "    generativ: false"), "did you mean 'generative'?"),
])
def test_dh_mlmodel_reports_declaration_errors_in_one_line(tmp_path, change, expect):
    import shutil
    import subprocess

    from conftest import DEMO, intree_env, needs_debhelper

    if needs_debhelper.args[0]:
        pytest.skip(needs_debhelper.kwargs["reason"])
    src = tmp_path / "demo"
    shutil.copytree(DEMO, src, symlinks=True)
    decl = src / "debian" / "mlmodel.yaml"
    old, new = change
    assert old in decl.read_text()
    decl.write_text(decl.read_text().replace(old, new, 1))
    proc = subprocess.run(["dh_mlmodel"], cwd=src, env=intree_env(), capture_output=True, text=True)
    assert proc.returncode == 255
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dh_mlmodel: error: debian/mlmodel.yaml: line "), proc.stderr
    assert expect in lines[0] and "Traceback" not in proc.stderr
    assert not (src / "debian" / "demo-embed").exists()
