"""`mlmodel classify`: spec §6 JSON, text, exit codes, sibling bases, the section check on the demo."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from dh_mlmodel import cli
from dh_mlmodel.commands.classify import classify_source
from dh_mlmodel.policy import section_findings

TOP = Path(__file__).resolve().parent.parent
DEMO = TOP / "examples" / "demo"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the demo source (a real safetensors model and card), free to edit."""
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest, symlinks=True)
    return dest


def set_declaration(src: Path, text: str) -> None:
    (src / "debian" / "mlmodel.yaml").write_text(textwrap.dedent(text))


TOXIC = """\
    format: 1
    models:
      - name: demo-embed
        path: model
        license: CC0-1.0
        training-data:
          - {name: private-crawl, availability: unavailable}
        training-code: {license: Expat, completeness: complete}
    """


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = cli.main(["classify", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_demo_json_is_spec_shaped(capsys, demo: Path):
    rc, out, err = run_cli(capsys, "--json", str(demo))
    assert rc == 0, err
    data = json.loads(out)
    (m,) = data["models"]
    assert {"name", "category", "section", "profile", "rule", "reasons"} <= set(m)
    assert (m["name"], m["category"], m["section"], m["profile"], m["rule"]) == ("demo-embed", "free", "main", "ml-policy", 6)
    assert any("ftpmasters decide" in r for r in m["reasons"])
    assert m["inputs"]["D"] == "free-available"


def test_text_output_and_policy_override(capsys, demo: Path):
    set_declaration(demo, TOXIC)
    rc, out, _ = run_cli(capsys, str(demo))
    assert rc == 0
    assert out.startswith("demo-embed: toxic-candy -> non-free (ml-policy, rule 10)\n")
    rc, out, _ = run_cli(capsys, "--policy", "model-is-source", "--json", str(demo))
    assert json.loads(out)["models"][0]["profile"] == "model-is-source"


def test_reject_exits_1(capsys, demo: Path):
    set_declaration(demo, TOXIC.replace("license: CC0-1.0", "license: other"))
    rc, out, _ = run_cli(capsys, str(demo))
    assert rc == 1 and "reject (cannot be placed automatically)" in out


def test_policy_from_declaration(capsys, demo: Path):
    set_declaration(demo, TOXIC.replace("format: 1", "format: 1\n    policy: osaid").replace(
        "training-data:", "data-information: true\n        training-data:"))
    rc, out, _ = run_cli(capsys, "--json", str(demo))
    m = json.loads(out)["models"][0]
    assert (m["profile"], m["section"], m["rule"]) == ("osaid", "main", 10)


@pytest.mark.parametrize("text, expect", [
    ("format: 1\nmodels:\n  - name: demo-embed\n\tpath: model\n", "line 4: tab character"),
    ("format: 1\nmodels:\n  - name: demo-embed\n    path: model\n    path: model\n", "duplicate key"),
    ("format: 1\nmodels:\n  - name: demo-embed\n    generative: maybe\n", "expected true or false"),
    ("format: 1\nmodels:\n  - name: demo-embed\n    training-data: [{name: x, availability: sometimes}]\n", "'sometimes' is not one of"),
    ("format: 1\nmodels:\n  - !!python/object/apply:os.system [echo pwned]\n", "YAML tag !!python/object/apply:os.system is not allowed"),
    ("format: 1\nmodels:\n  - name: demo-embed\n    path: nowhere\n", "is not a directory"),
])
def test_errors_exit_2_with_one_line(capsys, demo: Path, text: str, expect: str):
    (demo / "debian" / "mlmodel.yaml").write_text(text)
    rc, out, err = run_cli(capsys, str(demo))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("mlmodel: error: ") and expect in err
    assert "Traceback" not in err


def test_no_declaration_exits_2(capsys, tmp_path: Path):
    rc, _, err = run_cli(capsys, str(tmp_path))
    assert rc == 2 and "no declaration" in err


def test_not_a_directory(capsys, tmp_path: Path):
    rc, _, err = run_cli(capsys, str(tmp_path / "missing"))
    assert rc == 2 and "not a directory" in err


def test_usage_error_exits_2(capsys, demo: Path):
    with pytest.raises(SystemExit) as info:
        cli.main(["classify", "--policy", "lax", str(demo)])
    assert info.value.code == 2


def test_symlinked_model_path_out_of_the_tree_is_refused(capsys, demo: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (demo / "linked").symlink_to(outside)
    set_declaration(demo, TOXIC.replace("path: model", "path: linked"))
    rc, _, err = run_cli(capsys, str(demo))
    assert rc == 2 and "leaves the source tree" in err


# ---------------------------------------------------------------- sibling bases (recursion)

def test_sibling_base_is_decided_first_and_caps_the_fine_tune(demo: Path):
    set_declaration(demo, """\
        format: 1
        models:
          - name: tuned
            path: model
            license: CC0-1.0
            base-model: {name: base}
            training-data: [{name: d, license: CC0-1.0, availability: public}]
            training-code: {license: Expat, completeness: complete}
            data-information: true
          - name: base
            path: model
            license: CC0-1.0
            training-data: [{name: crawl, availability: unavailable}]
            training-code: {license: Expat, completeness: complete}
        """)
    results = {v.model: v for v, _ in classify_source(demo)}
    assert (results["base"].category, results["base"].rule) == ("toxic-candy", 10)
    tuned = results["tuned"]
    assert (tuned.category, tuned.section, tuned.rule) == ("toxic-candy", "non-free", 8)
    assert tuned.inputs["B"][0]["source"].startswith("model base of this declaration")
    # under osaid the base is main (data information + code), so the fine-tune may be too
    set_declaration(demo, (demo / "debian" / "mlmodel.yaml").read_text().replace(
        "training-data: [{name: crawl", "data-information: true\n    training-data: [{name: crawl"))
    results = {v.model: v for v, _ in classify_source(demo, "osaid")}
    assert results["base"].section == "main" and results["tuned"].section == "main"


def test_base_cycle_is_an_error(capsys, demo: Path):
    set_declaration(demo, """\
        format: 1
        models:
          - {name: a, path: model, license: MIT, base-model: {name: b}}
          - {name: b, path: model, license: MIT, base-model: {name: a}}
        """)
    rc, _, err = run_cli(capsys, str(demo))
    assert rc == 2 and "base-model cycle: a -> b -> a" in err


# ---------------------------------------------------------------- the section check on the demo's control file

def control_sections(src: Path) -> dict[str, str]:
    from debian import deb822

    paragraphs = list(deb822.Deb822.iter_paragraphs((src / "debian" / "control").read_text().splitlines(True)))
    source, binaries = paragraphs[0], paragraphs[1:]
    out = {source["Source"] + " (source)": source.get("Section", "")}
    for b in binaries:
        out[b["Package"]] = b.get("Section", source.get("Section", ""))
    return out


def test_toxic_candy_demo_with_section_science_fails_and_non_free_passes(demo: Path):
    set_declaration(demo, TOXIC)
    (verdict, _), = classify_source(demo)
    errors = section_findings(verdict, control_sections(demo))
    assert {f.severity for f in errors} == {"error"}
    assert {f.message.split(":")[0] for f in errors} == {"demo-embed (source)", "demo-embed", "demo-embed-tokenizer",
                                                         "demo-embed-doc"}
    assert all("use Section: non-free/" in f.message and "rule 10" in f.message for f in errors)
    control = demo / "debian" / "control"
    control.write_text(control.read_text().replace("Section: science", "Section: non-free/science")
                       .replace("Section: doc", "Section: non-free/doc"))
    assert section_findings(verdict, control_sections(demo)) == []
    control.write_text(control.read_text().replace("non-free/", "contrib/"))
    assert all(f.severity == "error" for f in section_findings(verdict, control_sections(demo)))


def test_free_demo_with_section_science_passes(demo: Path):
    (verdict, _), = classify_source(demo)
    assert section_findings(verdict, control_sections(demo)) == []


# ---------------------------------------------------------------- injection: hostile card + declaration values

def test_hostile_card_and_dataset_names_stay_on_one_line(capsys, demo: Path):
    from dh_mlmodel.deliver.record import build_record, dump_record
    from dh_mlmodel.deliver.substvars import substvars_for

    (demo / "model" / "README.md").write_text(
        '---\nlicense: "mit\\nDepends: evil-pkg"\n'
        'datasets: ["x\\nSection: main", "`id`", "${shell}"]\n'
        'base_model: "org/base\\u2028Provides: evil"\n---\n# card\n')
    set_declaration(demo, """\
        format: 1
        models:
          - name: demo-embed
            path: model
            license: CC0-1.0
            training-data:
              - {name: "`rm -rf ~` ${shell} $(id)", license: CC0-1.0, availability: public}
            training-code: {license: Expat, completeness: complete}
        """)
    rc, out, err = run_cli(capsys, str(demo))
    assert rc == 0, err
    for line in out.splitlines():
        assert not line.startswith(("Depends:", "Section:", "Provides:")), line
        assert "\u2028" not in line
    assert "mit\\nDepends: evil-pkg" in out  # shown escaped, as data
    rc, out, _ = run_cli(capsys, "--json", str(demo))
    (m,) = json.loads(out)["models"]
    for text in m["reasons"] + [f["message"] for f in m["findings"]]:
        assert "\n" not in text and "\r" not in text and "\u2028" not in text
    # what reaches debian/ files: the record is JSON (escaped), the substvars carry only validated names
    (verdict, _), = classify_source(demo)
    record = dump_record(build_record(model="demo-embed", package="demo-embed", verdict=verdict.to_json(), files=[]))
    assert all(line.startswith((" ", "{", "}")) for line in record.decode().splitlines())
    for pkg, pairs in substvars_for("demo-embed", [], verdict.category).items():
        for name, value in pairs:
            assert "\n" not in value and "$" not in value.replace("${binary:Version}", "")
