"""The demo built by real sbuild (unshare mode, mmdebstrap chroot) with the mlmodel lint post-build hook.

One build of the demo with a planted Git LFS pointer (dh_mlmodel told to let
it through) and two post-build commands: the recipe's non-fatal hook, whose
output must appear while it exits 0, then the same hook with --fatal, which
must fail the build.  Slow (about two minutes warm; the chroot tarball is
cached in /var/cache/dh-mlmodel/chroots); needs root for the subuid entry.
"""
from __future__ import annotations

import subprocess

import pytest

import chroots
from conftest import DEMO, TOP

pytestmark = [pytest.mark.integration, pytest.mark.chroot]
HOOK = TOP / "integration" / "mlmodel-lint-changes"
MLMODEL = TOP / "bin" / "mlmodel"


@pytest.fixture(scope="module")
def sbuild_env():
    suite = chroots.usable_suite(("sbuild", "mmdebstrap", "newuidmap", "dpkg-buildpackage"),
                                 "sbuild's unshare mode needs a subuid range for the user; CI runs this as root")
    chroots.ensure_subids()
    return suite, chroots.sbuild_tarball(suite)


def test_sbuild_post_build_hook(sbuild_env, tmp_path):
    suite, tarball = sbuild_env
    own, _ = chroots.build_own_deb(TOP, tmp_path / "own")
    dsc = chroots.demo_dsc(DEMO, tmp_path / "src", planted=True)
    out = tmp_path / "out"
    out.mkdir()
    hook = f"{HOOK} --mlmodel {MLMODEL}"
    proc = subprocess.run(
        ["sbuild", "--chroot-mode=unshare", f"--chroot={tarball}", "-d", suite, "--arch-all", "--nolog",
         "--no-run-lintian", "--no-run-autopkgtest", "--no-run-piuparts", "--no-apt-upgrade", "--no-apt-distupgrade",
         f"--extra-package={own}",
         f"--post-build-commands={hook} %SBUILD_CHANGES", f"--post-build-commands={hook} --fatal %SBUILD_CHANGES",
         str(dsc)],
        cwd=out, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900)
    log = proc.stdout + proc.stderr
    assert "+------ mlmodel lint (fail on: error; fatal: no) ------" in log, log[-4000:]
    assert "+------ mlmodel lint (fail on: error; fatal: yes) ------" in log
    assert log.count(chroots.LFS_LINE) == 2  # the binary package's pointer, from both commands
    # The non-fatal command exited 0; only the fatal one failed, and with it the build.
    failed = [line for line in log.splitlines() if "failed to run" in line]
    assert len(failed) == 1 and "--fatal" in failed[0], failed
    assert "Status: failed" in log and "Fail-Stage: run-post-build-commands" in log
    assert proc.returncode != 0
    assert sorted(p.name for p in out.glob("*.deb")) == [
        "demo-embed-doc_1.0_all.deb", "demo-embed-tokenizer_1.0_all.deb", "demo-embed_1.0_all.deb"]
