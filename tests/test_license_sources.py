"""One licence truth with every source shown (issue #15).

Sources: the declaration, the model card, in-file metadata, package
metadata (wheel METADATA / PKG-INFO, npm package.json) and the upstream
LICENSE text identified by its content with Debian's licensecheck.  The
declaration wins; each other source is shown with what it says; an in-file
licence written as a name plus a URL is normalised through the licence
table (raw kept); one that cannot be mapped is an info hint, never the
mismatch warning.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dh_mlmodel import licenses, provenance
from dh_mlmodel.declaration import ModelDecl
from dh_mlmodel.inspect import inspect_model_dir
from dh_mlmodel.lint.tagdata import tag_info

REPO = Path(__file__).resolve().parents[1]
APACHE_TEXT = Path("/usr/share/common-licenses/Apache-2.0")
needs_licensecheck = pytest.mark.skipif(shutil.which("licensecheck") is None,
                                        reason="licensecheck not installed (tools/setup)")


@pytest.mark.parametrize("raw,expected", [
    ("Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0)", "Apache-2.0"),
    ("Apache 2.0, https://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0"),
    ("MIT https://opensource.org/licenses/MIT", "MIT"),
    ("https://opensource.org/licenses/MIT", "MIT"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("CC BY-SA 4.0 <https://creativecommons.org/licenses/by-sa/4.0/legalcode>", "CC-BY-SA-4.0"),
    ("https://spdx.org/licenses/BSD-3-Clause.html", "BSD-3-Clause"),
    ("apache-2.0", "Apache-2.0"),
])
def test_name_and_url_normalised(raw, expected):
    assert licenses.normalise(raw) == expected


@pytest.mark.parametrize("raw", ["Our Own Model Licence v3 https://example.org/terms", "see website", "",
                                 "https://example.org/licence"])
def test_unmappable_stays_unmapped(raw):
    assert licenses.normalise(raw) is None


def _gguf_dir(tmp_path: Path, file_license: str | None) -> Path:
    gguf = pytest.importorskip("gguf")
    w = gguf.GGUFWriter(str(tmp_path / "m.gguf"), "llama")
    if file_license is not None:
        w.add_string("general.license", file_license)
    w.add_tensor("t", np.zeros(4, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return tmp_path


def _merge(tmp_path, decl_license, **kw):
    report = inspect_model_dir(tmp_path, hash=False)
    return provenance.merge(ModelDecl(name="m", path=".", license=decl_license), report, **kw)


def test_in_file_name_and_url_agrees_with_declaration(tmp_path):
    prov = _merge(_gguf_dir(tmp_path, "Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0)"), "Apache-2.0")
    assert not [f for f in prov.findings if f.tag == "mlmodel-license-mismatch"], prov.findings
    ev = next(e for e in prov.license_evidence if e.source == "m.gguf")
    assert ev.raw.startswith("Apache License 2.0 (https://") and ev.expression == "Apache-2.0"


def test_in_file_unmappable_is_a_hint_not_a_mismatch(tmp_path):
    prov = _merge(_gguf_dir(tmp_path, "Our Own Model Licence v3 https://example.org/terms"), "MIT")
    tags = {f.tag: f for f in prov.findings}
    assert "mlmodel-license-mismatch" not in tags
    hint = tags["mlmodel-license-unmapped"]
    assert hint.severity == tag_info("mlmodel-license-unmapped").severity
    assert "Our Own Model Licence v3" in hint.message and "license:" in hint.message
    assert prov.license == "MIT" and prov.license_source == "declaration"


def test_in_file_different_licence_still_mismatches(tmp_path):
    prov = _merge(_gguf_dir(tmp_path, "MIT https://opensource.org/licenses/MIT"), "Apache-2.0")
    assert any(f.tag == "mlmodel-license-mismatch" for f in prov.findings)


@needs_licensecheck
def test_license_text_identified_by_content(tmp_path):
    model = _gguf_dir(tmp_path, None)
    shutil.copy(APACHE_TEXT, model / "LICENSE")
    prov = _merge(model, "MIT", identify_texts=True)
    ev = next(e for e in prov.license_evidence if e.source == "LICENSE")
    assert ev.expression == "Apache-2.0" and "licensecheck" in ev.kind
    assert any(f.tag == "mlmodel-license-mismatch" and "LICENSE" in f.message for f in prov.findings)
    assert prov.license_evidence[0].source == "declaration" and prov.license_evidence[0].wins


@needs_licensecheck
def test_license_text_alone_never_places_in_main(tmp_path):
    model = _gguf_dir(tmp_path, None)
    shutil.copy(APACHE_TEXT, model / "LICENSE")
    prov = _merge(model, None, identify_texts=True)
    assert prov.L != licenses.FREE and "LICENSE" in prov.license_reason and "declare license:" in prov.license_reason


@needs_licensecheck
def test_classify_shows_every_source_and_the_winner(tmp_path):
    model = _gguf_dir(tmp_path, "Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0)")
    shutil.copy(APACHE_TEXT, model / "LICENSE")
    (model / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: m\nLicense: MIT\n")
    (model / "debian").mkdir()
    (model / "debian/mlmodel.yaml").write_text(
        "format: 1\nmodels:\n  - name: m\n    path: .\n    license: Apache-2.0\n    copyright: 2026 X\n"
        "    training-data: undeclared\n    training-code: {completeness: missing}\n")
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "classify", str(model)], capture_output=True,
                          text=True, cwd=REPO)
    out = proc.stdout
    assert "licence sources:" in out, out
    lines = out[out.index("licence sources:"):].splitlines()[1:6]
    joined = "\n".join(lines)
    assert "declaration: Apache-2.0 (used)" in joined
    assert "m.gguf (in-file metadata): 'Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0)' -> Apache-2.0" in joined
    assert "LICENSE (licence text, licensecheck): Apache-2.0" in joined
    assert "PKG-INFO (package metadata): MIT" in joined
    data = json.loads(subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "classify", "--json", str(model)],
                                     capture_output=True, text=True, cwd=REPO).stdout)
    sources = data["models"][0]["license_sources"]
    assert [s["source"] for s in sources if s["wins"]] == ["declaration"]
    assert {s["source"] for s in sources} == {"declaration", "m.gguf", "LICENSE", "PKG-INFO"}


@needs_licensecheck
@pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed")
def test_init_todo_says_what_each_source_says(tmp_path, monkeypatch, capsys):
    from dh_mlmodel import cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    (tmp_path / "tiny-model").mkdir()
    model = _gguf_dir(tmp_path / "tiny-model", None)
    shutil.copy(APACHE_TEXT, model / "LICENSE")
    (model / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: m\nLicense: MIT\n")
    assert cli.main(["init", "--maintainer", "Jane Doe <jane@example.org>", "--no-orig", str(model)]) == 0
    decl = (model / "debian/mlmodel.yaml").read_text()
    todo = decl[decl.index("# TODO: the SPDX licence"):decl.index("license: null")]
    assert "LICENSE (licence text, licensecheck): Apache-2.0" in todo
    assert "PKG-INFO (package metadata): MIT" in todo
    copyright_text = (model / "debian/copyright").read_text()
    assert "LICENSE (licence text, licensecheck): Apache-2.0" in copyright_text  # the same truth, both files
    assert "License: TODO-unknown-licence" in copyright_text
