"""A model card crafted to inject into debian/: what `mlmodel init` does with it.

The decision, asserted here: init writes a safe debian/.  A value holding a
control character (the licence with a newline and `Depends:`, a dataset,
base model, pipeline tag or version with one) is refused: it is left out,
the output says so (a licence left out with no other source stays a TODO).  A value without
control characters (the dataset named with `${shell}` and backticks) is
kept, quoted, in debian/mlmodel.yaml, and nothing runs it.  The model name
`../../../etc/evil` is sanitised to a Debian package name; `--name ../evil`
is refused.  The build of the result carries no injected field.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from debian import copyright as dep5
from debian import deb822

from conftest import DEMO, dpkg_buildpackage, needs_debhelper
from dh_mlmodel import cli
from dh_mlmodel.declaration import load_declaration

pytestmark = pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed (apt install debmake)")

MAINTAINER = "Jane Doe <jane@example.org>"
CONTROL_FIELDS = {"Source", "Section", "Priority", "Maintainer", "Build-Depends", "Standards-Version", "Homepage",
                  "Rules-Requires-Root", "Package", "Architecture", "Multi-Arch", "Depends", "Provides", "Description"}


def card(marker: Path) -> str:
    shell_name = f"${{shell}}`touch {marker}`$(touch {marker})"
    return "---\n" + yaml.safe_dump({
        "license": "apache-2.0\nDepends: injected-licence",
        "license_name": "x\nDepends: injected-licence-name",
        "model_name": "../../../etc/evil",
        "datasets": [shell_name, "wiki\nDepends: injected-dataset"],
        "base_model": "org/base\nProvides: injected-base",
        "pipeline_tag": "text-generation\nDepends: injected-tag",
        "version": "1.0\nDepends: injected-version",
    }) + "---\n# A card\n"


@pytest.fixture
def hostile(tmp_path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    model = tmp_path / "work" / "model"
    shutil.copytree(DEMO / "model", model)
    marker = tmp_path / "pwned"
    (model / "README.md").write_text(card(marker))
    config = json.loads((model / "config.json").read_text())
    config["_name_or_path"] = "../../../../tmp/x"
    (model / "config.json").write_text(json.dumps(config))
    return model, marker


def paragraphs(path: Path) -> list[deb822.Deb822]:
    return list(deb822.Deb822.iter_paragraphs(io.StringIO(path.read_text())))


def test_hostile_card_gives_a_safe_debian(hostile, capsys):
    model, marker = hostile
    before = {p for p in model.parent.parent.rglob("*")}
    assert cli.main(["init", "--maintainer", MAINTAINER, str(model)]) == 0
    out = capsys.readouterr().out
    # Nothing ran, nothing was written outside the tree but the orig tarball.
    assert not marker.exists()
    new_outside = {p for p in model.parent.parent.rglob("*") if not p.is_relative_to(model)} - before
    assert new_outside == {model.parent / "etc-evil_0~20251126.orig.tar.gz"}
    # control: the sanitised name, our fields only, no injected text.
    control_text = (model / "debian/control").read_text()
    assert "injected" not in control_text
    paras = paragraphs(model / "debian/control")
    assert paras[0]["Source"] == "etc-evil"
    for para in paras:
        assert set(para) <= CONTROL_FIELDS
    assert [p["Package"] for p in paras[1:]] == ["etc-evil", "etc-evil-tokenizer", "etc-evil-doc"]
    # The refused values are named in the output; the version fell back to the snapshot date.
    for what in ("licence", "dataset name", "base model name", "pipeline_tag"):
        assert re.search(f"warning: {what} from .* refused: it holds the control character", out), what
    assert "etc-evil (0~20251126-1)" in (model / "debian/changelog").read_text()
    # mlmodel.yaml: the ${shell} dataset kept verbatim as a quoted string, the licence taken from the safetensors header instead.
    decl_text = (model / "debian/mlmodel.yaml").read_text()
    data = yaml.safe_load(decl_text)["models"][0]
    assert [d["name"] for d in data["training-data"]] == [f"${{shell}}`touch {marker}`$(touch {marker})"]
    # The card's licence is refused; the one in model.safetensors' own header is used instead.
    assert data["license"] == "CC0-1.0" and '"CC0-1.0"  # from model.safetensors' in decl_text
    assert "base-model" not in data
    # Other debian/ files parse and hold no injected field.
    for rel in ("changelog", "rules", "tests/control", "README.source"):
        assert "injected" not in (model / "debian" / rel).read_text(), rel
    with open(model / "debian/copyright") as fh:
        parsed = dep5.Copyright(fh, strict=True)
    for para in parsed.all_paragraphs():
        assert "Depends" not in para and "Provides" not in para


def test_hostile_name_argument_is_refused(hostile, capsys):
    model, _ = hostile
    assert cli.main(["init", "--maintainer", MAINTAINER, "--name", "../evil", str(model)]) == 2
    assert "is not a Debian package name" in capsys.readouterr().err
    assert not (model / "debian").exists()


def fill(model: Path) -> None:
    path = model / "debian/mlmodel.yaml"
    text = path.read_text()
    text = text.replace("copyright: null  # TODO", 'copyright: "2026 Someone"')
    text = text.replace("availability: TODO", "availability: unavailable")
    text = text.replace("completeness: TODO", "completeness: missing")
    path.write_text(text)
    load_declaration(path)  # every TODO filled


@pytest.mark.integration
@needs_debhelper
def test_hostile_card_builds_without_injected_fields(hostile, tmp_path, capsys):
    model, marker = hostile
    assert cli.main(["init", "--maintainer", MAINTAINER, str(model)]) == 0
    fill(model)
    assert cli.main(["copyright", "--update", str(model)]) == 0
    capsys.readouterr()
    dpkg_buildpackage(model, "-b")
    assert not marker.exists()
    debs = sorted(model.parent.glob("*.deb"))
    assert sorted(d.name.split("_")[0] for d in debs) == ["etc-evil", "etc-evil-doc", "etc-evil-tokenizer"]
    for deb in debs:
        fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
        assert "injected" not in fields and "Provides: mlmodel-etc-evil" in fields or "-doc" in deb.name or \
            "-tokenizer" in deb.name
    copyright_text = (model / "debian/copyright").read_text()
    assert f"`touch {marker}`" in copyright_text  # the dataset name, as text, in a Comment
    with open(model / "debian/copyright") as fh:
        dep5.Copyright(fh, strict=True)


def test_refused_licence_with_no_other_source_stays_a_todo(tmp_path, monkeypatch, capsys):
    gguf = pytest.importorskip("gguf")
    np = pytest.importorskip("numpy")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    model = tmp_path / "m"
    model.mkdir()
    writer = gguf.GGUFWriter(str(model / "model.gguf"), "llama")  # no general.license
    writer.add_tensor("w", np.ones((2, 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    (model / "README.md").write_text(card(tmp_path / "pwned"))
    assert cli.main(["init", "--maintainer", MAINTAINER, "--name", "plain", str(model)]) == 0
    assert "warning: licence from README.md (model card) refused" in capsys.readouterr().out
    text = (model / "debian/mlmodel.yaml").read_text()
    assert yaml.safe_load(text)["models"][0]["license"] is None
    assert "license: null  # TODO" in text and "injected" not in text
