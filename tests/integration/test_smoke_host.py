"""`mlmodel smoke` on this host's release, on packages built with dpkg-buildpackage and unpacked into a root.

What each release can run is a fact of its archive (dh_mlmodel/smoke.py):
Debian 12 has torch 1.13, whose weights-only loader is not safe (so weights-
only torch checkpoints are skipped), and no onnxruntime (ONNX is skipped);
Debian 13 has torch 2.6 and onnxruntime.  Neither has llama.cpp (GGUF is
skipped).  safetensors runs on both: the test venv has PyPI's safetensors
over Debian's torch (Debian 13 also packages python3-safetensors).
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOP, deb_extract, dpkg_buildpackage, intree_env, needs_debhelper
from debroot import host_release
from sources import finish_source, free_model_yaml, make_source, write_gguf, write_onnx, write_safetensors

pytestmark = [pytest.mark.integration, needs_debhelper]
MODELS = ("smk-st", "smk-onnx", "smk-pt", "smk-gguf")
RELEASE = host_release()


def mlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], cwd=TOP, capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """One source, one model per package (safetensors with config.json, ONNX, torch zip, GGUF), unpacked."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    pytest.importorskip("gguf")
    work = tmp_path_factory.mktemp("smoke")
    src = make_source(work, "smk", [(m, None) for m in MODELS],
                      "format: 1\nmodels:\n" + "".join(free_model_yaml(m, m) for m in MODELS))
    write_safetensors(src / "smk-st/model.safetensors", rows=8, cols=4)
    (src / "smk-st/config.json").write_text(json.dumps({"vocab_size": 8, "hidden_size": 4}) + "\n")
    write_onnx(src / "smk-onnx/model.onnx")
    (src / "smk-pt").mkdir()
    torch.save({"layer.weight": torch.ones(3, 2), "layer.bias": torch.zeros(3)}, src / "smk-pt/model.pt")
    write_gguf(src / "smk-gguf/model.gguf")
    finish_source(src)
    dpkg_buildpackage(src, "-b")
    root = work / "root"
    for deb in sorted(work.glob("*.deb")):
        deb_extract(deb, root)
    return root


def lines(proc: subprocess.CompletedProcess) -> dict[str, str]:
    """package -> its line (one model per package here)."""
    return {line.split(":", 1)[0]: line for line in proc.stdout.splitlines()}


def test_safetensors_loads_and_runs_the_embedding(installed):
    proc = mlmodel("smoke", "--root", str(installed), "smk-st")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("smk-st: smk-st: ok: model.safetensors: safetensors with torch ")
    assert "1 tensor(s) finite; embedding w 8x4 looked up" in proc.stdout


def test_release_facts_onnx_torch_gguf(installed):
    """What is loaded and what is skipped, with the reason, per release; exit 77 when nothing failed but one skipped."""
    proc = mlmodel("smoke", "--root", str(installed), *MODELS)
    got = lines(proc)
    assert sorted(got) == sorted(MODELS), proc.stdout + proc.stderr
    assert "skipped: model.gguf: llama.cpp is not packaged in Debian 12 or 13" in got["smk-gguf"]
    if RELEASE == "12":
        assert ("skipped: model.onnx: onnxruntime cannot be imported (python3-onnxruntime is not installed; "
                "Debian 12 does not package it (Debian 13 does))") in got["smk-onnx"]
        assert "skipped: model.pt: torch 1.13" in got["smk-pt"] and "CVE-2025-32434" in got["smk-pt"]
    else:
        assert "ok: model.onnx: onnxruntime " in got["smk-onnx"] and "y[1, 4], finite" in got["smk-onnx"]
        assert "ok: model.pt: torch 2." in got["smk-pt"] and "2 tensor(s) finite" in got["smk-pt"]
    assert "ok: model.safetensors" in got["smk-st"]
    assert proc.returncode == 77


def nan_into_safetensors(path: Path) -> None:
    """The first float of the first tensor becomes NaN: same header, same size."""
    data = bytearray(path.read_bytes())
    (n,) = struct.unpack("<Q", data[:8])
    data[8 + n:12 + n] = struct.pack("<f", float("nan"))
    path.write_bytes(bytes(data))


def test_broken_weights_and_config_fail_with_exit_1(installed, tmp_path):
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(installed), str(root)], check=True)
    model = root / "usr/share/mlmodel/smk-st"
    nan_into_safetensors(model / "model.safetensors")
    proc = mlmodel("smoke", "--root", str(root), "smk-st", "smk-gguf")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a failure wins over a skip
    assert "smk-st: smk-st: failed: model.safetensors: tensor 'w': non-finite value(s)" in proc.stdout
    write_safetensors(model / "model.safetensors", rows=8, cols=4)
    (model / "config.json").write_text(json.dumps({"vocab_size": 9, "hidden_size": 4}))
    proc = mlmodel("smoke", "--root", str(root), "smk-st")
    assert proc.returncode == 1
    assert "config.json declares vocab_size 9 and hidden size 4, no tensor is 9x4" in proc.stdout
    (model / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    proc = mlmodel("smoke", "--root", str(root), "smk-st")
    assert proc.returncode == 1 and "failed: model.safetensors: " in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_not_installed_package_is_an_error_before_anything_loads(installed):
    proc = mlmodel("smoke", "--root", str(installed), "smk-st", "not-installed")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("mlmodel: error: not-installed: no record under")


def test_package_without_weights_is_a_skip_not_a_pass(installed, tmp_path):
    record_dir = installed / "usr/share/mlmodel/smk-st/.mlmodel"
    record = json.loads((record_dir / "smk-st.json").read_text())
    record["package"] = "smk-st-doc"
    record["files"] = [f for f in record["files"] if f["role"] != "weights"]
    (record_dir / "smk-st-doc.json").write_text(json.dumps(record))
    try:
        proc = mlmodel("smoke", "--root", str(installed), "smk-st-doc")
    finally:
        (record_dir / "smk-st-doc.json").unlink()
    assert proc.returncode == 77
    assert proc.stdout == "smk-st-doc: smk-st: skipped: no weights in this package: nothing to load\n"
