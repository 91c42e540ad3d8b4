"""The demo built by real pbuilder with the shipped B-hook, integration/pbuilder/B90mlmodel-lint.

One build of the demo with a planted Git LFS pointer: the shipped hook runs
non-fatal (its output must appear and it must finish), then a second hook
runs it with MLMODEL_LINT_FATAL=yes, which must fail the build (pbuilder then
copies no results).  dh-mlmodel's .deb from this checkout reaches the chroot
through a bind mount and a D-hook, as docs/integration.md describes.  Slow
(about two minutes warm; the base tgz is cached in /var/cache/dh-mlmodel/chroots).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import chroots
from conftest import DEMO, TOP

pytestmark = [pytest.mark.integration, pytest.mark.chroot]
B_HOOK = TOP / "integration" / "pbuilder" / "B90mlmodel-lint"
D_HOOK = """#!/bin/sh
# dh-mlmodel from this checkout, so that the demo's Build-Depends are met
apt-get install -y -q --no-install-recommends /mlmodel-bind/dh-mlmodel_*.deb
"""
FATAL_HOOK = """#!/bin/sh
MLMODEL_LINT_FATAL=yes exec /tmp/hooks/B90mlmodel-lint
"""


@pytest.fixture(scope="module")
def base_tgz():
    suite = chroots.usable_suite(("pbuilder", "debootstrap", "dpkg-buildpackage"), "pbuilder needs root")
    return chroots.pbuilder_base(suite)


def write_hook(path, text):
    path.write_text(text)
    path.chmod(0o755)


def test_pbuilder_b_hook(base_tgz, tmp_path):
    bind, hooks, result, build, cache = (tmp_path / d for d in ("bind", "hooks", "result", "build", "aptcache"))
    for d in (bind, hooks, result, build, cache):
        d.mkdir()
    chroots.build_own_deb(TOP, bind)
    shutil.copy2(B_HOOK, hooks / B_HOOK.name)
    write_hook(hooks / "D10dh-mlmodel", D_HOOK)
    write_hook(hooks / "B91mlmodel-lint-fatal", FATAL_HOOK)
    dsc = chroots.demo_dsc(DEMO, tmp_path / "src", planted=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLMODEL_LINT")}
    proc = subprocess.run(
        ["pbuilder", "build", "--basetgz", str(base_tgz), "--buildplace", str(build), "--aptcache", str(cache),
         "--buildresult", str(result), "--hookdir", str(hooks), "--bindmounts", f"{bind}:/mlmodel-bind", str(dsc)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=900)
    log = proc.stdout + proc.stderr
    assert "downgraded by --warn-only" in log, log[-4000:]  # the build itself went through
    assert log.count(chroots.LFS_LINE) == 2, log[-4000:]  # from the non-fatal hook, then the fatal one
    assert "B90mlmodel-lint finished" in log  # non-fatal: exit 0, pbuilder went on
    assert "B91mlmodel-lint-fatal finished" not in log
    assert proc.returncode != 0
    assert not list(result.glob("*.deb"))  # a failed B-hook: pbuilder copies no results
