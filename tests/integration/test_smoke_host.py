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


SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which sees only Debian's python3-* packages (not the venv's PyPI ones)


def mlmodel(*args: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "dh_mlmodel.cli", *args], cwd=TOP, capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))


def system_python(code: str) -> None:
    """CODE under Debian's python3 (with python3-sklearn and python3-joblib), warnings off."""
    proc = subprocess.run([SYSTEM_PYTHON, "-W", "ignore", "-c", code], capture_output=True, text=True)
    if proc.returncode:
        pytest.skip(f"Debian's python3 cannot run the scikit-learn step (python3-sklearn: tools/setup): "
                    f"{proc.stderr.strip().splitlines()[-1:]}")


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


SKLEARN_YAML = """format: 1
models:
""" + free_model_yaml("skl-lr", "skl-lr", """    pickle-allow:
      - file: "*model.joblib"
        callables: [sklearn.linear_model._logistic.LogisticRegression]
        reason: "scikit-learn's own estimator class, fitted by the test"
""")


@pytest.fixture(scope="module")
def sklearn_installed(tmp_path_factory) -> Path:
    """A fitted LogisticRegression dumped with joblib, its class accepted with pickle-allow, built and unpacked."""
    work = tmp_path_factory.mktemp("sklearn")
    src = make_source(work, "skl", [("skl-lr", None)], SKLEARN_YAML)
    (src / "skl-lr").mkdir()
    system_python(f"""
import joblib, numpy as np
from sklearn.linear_model import LogisticRegression
x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
joblib.dump(LogisticRegression().fit(x, np.array([0, 1, 1, 0])), {str(src / "skl-lr/model.joblib")!r})
""")
    finish_source(src)
    dpkg_buildpackage(src, "-b")
    root = work / "root"
    for deb in sorted(work.glob("*.deb")):
        deb_extract(deb, root)
    return root


def test_accepted_joblib_loads_and_predicts(sklearn_installed):
    record = json.loads((sklearn_installed / "usr/share/mlmodel/skl-lr/.mlmodel/skl-lr.json").read_text())
    assert [a["callable"] for a in record["accepted"]] == ["sklearn.linear_model._logistic.LogisticRegression"]
    proc = mlmodel("smoke", "--root", str(sklearn_installed), "skl-lr", python=SYSTEM_PYTHON)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ("skl-lr: skl-lr: ok: model.joblib: joblib: LogisticRegression.predict on 2 feature(s) "
                           "-> [1], finite\n")


def test_joblib_without_acceptance_is_not_loaded(sklearn_installed, tmp_path):
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(sklearn_installed), str(root)], check=True)
    path = root / "usr/share/mlmodel/skl-lr/.mlmodel/skl-lr.json"
    record = json.loads(path.read_text())
    del record["accepted"]
    path.write_text(json.dumps(record))
    proc = mlmodel("smoke", "--root", str(root), "skl-lr", python=SYSTEM_PYTHON)
    assert proc.returncode == 77
    assert "skipped: model.joblib: its pickle imports were not accepted with pickle-allow" in proc.stdout


def test_joblib_loader_resolves_only_what_the_record_accepts(sklearn_installed, tmp_path):
    """The installed file swapped for a payload (posix.system): the smoke loader refuses it, nothing runs."""
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(sklearn_installed), str(root)], check=True)
    marker = tmp_path / "ran"
    payload = (b"\x80\x04cposix\nsystem\n" + b"X" + len(f"touch {marker}").to_bytes(4, "little")
               + f"touch {marker}".encode() + b"\x85R.")
    (root / "usr/share/mlmodel/skl-lr/model.joblib").write_bytes(payload)
    proc = mlmodel("smoke", "--root", str(root), "skl-lr", python=SYSTEM_PYTHON)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed: model.joblib: joblib cannot load it: posix.system is not accepted in the record" in proc.stdout
    assert not marker.exists()


def test_joblib_object_arrays_are_not_unpickled(sklearn_installed, tmp_path):
    """joblib reads an object-dtype array with a plain pickle.load, past any find_class: refused."""
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(sklearn_installed), str(root)], check=True)
    target = root / "usr/share/mlmodel/skl-lr/model.joblib"
    system_python(f"import joblib, numpy as np; joblib.dump({{'a': np.array([{{'k': 1}}], dtype=object)}}, {str(target)!r})")
    proc = mlmodel("smoke", "--root", str(root), "skl-lr", python=SYSTEM_PYTHON)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "joblib cannot load it: an object-dtype array, which joblib unpickles unrestricted" in proc.stdout
