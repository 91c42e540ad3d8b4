"""`mlmodel lint` on packages built by real dpkg-buildpackage from the demo and one planted variant.

Two builds in all: the demo as it is (no hint), and a variant carrying
several faults at once that dh_mlmodel lets through when told to
(--warn-only, --section-check=warn), each of which lint must name.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import DEMO, TOP, copy_source, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]

MODEL = "usr/share/mlmodel/demo-embed"
LFS = ("version https://git-lfs.github.com/spec/v1\n"
       "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
# dh_mlmodel never installs a VCS file (issue #15), so the planted one is copied in by hand after it.
RULES_TAIL = """
override_dh_mlmodel:
\tdh_mlmodel --warn-only=lfs-pointer-instead-of-model,malformed-model-file --section-check=warn
\tinstall -m 0644 model/.gitattributes debian/demo-embed/usr/share/mlmodel/demo-embed/.gitattributes
"""


def run_lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "lint", *args], cwd=TOP, capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("clean")
    dpkg_buildpackage(copy_source(DEMO, work, "demo-embed-1.0"))
    (changes,) = work.glob("*.changes")
    return changes


@pytest.fixture(scope="module")
def planted_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("planted")
    src = copy_source(DEMO, work, "demo-embed-1.0")
    model = src / "model"
    (model / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
    (model / "extra.safetensors").write_text(LFS)
    (model / "vocab.txt").write_bytes("hello\ncafé\nworld\n".encode("latin-1"))
    (model / "model-copy.safetensors").write_bytes((model / "model.safetensors").read_bytes())
    (model / "modeling_demo.py").write_text("import os\n")
    config = json.loads((model / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_demo.DemoModel"}
    (model / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    # The training data declared unavailable: ML-Policy's ToxicCandy, which belongs in non-free, kept in main.
    decl = src / "debian" / "mlmodel.yaml"
    decl.write_text(decl.read_text().replace("availability: public", "availability: unavailable"))
    with open(src / "debian" / "rules", "a") as fh:
        fh.write(RULES_TAIL)
    proc = dpkg_buildpackage(src, env=intree_env({"DEB_BUILD_OPTIONS": "nocheck"}))  # retraining would differ
    (changes,) = work.glob("*.changes")
    return changes, proc


def test_clean_demo_build_has_no_hints(clean_build):
    proc = run_lint("--fail-on", "pedantic", str(clean_build))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_planted_faults_are_reported(planted_build):
    changes, build = planted_build
    assert "downgraded by --warn-only" in build.stderr + build.stdout  # dh_mlmodel let the LFS pointer through
    proc = run_lint("--json", str(changes))
    assert proc.returncode == 1  # errors
    found = {(h["tag"], h["package"], h["pointer"]) for h in json.loads(proc.stdout)["groups"][0]["hints"]}
    expected = {
        ("lfs-pointer-instead-of-model", "demo-embed", f"{MODEL}/extra.safetensors"),
        ("mlmodel-vcs-file", "demo-embed", f"{MODEL}/.gitattributes"),
        ("mlmodel-duplicate-file", "demo-embed", f"{MODEL}/model.safetensors"),
        ("python-code-shipped", "demo-embed", f"{MODEL}/modeling_demo.py"),
        ("remote-code-required", "demo-embed", f"{MODEL}/config.json"),
        ("mlmodel-tokenizer-not-utf8", "demo-embed-tokenizer", f"{MODEL}/vocab.txt"),
    }
    assert expected <= found, found
    sections = {(t, p) for t, p, _ in found if t == "mlmodel-section-mismatch"}
    assert ("mlmodel-section-mismatch", "demo-embed") in sections
    # Nothing about the records: dh_mlmodel wrote them and nothing changed the files since.
    assert not {t for t, _, _ in found if t.startswith("mlmodel-record") or t == "mlmodel-file-checksum-mismatch"}


def test_planted_text_output_lines(planted_build):
    changes, _ = planted_build
    lines = run_lint(str(changes)).stdout.splitlines()
    assert f"E: demo-embed: lfs-pointer-instead-of-model Git LFS pointer (12345 bytes) where the file itself should " \
           f"be; fetch it with git lfs pull [{MODEL}/extra.safetensors]" in lines
    assert all(line[:3] in ("E: ", "W: ", "I: ", "P: ", "O: ", "N: ") for line in lines)
