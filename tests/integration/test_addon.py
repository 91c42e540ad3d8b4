"""The sequence add-on: where dh_mlmodel lands, and never silently nowhere."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]

# A stand-in for an add-on such as debputy's full integration, which removes
# the commands dh_mlmodel is anchored to.  Loaded before ours by --with order.
REMOVER = """#!/usr/bin/perl
use strict; use warnings; use Debian::Debhelper::Dh_Lib;
{removals}
1;
"""


def write_remover(root: Path, name: str, commands: list[str]) -> Path:
    seq = root / "Debian/Debhelper/Sequence"
    seq.mkdir(parents=True, exist_ok=True)
    removals = "\n".join(f"remove_command('{c}');" for c in commands)
    (seq / f"{name}.pm").write_text(REMOVER.format(name=name, removals=removals))
    return root


def dh_no_act(src: Path, perl_extra: Path, withs: str):
    env = intree_env()
    env["PERL5LIB"] = f"{env['PERL5LIB']}:{perl_extra}"
    return subprocess.run(["dh", "binary", "--no-act", f"--with={withs}"], cwd=src, env=env,
                          capture_output=True, text=True)


def control_without_build_dep(src: Path) -> None:
    control = src / "debian/control"
    control.write_text(control.read_text().replace(", dh-sequence-mlmodel", ""))


def test_falls_back_when_dh_lintian_is_gone(demo_source, tmp_path):
    control_without_build_dep(demo_source)
    extra = write_remover(tmp_path / "perl", "nolintian", ["dh_lintian"])
    proc = dh_no_act(demo_source, extra, "nolintian,mlmodel")
    assert proc.returncode == 0, proc.stderr
    order = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert "dh_lintian" not in order
    assert order.index("dh_mlmodel") == order.index("dh_compress") - 1


def test_fails_loudly_when_no_anchor_is_left(demo_source, tmp_path):
    control_without_build_dep(demo_source)
    extra = write_remover(tmp_path / "perl", "noanchors", ["dh_lintian", "dh_compress", "dh_builddeb"])
    proc = dh_no_act(demo_source, extra, "noanchors,mlmodel")
    assert proc.returncode != 0
    assert "dh_mlmodel has no place to run" in proc.stderr


def test_dh_mlmodel_refuses_debputy_full_integration(demo_source):
    control = demo_source / "debian/control"
    control.write_text(control.read_text().replace("dh-sequence-mlmodel", "dh-sequence-mlmodel, dh-sequence-zz-debputy"))
    proc = subprocess.run(["dh_mlmodel"], cwd=demo_source, env=intree_env(), capture_output=True, text=True)
    assert proc.returncode == 255
    assert proc.stderr.startswith("dh_mlmodel: error: debputy's full integration")
