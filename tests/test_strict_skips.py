"""Under CI=true (and in tools/check) a test that cannot run fails with its reason; DH_MLMODEL_ALLOW_SKIP=1 skips."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TOP

MODULES = {
    "test_needs_module.py": "import pytest\npytest.importorskip('no_such_module_h16')\n\ndef test_x():\n    pass\n",
    "test_needs_command.py": "import pytest\n\ndef test_y():\n    pytest.skip('frobnicate not installed')\n",
    "test_fine.py": "def test_z():\n    assert True\n",
}


def _run(tmp_path, **env_extra) -> subprocess.CompletedProcess:
    for name, text in MODULES.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DH_MLMODEL_STRICT", "DH_MLMODEL_ALLOW_SKIP")}
    env.update(PYTHONPATH=str(TOP / "tests"), **env_extra)
    # tests/conftest.py as a plugin, so that its hooks apply to these modules outside tests/.
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest", "-rfEs",
                           "--rootdir", str(tmp_path), str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True)


@pytest.mark.parametrize("env", [{"CI": "true"}, {"DH_MLMODEL_STRICT": "1"}])
def test_strict_skips_fail_with_the_reason_and_the_rest_runs(tmp_path, env):
    proc = _run(tmp_path, **env)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed, 1 error" in out and "skipped" not in out, out
    lines = out.splitlines()
    assert any(line.startswith("FAILED ") and "test_needs_command.py::test_y" in line and "frobnicate not installed"
               in line for line in lines), out
    assert any(line.startswith("ERROR ") and "test_needs_module.py" in line and "no_such_module_h16" in line
               for line in lines), out


def test_opt_out_skips_and_lists_them(tmp_path):
    proc = _run(tmp_path, CI="true", DH_MLMODEL_ALLOW_SKIP="1")
    out = proc.stdout
    assert proc.returncode == 0, out
    assert "1 passed, 2 skipped" in out, out
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED ")]
    assert any("frobnicate not installed" in line for line in skipped), out
    assert any("no_such_module_h16" in line for line in skipped), out


def test_without_ci_a_skip_is_a_skip(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 2 skipped" in proc.stdout, proc.stdout
