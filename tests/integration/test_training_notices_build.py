"""training-inputs-honoured in a real build: a training input's notice missing from debian/copyright fails
dh_mlmodel under that profile only (issue 21; docs/policy.md §2)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import dpkg_buildpackage, intree_env, needs_debhelper
from dh_mlmodel.declaration import PROFILES, TRAINING_INPUTS_HONOURED

pytestmark = [pytest.mark.integration, needs_debhelper]

NOTICE = "2025 The Demo Corpus Authors"  # not in the demo's debian/copyright
DEMO_NOTICE = 'copyright: "2026 dh-mlmodel developers"'  # the demo's declared notice, which its file carries


def declare_notice(src: Path, profile: str, notice: str = f'copyright: "{NOTICE}"') -> None:
    """The demo's declaration, its one dataset carrying `notice` instead of its own, under `profile`."""
    decl = src / "debian/mlmodel.yaml"
    text = decl.read_text().replace("policy: ml-policy", f"policy: {profile}")
    assert f"policy: {profile}" in text and DEMO_NOTICE in text
    decl.write_text(text.replace(DEMO_NOTICE, notice))


def dh_mlmodel(src: Path):
    return subprocess.run(["dh_mlmodel"], cwd=src, env=intree_env(), capture_output=True, text=True)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_demo_as_shipped_passes_under_every_profile(demo_source, profile):
    declare_notice(demo_source, profile, DEMO_NOTICE)
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_missing_notice_fails_only_under_training_inputs_honoured(demo_source, profile):
    declare_notice(demo_source, profile)
    proc = dh_mlmodel(demo_source)
    installed = (demo_source / "debian/demo-embed/usr/share/mlmodel/demo-embed/model.safetensors").exists()
    if profile != TRAINING_INPUTS_HONOURED:
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert installed
        return
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 255 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("dh_mlmodel: error: debian/copyright: model demo-embed: training input demo-corpus")
    assert repr(NOTICE) in lines[0] and TRAINING_INPUTS_HONOURED in lines[0] and "Traceback" not in proc.stderr
    assert not installed  # nothing half-installed


def test_copyright_update_adds_the_notice_and_the_build_passes(demo_source):
    """`mlmodel copyright --update` proposes the declared notice; dh_mlmodel then accepts the file."""
    declare_notice(demo_source, TRAINING_INPUTS_HONOURED)
    subprocess.run(["mlmodel", "copyright", "--update", "."], cwd=demo_source, env=intree_env(), check=True,
                   capture_output=True)
    assert f"Training input demo-corpus: Copyright {NOTICE}" in (demo_source / "debian/copyright").read_text()
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("profile, passes", [(TRAINING_INPUTS_HONOURED, False), ("ml-policy", True)])
def test_dpkg_buildpackage_with_a_missing_notice(demo_source, profile, passes):
    """The two real builds: the same source fails under training-inputs-honoured and builds under ml-policy."""
    declare_notice(demo_source, profile)
    proc = dpkg_buildpackage(demo_source, "-b", check=False)
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if line.startswith("dh_mlmodel: error:")]
    if passes:
        assert proc.returncode == 0 and errors == [], output[-3000:]
        assert sorted(p.name.split("_")[0] for p in demo_source.parent.glob("*.deb")) == \
            ["demo-embed", "demo-embed-doc", "demo-embed-tokenizer"]
    else:
        assert proc.returncode != 0 and len(errors) == 1, output[-3000:]
        assert "training input demo-corpus" in errors[0] and NOTICE in errors[0]
        assert list(demo_source.parent.glob("*.deb")) == []
