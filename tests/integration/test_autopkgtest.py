"""The generated autopkgtest: `mlmodel verify` on the installed files of the demo's packages."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO, TOP, deb_extract, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]
PACKAGES = ["demo-embed", "demo-embed-tokenizer", "demo-embed-doc"]


def mlmodel(*args, cwd=TOP):
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))


def test_demo_tests_control_is_current():
    """examples/demo/debian/tests/control is what `mlmodel autopkgtest` writes today."""
    proc = mlmodel("autopkgtest", str(DEMO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (DEMO / "debian/tests/control").read_text()
    assert "Test-Command: mlmodel verify demo-embed demo-embed-tokenizer demo-embed-doc" in proc.stdout


def test_verify_installed_tree(tmp_path, demo_source):
    dpkg_buildpackage(demo_source, "-b")
    root = tmp_path / "root"
    for deb in demo_source.parent.glob("*.deb"):
        deb_extract(deb, root)
    ok = mlmodel("verify", "--root", str(root), *PACKAGES)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "demo-embed: 2 file(s) checked, 0 problem(s)" in ok.stdout
    weights = root / "usr/share/mlmodel/demo-embed/model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    bad = mlmodel("verify", "--root", str(root), "demo-embed")
    assert bad.returncode == 1
    assert "model.safetensors: differs from the record" in bad.stdout


def test_verify_names_a_missing_package(tmp_path):
    proc = mlmodel("verify", "--root", str(tmp_path), "not-installed")
    assert proc.returncode == 2
    assert proc.stderr.startswith("mlmodel: error: not-installed: no record under")


def smoke_source(tmp_path, models: dict[str, str]):
    """A source tree (not built) with one package per model; MODELS maps the model name to its weights writer."""
    from sources import finish_source, free_model_yaml, make_source, write_gguf, write_onnx, write_safetensors

    writers = {"onnx": (write_onnx, "model.onnx"), "safetensors": (write_safetensors, "model.safetensors"),
               "gguf": (write_gguf, "model.gguf")}
    src = make_source(tmp_path, "smk", [(m, None) for m in models],
                      "format: 1\nmodels:\n" + "".join(free_model_yaml(m, m) for m in models))
    for model, fmt in models.items():
        write, name = writers[fmt]
        write(src / model / name)
    finish_source(src)
    return src


MAINTAINER_TEST = "# the maintainer's own test\nTests: upstream\nDepends: @\n"


def test_update_writes_the_smoke_paragraph_with_runtime_depends_and_keeps_the_rest(tmp_path):
    pytest.importorskip("onnx")
    src = smoke_source(tmp_path, {"smk-onnx": "onnx", "smk-st": "safetensors", "smk-gguf": "gguf"})
    (src / "debian/tests").mkdir()
    (src / "debian/tests/control").write_text(MAINTAINER_TEST)
    first = mlmodel("autopkgtest", "--update", str(src))
    assert first.returncode == 0, first.stderr
    assert "smoke-tests smk-onnx, smk-st" in first.stdout
    text = (src / "debian/tests/control").read_text()
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == MAINTAINER_TEST.rstrip("\n")
    assert "Test-Command: mlmodel verify smk-onnx smk-st smk-gguf\n" in paragraphs[1]
    smoke = paragraphs[2]
    assert "Test-Command: mlmodel smoke smk-onnx smk-st\n" in smoke  # GGUF: no runtime in Debian, not listed
    assert ("Depends: dh-mlmodel, smk-onnx, smk-st, python3-numpy, python3-onnxruntime, python3-safetensors, "
            "python3-torch\n") in smoke
    assert smoke.endswith("Restrictions: allow-stderr, skippable\n")
    again = mlmodel("autopkgtest", "--update", str(src))  # ours replaced, not appended again
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert (src / "debian/tests/control").read_text() == text


def test_no_smoke_paragraph_without_loadable_weights(tmp_path):
    pytest.importorskip("gguf")
    src = smoke_source(tmp_path, {"smk-gguf": "gguf"})
    proc = mlmodel("autopkgtest", str(src))
    assert proc.returncode == 0, proc.stderr
    assert "mlmodel verify smk-gguf" in proc.stdout and "mlmodel smoke" not in proc.stdout
    assert proc.stdout.count("Test-Command:") == 1


def test_dropping_the_last_loadable_model_removes_our_smoke_paragraph(tmp_path):
    pytest.importorskip("onnx")
    src = smoke_source(tmp_path, {"smk-onnx": "onnx"})
    (src / "debian/tests").mkdir()
    (src / "debian/tests/control").write_text(MAINTAINER_TEST)
    assert mlmodel("autopkgtest", "--update", str(src)).returncode == 0
    assert "mlmodel smoke smk-onnx" in (src / "debian/tests/control").read_text()
    from sources import write_gguf

    (src / "smk-onnx/model.onnx").unlink()  # the model is now shipped as GGUF, which has no runtime in Debian
    write_gguf(src / "smk-onnx/model.gguf")
    assert mlmodel("autopkgtest", "--update", str(src)).returncode == 0
    text = (src / "debian/tests/control").read_text()
    assert text.startswith(MAINTAINER_TEST.rstrip("\n") + "\n\n# mlmodel autopkgtest:")
    assert "mlmodel smoke" not in text and text.count("Test-Command:") == 1
