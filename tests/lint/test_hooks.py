"""integration/mlmodel-lint-changes, the command the sbuild recipe and the pbuilder hook run."""
from __future__ import annotations

import os
import subprocess

from lintdebs import MODEL_DIR, TOP, build_deb, demo_spec, needs_dpkg_deb, with_record, write_changes

pytestmark = needs_dpkg_deb
WRAPPER = TOP / "integration" / "mlmodel-lint-changes"
B_HOOK = TOP / "integration" / "pbuilder" / "B90mlmodel-lint"


def upload(tmp_path, broken: bool):
    spec = demo_spec()
    if broken:
        spec.files[f"{MODEL_DIR}/model.safetensors"] = b"\x00" * 64
    deb = build_deb(with_record(spec), tmp_path)
    changes = write_changes(tmp_path / "demo-embed_1.0_amd64.changes", [deb])
    # pbuilder's build directory also holds the source-only .changes: it must be skipped.
    (tmp_path / "demo-embed_1.0_source.changes").write_text("Format: 1.8\nSource: demo-embed\nFiles:\n")
    return changes


def run(*args, env=None, cwd=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("MLMODEL")}
    full.update(env or {})
    return subprocess.run([str(WRAPPER), "--mlmodel", str(TOP / "bin" / "mlmodel"), *map(str, args)],
                          capture_output=True, text=True, env=full, cwd=cwd)


def test_not_fatal_by_default(tmp_path):
    changes = upload(tmp_path, broken=True)
    proc = run(changes)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "+------ mlmodel lint (fail on: error; fatal: no) ------"
    assert any(line.startswith("E: demo-embed: malformed-model-file") for line in lines)
    assert lines[-1] == "+------ mlmodel lint: exit status 1 ------"


def test_fatal_by_option_or_environment(tmp_path):
    changes = upload(tmp_path, broken=True)
    assert run("--fatal", changes).returncode == 1
    assert run(changes, env={"MLMODEL_LINT_FATAL": "yes"}).returncode == 1
    assert run("--fatal", changes, env={"MLMODEL_LINT_FATAL": "yes"}).returncode == 1


def test_fatal_clean_upload_passes(tmp_path):
    proc = run("--fatal", "--fail-on", "warning", upload(tmp_path, broken=False))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_directory_argument_prefers_binary_changes(tmp_path):
    upload(tmp_path, broken=True)
    proc = run("--fatal", tmp_path)
    assert proc.returncode == 1 and "malformed-model-file" in proc.stdout
    proc = run("--fatal", env={"BUILDDIR": str(tmp_path)})  # pbuilder's variable
    assert proc.returncode == 1 and "malformed-model-file" in proc.stdout


def test_pbuilder_hook_outside_a_chroot(tmp_path):
    """The B-hook with mlmodel on PATH (as in a chroot where dh-mlmodel is installed)."""
    upload(tmp_path, broken=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLMODEL")}
    env.update(BUILDDIR=str(tmp_path), PATH=f"{TOP / 'bin'}:{env['PATH']}")
    proc = subprocess.run([str(B_HOOK)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "E: demo-embed: malformed-model-file" in proc.stdout
    env["MLMODEL_LINT_FATAL"] = "yes"
    assert subprocess.run([str(B_HOOK)], capture_output=True, text=True, env=env).returncode == 1


def test_no_changes_found_is_fatal_only_when_asked(tmp_path):
    """Every spelling of "fatal" counts, also before any .changes is found (1 and true were missed there)."""
    assert run(tmp_path).returncode == 0
    for value in ("yes", "1", "true"):
        proc = run(tmp_path, env={"MLMODEL_LINT_FATAL": value})
        assert proc.returncode == 2 and "no .changes file found" in proc.stderr, value
