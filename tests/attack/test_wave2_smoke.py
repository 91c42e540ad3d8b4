"""Outsider attacks on `mlmodel smoke` (wave 2): an installed record that accepts a callable which runs code.

The record's `accepted` list is read back from the installed package, so it is as hostile as the model:
a callable no deny entry names (here the stdlib's `_osx_support._read_output`, which calls os.system)
must not be resolved by the smoke test's joblib unpickler.  Real joblib, real unpickler; no mocks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import joblib  # python3-joblib and python3-sklearn are in tools/setup: missing, the test fails

REPO = Path(__file__).resolve().parents[2]


class _Payload:
    def __init__(self, command: str, callable_):
        self.command, self.callable_ = command, callable_

    def __reduce__(self):
        return self.callable_, (self.command,)


def _tree(root: Path, payload, accepted: list[str]) -> Path:
    model = root / "usr/share/mlmodel/evil"
    (model / ".mlmodel").mkdir(parents=True)
    joblib.dump(payload, model / "model.joblib")
    record = {"format": 1, "model": "evil", "package": "evil-model",
              "files": [{"path": "usr/share/mlmodel/evil/model.joblib", "format": "joblib", "role": "weights",
                         "size": (model / "model.joblib").stat().st_size, "sha256": "0" * 64}],
              "accepted": [{"file": "model.joblib", "callable": c} for c in accepted]}
    (model / ".mlmodel/evil-model.json").write_text(json.dumps(record), encoding="utf-8")
    return root


def _imports(path: Path) -> set[str]:
    """Every callable the file imports, by joblib's own unpickler with a recording find_class (a file we made)."""
    from joblib import numpy_pickle

    seen: set[str] = set()
    base = numpy_pickle.NumpyUnpickler

    class Recording(base):
        def find_class(self, module, name):
            seen.add(f"{module}.{name}")
            return super().find_class(module, name)

    numpy_pickle.NumpyUnpickler = Recording
    try:
        numpy_pickle.load(str(path))
    finally:
        numpy_pickle.NumpyUnpickler = base
    return seen


def _smoke(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "smoke", "--root", str(root), "evil-model"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=REPO)


def test_smoke_does_not_run_a_shell_command_a_record_accepts(tmp_path):
    import _osx_support

    marker = tmp_path / "pwned"
    root = _tree(tmp_path / "root", _Payload(f"touch {marker}", _osx_support._read_output),
                 ["_osx_support._read_output"])
    result = _smoke(root)
    assert not marker.exists(), "mlmodel smoke ran the pickle's shell command"
    assert result.returncode == 1 and "failed" in result.stdout, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_smoke_does_not_write_a_file_through_an_accepted_class(tmp_path):
    """A class whose constructor writes a file (zipfile.ZipFile(path, 'w')): no file appears."""
    import zipfile

    class _Writer:
        def __reduce__(self):
            return zipfile.ZipFile, (str(tmp_path / "written-by-pickle.zip"), "w")

    root = _tree(tmp_path / "root", _Writer(), ["zipfile.ZipFile"])
    result = _smoke(root)
    assert not (tmp_path / "written-by-pickle.zip").exists()
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_smoke_still_loads_an_accepted_sklearn_estimator(tmp_path):
    """The fix keeps the case the accepted list is for: a scikit-learn estimator the maintainer accepted."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    est = LinearRegression().fit(np.arange(6.0).reshape(3, 2), np.arange(3.0))
    root = tmp_path / "root"
    model = root / "usr/share/mlmodel/evil"
    (model / ".mlmodel").mkdir(parents=True)
    joblib.dump(est, model / "model.joblib")
    raw = (model / "model.joblib").read_bytes()
    names = _imports(model / "model.joblib")  # what the maintainer saw and accepted: every import of the file
    assert any(n.startswith("sklearn.") for n in names), names
    _tree_record = {"format": 1, "model": "evil", "package": "evil-model",
                    "files": [{"path": "usr/share/mlmodel/evil/model.joblib", "format": "joblib", "role": "weights",
                               "size": len(raw), "sha256": "0" * 64}],
                    "accepted": [{"file": "model.joblib", "callable": c} for c in sorted(names)]}
    (model / ".mlmodel/evil-model.json").write_text(json.dumps(_tree_record), encoding="utf-8")
    result = _smoke(root)
    assert result.returncode == 0 and "LinearRegression.predict" in result.stdout, (result.stdout, result.stderr)


def test_smoke_does_not_import_a_module_the_record_accepts_before_checking_it(tmp_path):
    """Importing a module can run code: `this` prints the Zen of Python when imported (`antigravity` opens a
    browser).  A pickle naming `this.s`, accepted by the record, must be refused before the import."""
    model = tmp_path / "root/usr/share/mlmodel/evil"
    (model / ".mlmodel").mkdir(parents=True)
    (model / "model.joblib").write_bytes(b"\x80\x02cthis\ns\n.")
    record = {"format": 1, "model": "evil", "package": "evil-model",
              "files": [{"path": "usr/share/mlmodel/evil/model.joblib", "format": "joblib", "role": "weights",
                         "size": 13, "sha256": "0" * 64}],
              "accepted": [{"file": "model.joblib", "callable": "this.s"}]}
    (model / ".mlmodel/evil-model.json").write_text(json.dumps(record), encoding="utf-8")
    result = _smoke(tmp_path / "root")
    assert "Beautiful is better than ugly" not in result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_smoke_does_not_hang_on_a_config_json_that_is_not_a_regular_file(tmp_path):
    """config.json beside the weights as a FIFO (or a link to /dev/zero, whose size is 0): its stat size passes
    the limit, and reading it blocks (or never ends).  The smoke test must read only a regular file, bounded."""
    root = _tree(tmp_path / "root", {"plain": "data"}, [])
    os.mkfifo(root / "usr/share/mlmodel/evil/config.json")
    try:
        result = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "smoke", "--root", str(root), "evil-model"],
                                capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=REPO,
                                timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("mlmodel smoke blocked reading a FIFO named config.json") from None
    assert "Traceback" not in result.stderr
    assert result.returncode == 77, (result.stdout, result.stderr)  # skipped: no accepted imports


def test_smoke_does_not_pass_an_unfitted_estimator(tmp_path):
    """A joblib file holding an estimator that was never fitted cannot predict: not `ok`."""
    from sklearn.linear_model import LinearRegression

    root = tmp_path / "root"
    model = root / "usr/share/mlmodel/evil"
    (model / ".mlmodel").mkdir(parents=True)
    joblib.dump(LinearRegression(), model / "model.joblib")
    names = _imports(model / "model.joblib")
    record = {"format": 1, "model": "evil", "package": "evil-model",
              "files": [{"path": "usr/share/mlmodel/evil/model.joblib", "format": "joblib", "role": "weights",
                         "size": (model / "model.joblib").stat().st_size, "sha256": "0" * 64}],
              "accepted": [{"file": "model.joblib", "callable": c} for c in sorted(names)]}
    (model / ".mlmodel/evil-model.json").write_text(json.dumps(record), encoding="utf-8")
    result = _smoke(root)
    assert result.returncode == 1 and "fitted" in result.stdout, (result.stdout, result.stderr)
